"""Reads of the price book and of stored projections, shared by the API, tasks and pages."""

import datetime as dt
import time
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, NamedTuple

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from core.errors import NotConfiguredError

from . import setup_kit, throughput
from .models import InferenceProfile, ModelPrice, PriceBook, Workload, WorkloadProjection
from .spend import TIERS, CreditGrant, SpendInput, TierPrice, prefix_cached

# Estimates run on every keystroke of the intake form: keep each book's resolved prices for a
# minute per process. Operators' edits show up within that minute.
PRICE_CACHE_SECONDS = 60
# Keyed by the slug a request names ("" = the default book), so a warm estimate does not even
# look the book up: no query at all.
_price_cache_by_slug: dict[tuple[str, dt.date], tuple[float, "PricedBook"]] = {}
# A book whose prices were neither published nor confirmed by a refresh from AWS within this
# many days is stale: the founder is told the prices may have changed.
STALE_AFTER_DAYS = 30


class PriceBookMissingError(NotConfiguredError, LookupError):
    """No such price book, or a tier of it without a price (503: an operator must add one).
    `what` says which book or tier, for the logs."""

    code = "price_book_missing"

    def __init__(self, what: str) -> None:
        super().__init__("No price book is configured yet; an operator must add one.")
        self.what = what

    def __str__(self) -> str:  # the logs and task retries say which book or tier
        return f"{self.detail} ({self.what})"


def price_book_get(*, slug: str | None = None) -> PriceBook:
    """The named book, or the default one. Raises PriceBookMissingError."""
    books = PriceBook.objects.all()
    book = books.filter(slug=slug).first() if slug else books.filter(is_default=True).first()
    if book is None:
        raise PriceBookMissingError(slug or "default")
    return book


def tier_price_from_row(row: ModelPrice) -> TierPrice:
    """The engine's view of a price row; the Decimals go in as they are (the engine is exact)."""
    return TierPrice(
        model_id=row.model_id,
        input=row.input,
        output=row.output,
        cache_write=row.cache_write_5m,
        cache_read=row.cache_read,
        batch_input=row.batch_input,
        batch_output=row.batch_output,
        supports_caching=row.supports_caching,
        min_cache_prefix=row.min_cache_prefix,
        regional_premium=row.regional_premium,
        lifecycle=row.lifecycle,
        name=row.name,
        end_of_life_on=row.end_of_life_on.isoformat() if row.end_of_life_on else None,
        replacement=row.replacement or None,
    )


def tier_price_rows(*, book: PriceBook, on: dt.date | None = None) -> dict[str, ModelPrice]:
    """Each tier's default model in `book`, as its latest price row effective on `on`
    (today): the prices with their date and source.

    Raises PriceBookMissingError when a tier has no default model or no price yet.
    """
    on = on or timezone.localdate()
    model_ids = dict(book.tier_defaults.values_list("tier", "model_id"))
    rows = ModelPrice.objects.filter(
        book=book, model_id__in=model_ids.values(), effective_from__lte=on
    ).order_by("model_id", "-effective_from")
    latest: dict[str, ModelPrice] = {}
    for row in rows:
        latest.setdefault(row.model_id, row)
    by_tier = {}
    for tier in TIERS:
        tier_row = latest.get(model_ids.get(tier, ""))
        if tier_row is None:
            raise PriceBookMissingError(f"{book.slug}: no price for the {tier} tier's model")
        by_tier[tier] = tier_row
    return by_tier


def tier_prices(*, book: PriceBook, on: dt.date | None = None) -> dict[str, TierPrice]:
    """Each tier's default model in `book`, at its latest price effective on `on` (today).

    Raises PriceBookMissingError when a tier has no default model or no price yet.
    """
    return {
        tier: tier_price_from_row(row) for tier, row in tier_price_rows(book=book, on=on).items()
    }


