"""Reads of the price book shared by the estimate API, the projection task and the form."""

import datetime as dt
import time

from django.utils import timezone

from .models import Lifecycle, ModelPrice, PriceBook
from .spend import TIERS, TierPrice

# Estimates run on every keystroke of the intake form: keep each book's resolved prices for a
# minute per process. Operators' edits show up within that minute.
PRICE_CACHE_SECONDS = 60
_price_cache: dict[tuple[str, dt.date], tuple[float, dict[str, TierPrice]]] = {}


class PriceBookMissingError(LookupError):
    pass


def price_book_get(*, slug: str | None = None) -> PriceBook:
    """The named book, or the default one. Raises PriceBookMissingError."""
    books = PriceBook.objects.all()
    book = books.filter(slug=slug).first() if slug else books.filter(is_default=True).first()
    if book is None:
        raise PriceBookMissingError(slug or "default")
    return book


def tier_price_from_row(row: ModelPrice) -> TierPrice:
    def money(value):
        return None if value is None else float(value)

    return TierPrice(
        model_id=row.model_id,
        input=float(row.input),
        output=float(row.output),
        cache_write=money(row.cache_write_5m),
        cache_read=money(row.cache_read),
        batch_input=money(row.batch_input),
        batch_output=money(row.batch_output),
        supports_caching=row.supports_caching,
        min_cache_prefix=row.min_cache_prefix,
        regional_premium=row.regional_premium,
        legacy=row.lifecycle == Lifecycle.LEGACY,
    )


def tier_prices(*, book: PriceBook, on: dt.date | None = None) -> dict[str, TierPrice]:
    """Each tier's default model in `book`, at its latest price effective on `on` (today).

    Raises PriceBookMissingError when a tier has no default model or no price yet.
    """
    on = on or timezone.localdate()
    key = (book.slug, on)
    cached = _price_cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    model_ids = dict(book.tier_defaults.values_list("tier", "model_id"))
    rows = ModelPrice.objects.filter(
        book=book, model_id__in=model_ids.values(), effective_from__lte=on
    ).order_by("model_id", "-effective_from")
    latest: dict[str, ModelPrice] = {}
    for row in rows:
        latest.setdefault(row.model_id, row)
    prices = {}
    for tier in TIERS:
        row = latest.get(model_ids.get(tier, ""))
        if row is None:
            raise PriceBookMissingError(f"{book.slug}: no price for the {tier} tier's model")
        prices[tier] = tier_price_from_row(row)
    _price_cache[key] = (time.monotonic() + PRICE_CACHE_SECONDS, prices)
    return prices


def price_cache_clear() -> None:
    _price_cache.clear()
