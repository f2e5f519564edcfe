"""Issue 14: the catalog refresh's lifecycle sync (defaults move, operators are alerted,
founders' projections re-priced) and its guard (a Price List that prices nothing, or moves a
price more than PRICE_CHANGE_FACTOR, overwrites nothing), against
tests.aws_model.ModelStubber.

The stubs expect no particular request parameters (the adapter's own tests pin those down),
but ModelStubber still holds the parameters the adapter really sends, and every stubbed
response, to botocore's whole service model.
"""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from zeal import zeal_ignore

from tests.factories import UserFactory, WorkloadFactory
from tests.workloads.test_catalog import stubbed
from workloads import selectors, services, tasks
from workloads.aws import CatalogClients
from workloads.models import AuditEvent, Lifecycle, ModelPrice, PriceBook, TierDefault
from workloads.services import PRICE_CHANGE_FACTOR, catalog_refresh

pytestmark = pytest.mark.django_db

HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET_46 = "anthropic.claude-sonnet-4-6"
SONNET_5 = "anthropic.claude-sonnet-5"
OPUS_48 = "anthropic.claude-opus-4-8"
HAIKU_45_NAME = "Claude Haiku 4.5 (Amazon Bedrock Edition)"
ANY = None  # no expected_params: ModelStubber still checks the actual ones against the model


def _summary(model_id: str, name: str, status: str = "ACTIVE", **lifecycle) -> dict:
    return {
        "modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}",
        "modelId": model_id,
        "modelName": name,
        "providerName": "Anthropic",
        "inferenceTypesSupported": ["INFERENCE_PROFILE"],
        "modelLifecycle": {"status": status, **lifecycle},
    }


def _item(usagetype: str, usd: str, service_name: str = HAIKU_45_NAME) -> str:
    return json.dumps(
        {
            "product": {
                "productFamily": "Amazon Bedrock Edition",
                "attributes": {
                    "servicecode": "AmazonBedrockFoundationModels",
                    "servicename": service_name,
                    "usagetype": usagetype,
                    "regionCode": "us-east-1",
                },
                "sku": "SKU" + str(abs(hash((service_name, usagetype))) % 10**8),
            },
            "terms": {
                "OnDemand": {
                    "T1": {
                        "priceDimensions": {
                            "T1.D1": {
                                "unit": "1M tokens",
                                "description": f"{service_name} {usagetype}",
                                "pricePerUnit": {"USD": usd},
                            }
                        }
                    }
                }
            },
        }
    )


def haiku_items(input_usd: str = "1.00") -> list[str]:
    """Haiku 4.5 at the book's prices, except the given global input price."""
    prices = {
        "InputTokenCount": input_usd,
        "OutputTokenCount": "5.00",
        "CacheReadInputTokenCount": "0.10",
        "CacheWriteInputTokenCount": "1.25",
        "CacheWrite1hInputTokenCount": "2.00",
        "InputTokenCount_Global_Batch": "0.50",
        "OutputTokenCount_Global_Batch": "2.50",
    }
    items = [
        _item(f"USE1-MP:USE1_{meter}{'' if 'Batch' in meter else '_Global'}-Units", usd)
        for meter, usd in prices.items()
    ]
    # In-region calls cost 10% more: the premium flag stays as the book has it.
    items.append(_item("USE1-MP:USE1_InputTokenCount-Units", str(Decimal(input_usd) * 11 / 10)))
    return items


SONNET_5_NAME = "Claude Sonnet 5 (Amazon Bedrock Edition)"
OPUS_48_NAME = "Claude Opus 4.8 (Amazon Bedrock Edition)"


def default_items(input_usd: str = "1.00") -> list[str]:
    """Every tier default's model at the book's prices (Haiku's input as given)."""
    others = [
        _item(f"USE1-MP:USE1_{meter}_Global-Units", usd, name)
        for name, prices in (
            (SONNET_5_NAME, ("2.00", "10.00", "0.20", "2.50", "4.00")),
            (OPUS_48_NAME, ("5.00", "25.00", "0.50", "6.25", "10.00")),
        )
        for meter, usd in zip(
            (
                "InputTokenCount",
                "OutputTokenCount",
                "CacheReadInputTokenCount",
                "CacheWriteInputTokenCount",
                "CacheWrite1hInputTokenCount",
            ),
            prices,
            strict=True,
        )
    ]
    return haiku_items(input_usd) + others


def _clients(
    *, statuses: dict[str, str] | None = None, items: list[str], lifecycle: dict | None = None
) -> CatalogClients:
    statuses, lifecycle = statuses or {}, lifecycle or {}
    names = {HAIKU_45: "Claude Haiku 4.5", SONNET_5: "Claude Sonnet 5", OPUS_48: "Claude Opus 4.8"}
    (bedrock, bedrock_stub), (pricing, pricing_stub) = stubbed("bedrock"), stubbed("pricing")
    bedrock_stub.add_response(
        "list_foundation_models",
        {
            "modelSummaries": [
                _summary(
                    model_id, name, statuses.get(model_id, "ACTIVE"), **lifecycle.get(model_id, {})
                )
                for model_id, name in names.items()
            ]
        },
        ANY,
    )
    bedrock_stub.add_response("list_inference_profiles", {"inferenceProfileSummaries": []}, ANY)
    pricing_stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": items}, ANY)
    bedrock_stub.activate()
    pricing_stub.activate()
    return CatalogClients(bedrock=bedrock, pricing=pricing)


