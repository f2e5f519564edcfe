"""The catalog and price refresh from AWS (`catalog_refresh`): lifecycles, tier defaults and
new dated price rows, with the guard that holds a refresh whose prices look wrong."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..audit import audit_log
from ..aws.catalog import (
    PRICE_FIELDS,
    CatalogModel,
    ModelQuote,
    fetch_bedrock_prices,
    list_anthropic_models,
    quotes_by_model,
)
from ..models import Lifecycle, ModelPrice, PriceBook, TierDefault, tier_default_error
from ..pricebook_data import min_cache_prefix_for

PRICE_SOURCE = "AWS Price List API (AmazonBedrockFoundationModels, us-east-1), {date}"
_EARLIER = "; the rest: "  # joins the refresh's source to the book's earlier one
PRICE_CEILING = Decimal("1000000")  # ModelPrice holds at most 999999.9999 per 1M tokens
# A listed price this many times above or below the book's is held for review, not written:
# real price moves on Bedrock have been a third (Sonnet 5) or a half (Batch), not 3x.
PRICE_CHANGE_FACTOR = Decimal(3)
_LIFECYCLES = {
    "ACTIVE": Lifecycle.ACTIVE,
    "LEGACY": Lifecycle.LEGACY,
    "END_OF_LIFE": Lifecycle.END_OF_LIFE,
}


@dataclass
class CatalogRefreshResult:
    """What `catalog_refresh` changed in one book, and what an operator should look at.

    `alerts` are the findings an operator must act on (e-mailed by the task, shown by the
    admin action); `warnings` holds them and the merely informative ones."""

    book: str
    models_listed: int = 0
    lifecycle_updated: int = 0
    prices_added: int = 0
    prices_unchanged: int = 0
    held: bool = False  # the Price List looked wrong: no price was written
    added: list[str] = field(default_factory=list)
    lifecycle_changed: dict[str, str] = field(default_factory=dict)  # model id -> lifecycle
    defaults_moved: dict[str, str] = field(default_factory=dict)  # tier -> new model id
    unknown_models: list[str] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "models_listed": self.models_listed,
            "lifecycle_updated": self.lifecycle_updated,
            "prices_added": self.prices_added,
            "prices_unchanged": self.prices_unchanged,
        }

    def as_dict(self) -> dict:
        return {
            **self.counts(),
            "held": self.held,
            "added": self.added,
            "lifecycle_changed": self.lifecycle_changed,
            "defaults_moved": self.defaults_moved,
            "unknown_models": self.unknown_models,
            "unpriced": self.unpriced,
            "alerts": self.alerts,
            "warnings": self.warnings,
        }

    def alert(self, message: str) -> None:
        self.alerts.append(message)
        self.warnings.append(message)


@dataclass
class _PriceChange:
    row: ModelPrice  # the model's newest row
    values: dict[str, Any]  # the new row's fields


def catalog_refresh(
    *, bedrock_client, pricing_client, book_slug: str = "bedrock-current", actor=None
) -> CatalogRefreshResult:
    """Bring a price book in line with what AWS lists for Claude on Bedrock.

    Reads the catalog and the Price List first (no transaction is open during AWS calls).
    Then, in one transaction holding the book row with select_for_update:

    - **Lifecycles**: every row of a model whose ACTIVE / LEGACY / END_OF_LIFE status changed
      is updated in place. A tier default on a model that is no longer active moves to the
      row's `replacement` when that model is active in the book; else operators are alerted.
      The workloads whose newest projection priced a tier with such a model are re-projected
      once the transaction commits, so their warnings name it.
    - **Prices**: a ModelPrice row dated today for each model whose AWS price differs from
      its newest row (older rows stay as history; a row already dated today is never
      overwritten), in the book's own scope only (`_scope_prices`), keeping the row's minimum
      prefix. The guard: when the Price List prices no model of the book, or any price moves
      by more than PRICE_CHANGE_FACTOR, no price is written at all (`held`) and operators are
      alerted.
    - `refreshed_at` is set when every tier default's model was priced and nothing was held;
      else `refresh_note` says why (`_refresh_record`). An illustrative book is left alone.

    Writes the audit event `price_book.refreshed`; clears the per-process price cache.
    Safe to run twice a day. Raises PriceBookMissingError for an unknown slug.
    """
    catalog = {model.model_id: model for model in list_anthropic_models(bedrock_client)}
    quotes = quotes_by_model(fetch_bedrock_prices(pricing_client))
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        book = PriceBook.objects.select_for_update().filter(slug=book_slug).first()
        if book is None:
            raise selectors.PriceBookMissingError(book_slug)
        if book.illustrative:  # its figures illustrate the brief; AWS's prices are not its
            result = CatalogRefreshResult(book=book.slug, models_listed=len(catalog))
            result.warnings.append("An illustrative book is not refreshed from AWS.")
            return result
        latest: dict[str, ModelPrice] = {}
        for row in ModelPrice.objects.filter(book=book).order_by("model_id", "-effective_from"):
            latest.setdefault(row.model_id, row)
        result = CatalogRefreshResult(book=book.slug, models_listed=len(catalog))
        _lifecycle_sync(book=book, latest=latest, catalog=catalog, today=today, result=result)
        changes = [
            change
            for model_id, row in latest.items()
            if (change := _price_change(row, catalog.get(model_id), quotes, today, result))
        ]
        _price_write(book=book, changes=changes, today=today, result=result)
        result.unknown_models = sorted(set(catalog) - set(latest))
        warnings = _refresh_warnings(
            book=book, latest=latest, catalog=catalog, quotes=quotes, result=result
        )
        result.warnings = warnings + result.warnings  # book-wide first, then per model
        _refresh_record(book=book, result=result, now=now)
        audit_log(actor=actor, action="price_book.refreshed", subject=book, data=result.as_dict())
        if result.lifecycle_changed:
            transaction.on_commit(
                lambda: _reproject_using(model_ids=list(result.lifecycle_changed), since=now)
            )
    selectors.price_cache_clear()
    return result


def _refresh_record(*, book: PriceBook, result: CatalogRefreshResult, now: dt.datetime) -> None:
    """`refreshed_at` when the Price List priced every tier default's model and nothing was
    held; `refresh_note` (admin only) says why the last refresh did not confirm the book, and
    is replaced on every run, so a daily held refresh does not pile up lines."""
    defaults = set(book.tier_defaults.values_list("model_id", flat=True))
    confirmed = not result.held and bool(defaults) and not defaults & set(result.unpriced)
    if confirmed:
        book.refreshed_at, book.refresh_note = now, ""
    else:
        reasons = result.alerts or [
            "The Price List did not price every tier default's model: "
            + ", ".join(sorted(defaults & set(result.unpriced)))
            + "."
        ]
        book.refresh_note = f"{timezone.localdate(now)}: " + " ".join(reasons)
    book.save(update_fields=["refreshed_at", "refresh_note"])


def _reproject_using(*, model_ids: list[str], since: dt.datetime) -> None:
    from ..tasks import REPROJECT_BATCH_SIZE, reproject_batch

    ids = selectors.workloads_priced_with(model_ids=model_ids)
    for start in range(0, len(ids), REPROJECT_BATCH_SIZE):
        reproject_batch.delay(ids[start : start + REPROJECT_BATCH_SIZE], since.isoformat())


def _end_of_life_sync(*, book: PriceBook, row: ModelPrice, model: CatalogModel | None) -> None:
    """AWS's end-of-life date of the model (modelLifecycle.endOfLifeTime), on all its rows."""
    when = model.end_of_life_time if model else None
    if when is None:
        return
    end_of_life_on = timezone.localdate(when) if timezone.is_aware(when) else when.date()
    if end_of_life_on == row.end_of_life_on:
        return
    ModelPrice.objects.filter(book=book, model_id=row.model_id).update(
        end_of_life_on=end_of_life_on
    )
    row.end_of_life_on = end_of_life_on


