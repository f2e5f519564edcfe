"""The catalog and price refresh from AWS, against tests.aws_model.ModelStubber: never the
network.

ModelStubber holds every stubbed response, and every request the adapter really sends, to
botocore's service model (enums, patterns, lengths and ranges too, beyond what Stubber
checks), and raises on any call that was not stubbed, so these requests and responses have
the shapes AWS really takes and returns.
"""

import datetime as dt
import json
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.aws_model import ModelStubber, stubbed_client
from tests.factories import UserFactory
from workloads import aws, selectors
from workloads.aws import CatalogClients
from workloads.aws.catalog import (
    classify_usagetype,
    fetch_bedrock_prices,
    list_anthropic_models,
    parse_price_item,
    per_million_tokens,
    quotes_by_model,
)
from workloads.models import AuditEvent, Lifecycle, ModelPrice, PriceBook
from workloads.services import catalog_refresh
from workloads.tasks import refresh_catalog

pytestmark = pytest.mark.django_db


HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET_46 = "anthropic.claude-sonnet-4-6"
OPUS_46 = "anthropic.claude-opus-4-6-v1"
OPUS_41 = "anthropic.claude-opus-4-1-20250805-v1:0"
OPUS_47 = "anthropic.claude-opus-4-7-v1"  # listed by AWS, unknown to the shipped books
ACCOUNT = "123456789012"


# --- stubbed AWS responses ------------------------------------------------------------------


def model_summary(model_id: str, name: str, status: str = "ACTIVE", **extra) -> dict:
    return {
        "modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}",
        "modelId": model_id,
        "modelName": name,
        "providerName": "Anthropic",
        "inputModalities": ["TEXT", "IMAGE"],
        "outputModalities": ["TEXT"],
        "responseStreamingSupported": True,
        "customizationsSupported": [],
        "inferenceTypesSupported": ["ON_DEMAND"],
        "modelLifecycle": {"status": status},
        **extra,
    }


MODELS_RESPONSE = {
    "modelSummaries": [
        model_summary(HAIKU_45, "Claude Haiku 4.5"),
        model_summary(HAIKU_3, "Claude 3 Haiku"),
        # A provisioned-throughput variant with a longer context window: not its own model.
        model_summary(f"{HAIKU_3}:200k", "Claude 3 Haiku", inferenceTypesSupported=["PROVISIONED"]),
        model_summary(SONNET_46, "Claude Sonnet 4.6"),
        model_summary(OPUS_46, "Claude Opus 4.6"),
        model_summary(OPUS_41, "Claude Opus 4.1", "LEGACY"),
        model_summary(OPUS_47, "Claude Opus 4.7"),
    ]
}


def profile(prefix: str, model_id: str, name: str, regions=("us-east-1",)) -> dict:
    profile_id = f"{prefix}.{model_id}"
    return {
        "inferenceProfileName": name,
        "description": "Routes requests to the model in several Regions.",
        "inferenceProfileArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/"
        + profile_id,
        "models": [
            {"modelArn": f"arn:aws:bedrock:{region}::foundation-model/{model_id}"}
            for region in regions
        ],
        "inferenceProfileId": profile_id,
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
    }


PROFILE_PAGES = [
    {
        "inferenceProfileSummaries": [
            profile("global", HAIKU_45, "Global Claude Haiku 4.5"),
            profile("us", HAIKU_45, "US Claude Haiku 4.5", ("us-east-1", "us-east-2", "us-west-2")),
        ],
        "nextToken": "profiles-page-2",
    },
    {
        "inferenceProfileSummaries": [
            profile("us", HAIKU_3, "US Anthropic Claude 3 Haiku"),
            profile("global", SONNET_46, "Global Claude Sonnet 4.6"),
        ]
    },
]