def refresh(**kwargs) -> services.CatalogRefreshResult:
    clients = _clients(**kwargs)
    return catalog_refresh(bedrock_client=clients.bedrock, pricing_client=clients.pricing)


def _rows(model_id: str):
    return ModelPrice.objects.filter(book__slug="bedrock-current", model_id=model_id)


def _book() -> PriceBook:
    return PriceBook.objects.get(slug="bedrock-current")


def _default(tier: str) -> str:
    return TierDefault.objects.get(book__slug="bedrock-current", tier=tier).model_id


# --- a refresh that works ---------------------------------------------------------------------


def test_a_refresh_that_prices_the_book_marks_it_fresh():
    assert selectors.price_book_provenance(_book())["stale"]  # shipped 2026-09-03

    result = refresh(items=default_items())

    assert not result.held and result.prices_unchanged == 3 and result.prices_added == 0
    book = _book()
    assert book.refreshed_at is not None and book.refresh_note == ""
    assert selectors.price_book_provenance(book)["stale"] is False
    assert book.effective_from == dt.date(2026, 9, 3)  # no price changed: the date stays


def test_a_refresh_that_leaves_a_default_unpriced_confirms_nothing():
    result = refresh(items=haiku_items())  # Sonnet 5 and Opus 4.8 are not in this Price List

    assert not result.held and result.prices_unchanged == 1
    book = _book()
    assert book.refreshed_at is None and selectors.price_book_provenance(book)["stale"]
    assert SONNET_5 in book.refresh_note and OPUS_48 in book.refresh_note


def test_a_modest_price_change_is_a_new_dated_row_and_dates_the_book():
    result = refresh(items=default_items(input_usd="1.20"))

    today = timezone.localdate()
    assert result.added == [HAIKU_45] and not result.held
    newest = _rows(HAIKU_45).latest("effective_from")
    assert (newest.effective_from, newest.input) == (today, Decimal("1.2000"))
    assert newest.min_cache_prefix == 4096  # from the dated table, the Price List has none
    assert _rows(HAIKU_45).count() == 2  # the old row stays as history
    book = _book()
    assert book.effective_from == today and book.refreshed_at is not None
    # The book names both origins: the Price List for what it changed, the capture for the rest.
    assert book.source.startswith("AWS Price List API") and "Claude Haiku 4.5" in book.source
    assert "bedrock-pricing-cache.md" in book.source


# --- the guard --------------------------------------------------------------------------------


@pytest.mark.parametrize("input_usd", ["10.00", "0.30"])
def test_a_price_moving_more_than_the_factor_is_held_with_a_note_and_an_alert(input_usd):
    assert PRICE_CHANGE_FACTOR == 3  # 10.00 and 0.30 are both beyond 3x of 1.00

    result = refresh(items=haiku_items(input_usd=input_usd))

    assert result.held and result.prices_added == 0
    assert _rows(HAIKU_45).count() == 1  # nothing overwritten, nothing added
    row = _rows(HAIKU_45).get()
    assert row.input == Decimal("1.00")
    assert "held" not in row.note  # row notes reach founders; this is for operators
    assert any("held" in alert and "Claude Haiku 4.5" in alert for alert in result.alerts)
    book = _book()
    assert book.refreshed_at is None  # a held refresh confirms nothing
    assert f"input ${input_usd} (was $1.00)" in book.refresh_note

    refresh(items=default_items(input_usd=input_usd))  # tomorrow, the same Price List

    assert _book().refresh_note.count("held") == 1  # replaced, not piled up


def test_a_price_list_that_prices_no_known_model_changes_nothing_and_alerts():
    unknown = [_item("USE1-MP:USE1_InputTokenCount_Global-Units", "9.00", "Claude Nova (X)")]
    before = list(ModelPrice.objects.values_list("pk", "input", "note"))

    result = refresh(items=unknown)

    assert result.held
    assert any("priced none of this book's models" in alert for alert in result.alerts)
    assert list(ModelPrice.objects.values_list("pk", "input", "note")) == before
    assert _book().refreshed_at is None


def test_the_task_emails_the_operators_its_alerts(monkeypatch, mailoutbox):
    UserFactory(is_staff=True, email="ops@cloudroute.test")
    UserFactory(email="founder@example.com")
    clients = _clients(items=haiku_items(input_usd="10.00"))
    monkeypatch.setattr(tasks.aws, "catalog_clients", lambda: clients)

    tasks.refresh_catalog.delay().get()

    (message,) = mailoutbox
    assert message.to == ["ops@cloudroute.test"]
    assert message.subject == "[ops] Price book bedrock-current: 1 thing(s) to review"
    assert "Claude Haiku 4.5" in message.body and "/admin/workloads/pricebook/" in message.body


