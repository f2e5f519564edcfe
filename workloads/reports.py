"""A stored projection as the founder reads it: headline figures, chart data, table and CSV.

Reads only what `workload_project` stored (the JSON of
docs/architecture.md#the-spend-model-contract in `result`, the what-ifs in
`scenarios`, the price book's provenance and the prices in `inputs`), so the dashboard shows
what was computed, even after prices change. Only whether those prices are stale is judged at
read time. Money stays `Decimal` from the stored strings; only the chart data turns it into
JSON numbers. Projections stored before a key existed read without it (see each helper).
"""

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from core.formatting import month_label, month_start
from core.spreadsheet import SafeWriter

from .models import Lifecycle, WorkloadProjection
from .selectors import STALE_AFTER_DAYS, provenance_stale
from .services import SCENARIOS
from .spend import REGIONAL_PREMIUM, TIER_LABELS, TIERS

CSV_COLUMNS = (
    "month",
    "requests",
    "cost",
    "baseline_cost",
    "credits_applied",
    "credits_remaining",
    "out_of_pocket",
    "credits_expired",
)
MONEY_COLUMNS = CSV_COLUMNS[2:]
# The prices block of the CSV, after the month table and a blank line (see projection_csv).
PRICE_CSV_COLUMNS = (
    "tier",
    "model_id",
    "model",
    "lifecycle",
    "input",
    "output",
    "cache_write",
    "cache_read",
    "batch_input",
    "batch_output",
    "price_date",
    "source",
)
# Each unit price, as `unit_prices` names it (`price_details` calls the same thing the same).
PRICE_KINDS = ("input", "output", "cache_write", "cache_read", "batch_input", "batch_output")
REGIONAL_PREMIUM_PERCENT = round((REGIONAL_PREMIUM - 1) * 100)
# The what-if levers of result["sensitivity"], in the order the card shows them: what one
# more percentage point of the share is.
LEVERS = {
    "escalation_sonnet": "requests escalated to Sonnet",
    "escalation_opus": "requests escalated to Opus",
    "cache_hit_rate": "cache hits",
}
LEVER_CHART_LABELS = {
    "escalation_sonnet": "Escalated to Sonnet",
    "escalation_opus": "Escalated to Opus",
    "cache_hit_rate": "Cache hit rate",
}
SAVING_LABELS = {
    "tiering": "Haiku first (tier mix)",
    "caching": "Prompt caching",
    "batch": "Batch",
}


