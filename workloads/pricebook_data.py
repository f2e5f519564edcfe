"""The two price books CloudRoute ships, loaded by the `workloads` data migrations, seed_demo
and the tests. Operators edit them in the admin afterwards; the daily refresh
(workloads.services.catalog_refresh) keeps prices and lifecycles in line with AWS.

Every row names its source and date; where public sources disagree, its `note` says which
figure we chose and why. README.md ("Models and prices") lists the shipped models.
"""

import datetime as dt
from decimal import Decimal
from typing import NotRequired, TypedDict

# The book's own date: the capture of AWS's Bedrock pricing page every current row follows.
CURRENT_DATE = dt.date(2026, 9, 3)
PRICING_CACHE = (
    "aws/agent-toolkit-for-aws aws-startup-advisor bedrock-pricing-cache.md "
    "(last updated 2026-09-03, us-east-1 / global list prices)"
)
LIFECYCLE_PAGE = (
    "aws/agent-toolkit-for-aws ai-model-lifecycle.md (Bedrock lifecycle tables, 2026-10-05)"
)
OLD_PAGE = "Bedrock pricing page copy 2025-07-20"
CURRENT_SOURCE = f"{PRICING_CACHE}; {LIFECYCLE_PAGE}"
BRIEF_SOURCE = "CloudRoute brief: representative 2026 tier rates (illustrative)"

ACTIVE, LEGACY, END_OF_LIFE = "active", "legacy", "end_of_life"

BATCH_UNVERIFIED = (
    "No batch price: AWS's batch-supported models table (read 2026-09-02) does not list this "
    "model; the pricing cache's 50% figure is marked unverified, so its batch share is priced "
    "on demand."
)


class Row(TypedDict):
    """One model's prices in USD per 1M tokens (global endpoint); None = not offered."""

    name: str
    model_id: str
    tier: str
    input: str
    output: str
    cache_write_5m: str | None
    cache_write_1h: str | None  # only the 4.5 and later models offer the 1-hour TTL
    cache_read: str | None
    batch_input: str | None
    batch_output: str | None
    min_cache_prefix: int  # tokens; below it Bedrock silently does not cache
    regional_premium: bool  # geo / in-region profiles cost 10% more (4.5 and later)
    lifecycle: str
    end_of_life_on: dt.date | None
    replacement: str
    note: str
    source: NotRequired[str]


def _row(name, model_id, tier, prices, *, min_prefix, regional, lifecycle=ACTIVE, eol=None,
         replacement="", note="", source=CURRENT_SOURCE) -> Row:  # fmt: skip
    price_in, price_out, write_5m, write_1h, read, batch_in, batch_out = prices
    return {
        "name": name,
        "model_id": model_id,
        "tier": tier,
        "input": price_in,
        "output": price_out,
        "cache_write_5m": write_5m,
        "cache_write_1h": write_1h,
        "cache_read": read,
        "batch_input": batch_in,
        "batch_output": batch_out,
        "min_cache_prefix": min_prefix,
        "regional_premium": regional,
        "lifecycle": lifecycle,
        "end_of_life_on": eol,
        "replacement": replacement,
        "note": note,
        "source": source,
    }