def price_item(
    service_name: str, usagetype: str, usd: str, unit: str = "1M tokens", **attributes
) -> str:
    """One Price List item, a JSON string as get_products returns it."""
    sku = f"SKU{zlib.crc32(f'{service_name}|{usagetype}'.encode()):010d}"
    return json.dumps(
        {
            "product": {
                "productFamily": "Amazon Bedrock Edition",
                "attributes": {
                    "servicecode": "AmazonBedrockFoundationModels",
                    "servicename": service_name,
                    "usagetype": usagetype,
                    "regionCode": "us-east-1",
                    "location": "US East (N. Virginia)",
                    "locationType": "AWS Region",
                    "operation": "Usage",
                    **attributes,
                },
                "sku": sku,
            },
            "serviceCode": "AmazonBedrockFoundationModels",
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": unit,
                                "endRange": "Inf",
                                "description": f"{service_name} {usagetype}",
                                "appliesTo": [],
                                "rateCode": f"{sku}.JRTCKXETXF.6YS6EN2CT7",
                                "beginRange": "0",
                                "pricePerUnit": {"USD": usd},
                            }
                        },
                        "sku": sku,
                        "effectiveDate": "2026-11-01T00:00:00Z",
                        "offerTermCode": "JRTCKXETXF",
                        "termAttributes": {},
                    }
                }
            },
            "version": "20261101000000",
            "publicationDate": "2026-11-01T00:00:00Z",
        }
    )


HAIKU_45_NAME = "Claude Haiku 4.5 (Amazon Bedrock Edition)"
HAIKU_3_NAME = "Claude 3 Haiku (Amazon Bedrock Edition)"
SONNET_46_NAME = "Claude Sonnet 4.6 (Amazon Bedrock Edition)"


def haiku_45_items(input_usd: str = "1.00") -> list[str]:
    """Haiku 4.5 as today's book has it, except the global input price, priced per 1M."""
    return [
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_InputTokenCount_Global-Units", input_usd),
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_OutputTokenCount_Global-Units", "5.00"),
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_CacheReadInputTokenCount_Global-Units", "0.10"),
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_CacheWriteInputTokenCount_Global-Units", "1.25"),
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units", "2.00"),
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_InputTokenCount_Global_Batch-Units", "0.50"),
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_OutputTokenCount_Global_Batch-Units", "2.50"),
        # In-region calls cost 10% more; the book keeps the global price and the flag.
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_InputTokenCount-Units", "1.10"),
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_OutputTokenCount-Units", "5.50"),
        # Long context is not in the book.
        price_item(HAIKU_45_NAME, "USE1-MP:USE1_InputTokenCount_Global_LCtx-Units", "2.00"),
    ]


def haiku_3_items() -> list[str]:
    """Claude 3 Haiku priced per 1K tokens, the older way: 0.00025/1K is 0.25/1M."""
    return [
        price_item(HAIKU_3_NAME, "USE1-MP:USE1_InputTokenCount-Units", "0.00025", "1K tokens"),
        price_item(HAIKU_3_NAME, "USE1-MP:USE1_OutputTokenCount-Units", "0.00125", "1K tokens"),
        price_item(
            HAIKU_3_NAME, "USE1-MP:USE1_InputTokenCount_Batch-Units", "0.000125", "1K tokens"
        ),
        price_item(
            HAIKU_3_NAME, "USE1-MP:USE1_OutputTokenCount_Batch-Units", "0.000625", "1K tokens"
        ),
    ]


def junk_items() -> list[str]:
    """Items the refresh must skip without crashing."""
    return [
        "this is not JSON",
        json.dumps(["a", "list"]),
        json.dumps({"product": {"attributes": "not a dict"}}),
        json.dumps({"product": {"attributes": {"servicename": SONNET_46_NAME}}}),  # no usagetype
        price_item(
            "Cohere Command R (Amazon Bedrock Edition)", "USE1-MP:USE1_InputTokenCount-Units", "1"
        ),
        price_item(SONNET_46_NAME, "USE1-MP:USE1_ProvisionedThroughput-Units", "44.00", "Hrs"),
        price_item(SONNET_46_NAME, "USE1-MP:USE1_InputTokenCount_Global-Units", "3.00", "Units"),
        price_item(SONNET_46_NAME, "USE1-MP:USE1_OutputTokenCount_Global-Units", "abc"),
        price_item(SONNET_46_NAME, "USE1-MP:USE1_InputTokenCount_Global-Units", "0.0000000"),
        price_item(
            SONNET_46_NAME,
            "EUC1-MP:EUC1_InputTokenCount_Global-Units",
            "9.00",
            regionCode="eu-central-1",
        ),
    ]