def price_book_provenance(book: PriceBook, *, on: dt.date | None = None) -> dict[str, Any]:
    """Where a book's prices come from, as the estimate API, the stored projection and the
    dashboard show it: `{"slug", "name", "effective_from", "source", "refreshed_at",
    "illustrative", "stale"}` (dates in ISO 8601; `stale` as of `on`, today)."""
    provenance = {
        "slug": book.slug,
        "name": book.name,
        "effective_from": book.effective_from.isoformat() if book.effective_from else None,
        "source": book.source,
        "refreshed_at": book.refreshed_at.isoformat() if book.refreshed_at else None,
        "illustrative": book.illustrative,
    }
    return {**provenance, "stale": provenance_stale(provenance, on=on)}


def provenance_stale(provenance: dict[str, Any], *, on: dt.date | None = None) -> bool:
    """Whether prices of this provenance may have changed by `on` (today): neither the book's
    own date nor its last refresh from AWS is within STALE_AFTER_DAYS. An illustrative book
    is always stale. Takes the stored dict, so a projection stored months ago reads as stale
    today."""
    on = on or timezone.localdate()
    if provenance.get("illustrative"):
        return True
    dates = []
    if provenance.get("effective_from"):
        dates.append(dt.date.fromisoformat(provenance["effective_from"]))
    if provenance.get("refreshed_at"):
        refreshed = dt.datetime.fromisoformat(provenance["refreshed_at"])
        dates.append(
            timezone.localdate(refreshed) if timezone.is_aware(refreshed) else refreshed.date()
        )
    return not dates or (on - max(dates)).days > STALE_AFTER_DAYS


class PricedBook(NamedTuple):
    """A book's provenance (price_book_provenance) and each tier's resolved prices."""

    provenance: dict[str, Any]
    prices: dict[str, TierPrice]


def priced_book_for(*, slug: str | None = None, on: dt.date | None = None) -> PricedBook:
    """The named book (the default one when None) with its tiers' prices, cached by the name
    for PRICE_CACHE_SECONDS per process.

    Raises PriceBookMissingError when there is no such book or a tier has no price.
    """
    on = on or timezone.localdate()
    key = (slug or "", on)
    cached = _price_cache_by_slug.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    book = price_book_get(slug=slug)
    priced = PricedBook(price_book_provenance(book, on=on), tier_prices(book=book, on=on))
    _price_cache_by_slug[key] = (time.monotonic() + PRICE_CACHE_SECONDS, priced)
    return priced


def price_cache_clear() -> None:
    _price_cache_by_slug.clear()
    _model_tiers_cache.clear()


_model_tiers_cache: dict[str, tuple[float, dict[str, str]]] = {}


def model_tiers(*, slug: str | None = None) -> dict[str, str]:
    """Each model id the book (the default one) prices, with its tier: which tier a model
    an account ran belongs to. Cached like the prices (PRICE_CACHE_SECONDS per process)."""
    cached = _model_tiers_cache.get(slug or "")
    if cached and cached[0] > time.monotonic():
        return cached[1]
    rows = ModelPrice.objects.filter(book=price_book_get(slug=slug))
    tiers = dict(rows.values_list("model_id", "tier").distinct())
    _model_tiers_cache[slug or ""] = (time.monotonic() + PRICE_CACHE_SECONDS, tiers)
    return tiers


def workload_projection_latest(*, workload_id: int) -> WorkloadProjection | None:
    """The newest stored projection of the workload, with its price book; one query."""
    return (
        WorkloadProjection.objects.filter(workload_id=workload_id)
        .select_related("price_book")
        .order_by("-created_at", "-id")
        .first()
    )