# (input, output, cache write 5m, cache write 1h, cache read, batch input, batch output)
CURRENT_ROWS: list[Row] = [
    _row("Claude Haiku 4.5", "anthropic.claude-haiku-4-5-20251001-v1:0", "haiku",
         ("1.00", "5.00", "1.25", "2.00", "0.10", "0.50", "2.50"),
         min_prefix=4096, regional=True,
         note="AWS's recommended cost/speed default (pricing cache, 2026-09-03)."),
    _row("Claude 3.5 Haiku", "anthropic.claude-3-5-haiku-20241022-v1:0", "haiku",
         ("0.80", "4.00", "1.00", None, "0.08", None, None),
         min_prefix=2048, regional=False, source=OLD_PAGE,
         note="US-only profiles. Not on the 2026-09-03 capture, so its prices come from the "
              "2025-07-20 page; Bedrock's lifecycle tables do not list it. The daily sync "
              "reads its real status from modelLifecycle.status."),
    _row("Claude 3 Haiku", "anthropic.claude-3-haiku-20240307-v1:0", "haiku",
         ("0.25", "1.25", None, None, None, "0.125", "0.625"),
         min_prefix=0, regional=False, lifecycle=END_OF_LIFE, eol=dt.date(2026, 9, 10),
         replacement="Claude Haiku 4.5", source=f"{OLD_PAGE}; {LIFECYCLE_PAGE}",
         note="End of life on Bedrock since 2026-09-10 (AWS lifecycle page): kept so "
              "estimates that name it warn instead of failing."),
    _row("Claude Sonnet 4.5", "anthropic.claude-sonnet-4-5-20250929-v1:0", "sonnet",
         ("3.00", "15.00", "3.75", "6.00", "0.30", "1.50", "7.50"),
         min_prefix=1024, regional=True,
         note="Standard context; the long-context rows (6.00 / 22.50) are not modelled."),
    _row("Claude Sonnet 4.6", "anthropic.claude-sonnet-4-6", "sonnet",
         ("3.00", "15.00", "3.75", "6.00", "0.30", "1.50", "7.50"),
         min_prefix=1024, regional=True,
         note="Minimum prefix: AWS's model card, LiteLLM and Anthropic's docs say 1,024; one "
              "gateway's docs (orq.ai) and a user report on Anthropic's API say 2,048. We "
              "follow AWS's model card."),
    _row("Claude Sonnet 5", "anthropic.claude-sonnet-5", "sonnet",
         ("2.00", "10.00", "2.50", "4.00", "0.20", None, None),
         min_prefix=1024, regional=True,
         note="AWS's recommended flagship default; $2/$10 is the standard price since "
              "2026-09-01. Minimum prefix 1,024 as for every Sonnet (a 2026 write-up of "
              "Anthropic's floors); not yet on a captured AWS model card. " + BATCH_UNVERIFIED),
    _row("Claude Sonnet 4", "anthropic.claude-sonnet-4-20250514-v1:0", "sonnet",
         ("3.00", "15.00", "3.75", None, "0.30", None, None),
         min_prefix=1024, regional=False, lifecycle=END_OF_LIFE, eol=dt.date(2026, 10, 14),
         replacement="Claude Sonnet 5", source=f"{PRICING_CACHE}; {LIFECYCLE_PAGE}",
         note="End of life on Bedrock since 2026-10-14. Cache prices are AWS's stated "
              "multipliers (1.25x write, 0.1x read); no batch row was captured."),
    _row("Claude Opus 4.5", "anthropic.claude-opus-4-5-20251101-v1:0", "opus",
         ("5.00", "25.00", "6.25", "10.00", "0.50", "2.50", "12.50"),
         min_prefix=4096, regional=True),
    _row("Claude Opus 4.6", "anthropic.claude-opus-4-6-v1", "opus",
         ("5.00", "25.00", "6.25", "10.00", "0.50", "2.50", "12.50"),
         min_prefix=4096, regional=True),
    _row("Claude Opus 4.8", "anthropic.claude-opus-4-8", "opus",
         ("5.00", "25.00", "6.25", "10.00", "0.50", None, None),
         min_prefix=4096, regional=True,
         note="AWS's recommended model for the hardest reasoning. Minimum prefix: 4,096 as "
              "for Opus 4.5 and 4.6 (our AWS reference); a 2026 write-up of Anthropic's "
              "floors says 1,024. We keep the larger, which never promises a saving Bedrock "
              "might not give. " + BATCH_UNVERIFIED),
    _row("Claude Opus 4.1", "anthropic.claude-opus-4-1-20250805-v1:0", "opus",
         ("15.00", "75.00", "18.75", None, "1.50", None, None),
         min_prefix=1024, regional=False, lifecycle=LEGACY, eol=dt.date(2027, 1, 8),
         replacement="Claude Opus 4.8",
         note="Legacy since 2026-07-08; AWS ends it on 2027-01-08."),
]  # fmt: skip