PRICE_REQUEST = {
    "ServiceCode": "AmazonBedrockFoundationModels",
    "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}],
    "FormatVersion": "aws_v1",
    "MaxResults": 100,
}


def stubbed(service: str) -> tuple:
    client = stubbed_client(service)
    return client, ModelStubber(client)


def bedrock_stub(models_response: dict = MODELS_RESPONSE, profile_pages=PROFILE_PAGES):
    client, stubber = stubbed("bedrock")
    stubber.add_response("list_foundation_models", models_response, {"byProvider": "Anthropic"})
    token = None
    for page in profile_pages:
        expected = {"typeEquals": "SYSTEM_DEFINED", **({"nextToken": token} if token else {})}
        stubber.add_response("list_inference_profiles", page, expected)
        token = page.get("nextToken")
    return client, stubber


def pricing_stub(pages: list[list[str]]):
    client, stubber = stubbed("pricing")
    for number, items in enumerate(pages, start=1):
        response = {"FormatVersion": "aws_v1", "PriceList": items}
        if number < len(pages):
            response["NextToken"] = f"price-page-{number + 1}"
        expected = {
            **PRICE_REQUEST,
            **({"NextToken": f"price-page-{number}"} if number > 1 else {}),
        }
        stubber.add_response("get_products", response, expected)
    return client, stubber


@pytest.fixture
def aws_stubs():
    """Stubbed bedrock and pricing clients; every stubbed response must be consumed."""

    def make(*, price_pages=None, models_response=MODELS_RESPONSE):
        bedrock, bedrock_stubber = bedrock_stub(models_response)
        pricing, pricing_stubber = pricing_stub(
            price_pages if price_pages is not None else [haiku_45_items(), haiku_3_items()]
        )
        bedrock_stubber.activate()
        pricing_stubber.activate()
        stubbers.extend([bedrock_stubber, pricing_stubber])
        return CatalogClients(bedrock=bedrock, pricing=pricing)

    stubbers: list[ModelStubber] = []
    yield make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def latest_row(model_id: str, book: str = "bedrock-current") -> ModelPrice:
    return ModelPrice.objects.filter(book__slug=book, model_id=model_id).latest("effective_from")


# --- the adapter --------------------------------------------------------------------------


def test_it_lists_models_with_lifecycle_and_profiles_across_pages(aws_stubs):
    clients = aws_stubs(price_pages=[[]])
    fetch_bedrock_prices(clients.pricing)  # consume the pricing stub

    models = {model.model_id: model for model in list_anthropic_models(clients.bedrock)}

    assert set(models) == {HAIKU_45, HAIKU_3, SONNET_46, OPUS_46, OPUS_41, OPUS_47}
    assert models[OPUS_41].is_legacy and models[OPUS_41].lifecycle_status == "LEGACY"
    assert not models[HAIKU_45].is_legacy
    assert models[HAIKU_45].name == "Claude Haiku 4.5"
    assert models[HAIKU_45].profile_ids == (f"global.{HAIKU_45}", f"us.{HAIKU_45}")
    assert models[HAIKU_45].has_global_profile and models[HAIKU_45].has_regional_profile
    assert models[HAIKU_3].profile_ids == (f"us.{HAIKU_3}",)  # from the second page
    assert not models[HAIKU_3].has_global_profile
    assert models[OPUS_46].profile_ids == ()
    assert models[HAIKU_45].inference_types == ("ON_DEMAND",)