def _lifecycle_wanted(row: ModelPrice, model: CatalogModel | None, today: dt.date) -> str | None:
    """The lifecycle AWS gives the model, or None when it says nothing. A row whose
    end-of-life date has passed is END_OF_LIFE whatever a listing says: AWS drops retired
    models from list_foundation_models (botocore 1.44 knows only ACTIVE and LEGACY), and a
    listing can lag its lifecycle page."""
    if row.end_of_life_on is not None and row.end_of_life_on <= today:
        return Lifecycle.END_OF_LIFE
    return _LIFECYCLES.get(model.lifecycle_status or "") if model else None


def _lifecycle_sync(
    *,
    book: PriceBook,
    latest: dict[str, ModelPrice],
    catalog: dict[str, CatalogModel],
    today: dt.date,
    result: CatalogRefreshResult,
) -> None:
    """Set each model's lifecycle on all its rows, then move tier defaults off the models
    that are no longer active (see catalog_refresh)."""
    for model_id, row in latest.items():
        _end_of_life_sync(book=book, row=row, model=catalog.get(model_id))
        lifecycle = _lifecycle_wanted(row, catalog.get(model_id), today)
        if lifecycle is None or lifecycle == row.lifecycle:
            continue
        ModelPrice.objects.filter(book=book, model_id=model_id).update(lifecycle=lifecycle)
        row.lifecycle = lifecycle
        result.lifecycle_changed[model_id] = lifecycle
        if lifecycle != Lifecycle.ACTIVE:
            result.alert(
                f"{row.name} ({model_id}) is now {row.get_lifecycle_display().lower()} on "
                "Bedrock"
                + (f"; suggested replacement: {row.replacement}." if row.replacement else ".")
            )
    result.lifecycle_updated = len(result.lifecycle_changed)
    if book.illustrative:
        return  # its defaults reproduce the brief, retired models included
    by_name = {row.name: row for row in latest.values()}
    for default in TierDefault.objects.filter(book=book).order_by("tier"):
        retiring = latest.get(default.model_id)
        if retiring is None or retiring.lifecycle == Lifecycle.ACTIVE:
            continue
        replacement = by_name.get(retiring.replacement)
        if replacement is not None and not tier_default_error(
            book=book, tier=default.tier, model_id=replacement.model_id
        ):
            default.model_id = replacement.model_id
            default.save(update_fields=["model_id"])
            result.defaults_moved[default.tier] = replacement.model_id
            result.alert(
                f"The {default.tier} tier now runs on {replacement.name}: {retiring.name} is "
                f"{retiring.get_lifecycle_display().lower()}."
            )
        else:
            result.alert(
                f"The default {default.tier} model {retiring.name} is "
                f"{retiring.get_lifecycle_display().lower()} and has no active replacement in this "
                "book: pick one in the admin."
            )