@dataclass(frozen=True)
class ProjectionReport:
    projection: WorkloadProjection
    months: list[dict]
    totals: dict[str, Decimal]
    month1_cost: Decimal
    month1_baseline: Decimal
    saving_percent: Decimal | None  # of the baseline; None when the baseline is $0
    total_saving: Decimal
    savings: list[dict]
    per_request_cost: Decimal
    has_credits: bool
    credits_total: Decimal
    first_out_of_pocket_month: int | None
    months_at_zero: int
    scenarios: list[dict]
    models: list[dict]
    warnings: list[str]
    chart: dict
    has_actuals: bool = False  # some month has an imported actual (billing) cost
    start: dt.date | None = None  # month 1's first day
    credits_basis: str = "expected"  # "expected" (eligibility) or "issued" (AWS's grants)
    credits_expired: Decimal = Decimal("0")
    first_expiry: dict | None = None  # the first month credits expire unused, and how much
    prices: list[dict] = field(default_factory=list)
    # Where the prices come from (_price_book): name, own date, source, last refresh from
    # AWS, illustrative, and `stale` as of the day the report is read.
    price_book: dict = field(default_factory=dict)
    regional: bool = False  # the workload runs on an in-Region endpoint
    prices_charged: bool = False  # `prices` are the unit prices charged (after the premium)
    sensitivity: dict | None = None  # the what-if slopes and their chart; None before them

    @property
    def first_out_of_pocket_on(self) -> dt.date | None:
        """The first day of the month the founder starts paying (None: not in the horizon)."""
        if self.start is None or not self.has_credits or not self.first_out_of_pocket_month:
            return None
        return month_start(self.start, self.first_out_of_pocket_month)

    @property
    def last_month_label(self) -> str:
        return self.months[-1]["label"] if self.months else ""

    @property
    def regional_premium_percent(self) -> int:
        """How much more an in-Region endpoint costs on the models flagged for it."""
        return REGIONAL_PREMIUM_PERCENT

    @property
    def horizon(self) -> int:
        return len(self.months)

    @property
    def per_thousand_requests(self) -> Decimal:
        return self.per_request_cost * 1000


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` as a percentage of `whole` to one decimal; None when `whole` is zero."""
    return (part * 100 / whole).quantize(Decimal("0.1")) if whole else None


def _money(value: str | None) -> Decimal:
    return Decimal(value or "0")


def projection_report(
    *,
    projection: WorkloadProjection,
    actuals: Mapping[int, Decimal] | None = None,
    on: dt.date | None = None,
) -> ProjectionReport:
    """Everything the dashboard shows about one stored projection; no queries (but for a
    projection stored before its book's provenance was: its `price_book`, unless the caller
    selected it).

    `actuals` maps a month number (month 1 = the projection's first month) to what AWS
    actually billed for Bedrock that month; each month row gets it as `actual` (None when
    unknown) and the chart an "Actual spend" line. The caller reads them (workloads does not
    know where they come from). Whether the prices are stale is judged as of `on` (today)."""
    result = projection.result
    start = _start(projection)
    months = _month_rows(result, start=start, actuals=actuals or {})
    has_actuals = any(row["actual"] is not None for row in months)
    totals = {name: _money(value) for name, value in result["totals"].items()}
    first = months[0] if months else {"cost": Decimal(0), "baseline_cost": Decimal(0)}
    baseline = first["baseline_cost"]
    grants = projection.inputs.get("credits", [])
    first_out_of_pocket = result["first_out_of_pocket_month"]
    return ProjectionReport(
        projection=projection,
        months=months,
        totals=totals,
        month1_cost=first["cost"],
        month1_baseline=baseline,
        saving_percent=_percent(baseline - first["cost"], baseline),
        total_saving=totals.get("baseline_cost", Decimal(0)) - totals.get("cost", Decimal(0)),
        savings=_savings(result, baseline_total=totals["baseline_cost"]),
        per_request_cost=Decimal(result["per_request_cost"]),
        has_credits=bool(grants),
        credits_total=sum((_money(grant["amount"]) for grant in grants), Decimal(0)),
        first_out_of_pocket_month=first_out_of_pocket,
        months_at_zero=_months_at_zero(
            months, first_out_of_pocket=first_out_of_pocket, has_credits=bool(grants)
        ),
        scenarios=_scenarios(projection.scenarios),
        models=[
            {"tier": tier, "label": TIER_LABELS.get(tier, tier), "model_id": model_id}
            for tier, model_id in result.get("models", {}).items()
        ],
        warnings=list(result.get("warnings", [])),
        chart=_chart_data(
            months, first_out_of_pocket, has_credits=bool(grants), has_actuals=has_actuals
        ),
        has_actuals=has_actuals,
        start=start,
        credits_basis=projection.inputs.get("credits_basis", "expected"),
        credits_expired=_money(result["totals"].get("credits_expired")),
        first_expiry=_first_expiry(months),
        prices=_prices(projection),
        price_book=_price_book(projection, on=on),
        regional=_regional(projection),
        prices_charged="unit_prices" in projection.inputs,
        sensitivity=_sensitivity(result.get("sensitivity")),
    )


def _month_rows(result: dict, *, start: dt.date, actuals: Mapping[int, Decimal]) -> list[dict]:
    """The stored month rows with their calendar label, money as Decimal and what AWS billed
    (`actual`, None when unknown)."""
    return [
        {
            "month": row["month"],
            "label": month_label(month_start(start, row["month"])),
            "requests": row["requests"],
            # (Projections stored before expiry was counted per month have no such column.)
            **{column: _money(row.get(column)) for column in MONEY_COLUMNS},
            "actual": actuals.get(row["month"]),
        }
        for row in result["months"]
    ]


def _savings(result: dict, *, baseline_total: Decimal) -> list[dict]:
    """Each lever's saving over the horizon, and its share of the baseline total."""
    return [
        {
            "name": name,
            "label": label,
            "amount": _money(result["savings"].get(name)),
            "percent": _percent(_money(result["savings"].get(name)), baseline_total),
        }
        for name, label in SAVING_LABELS.items()
    ]


def _months_at_zero(
    months: list[dict], *, first_out_of_pocket: int | None, has_credits: bool
) -> int:
    """How many months the credits cover in full: none without credits, all of them when
    nothing is ever paid out of pocket."""
    if not has_credits:
        return 0
    if first_out_of_pocket is None:
        return len(months)
    return first_out_of_pocket - 1


def _first_expiry(months: list[dict]) -> dict | None:
    """The first month in which credits expire unused: its number, label and amount."""
    for row in months:
        if row["credits_expired"] > 0:
            return {"month": row["month"], "label": row["label"], "amount": row["credits_expired"]}
    return None


def _start(projection: WorkloadProjection) -> dt.date:
    """Month 1 of the projection: stored since projections record it, else its own month."""
    stored = projection.inputs.get("start")
    if stored:
        return dt.date.fromisoformat(stored)
    return projection.created_at.date().replace(day=1)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _per_million(value: Decimal | None) -> str:
    """A unit price as the page shows it: at least cents, more digits only where the price
    has them ("0.30", "0.125", "3.30", "0.15125"), exactly as the estimate API gives it."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def _regional(projection: WorkloadProjection) -> bool:
    """Whether the projection priced an in-Region endpoint, as stored (projections with
    `unit_prices` always record it; the template falls back to the workload for older ones)."""
    return projection.inputs.get("endpoint") == "regional"


def _price_book(projection: WorkloadProjection, *, on: dt.date | None = None) -> dict:
    """The book's provenance as stored with the projection, `stale` judged as of `on`.

    A projection stored before provenance was has only its book's name (the `price_book`
    relation) and the dates of its price rows: `recorded` is False, and staleness goes by the
    newest row's date."""
    stored = projection.inputs.get("price_book")
    if stored is None:
        dates = [row["effective_from"] for row in projection.inputs.get("price_details", [])]
        stored = {
            "name": projection.price_book.name,
            "effective_from": max(dates) if dates else None,
            "source": "",
            "refreshed_at": None,
            "illustrative": False,
        }
        recorded = False
    else:
        recorded = True
    refreshed_at = stored.get("refreshed_at")
    source = stored.get("source") or ""
    return {
        "name": stored.get("name", ""),
        "effective_from": _date(stored.get("effective_from")),
        "source": source,
        "source_is_link": source.startswith("https://"),
        "refreshed_at": dt.datetime.fromisoformat(refreshed_at) if refreshed_at else None,
        "illustrative": bool(stored.get("illustrative")),
        "stale": provenance_stale(stored, on=on),
        "stale_after_days": STALE_AFTER_DAYS,
        "recorded": recorded,
    }


def _lifecycle_badge(row: Mapping) -> str:
    """ "Legacy — ends 8 Jan 2027, move to Claude Sonnet 4.6", "End of life since …", or ""
    for an active model."""
    lifecycle = row.get("lifecycle") or Lifecycle.ACTIVE
    if lifecycle == Lifecycle.ACTIVE:
        return ""
    end = _date(row.get("end_of_life_on"))
    when = f"{end.day} {end:%b %Y}" if end else ""
    if lifecycle == Lifecycle.END_OF_LIFE:
        text = f"End of life since {when}" if when else "End of life"
    else:
        text = f"Legacy — ends {when}" if when else "Legacy"
    replacement = row.get("replacement")
    return f"{text}, move to {replacement}" if replacement else text


def _prices(projection: WorkloadProjection) -> list[dict]:
    """Per tier, the model and the unit prices the projection charged, with the price row's
    date, source and note.

    The prices are `unit_prices` (after the in-Region premium) where the projection stored
    them; an older projection has only its book's rows (`price_details`, global endpoint).
    A tier's `premium` says its prices are the in-Region ones."""
    inputs = projection.inputs
    details = {row["tier"]: row for row in inputs.get("price_details", [])}
    charged = inputs.get("unit_prices", {})
    regional = bool(charged) and _regional(projection)
    rows = []
    for tier in [tier for tier in TIERS if tier in details or tier in charged]:
        row = {**charged.get(tier, {}), **details.get(tier, {})}
        unit = charged.get(tier) or details.get(tier, {})
        prices = {kind: _decimal(unit.get(kind)) for kind in PRICE_KINDS}
        source = row.get("source") or ""
        rows.append(
            {
                "tier": tier,
                "label": TIER_LABELS.get(tier, tier),
                "model_id": row.get("model_id", ""),
                "name": row.get("name", ""),
                "lifecycle": row.get("lifecycle") or Lifecycle.ACTIVE,
                "lifecycle_badge": _lifecycle_badge(row),
                **prices,
                "shown": {kind: _per_million(value) for kind, value in prices.items()},
                "premium": regional and bool(row.get("regional_premium")),
                "effective_from": _date(row.get("effective_from")),
                "source": source,
                "source_is_link": source.startswith("https://"),
                "note": row.get("note") or "",
            }
        )
    return rows


def _sensitivity(stored: dict | None) -> dict | None:
    """The what-if slopes as the card shows them: per lever, what one more percentage point
    of its share does to month 1's cost, and the chart's curves (share in percent, cost in
    dollars). None for a projection stored before them."""
    if not stored:
        return None
    levers = []
    for name, phrase in LEVERS.items():
        per_point = stored.get("per_point", {}).get(name)
        if per_point is None:
            continue
        change = Decimal(per_point)
        levers.append(
            {
                "name": name,
                "phrase": phrase,
                "change": change,
                "amount": abs(change),
                "effect": "adds" if change > 0 else "saves" if change < 0 else "none",
            }
        )
    curves = stored.get("curves", {})
    chart = {
        "month": stored.get("month", 1),
        "series": [
            {
                "name": name,
                "label": LEVER_CHART_LABELS[name],
                "points": [
                    {"x": round(float(point["share"]) * 100, 2), "y": float(point["monthly_cost"])}
                    for point in curves[name]
                ],
            }
            for name in LEVERS
            if curves.get(name)
        ],
    }
    return {"month": chart["month"], "levers": levers, "chart": chart}


def _scenarios(stored: dict) -> list[dict]:
    """The what-ifs in a fixed order, each with its difference to the plan as entered."""
    entered = stored.get("as_entered")
    entered_total = _money(entered["total_cost"]) if entered else None
    cards = []
    for name in SCENARIOS:
        scenario = stored.get(name)
        if scenario is None:
            continue
        total = _money(scenario["total_cost"])
        cards.append(
            {
                "name": name,
                "label": scenario["label"],
                "monthly_cost": _money(scenario["monthly_cost"]),
                "total_cost": total,
                "out_of_pocket": _money(scenario["out_of_pocket"]),
                "first_out_of_pocket_month": scenario["first_out_of_pocket_month"],
                # Against the plan as entered: how much more or less over the horizon.
                "difference": None if entered_total is None else abs(total - entered_total),
                "costs_more": entered_total is not None and total > entered_total,
            }
        )
    return cards


def _chart_data(
    months: list[dict],
    first_out_of_pocket: int | None,
    *,
    has_credits: bool,
    has_actuals: bool = False,
):
    """Plain JSON for the chart script: numbers in dollars, one entry per month."""

    def series(column: str) -> list[float]:
        return [float(row[column]) for row in months]

    return {
        "labels": [row["label"] for row in months],
        "cost": series("cost"),
        "baseline": series("baseline_cost"),
        "creditsApplied": series("credits_applied"),
        "outOfPocket": series("out_of_pocket"),
        "creditsRemaining": series("credits_remaining"),
        "hasCredits": has_credits,
        # What AWS billed, null for months not (yet) imported; absent without any actuals.
        **(
            {"actual": [None if row["actual"] is None else float(row["actual"]) for row in months]}
            if has_actuals
            else {}
        ),
        "hasActuals": has_actuals,
        # Index into the labels, or null when credits cover the whole horizon (or none exist).
        "firstOutOfPocketIndex": (first_out_of_pocket - 1)
        if has_credits and first_out_of_pocket
        else None,
    }


def projection_csv(*, projection: WorkloadProjection, on: dt.date | None = None) -> str:
    """The projection as CSV, in two blocks separated by one blank line.

    1. The months: the header CSV_COLUMNS and one row per month, money exactly as stored
       (cent strings).
    2. The prices: the header PRICE_CSV_COLUMNS and one row per tier (the unit prices
       charged, in USD per 1M tokens, after the in-Region premium where the projection stored
       them, else its book's global prices; empty where the model does not offer one;
       `lifecycle` is active, legacy or end_of_life; `price_date` and `source` are the price
       row's), then four `key,value` lines: `price_book,<name>`,
       `price_book_date,<the book's own date, ISO 8601, empty if unknown>`,
       `price_book_source,<source>` and `prices_stale,<yes|no>`, stale as of `on` (today).
    """
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in projection.result["months"]:
        writer.writerow([row.get(column, "0.00") for column in CSV_COLUMNS])
    writer.writerow([])
    writer.writerow(PRICE_CSV_COLUMNS)
    prices = _prices(projection) or [  # a projection stored before its prices were
        {"tier": tier, "model_id": model_id, "name": "", "lifecycle": "", "effective_from": None}
        | {"shown": dict.fromkeys(PRICE_KINDS, ""), "source": ""}
        for tier, model_id in projection.result.get("models", {}).items()
    ]
    for price in prices:
        writer.writerow(
            [
                price["tier"],
                price["model_id"],
                price["name"],
                price["lifecycle"],
                *(price["shown"][kind] for kind in PRICE_KINDS),
                price["effective_from"].isoformat() if price["effective_from"] else "",
                price["source"],
            ]
        )
    book = _price_book(projection, on=on)
    writer.writerow(["price_book", book["name"]])
    book_date = book["effective_from"] if book["recorded"] else None  # else a row's date
    writer.writerow(["price_book_date", book_date.isoformat() if book_date else ""])
    writer.writerow(["price_book_source", book["source"]])
    writer.writerow(["prices_stale", "yes" if book["stale"] else "no"])
    return buffer.getvalue()