def test_it_reads_prices_across_pages_and_normalises_1k_and_1m_units(aws_stubs):
    clients = aws_stubs()
    list_anthropic_models(clients.bedrock)  # consume the bedrock stub

    points = fetch_bedrock_prices(clients.pricing)
    quotes = quotes_by_model(points)

    assert set(quotes) == {"Claude Haiku 4.5", "Claude 3 Haiku"}
    haiku_3 = quotes["Claude 3 Haiku"].prices()
    assert haiku_3 == {
        "input": Decimal("0.25"),
        "output": Decimal("1.25"),
        "batch_input": Decimal("0.125"),
        "batch_output": Decimal("0.625"),
    }
    haiku_45 = quotes["Claude Haiku 4.5"]
    assert haiku_45.prices() == {
        "input": Decimal("1.00"),
        "output": Decimal("5.00"),
        "cache_read": Decimal("0.10"),
        "cache_write_5m": Decimal("1.25"),
        "cache_write_1h": Decimal("2.00"),
        "batch_input": Decimal("0.50"),
        "batch_output": Decimal("2.50"),
    }
    assert haiku_45.prices(prefer_global=False)["input"] == Decimal("1.10")
    assert haiku_45.regional_premium is True
    assert all(isinstance(point.usd_per_million, Decimal) for point in points)


@pytest.mark.parametrize(
    ("price", "unit", "description", "expected"),
    [
        ("0.00025", "1K tokens", "", "0.25"),
        ("0.25", "1M tokens", "", "0.25"),
        ("0.003", "1,000 tokens", "", "3.00"),
        ("3", "1 million tokens", "", "3.00"),
        ("0.000003", "tokens", "", "3.00"),
        ("3.00", "Units", "$3.00 per 1M input tokens for Claude", "3.00"),
        ("0.003", "Units", "USD 0.003 per 1K output tokens", "3.00"),
        ("3.00", "Units", "Claude Sonnet 4.6 input tokens", None),
        ("44.00", "Hrs", "", None),
    ],
)
def test_it_normalises_units_to_usd_per_million_tokens(price, unit, description, expected):
    result = per_million_tokens(Decimal(price), unit, description=description)

    assert result == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("usagetype", "expected"),
    [
        ("USE1-MP:USE1_InputTokenCount-Units", ("input", "regional")),
        ("USE1-MP:USE1_OutputTokenCount_Global-Units", ("output", "global")),
        ("USE1-MP:USE1_CacheReadInputTokenCount_Global-Units", ("cache_read", "global")),
        ("USE1-MP:USE1_CacheWriteInputTokenCount-Units", ("cache_write_5m", "regional")),
        ("USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units", ("cache_write_1h", "global")),
        ("USE1-MP:USE1_InputTokenCount_Global_Batch-Units", ("batch_input", "global")),
        ("USE1-MP:USE1_output_tokens_batch-Units", ("batch_output", "regional")),
        ("USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units", ("cache_write_1h", "global")),
        ("USE1-MP:USE1_input_tokens_global_standard-Units", ("input", "global")),
        ("USE1-MP:USE1_InputTokenCount_Global_LCtx-Units", None),
        ("USE1-MP:USE1_ProvisionedThroughput-Units", None),
        ("USE1-MP:USE1_inputTextRequestCount-Units", None),
        ("USE1-MP:USE1_CacheReadInputTokenCount_Batch-Units", None),
        ("", None),
    ],
)
def test_it_classifies_usagetypes(usagetype, expected):
    assert classify_usagetype(usagetype) == expected


def test_it_skips_unreadable_price_items_without_crashing():
    assert [parse_price_item(raw) for raw in junk_items()] == [None] * len(junk_items())
    assert parse_price_item(None) is None
    assert parse_price_item(b'{"product": null, "terms": []}') is None


# --- the service --------------------------------------------------------------------------


