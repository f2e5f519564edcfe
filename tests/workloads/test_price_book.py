"""The price book: its constraints (database and full_clean), its admin pages, and the two
books the data migration ships (shared/reference/aws-facts.md)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import UserFactory
from workloads.models import ModelPrice, PriceBook, TierDefault

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
OPUS_41 = "anthropic.claude-opus-4-1-20250805-v1:0"


@pytest.fixture
def book() -> PriceBook:
    return PriceBook.objects.create(slug="test-book", name="Test book")


def _price(book: PriceBook, **overrides) -> ModelPrice:
    """An unsaved, valid row; overrides make it invalid."""
    values = {
        "book": book,
        "model_id": "anthropic.test-model-v1:0",
        "name": "Test model",
        "tier": "haiku",
        "input": Decimal("1.00"),
        "output": Decimal("5.00"),
        "cache_write_5m": Decimal("1.25"),
        "cache_read": Decimal("0.10"),
        "batch_input": Decimal("0.50"),
        "batch_output": Decimal("2.50"),
        "supports_caching": True,
        "effective_from": dt.date(2026, 1, 1),
        "source": "test",
        **overrides,
    }
    return ModelPrice(**values)


# --- constraints --------------------------------------------------------------------------

INVALID_ROWS = {
    "input 0": {"input": Decimal("0")},
    "negative input": {"input": Decimal("-1")},
    "negative output": {"output": Decimal("-0.01")},
    "batch input without batch output": {"batch_output": None},
    "batch output without batch input": {"batch_input": None},
    "caching without a cache read price": {"cache_read": None},
    "caching without a cache write price": {"cache_write_5m": None},
}


def test_it_accepts_the_valid_row(book):
    row = _price(book)

    row.full_clean()
    row.save()

    # Without caching and without batch is valid too (Claude 3 Haiku).
    _price(
        book,
        model_id="anthropic.no-extras",
        supports_caching=False,
        cache_write_5m=None,
        cache_read=None,
        batch_input=None,
        batch_output=None,
    ).full_clean()


@pytest.mark.parametrize("overrides", INVALID_ROWS.values(), ids=INVALID_ROWS.keys())
def test_the_database_rejects_an_invalid_price(book, overrides):
    with pytest.raises(IntegrityError), transaction.atomic():
        _price(book, **overrides).save()

    assert not ModelPrice.objects.filter(book=book).exists()


@pytest.mark.parametrize("overrides", INVALID_ROWS.values(), ids=INVALID_ROWS.keys())
def test_full_clean_rejects_an_invalid_price(book, overrides):
    with pytest.raises(ValidationError):
        _price(book, **overrides).full_clean()


def test_full_clean_names_the_field_to_fix(book):
    with pytest.raises(ValidationError) as batch:
        _price(book, batch_output=None).full_clean()
    with pytest.raises(ValidationError) as caching:
        _price(book, cache_read=None).full_clean()

    assert "batch_output" in batch.value.message_dict
    assert "cache_read" in caching.value.message_dict


def test_it_rejects_a_second_price_for_the_same_model_and_date(book):
    _price(book).save()

    with pytest.raises(IntegrityError), transaction.atomic():
        _price(book, input=Decimal("2.00")).save()
    with pytest.raises(ValidationError):
        _price(book, input=Decimal("2.00")).full_clean()

    # Another date, or the same date in another book, is a new row.
    _price(book, effective_from=dt.date(2026, 2, 1)).save()
    other = PriceBook.objects.create(slug="other-book", name="Other book")
    _price(other).save()
    assert ModelPrice.objects.filter(model_id="anthropic.test-model-v1:0").count() == 3


def test_it_rejects_a_second_default_book():
    # The migration's "bedrock-current" is the default.
    assert PriceBook.objects.filter(is_default=True).count() == 1

    with pytest.raises(IntegrityError), transaction.atomic():
        PriceBook.objects.create(slug="second-default", name="Second", is_default=True)
    with pytest.raises(ValidationError):
        PriceBook(slug="second-default", name="Second", is_default=True).full_clean()

    # Any number of books that are not the default.
    PriceBook.objects.create(slug="third", name="Third")
    PriceBook(slug="fourth", name="Fourth").full_clean()


def test_it_rejects_a_second_default_model_for_a_tier(book):
    TierDefault.objects.create(book=book, tier="haiku", model_id=HAIKU_45)

    with pytest.raises(IntegrityError), transaction.atomic():
        TierDefault.objects.create(book=book, tier="haiku", model_id="anthropic.other")


# --- admin --------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(
        UserFactory(email="pricing-admin@example.com", is_staff=True, is_superuser=True)
    )
    return client


def test_the_admin_lists_the_price_books(staff_client):
    response = staff_client.get("/admin/workloads/pricebook/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Amazon Bedrock list prices (global endpoint)" in html
    assert "representative-2026" in html


def test_the_admin_shows_a_book_with_its_defaults_and_prices(staff_client):
    book = PriceBook.objects.get(slug="bedrock-current")

    response = staff_client.get(f"/admin/workloads/pricebook/{book.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert HAIKU_45 in html
    assert "Claude Opus 4.1" in html


def test_the_admin_lists_model_prices_filtered_by_book(staff_client):
    book = PriceBook.objects.get(slug="representative-2026")

    response = staff_client.get(f"/admin/workloads/modelprice/?book__id__exact={book.pk}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Claude 3 Haiku" in html
    assert "Claude Haiku 4.5" not in html


def test_the_admin_shows_a_model_price(staff_client):
    row = ModelPrice.objects.get(book__slug="bedrock-current", model_id=OPUS_41)

    response = staff_client.get(f"/admin/workloads/modelprice/{row.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert OPUS_41 in html
    assert "Save as new" in html  # a new price is a new dated row


def test_the_admin_keeps_founders_out(client):
    client.force_login(UserFactory(email="founder-not-staff@example.com"))

    response = client.get("/admin/workloads/pricebook/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- the shipped books ------------------------------------------------------------------


def test_the_migration_ships_both_books_with_three_tier_defaults_each():
    books = {book.slug: book for book in PriceBook.objects.all()}

    assert set(books) >= {"bedrock-current", "representative-2026"}
    assert books["bedrock-current"].is_default
    assert not books["representative-2026"].is_default
    for slug in ("bedrock-current", "representative-2026"):
        defaults = dict(books[slug].tier_defaults.values_list("tier", "model_id"))
        assert set(defaults) == {"haiku", "sonnet", "opus"}
        # Every default model has a price in its own book.
        priced = set(books[slug].prices.values_list("model_id", flat=True))
        assert set(defaults.values()) <= priced


# Each shipped row's facts: tests/workloads/test_price_truth.py.


def test_the_representative_book_holds_the_briefs_rates():
    book = PriceBook.objects.get(slug="representative-2026")
    defaults = dict(book.tier_defaults.values_list("tier", "model_id"))
    prices = {
        row.model_id: (row.input, row.output)
        for row in ModelPrice.objects.filter(book=book, model_id__in=defaults.values())
    }

    # Haiku 0.25/1.25, Sonnet 3/15, Opus-class 15/75.
    assert prices[defaults["haiku"]] == (Decimal("0.25"), Decimal("1.25"))
    assert prices[defaults["sonnet"]] == (Decimal("3.00"), Decimal("15.00"))
    assert prices[defaults["opus"]] == (Decimal("15.00"), Decimal("75.00"))
    assert defaults["opus"] == OPUS_41