def _quote_for(
    row: ModelPrice, model: CatalogModel | None, quotes: dict[str, ModelQuote]
) -> ModelQuote | None:
    """The Price List names models ("Claude Haiku 4.5"): match on AWS's name, then ours."""
    return (quotes.get(model.name) if model else None) or quotes.get(row.name)


def _scope_prices(quote: ModelQuote, *, prefer_global: bool, row: ModelPrice) -> dict:
    """The quote's prices in the book's scope only. A kind AWS lists only in the other scope
    is not borrowed from it when the model has a regional premium: an in-Region price stored
    as the global one would be charged the premium twice."""
    if not row.regional_premium:
        return quote.prices(prefer_global=prefer_global)
    scoped = quote.global_prices if prefer_global else quote.regional_prices
    return dict(scoped) or quote.prices(prefer_global=prefer_global)


def _price_change(
    row: ModelPrice,
    model: CatalogModel | None,
    quotes: dict[str, ModelQuote],
    today: dt.date,
    result: CatalogRefreshResult,
) -> _PriceChange | None:
    """The new row AWS's prices call for, or None (unpriced, unchanged, or dated today)."""
    quote = _quote_for(row, model, quotes)
    # The book holds global-endpoint prices; a model whose profiles are all regional (such
    # as a US-only one) is priced in-region.
    prefer_global = model is None or not model.profile_ids or model.has_global_profile
    quoted = _scope_prices(quote, prefer_global=prefer_global, row=row) if quote else {}
    if quote is None or "input" not in quoted or "output" not in quoted:
        result.unpriced.append(row.model_id)
        return None
    if any(price >= PRICE_CEILING for price in quoted.values()):
        result.warnings.append(f"{row.model_id}: the Price List's prices look wrong; skipped.")
        return None
    values = {name: getattr(row, name) for name in PRICE_FIELDS}
    values.update({name: price for name, price in quoted.items() if not name.startswith("batch")})
    if "batch_input" in quoted and "batch_output" in quoted:
        values.update(batch_input=quoted["batch_input"], batch_output=quoted["batch_output"])
    regional_premium = quote.regional_premium
    if regional_premium is None:
        regional_premium = row.regional_premium
    if regional_premium == row.regional_premium and all(
        values[name] == getattr(row, name) for name in PRICE_FIELDS
    ):
        result.prices_unchanged += 1
        return None
    if row.effective_from >= today:
        result.warnings.append(
            f"{row.model_id}: AWS lists other prices, but the book already has a row dated "
            f"{row.effective_from}; review it in the admin."
        )
        return None
    caching = values["cache_write_5m"] is not None and values["cache_read"] is not None
    # The Price List has no minimum prefix: keep the row's (an operator may have corrected
    # it), and take the dated table's only where a model that now caches has none.
    min_prefix = row.min_cache_prefix
    if caching and not min_prefix:
        min_prefix = min_cache_prefix_for(row.model_id, default=0)
    values.update(
        supports_caching=caching, min_cache_prefix=min_prefix, regional_premium=regional_premium
    )
    return _PriceChange(row=row, values=values)