def test_it_adds_a_dated_row_only_for_a_changed_price_and_keeps_the_old_one(aws_stubs):
    clients = aws_stubs(price_pages=[haiku_45_items(input_usd="0.90"), haiku_3_items()])
    old_haiku = latest_row(HAIKU_45)
    old_haiku_3 = latest_row(HAIKU_3)
    rows_before = ModelPrice.objects.count()

    result = catalog_refresh(bedrock_client=clients.bedrock, pricing_client=clients.pricing)

    assert result.prices_added == 1 and result.added == [HAIKU_45]
    assert result.prices_unchanged == 1  # Claude 3 Haiku: same price, read per 1K tokens
    assert ModelPrice.objects.count() == rows_before + 1
    new_haiku = latest_row(HAIKU_45)
    assert new_haiku.pk != old_haiku.pk
    assert new_haiku.effective_from == timezone.localdate()
    assert new_haiku.input == Decimal("0.9000")
    assert (new_haiku.output, new_haiku.cache_read) == (Decimal("5"), Decimal("0.1"))
    assert (new_haiku.batch_input, new_haiku.batch_output) == (Decimal("0.5"), Decimal("2.5"))
    assert new_haiku.cache_write_1h == Decimal("2")
    assert new_haiku.supports_caching and new_haiku.regional_premium
    assert (new_haiku.tier, new_haiku.min_cache_prefix) == ("haiku", 4096)
    assert "AWS Price List API" in new_haiku.source
    old_haiku.refresh_from_db()
    assert old_haiku.input == Decimal("1.0000")  # history is never overwritten
    assert latest_row(HAIKU_3).pk == old_haiku_3.pk
    # The other book is refreshed only when asked for.
    assert latest_row(HAIKU_3, book="representative-2026").effective_from == dt.date(2026, 1, 1)


def test_it_is_idempotent_on_the_same_day(aws_stubs):
    first = aws_stubs(price_pages=[haiku_45_items(input_usd="0.90")])
    second = aws_stubs(price_pages=[haiku_45_items(input_usd="0.90")])

    catalog_refresh(bedrock_client=first.bedrock, pricing_client=first.pricing)
    rows = ModelPrice.objects.count()
    again = catalog_refresh(bedrock_client=second.bedrock, pricing_client=second.pricing)

    assert again.prices_added == 0 and ModelPrice.objects.count() == rows


def test_it_never_overwrites_a_row_already_dated_today(aws_stubs):
    clients = aws_stubs(price_pages=[haiku_45_items(input_usd="0.90")])
    ModelPrice.objects.filter(pk=latest_row(HAIKU_45).pk).update(
        effective_from=timezone.localdate()
    )

    result = catalog_refresh(bedrock_client=clients.bedrock, pricing_client=clients.pricing)

    assert result.prices_added == 0
    assert latest_row(HAIKU_45).input == Decimal("1.0000")
    assert any("already has a row dated" in warning for warning in result.warnings)


def test_it_updates_lifecycle_in_place_on_every_row_of_the_model(aws_stubs):
    clients = aws_stubs()
    book = PriceBook.objects.get(slug="bedrock-current")
    # An older dated row of Opus 4.1, and a model AWS now calls ACTIVE that the book had as
    # legacy.
    older = latest_row(OPUS_41)
    older.pk, older.effective_from = None, dt.date(2025, 1, 1)
    older._state.adding = True
    older.save()
    ModelPrice.objects.filter(book=book, model_id=OPUS_41).update(lifecycle=Lifecycle.ACTIVE)
    ModelPrice.objects.filter(book=book, model_id=OPUS_46).update(lifecycle=Lifecycle.LEGACY)
    other_book = ModelPrice.objects.filter(book__slug="representative-2026", model_id=HAIKU_3)
    other_book.update(lifecycle=Lifecycle.LEGACY)
    rows_before = ModelPrice.objects.count()

    result = catalog_refresh(bedrock_client=clients.bedrock, pricing_client=clients.pricing)

    assert result.lifecycle_updated == 2
    assert set(
        ModelPrice.objects.filter(book=book, model_id=OPUS_41).values_list("lifecycle", flat=True)
    ) == {Lifecycle.LEGACY}
    assert latest_row(OPUS_46).lifecycle == Lifecycle.ACTIVE
    assert ModelPrice.objects.count() == rows_before  # a lifecycle change is not a new price
    # The other book's rows are not this refresh's business.
    assert other_book.get().lifecycle == Lifecycle.LEGACY


