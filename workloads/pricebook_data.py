"""The two price books CloudRoute ships (shared/reference/aws-facts.md), loaded by seed_demo
and the `workloads` data migration. Operators edit them in the admin afterwards."""

import datetime as dt
from typing import TypedDict

CURRENT_SOURCE = (
    "aws/agent-toolkit-for-aws aws-startup-advisor bedrock-pricing-cache.md (2026-09-03); "
    "Bedrock pricing page copy 2025-07-20 for older models"
)
BRIEF_SOURCE = "CloudRoute brief: representative 2026 tier rates"

# name, model id, tier, input, output, cache write 5m, cache write 1h, cache read,
# batch in, batch out, min prefix, regional premium, lifecycle
_CURRENT = [
    ("Claude Haiku 4.5", "anthropic.claude-haiku-4-5-20251001-v1:0", "haiku",
     "1.00", "5.00", "1.25", "2.00", "0.10", "0.50", "2.50", 4096, True, "active"),
    ("Claude 3.5 Haiku", "anthropic.claude-3-5-haiku-20241022-v1:0", "haiku",
     "0.80", "4.00", "1.00", "1.60", "0.08", None, None, 2048, False, "active"),
    ("Claude 3 Haiku", "anthropic.claude-3-haiku-20240307-v1:0", "haiku",
     "0.25", "1.25", None, None, None, "0.125", "0.625", 0, False, "active"),
    ("Claude Sonnet 4.5", "anthropic.claude-sonnet-4-5-20250929-v1:0", "sonnet",
     "3.00", "15.00", "3.75", "6.00", "0.30", "1.50", "7.50", 1024, True, "active"),
    ("Claude Sonnet 4.6", "anthropic.claude-sonnet-4-6", "sonnet",
     "3.00", "15.00", "3.75", "6.00", "0.30", "1.50", "7.50", 2048, True, "active"),
    ("Claude Opus 4.5", "anthropic.claude-opus-4-5-20251101-v1:0", "opus",
     "5.00", "25.00", "6.25", "10.00", "0.50", "2.50", "12.50", 4096, True, "active"),
    ("Claude Opus 4.6", "anthropic.claude-opus-4-6-v1", "opus",
     "5.00", "25.00", "6.25", "10.00", "0.50", "2.50", "12.50", 4096, True, "active"),
    ("Claude Opus 4.1", "anthropic.claude-opus-4-1-20250805-v1:0", "opus",
     "15.00", "75.00", "18.75", "30.00", "1.50", None, None, 1024, False, "legacy"),
]  # fmt: skip


def _row(values: tuple, source: str, effective_from: dt.date) -> dict:
    (name, model_id, tier, price_in, price_out, write_5m, write_1h, read, batch_in, batch_out,
     min_prefix, regional, lifecycle) = values  # fmt: skip
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
        "supports_caching": read is not None,
        "min_cache_prefix": min_prefix,
        "regional_premium": regional,
        "lifecycle": lifecycle,
        "source": source,
        "effective_from": effective_from,
    }


def _pick(name: str) -> tuple:
    return next(values for values in _CURRENT if values[0] == name)


class PriceBookData(TypedDict):
    """One shipped book: its own fields, its price rows (see _row) and its tier defaults."""

    slug: str
    name: str
    description: str
    is_default: bool
    rows: list[dict]
    defaults: dict[str, str]


PRICE_BOOKS: list[PriceBookData] = [
    {
        "slug": "bedrock-current",
        "name": "Amazon Bedrock list prices (global endpoint)",
        "description": "Claude on Bedrock as listed in late 2026.",
        "is_default": True,
        "rows": [_row(values, CURRENT_SOURCE, dt.date(2026, 9, 3)) for values in _CURRENT],
        "defaults": {
            "haiku": "anthropic.claude-haiku-4-5-20251001-v1:0",
            "sonnet": "anthropic.claude-sonnet-4-6",
            "opus": "anthropic.claude-opus-4-6-v1",
        },
    },
    {
        "slug": "representative-2026",
        "name": "Representative 2026 tier rates (the brief)",
        "description": "Haiku 0.25/1.25, Sonnet 3/15, Opus-class 15/75: Claude 3 Haiku, "
        "Sonnet 4.5 and Opus 4.1.",
        "is_default": False,
        "rows": [
            _row(_pick(name), BRIEF_SOURCE, dt.date(2026, 1, 1))
            for name in ("Claude 3 Haiku", "Claude Sonnet 4.5", "Claude Opus 4.1")
        ],
        "defaults": {
            "haiku": "anthropic.claude-3-haiku-20240307-v1:0",
            "sonnet": "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "opus": "anthropic.claude-opus-4-1-20250805-v1:0",
        },
    },
]


def load_price_books(price_book_model, model_price_model, tier_default_model) -> None:
    """Create or update the shipped books. Takes model classes so the data migration can pass
    its historical models; rows operators added stay untouched."""
    for book_data in PRICE_BOOKS:
        book, _ = price_book_model.objects.update_or_create(
            slug=book_data["slug"],
            defaults={
                "name": book_data["name"],
                "description": book_data["description"],
                "is_default": book_data["is_default"],
            },
        )
        for row in book_data["rows"]:
            model_price_model.objects.update_or_create(
                book=book,
                model_id=row["model_id"],
                effective_from=row["effective_from"],
                defaults={k: v for k, v in row.items() if k not in ("model_id", "effective_from")},
            )
        for tier, model_id in book_data["defaults"].items():
            tier_default_model.objects.get_or_create(
                book=book, tier=tier, defaults={"model_id": model_id}
            )