def test_a_clean_refresh_emails_nobody(monkeypatch, mailoutbox):
    UserFactory(is_staff=True)
    clients = _clients(items=haiku_items())
    monkeypatch.setattr(tasks.aws, "catalog_clients", lambda: clients)

    tasks.refresh_catalog.delay().get()

    assert mailoutbox == []


# --- lifecycle sync ---------------------------------------------------------------------------


def test_a_default_turning_legacy_moves_to_its_active_replacement_and_alerts():
    _rows(SONNET_5).update(replacement="Claude Sonnet 4.6")

    result = refresh(statuses={SONNET_5: "LEGACY"}, items=haiku_items())

    assert set(_rows(SONNET_5).values_list("lifecycle", flat=True)) == {Lifecycle.LEGACY}
    assert _default("sonnet") == SONNET_46
    assert result.defaults_moved == {"sonnet": SONNET_46}
    assert any("now runs on Claude Sonnet 4.6" in alert for alert in result.alerts)
    assert any("Claude Sonnet 5" in alert and "legacy" in alert for alert in result.alerts)
    event = AuditEvent.objects.filter(action="price_book.refreshed").latest("created_at")
    assert event.data["lifecycle_changed"] == {SONNET_5: "legacy"}


def test_a_default_turning_end_of_life_without_a_replacement_stays_and_alerts():
    result = refresh(statuses={OPUS_48: "END_OF_LIFE"}, items=haiku_items())

    assert _rows(OPUS_48).get().lifecycle == Lifecycle.END_OF_LIFE
    assert _default("opus") == OPUS_48  # nothing active to move to: an operator must pick
    assert any("has no active replacement" in alert for alert in result.alerts)


def test_a_lifecycle_change_reprices_the_founders_projections_that_use_the_model(
    django_capture_on_commit_callbacks,
):
    with zeal_ignore():
        uses_it, _other = WorkloadFactory.create_batch(2)
        services.workload_project(workload_id=uses_it.pk)
        services.workload_project(workload_id=_other.pk)
    # Only the first one's newest projection priced its Opus tier with Opus 4.8.
    newest = uses_it.projections.first()
    newest.inputs["prices"]["opus"] = OPUS_48
    newest.save()
    other = _other.projections.first()
    other.inputs["prices"]["opus"] = "anthropic.claude-opus-4-6-v1"
    other.save()
    assert selectors.workloads_priced_with(model_ids=[OPUS_48]) == [uses_it.pk]

    with django_capture_on_commit_callbacks(execute=True):
        refresh(statuses={OPUS_48: "LEGACY"}, items=haiku_items())

    assert uses_it.projections.count() == 2 and _other.projections.count() == 1
    warnings = uses_it.projections.first().result["warnings"]
    assert any("Claude Opus 4.8" in warning and "legacy" in warning for warning in warnings)


def test_an_unchanged_lifecycle_reprojects_nothing(django_capture_on_commit_callbacks):
    with zeal_ignore():
        workload = WorkloadFactory()
        services.workload_project(workload_id=workload.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = refresh(items=haiku_items())

    assert result.lifecycle_changed == {} and callbacks == []
    assert workload.projections.count() == 1


def test_awss_end_of_life_date_is_stored_on_the_models_rows():
    when = dt.datetime(2027, 3, 1, 0, 0, tzinfo=dt.UTC)

    refresh(
        statuses={OPUS_48: "LEGACY"},
        lifecycle={OPUS_48: {"endOfLifeTime": when}},
        items=default_items(),
    )

    assert set(_rows(OPUS_48).values_list("end_of_life_on", flat=True)) == {dt.date(2027, 3, 1)}


def test_an_illustrative_book_is_not_refreshed():
    clients = _clients(items=default_items(input_usd="0.30"))
    before = list(ModelPrice.objects.values_list("pk", "input", "lifecycle"))

    result = catalog_refresh(
        bedrock_client=clients.bedrock,
        pricing_client=clients.pricing,
        book_slug="representative-2026",
    )

    assert result.warnings == ["An illustrative book is not refreshed from AWS."]
    assert list(ModelPrice.objects.values_list("pk", "input", "lifecycle")) == before
    assert PriceBook.objects.get(slug="representative-2026").refreshed_at is None


def test_a_price_listed_only_in_region_is_not_stored_as_the_global_one():
    # AWS lists Haiku 4.5's batch input only in-Region (0.55): the book keeps its global 0.50
    # rather than store a price the regional premium would then raise again.
    items = [item for item in default_items() if "InputTokenCount_Global_Batch" not in item]
    items.append(_item("USE1-MP:USE1_InputTokenCount_Batch-Units", "0.55"))

    refresh(items=items)

    assert _rows(HAIKU_45).latest("effective_from").batch_input == Decimal("0.50")