def _usd(value: Decimal) -> str:
    """A price as people write it: 10.00, 0.125 (not 10.0000)."""
    cents = value.quantize(Decimal("0.01"))
    return f"{cents if cents == value else value.normalize():f}"


def _jumps(change: _PriceChange) -> list[str]:
    """The prices of a change that move by more than PRICE_CHANGE_FACTOR, described."""
    jumps = []
    for name in PRICE_FIELDS:
        old, new = getattr(change.row, name), change.values[name]
        if old is None or new is None or old <= 0 or new <= 0:
            continue
        if new > old * PRICE_CHANGE_FACTOR or new * PRICE_CHANGE_FACTOR < old:
            jumps.append(f"{name.replace('_', ' ')} ${_usd(new)} (was ${_usd(old)})")
    return jumps


def _price_write(
    *, book: PriceBook, changes: list[_PriceChange], today: dt.date, result: CatalogRefreshResult
) -> None:
    """Add the new rows, unless the guard holds the whole refresh (see catalog_refresh)."""
    priced = result.prices_unchanged + len(changes)
    jumps = {change.row.model_id: _jumps(change) for change in changes}
    if priced == 0 and not result.unpriced:
        return  # an empty book
    if priced == 0:
        result.held = True
        result.alert(
            "The Price List priced none of this book's models; the book keeps its prices "
            "(is the parser still reading AWS's item shapes?)."
        )
        return
    if any(jumps.values()):
        result.held = True
        for change in changes:
            if jumps[change.row.model_id]:
                result.alert(
                    f"{change.row.name}: the refresh held AWS's listed "
                    + ", ".join(jumps[change.row.model_id])
                    + f": more than {PRICE_CHANGE_FACTOR}x; the old prices stay until reviewed."
                )
        return
    for change in changes:
        row = change.row
        ModelPrice.objects.create(
            book_id=book.pk,
            model_id=row.model_id,
            name=row.name,
            tier=row.tier,
            **change.values,
            lifecycle=row.lifecycle,
            end_of_life_on=row.end_of_life_on,
            replacement=row.replacement,
            effective_from=today,
            source=PRICE_SOURCE.format(date=today.isoformat()),
        )
        result.prices_added += 1
        result.added.append(row.model_id)
    if changes:
        # The book's date is its newest prices'; its source names both origins.
        earlier = book.source.split(_EARLIER, 1)[-1] if _EARLIER in book.source else book.source
        book.effective_from = today
        book.source = (
            PRICE_SOURCE.format(date=today.isoformat())
            + f" for {', '.join(change.row.name for change in changes)}"
            + (f"{_EARLIER}{earlier}" if earlier and not earlier.startswith("AWS Price") else "")
        )[:300]
        book.save(update_fields=["effective_from", "source"])


def _refresh_warnings(
    *,
    book: PriceBook,
    latest: dict[str, ModelPrice],
    catalog: dict[str, CatalogModel],
    quotes: dict[str, ModelQuote],
    result: CatalogRefreshResult,
) -> list[str]:
    warnings = []
    # An illustrative book's defaults are retired on purpose (the brief's rates).
    defaults = book.tier_defaults.order_by("tier").values_list("tier", "model_id")
    for tier, model_id in () if book.illustrative else defaults:
        model, row = catalog.get(model_id), latest.get(model_id)
        if tier in result.defaults_moved:
            continue
        if (model and (model.is_legacy or model.is_end_of_life)) or (
            row and row.lifecycle != Lifecycle.ACTIVE
        ):
            warnings.append(
                f"The default {tier} model {model_id} is not active on Bedrock; pick a newer one."
            )
        elif catalog and model is None:
            warnings.append(f"The default {tier} model {model_id} is not in AWS's catalog.")
    if not catalog:
        warnings.append("AWS listed no Anthropic models; lifecycles were left as they were.")
    else:
        missing = sorted(set(latest) - set(catalog))
        if missing:
            warnings.append("Not in AWS's catalog (retired?): " + ", ".join(missing) + ".")
    if result.unknown_models:
        warnings.append(
            "AWS lists models this book does not know (add rows in the admin to price them): "
            + ", ".join(result.unknown_models)
            + "."
        )
    if not quotes:
        warnings.append("The Price List returned no Claude prices; no prices were changed.")
    elif result.unpriced:
        warnings.append("No Price List prices for: " + ", ".join(result.unpriced) + ".")
    return warnings
