"""A stored projection as the founder reads it: headline figures, chart data, table and CSV.

Reads only what `workload_project` stored (the JSON of
docs/architecture.md#the-spend-model-contract in `result`, the what-ifs in
`scenarios`), so the dashboard shows what was computed, even after prices change. Money stays
`Decimal` from the stored cent strings; only the chart data turns it into JSON numbers.
"""

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from core.formatting import month_label, month_start

from .models import WorkloadProjection
from .services import SCENARIOS
from .spend import TIER_LABELS

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
    *, projection: WorkloadProjection, actuals: Mapping[int, Decimal] | None = None
) -> ProjectionReport:
    """Everything the dashboard shows about one stored projection; no queries.

    `actuals` maps a month number (month 1 = the projection's first month) to what AWS
    actually billed for Bedrock that month; each month row gets it as `actual` (None when
    unknown) and the chart an "Actual spend" line. The caller reads them (workloads does not
    know where they come from)."""
    result = projection.result
    actuals = actuals or {}
    start = _start(projection)
    months = [
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
    first_expiry = _first_expiry(months)
    has_actuals = any(row["actual"] is not None for row in months)
    totals = {name: _money(value) for name, value in result["totals"].items()}
    first = months[0] if months else {"cost": Decimal(0), "baseline_cost": Decimal(0)}
    baseline = first["baseline_cost"]
    savings = [
        {
            "name": name,
            "label": label,
            "amount": _money(result["savings"].get(name)),
            "percent": _percent(_money(result["savings"].get(name)), totals["baseline_cost"]),
        }
        for name, label in SAVING_LABELS.items()
    ]
    grants = projection.inputs.get("credits", [])
    first_out_of_pocket = result["first_out_of_pocket_month"]
    if not grants:
        months_at_zero = 0
    elif first_out_of_pocket is None:
        months_at_zero = len(months)
    else:
        months_at_zero = first_out_of_pocket - 1
    return ProjectionReport(
        projection=projection,
        months=months,
        totals=totals,
        month1_cost=first["cost"],
        month1_baseline=baseline,
        saving_percent=_percent(baseline - first["cost"], baseline),
        total_saving=totals.get("baseline_cost", Decimal(0)) - totals.get("cost", Decimal(0)),
        savings=savings,
        per_request_cost=Decimal(result["per_request_cost"]),
        has_credits=bool(grants),
        credits_total=sum((_money(grant["amount"]) for grant in grants), Decimal(0)),
        first_out_of_pocket_month=first_out_of_pocket,
        months_at_zero=months_at_zero,
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
        first_expiry=first_expiry,
        prices=_prices(projection),
    )


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


def _prices(projection: WorkloadProjection) -> list[dict]:
    """The unit prices the projection used, per tier, with their date and source."""
    rows = []
    for row in projection.inputs.get("price_details", []):
        rows.append(
            {
                **row,
                "label": TIER_LABELS.get(row["tier"], row["tier"]),
                "effective_from": dt.date.fromisoformat(row["effective_from"]),
                "source_is_link": row["source"].startswith("https://"),
                **{
                    key: None if row.get(key) is None else Decimal(row[key])
                    for key in ("input", "output", "cache_read", "cache_write", "batch_input")
                },
            }
        )
    return rows


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


def projection_csv(*, projection: WorkloadProjection) -> str:
    """One header row and one row per month; money exactly as stored (cent strings)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in projection.result["months"]:
        writer.writerow([row.get(column, "0.00") for column in CSV_COLUMNS])
    return buffer.getvalue()