def test_it_warns_when_a_tier_default_is_legacy_and_about_unknown_models(aws_stubs):
    clients = aws_stubs()
    book = PriceBook.objects.get(slug="bedrock-current")
    book.tier_defaults.filter(tier="opus").update(model_id=OPUS_41)

    result = catalog_refresh(bedrock_client=clients.bedrock, pricing_client=clients.pricing)

    # A legacy default moves to its active replacement, and the operators hear of it.
    assert "The opus tier now runs on Claude Opus 4.8: Claude Opus 4.1 is legacy." in result.alerts
    assert book.tier_defaults.get(tier="opus").model_id == "anthropic.claude-opus-4-8"
    assert result.unknown_models == [OPUS_47]
    assert any(OPUS_47 in warning and "does not know" in warning for warning in result.warnings)
    # Models the book knows that AWS did not list are named too.
    assert any("anthropic.claude-3-5-haiku" in w for w in result.warnings)


def test_it_leaves_the_retired_defaults_of_the_illustrative_book_alone(aws_stubs):
    clients = aws_stubs()  # lists Claude 3 Haiku as ACTIVE, past its end-of-life date

    result = catalog_refresh(
        bedrock_client=clients.bedrock,
        pricing_client=clients.pricing,
        book_slug="representative-2026",
    )

    book = PriceBook.objects.get(slug="representative-2026")
    assert book.tier_defaults.get(tier="opus").model_id == OPUS_41  # the brief's rates
    assert not any("pick a newer one" in warning for warning in result.warnings)
    assert result.alerts == []
    # Past its end-of-life date a model stays retired, whatever a listing says.
    assert latest_row(HAIKU_3, "representative-2026").lifecycle == Lifecycle.END_OF_LIFE


def test_a_model_past_its_end_of_life_date_is_retired_even_if_listed_or_missing(aws_stubs):
    clients = aws_stubs()
    ModelPrice.objects.filter(book__slug="bedrock-current", model_id=OPUS_41).update(
        end_of_life_on=dt.date(2026, 11, 1)  # AWS still lists it as LEGACY in the stub
    )

    result = catalog_refresh(bedrock_client=clients.bedrock, pricing_client=clients.pricing)

    assert latest_row(OPUS_41).lifecycle == Lifecycle.END_OF_LIFE
    assert latest_row(HAIKU_3).lifecycle == Lifecycle.END_OF_LIFE  # listed ACTIVE, EOL 2026-09-10
    assert result.lifecycle_changed == {OPUS_41: Lifecycle.END_OF_LIFE}


def test_it_skips_unknown_and_broken_items_and_changes_nothing_for_them(aws_stubs):
    clients = aws_stubs(price_pages=[junk_items(), []])
    rows_before = ModelPrice.objects.count()

    result = catalog_refresh(bedrock_client=clients.bedrock, pricing_client=clients.pricing)

    assert result.prices_added == 0 and ModelPrice.objects.count() == rows_before
    assert "The Price List returned no Claude prices; no prices were changed." in result.warnings


def test_it_writes_an_audit_event_and_clears_the_price_cache(aws_stubs):
    clients = aws_stubs(price_pages=[haiku_45_items(input_usd="0.90")])
    operator = UserFactory(is_staff=True)
    book = PriceBook.objects.get(slug="bedrock-current")
    assert selectors.tier_prices(book=book)["haiku"].input == 1.0  # now cached

    result = catalog_refresh(
        bedrock_client=clients.bedrock, pricing_client=clients.pricing, actor=operator
    )

    event = AuditEvent.objects.get(action="price_book.refreshed")
    assert (event.actor, event.subject) == (operator, book)
    assert event.data["prices_added"] == 1 and event.data["added"] == [HAIKU_45]
    assert event.data["warnings"] == result.warnings
    assert selectors.tier_prices(book=book)["haiku"].input == Decimal("0.90")