# The Price List has no minimum cacheable prefix, so the refresh keeps this dated table:
# tokens per model, as of MIN_CACHE_PREFIXES_ON, from the rows above (see their notes).
MIN_CACHE_PREFIXES_ON = dt.date(2026, 12, 1)
MIN_CACHE_PREFIXES = {row["model_id"]: row["min_cache_prefix"] for row in CURRENT_ROWS}


def min_cache_prefix_for(model_id: str, *, default: int) -> int:
    """The table's minimum cacheable prefix of a model, or `default` for one it lacks."""
    return MIN_CACHE_PREFIXES.get(model_id, default)


def _pick(name: str, **changes) -> Row:
    row = next(row for row in CURRENT_ROWS if row["name"] == name)
    return {**row, **changes}  # type: ignore[typeddict-item]


class PriceBookData(TypedDict):
    """One shipped book: its own fields, its price rows and its tier defaults."""

    slug: str
    name: str
    description: str
    is_default: bool
    illustrative: bool
    effective_from: dt.date
    source: str
    rows: list[Row]
    defaults: dict[str, str]
    # Defaults an earlier release shipped: the migration moves a tier still on one of them
    # to `defaults`; a tier an operator pointed elsewhere stays.
    previous_defaults: dict[str, list[str]]


PRICE_BOOKS: list[PriceBookData] = [
    {
        "slug": "bedrock-current",
        "name": "Amazon Bedrock list prices (global endpoint)",
        "description": "Claude on Bedrock as AWS lists it (us-east-1, global cross-region "
        "profiles). Defaults follow AWS's recommendation: Haiku 4.5, Sonnet 5, Opus 4.8.",
        "is_default": True,
        "illustrative": False,
        "effective_from": CURRENT_DATE,
        "source": CURRENT_SOURCE,
        "rows": [{**row, "source": row.get("source", CURRENT_SOURCE)} for row in CURRENT_ROWS],
        "defaults": {
            "haiku": "anthropic.claude-haiku-4-5-20251001-v1:0",
            "sonnet": "anthropic.claude-sonnet-5",
            "opus": "anthropic.claude-opus-4-8",
        },
        "previous_defaults": {
            "sonnet": ["anthropic.claude-sonnet-4-6"],
            "opus": ["anthropic.claude-opus-4-6-v1"],
        },
    },
    {
        "slug": "representative-2026",
        "name": "Illustrative: the brief's representative 2026 tier rates",
        "description": "Illustrative only, never the default. Haiku 0.25/1.25, Sonnet 3/15, "
        "Opus-class 15/75: Claude 3 Haiku (end of life on Bedrock since 2026-09-10), Sonnet "
        "4.5 and Opus 4.1 (legacy). Every estimate priced with it carries their warnings.",
        "is_default": False,
        "illustrative": True,
        "effective_from": dt.date(2026, 1, 1),
        "source": BRIEF_SOURCE,
        "rows": [
            _pick(name, source=BRIEF_SOURCE)
            for name in ("Claude 3 Haiku", "Claude Sonnet 4.5", "Claude Opus 4.1")
        ],
        "defaults": {
            "haiku": "anthropic.claude-3-haiku-20240307-v1:0",
            "sonnet": "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "opus": "anthropic.claude-opus-4-1-20250805-v1:0",
        },
        "previous_defaults": {},
    },
]


# What the previous release (before issue 14) shipped, for every value this one corrects. The
# loader changes such a value only while the database still holds it, so an operator's edit
# in the admin survives an upgrade.
PREVIOUS_SOURCES = {
    "aws/agent-toolkit-for-aws aws-startup-advisor bedrock-pricing-cache.md (2026-09-03); "
    "Bedrock pricing page copy 2025-07-20 for older models",
    "CloudRoute brief: representative 2026 tier rates",
}
PREVIOUS_BOOKS = {
    "bedrock-current": {"description": "Claude on Bedrock as listed in late 2026."},
    "representative-2026": {
        "name": "Representative 2026 tier rates (the brief)",
        "description": "Haiku 0.25/1.25, Sonnet 3/15, Opus-class 15/75: Claude 3 Haiku, "
        "Sonnet 4.5 and Opus 4.1.",
    },
}
PREVIOUS_ROWS: dict[str, dict[str, object]] = {
    "anthropic.claude-3-5-haiku-20241022-v1:0": {"cache_write_1h": Decimal("1.60")},
    "anthropic.claude-3-haiku-20240307-v1:0": {"lifecycle": ACTIVE},
    "anthropic.claude-sonnet-4-6": {"min_cache_prefix": 2048},
    "anthropic.claude-opus-4-1-20250805-v1:0": {"cache_write_1h": Decimal("30.00")},
}
NEW_ROW_FIELDS = ("note", "end_of_life_on", "replacement")  # filled where still empty


