"""Issue 14: the shipped price book's facts, the tier-default rule, the illustrative book,
the staleness flag and the provenance the estimate API returns.

Each expected fact below is copied from its source (named in the row's `source`, see
workloads/pricebook_data.py), not from the data module, so a wrong edit of the data fails here.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import UserFactory
from workloads import selectors
from workloads.models import Lifecycle, ModelPrice, PriceBook, TierDefault
from workloads.pricebook_data import load_price_books

pytestmark = pytest.mark.django_db

HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU_35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0"
SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
SONNET_46 = "anthropic.claude-sonnet-4-6"
SONNET_5 = "anthropic.claude-sonnet-5"
OPUS_41 = "anthropic.claude-opus-4-1-20250805-v1:0"
OPUS_45 = "anthropic.claude-opus-4-5-20251101-v1:0"
OPUS_46 = "anthropic.claude-opus-4-6-v1"
OPUS_48 = "anthropic.claude-opus-4-8"

# model id: (input, output, write 5m, write 1h, read, batch in, batch out, min prefix,
#            regional premium, lifecycle, end of life, replacement)
# Sources: bedrock-pricing-cache.md (2026-09-03) and ai-model-lifecycle.md (2026-10-05) of
# aws/agent-toolkit-for-aws; the 1-hour TTL only on 4.5 and later (AWS prompt-caching page);
# minimum prefixes from AWS's model cards / Anthropic (see the rows' notes).
FACTS = {
    HAIKU_45: ("1.00", "5.00", "1.25", "2.00", "0.10", "0.50", "2.50", 4096, True,
               "active", None, ""),
    HAIKU_35: ("0.80", "4.00", "1.00", None, "0.08", None, None, 2048, False,
               "active", None, ""),
    HAIKU_3: ("0.25", "1.25", None, None, None, "0.125", "0.625", 0, False,
              "end_of_life", dt.date(2026, 9, 10), "Claude Haiku 4.5"),
    SONNET_4: ("3.00", "15.00", "3.75", None, "0.30", None, None, 1024, False,
               "end_of_life", dt.date(2026, 10, 14), "Claude Sonnet 5"),
    SONNET_45: ("3.00", "15.00", "3.75", "6.00", "0.30", "1.50", "7.50", 1024, True,
                "active", None, ""),
    SONNET_46: ("3.00", "15.00", "3.75", "6.00", "0.30", "1.50", "7.50", 1024, True,
                "active", None, ""),
    SONNET_5: ("2.00", "10.00", "2.50", "4.00", "0.20", None, None, 1024, True,
               "active", None, ""),
    OPUS_45: ("5.00", "25.00", "6.25", "10.00", "0.50", "2.50", "12.50", 4096, True,
              "active", None, ""),
    OPUS_46: ("5.00", "25.00", "6.25", "10.00", "0.50", "2.50", "12.50", 4096, True,
              "active", None, ""),
    OPUS_48: ("5.00", "25.00", "6.25", "10.00", "0.50", None, None, 4096, True,
              "active", None, ""),
    OPUS_41: ("15.00", "75.00", "18.75", None, "1.50", None, None, 1024, False,
              "legacy", dt.date(2027, 1, 8), "Claude Opus 4.8"),
}  # fmt: skip


@pytest.fixture
def operator_client(client, fast_password_hasher):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _row(model_id: str, book: str = "bedrock-current") -> ModelPrice:
    return ModelPrice.objects.filter(book__slug=book, model_id=model_id).latest("effective_from")


@pytest.mark.parametrize("model_id", FACTS)
def test_each_shipped_row_holds_its_sources_facts(model_id):
    row = _row(model_id)
    (price_in, price_out, write_5m, write_1h, read, batch_in, batch_out, min_prefix, regional,
     lifecycle, end_of_life, replacement) = FACTS[model_id]  # fmt: skip

    assert (row.input, row.output) == (_money(price_in), _money(price_out))
    assert (row.cache_write_5m, row.cache_write_1h, row.cache_read) == (
        _money(write_5m),
        _money(write_1h),
        _money(read),
    )
    assert (row.batch_input, row.batch_output) == (_money(batch_in), _money(batch_out))
    assert row.supports_caching is (read is not None)
    assert row.min_cache_prefix == min_prefix
    assert row.regional_premium is regional
    assert (row.lifecycle, row.end_of_life_on, row.replacement) == (
        lifecycle,
        end_of_life,
        replacement,
    )
    assert row.source and row.effective_from == dt.date(2026, 9, 3)


def test_the_current_book_ships_exactly_these_models():
    shipped = set(
        ModelPrice.objects.filter(book__slug="bedrock-current").values_list("model_id", flat=True)
    )

    assert shipped == set(FACTS)


def test_rows_whose_sources_disagree_say_which_figure_was_chosen():
    # Sonnet 4.6's prefix (1,024 vs 2,048), Opus 4.8's prefix, the unverified batch prices.
    assert "2,048" in _row(SONNET_46).note and "model card" in _row(SONNET_46).note
    assert "1,024" in _row(OPUS_48).note
    assert "unverified" in _row(SONNET_5).note


def test_the_default_book_follows_awss_recommended_active_defaults():
    book = PriceBook.objects.get(is_default=True)
    defaults = dict(book.tier_defaults.values_list("tier", "model_id"))

    assert book.slug == "bedrock-current" and not book.illustrative
    assert defaults == {"haiku": HAIKU_45, "sonnet": SONNET_5, "opus": OPUS_48}
    assert {_row(model_id).lifecycle for model_id in defaults.values()} == {Lifecycle.ACTIVE}
    assert (book.effective_from, book.source) == (dt.date(2026, 9, 3), book.source)
    assert "bedrock-pricing-cache.md" in book.source


# --- the tier-default rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "model_id", "says"),
    [
        ("opus", OPUS_41, "legacy"),
        ("haiku", HAIKU_3, "end of life"),
        ("sonnet", SONNET_4, "end of life"),
        ("sonnet", HAIKU_45, "not a sonnet one"),
        ("opus", "anthropic.claude-unknown", "no price row"),
    ],
)
def test_a_default_must_be_an_active_model_of_its_tier(tier, model_id, says):
    default = TierDefault.objects.get(book__slug="bedrock-current", tier=tier)
    default.model_id = model_id

    with pytest.raises(ValidationError) as error:
        default.full_clean()

    assert says in str(error.value.message_dict["model_id"])


def test_the_rule_names_the_replacement():
    default = TierDefault.objects.get(book__slug="bedrock-current", tier="opus")
    default.model_id = OPUS_41

    with pytest.raises(ValidationError, match="Claude Opus 4.8"):
        default.full_clean()


def test_an_active_default_passes_the_rule():
    default = TierDefault.objects.get(book__slug="bedrock-current", tier="sonnet")
    default.model_id = SONNET_46

    default.full_clean()


def test_the_admin_refuses_a_legacy_default(operator_client):
    book = PriceBook.objects.get(slug="bedrock-current")
    defaults = list(book.tier_defaults.order_by("tier"))
    form = {
        "name": book.name,
        "slug": book.slug,
        "description": book.description,
        "is_default": "on",
        "effective_from": "2026-09-03",
        "source": book.source,
        "tier_defaults-TOTAL_FORMS": str(len(defaults)),
        "tier_defaults-INITIAL_FORMS": str(len(defaults)),
        "prices-TOTAL_FORMS": "0",
        "prices-INITIAL_FORMS": "0",
    }
    for index, default in enumerate(defaults):
        form |= {
            f"tier_defaults-{index}-id": str(default.pk),
            f"tier_defaults-{index}-book": str(book.pk),
            f"tier_defaults-{index}-tier": default.tier,
            f"tier_defaults-{index}-model_id": OPUS_41
            if default.tier == "opus"
            else default.model_id,
        }

    response = operator_client.post(f"/admin/workloads/pricebook/{book.pk}/change/", form)

    assert response.status_code == 200  # the form again, with the error
    assert "legacy on Bedrock" in response.content.decode()
    assert TierDefault.objects.get(book=book, tier="opus").model_id == OPUS_48


# --- the illustrative book ------------------------------------------------------------------


def test_the_brief_book_is_illustrative_and_prices_retired_models():
    book = PriceBook.objects.get(slug="representative-2026")

    assert book.illustrative and not book.is_default
    assert "Illustrative" in book.name
    assert _row(HAIKU_3, "representative-2026").lifecycle == Lifecycle.END_OF_LIFE


def test_an_illustrative_book_cannot_be_the_default():
    PriceBook.objects.filter(is_default=True).update(is_default=False)
    book = PriceBook.objects.get(slug="representative-2026")
    book.is_default = True

    with pytest.raises(ValidationError) as error:
        book.full_clean()
    assert "illustrative" in str(error.value.message_dict["is_default"])
    with pytest.raises(IntegrityError), transaction.atomic():
        book.save()


# --- loading the books over an earlier release ------------------------------------------------


def test_loading_moves_the_previously_shipped_defaults_and_keeps_an_operators_choice():
    book = PriceBook.objects.get(slug="bedrock-current")
    TierDefault.objects.filter(book=book, tier="sonnet").update(model_id=SONNET_46)  # shipped
    TierDefault.objects.filter(book=book, tier="opus").update(model_id=OPUS_45)  # an operator's
    ModelPrice.objects.filter(book=book, model_id=SONNET_46).update(min_cache_prefix=2048)

    load_price_books(PriceBook, ModelPrice, TierDefault)

    defaults = dict(book.tier_defaults.values_list("tier", "model_id"))
    assert defaults == {"haiku": HAIKU_45, "sonnet": SONNET_5, "opus": OPUS_45}
    assert _row(SONNET_46).min_cache_prefix == 1024  # the corrected fact


def test_loading_over_an_earlier_release_keeps_operators_edits_and_their_default_book():
    """The state an earlier release left, plus an operator's work: their own default book,
    an edited price and note, a retired row they re-activated. Migration 0007 runs this."""
    current = PriceBook.objects.get(slug="bedrock-current")
    current.is_default = False
    current.save()
    PriceBook.objects.create(slug="ours", name="Our negotiated prices", is_default=True)
    _rows = ModelPrice.objects.filter(book=current)
    _rows.filter(model_id=HAIKU_45).update(output=Decimal("4.50"), note="Negotiated.")
    _rows.filter(model_id=OPUS_41).update(cache_write_1h=Decimal("30.00"), end_of_life_on=None)
    _rows.filter(model_id=HAIKU_35).update(cache_write_1h=Decimal("1.75"))  # not as shipped
    ModelPrice.objects.filter(book__slug="representative-2026").update(
        lifecycle=Lifecycle.ACTIVE, source="CloudRoute brief: representative 2026 tier rates"
    )
    PriceBook.objects.filter(slug="representative-2026").update(
        illustrative=False, name="Representative 2026 tier rates (the brief)"
    )

    load_price_books(PriceBook, ModelPrice, TierDefault)

    assert PriceBook.objects.get(is_default=True).slug == "ours"  # no IntegrityError either
    haiku = _row(HAIKU_45)
    assert (haiku.output, haiku.note) == (Decimal("4.50"), "Negotiated.")  # theirs
    opus_41 = _row(OPUS_41)
    assert opus_41.cache_write_1h is None  # as shipped before: corrected
    assert opus_41.end_of_life_on == dt.date(2027, 1, 8)  # empty: filled
    assert _row(HAIKU_35).cache_write_1h == Decimal("1.75")  # an operator's value: kept
    brief = PriceBook.objects.get(slug="representative-2026")
    assert brief.illustrative and brief.name.startswith("Illustrative")
    haiku_3 = _row(HAIKU_3, "representative-2026")
    assert haiku_3.lifecycle == Lifecycle.END_OF_LIFE and "(illustrative)" in haiku_3.source


# --- staleness ------------------------------------------------------------------------------

TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("effective_from", "refreshed_at", "illustrative", "stale"),
    [
        ("2026-11-02", None, False, False),  # 30 days: still fresh
        ("2026-11-01", None, False, True),  # 31 days
        ("2026-09-03", "2026-11-20T04:00:00+00:00", False, False),  # a refresh confirmed it
        ("2026-09-03", "2026-10-01T04:00:00+00:00", False, True),
        (None, None, False, True),  # no date at all
        ("2026-12-01", None, True, True),  # illustrative figures are never current
    ],
)
def test_prices_are_stale_after_thirty_days_without_a_refresh(
    effective_from, refreshed_at, illustrative, stale
):
    provenance = {
        "effective_from": effective_from,
        "refreshed_at": refreshed_at,
        "illustrative": illustrative,
    }

    assert selectors.provenance_stale(provenance, on=TODAY) is stale


def test_the_books_provenance_names_its_date_source_and_staleness():
    book = PriceBook.objects.get(slug="bedrock-current")
    book.refreshed_at = dt.datetime(2026, 11, 30, 4, tzinfo=dt.UTC)
    book.save()

    provenance = selectors.price_book_provenance(book, on=TODAY)

    assert provenance == {
        "slug": "bedrock-current",
        "name": book.name,
        "effective_from": "2026-09-03",
        "source": book.source,
        "refreshed_at": book.refreshed_at.isoformat(),
        "illustrative": False,
        "stale": False,
    }


def test_a_default_models_row_cannot_be_marked_legacy_while_it_is_the_default():
    row = _row(SONNET_5)
    row.lifecycle = Lifecycle.LEGACY

    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "sonnet default" in str(error.value.message_dict["lifecycle"])

    TierDefault.objects.filter(book=row.book, tier="sonnet").update(model_id=SONNET_46)
    row.full_clean()  # no longer the default: it may retire


def test_a_book_that_stops_being_illustrative_must_follow_the_default_rule():
    book = PriceBook.objects.get(slug="representative-2026")
    book.illustrative = False

    with pytest.raises(ValidationError) as error:
        book.full_clean()
    assert "end of life" in str(error.value.message_dict["illustrative"])