def workloads_priced_with(*, model_ids: list[str]) -> list[int]:
    """The workloads whose newest projection priced a tier with one of these models."""
    newest = WorkloadProjection.objects.filter(workload=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    used = Q()
    for tier in TIERS:
        used |= Q(**{f"newest_prices__{tier}__in": model_ids})
    return list(
        Workload.objects.annotate(newest_prices=Subquery(newest.values("inputs__prices")[:1]))
        .filter(used)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def workload_latest_for_startup(*, startup_id: int) -> Workload | None:
    """The startup's newest workload: the one its projection, outcome and filings use."""
    return Workload.objects.filter(startup_id=startup_id).order_by("-created_at", "-id").first()


def workload_expected_monthly_spend(*, workload: Workload | None) -> Decimal:
    """Month 1's cost in the workload's newest projection (what ACE's filing states and the
    pre-submission check reads); 0 when there is none or it cannot be read."""
    projection = workload_projection_latest(workload_id=workload.pk) if workload else None
    months = (projection.result or {}).get("months") if projection else None
    if not months:
        return Decimal("0")
    try:
        return Decimal(str(months[0].get("cost", "0")))
    except (InvalidOperation, AttributeError):
        return Decimal("0")


PROJECTION_MONTHS = 24  # a stored projection's horizon


def spend_input_for_workload(
    workload: Workload, *, months: int = PROJECTION_MONTHS, credits: Iterable[CreditGrant] = ()
) -> SpendInput:
    return SpendInput(
        monthly_requests=workload.monthly_requests,
        monthly_growth=workload.monthly_growth,
        input_tokens=workload.input_tokens,
        cached_prefix_tokens=workload.cached_prefix_tokens,
        output_tokens=workload.output_tokens,
        cache_hit_rate=workload.cache_hit_rate,
        batch_share=workload.batch_share,
        escalation_sonnet=workload.escalation_sonnet,
        escalation_opus=workload.escalation_opus,
        baseline_tier=workload.baseline_tier,
        endpoint=workload.endpoint,
        cascade=workload.cascade,
        months=months,
        credits=tuple(credits),
    )


def _shares(workload: Workload) -> dict[str, Fraction]:
    return throughput.tier_shares(
        escalation_sonnet=Fraction(str(workload.escalation_sonnet)),
        escalation_opus=Fraction(str(workload.escalation_opus)),
        cascade=workload.cascade,
    )


def setup_kit_for(*, workload: Workload, account_id: str = "") -> dict[str, Any]:
    """The Bedrock setup kit of a workload (workloads.setup_kit): each tier's model in the
    default book, the inference profiles the catalog listed for them in the workload's
    Region, the IAM policy and the Converse snippet. One query (the cached book aside)."""
    prices = priced_book_for().prices
    shares = _shares(workload)
    tiers = [
        setup_kit.TierModel(
            tier=tier,
            model_id=prices[tier].model_id,
            name=prices[tier].name or prices[tier].model_id,
            share=float(shares[tier]),
            caches_prefix=prefix_cached(prices[tier], workload.cached_prefix_tokens),
        )
        for tier in TIERS
    ]
    # Every profile of the Region in one query (a few dozen rows): the newest read_at dates
    # the catalog.
    rows = list(InferenceProfile.objects.filter(region=workload.region).order_by("profile_id"))
    read_at = max((row.read_at for row in rows), default=None)
    wanted = {tier.model_id for tier in tiers}
    profiles: dict[str, list[setup_kit.Profile]] = {}
    for row in (row for row in rows if row.model_id in wanted):
        profiles.setdefault(row.model_id, []).append(
            setup_kit.Profile(
                profile_id=row.profile_id,
                arn=row.arn,
                model_id=row.model_id,
                model_arns=tuple(row.model_arns),
                status=row.status,
            )
        )
    return setup_kit.build_kit(
        region=workload.region,
        endpoint=workload.endpoint,
        account_id=account_id,
        tiers=tiers,
        profiles=profiles,
        batch=workload.batch_share > 0,
        cached_prefix_tokens=workload.cached_prefix_tokens,
        output_tokens=workload.output_tokens,
        catalog_read_on=timezone.localdate(read_at).isoformat() if read_at else None,
    )


def workload_throughput(
    *,
    workload: Workload,
    account_quotas: dict[str, throughput.Quota] | None = None,
    peak_factor: int | float | str = throughput.DEFAULT_PEAK_FACTOR,
) -> list[throughput.TierLoad]:
    """The peak load of each tier of `workload` (month 1), against the account's quotas
    where they were read (`account_quotas`, by model id) and the dated defaults otherwise."""
    return throughput.check(
        spend_input_for_workload(workload, months=1),
        priced_book_for().prices,
        account_quotas=account_quotas,
        peak_factor=peak_factor,
    )