def _fields(model) -> set[str]:
    return {field.name for field in model._meta.get_fields()}


def load_price_books(price_book_model, model_price_model, tier_default_model) -> None:
    """Create the shipped books, or bring an existing database up to this release.

    Takes model classes so a data migration can pass its historical models (fields they do
    not have yet are left out). On an existing database it changes only what an operator
    cannot have chosen: values still as the previous release shipped them (PREVIOUS_*),
    fields still empty, and tier defaults still on a previously shipped default. It never
    touches `is_default` of an existing book, rows operators added, or their edits."""
    book_fields, row_fields = _fields(price_book_model), _fields(model_price_model)
    lifecycles = {value for value, _ in model_price_model._meta.get_field("lifecycle").choices}
    for book_data in PRICE_BOOKS:
        book = _book_load(price_book_model, book_data, book_fields)
        for row in book_data["rows"]:
            values = {key: value for key, value in row.items() if key in row_fields}
            values["supports_caching"] = row["cache_read"] is not None
            if values["lifecycle"] not in lifecycles:  # a schema before END_OF_LIFE existed
                values["lifecycle"] = LEGACY
            _row_load(model_price_model, book, book_data["effective_from"], values)
        for tier, model_id in book_data["defaults"].items():
            default, created = tier_default_model.objects.get_or_create(
                book=book, tier=tier, defaults={"model_id": model_id}
            )
            if not created and default.model_id in book_data["previous_defaults"].get(tier, ()):
                default.model_id = model_id
                default.save(update_fields=["model_id"])


def _book_load(price_book_model, book_data: PriceBookData, fields: set[str]):
    keys = ("name", "description", "illustrative", "effective_from", "source")
    values = {key: book_data[key] for key in keys if key in fields}  # type: ignore[literal-required]
    book = price_book_model.objects.filter(slug=book_data["slug"]).first()
    if book is None:
        other_default = price_book_model.objects.filter(is_default=True).exists()
        return price_book_model.objects.create(
            slug=book_data["slug"], is_default=book_data["is_default"] and not other_default,
            **values,
        )  # fmt: skip
    previous = PREVIOUS_BOOKS.get(book_data["slug"], {})
    changed = [
        key
        for key, value in values.items()
        if getattr(book, key) in (previous.get(key), None, "")
        or (key == "source" and book.source in PREVIOUS_SOURCES)
        or (key == "illustrative" and value and not book.is_default)
    ]
    for key in changed:
        setattr(book, key, values[key])
    if changed:
        book.save(update_fields=changed)
    return book


def _row_load(model_price_model, book, effective_from: dt.date, values: dict) -> None:
    row = model_price_model.objects.filter(
        book=book, model_id=values["model_id"], effective_from=effective_from
    ).first()
    if row is None:
        model_price_model.objects.create(book=book, effective_from=effective_from, **values)
        return
    previous = PREVIOUS_ROWS.get(values["model_id"], {})
    changed = [
        key
        for key, value in values.items()
        if (key in NEW_ROW_FIELDS and getattr(row, key) in (None, ""))
        or (key == "source" and row.source in PREVIOUS_SOURCES)
        or (key in previous and getattr(row, key) == previous[key])
        # Loaded by migration 0003, whose schema had no END_OF_LIFE yet (see above).
        or (key == "lifecycle" and value == END_OF_LIFE and row.lifecycle == LEGACY)
    ]
    for key in changed:
        setattr(row, key, values[key])
    if changed:
        row.save(update_fields=changed)