def test_it_raises_for_an_unknown_book(aws_stubs):
    clients = aws_stubs()

    with pytest.raises(selectors.PriceBookMissingError):
        catalog_refresh(
            bedrock_client=clients.bedrock, pricing_client=clients.pricing, book_slug="nope"
        )


# --- the task and the admin action --------------------------------------------------------


@pytest.fixture
def no_aws_credentials(monkeypatch):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-role lookup


def test_the_task_skips_without_aws_credentials(no_aws_credentials):
    rows_before = ModelPrice.objects.count()

    assert aws.catalog_clients() is None
    assert refresh_catalog.delay().get() == "skipped"
    assert ModelPrice.objects.count() == rows_before
    assert not AuditEvent.objects.filter(action="price_book.refreshed").exists()


def test_the_task_refreshes_with_the_clients_it_is_given(aws_stubs, monkeypatch):
    clients = aws_stubs(price_pages=[haiku_45_items(input_usd="0.90")])
    monkeypatch.setattr(aws, "catalog_clients", lambda: clients)

    counts = refresh_catalog.delay().get()

    assert counts["prices_added"] == 1 and counts["models_listed"] == 6


def test_the_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-bedrock-catalog"]
    assert entry["task"] == refresh_catalog.name == "workloads.refresh_catalog"


def test_it_builds_real_clients_when_credentials_exist(monkeypatch, settings):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.AWS_REGION = "eu-central-1"

    clients = aws.catalog_clients()  # building a client sends nothing

    assert clients.bedrock.meta.region_name == "eu-central-1"
    assert clients.pricing.meta.region_name == "us-east-1"


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def run_admin_action(client, books):
    return client.post(
        reverse("admin:workloads_pricebook_changelist"),
        {"action": "refresh_from_aws", "_selected_action": [book.pk for book in books]},
        follow=True,
    )


def test_the_admin_action_refreshes_and_reports(operator_client, aws_stubs, monkeypatch):
    clients = aws_stubs(price_pages=[haiku_45_items(input_usd="0.90")])
    monkeypatch.setattr(aws, "catalog_clients", lambda: clients)
    book = PriceBook.objects.get(slug="bedrock-current")
    book.tier_defaults.filter(tier="opus").update(model_id=OPUS_41)

    response = run_admin_action(operator_client, [book])

    assert response.status_code == 200
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert (
        "success",
        f"{book}: AWS lists 6 Anthropic models; 0 lifecycle changes, 1 new price rows, "
        "0 prices unchanged.",
    ) in messages
    assert (
        "warning",
        f"{book}: The opus tier now runs on Claude Opus 4.8: Claude Opus 4.1 is legacy.",
    ) in (messages)
    assert latest_row(HAIKU_45).input == Decimal("0.9000")
    event = AuditEvent.objects.get(action="price_book.refreshed")
    assert event.actor.is_staff


def test_the_admin_action_warns_without_aws_credentials(operator_client, no_aws_credentials):
    rows_before = ModelPrice.objects.count()

    response = run_admin_action(operator_client, PriceBook.objects.all())

    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert len(messages) == 1 and messages[0][0] == "warning"
    assert "No AWS credentials" in messages[0][1]
    assert ModelPrice.objects.count() == rows_before


def test_the_admin_action_needs_the_permissions_of_the_edits_it_makes(client, monkeypatch):
    # An operator who may edit the book's name but not its prices or defaults cannot refresh
    # them through the action (a side door to add_modelprice / change_tierdefault).
    from django.contrib.auth.models import Permission

    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="workloads", codename__in=["view_pricebook", "change_pricebook"]
        )
    )
    client.force_login(operator)
    monkeypatch.setattr(aws, "catalog_clients", lambda: pytest.fail("AWS was called"))
    rows_before = ModelPrice.objects.count()

    response = run_admin_action(client, PriceBook.objects.all())

    assert response.status_code == 200
    assert ModelPrice.objects.count() == rows_before
    assert not AuditEvent.objects.filter(action="price_book.refreshed").exists()
    changelist = client.get(reverse("admin:workloads_pricebook_changelist")).content.decode()
    assert "refresh_from_aws" not in changelist
