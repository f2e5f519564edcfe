"""Spend projections: the live estimate of a workload being typed in, the stored projection
with its what-ifs (`workload_project`) and the nightly re-projection (`workloads_reproject`)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from core.formatting import months_from

from .. import selectors
from ..audit import audit_log
from ..models import AuditEvent, ModelPrice, PriceBook, Workload, WorkloadProjection
from ..selectors import PROJECTION_MONTHS, spend_input_for_workload
from ..spend import (
    CreditGrant,
    Projection,
    SpendInput,
    Summary,
    TierPrice,
    _cents_text,
    project,
    project_summary,
    sensitivity,
    unit_prices,
)

# The founder's what-ifs on the dashboard: name -> change to the inputs as entered.
SCENARIOS = {
    "as_entered": "As entered",
    "no_caching": "No caching",
    "no_batch": "No batch",
    "all_haiku": "Everything on Haiku",
    "all_baseline": "Everything on the baseline tier",
}
# What a projection's credits are (its inputs' `credits_basis`).
CREDITS_EXPECTED, CREDITS_ISSUED = "expected", "issued"


def workload_estimate(
    *, workload: Workload, months: int = 12, book: selectors.PricedBook | None = None
) -> Projection:
    """The live estimate for a workload being typed in (unsaved is fine), with `book` (the
    default book when None; pass it to show its provenance next to the figures).

    Raises selectors.PriceBookMissingError when no price book is configured.
    """
    prices = (book or selectors.priced_book_for()).prices
    return project(spend_input_for_workload(workload, months=months), prices)


def scenario_inputs(inputs: SpendInput) -> dict[str, SpendInput]:
    baseline = {"haiku": (0.0, 0.0), "sonnet": (1.0, 0.0), "opus": (0.0, 1.0)}
    sonnet, opus = baseline[inputs.baseline_tier]
    return {
        "as_entered": inputs,
        "no_caching": replace(inputs, cached_prefix_tokens=0, cache_hit_rate=0.0),
        "no_batch": replace(inputs, batch_share=0.0),
        "all_haiku": replace(inputs, escalation_sonnet=0.0, escalation_opus=0.0, cascade=False),
        "all_baseline": replace(
            inputs,
            escalation_sonnet=sonnet,
            escalation_opus=opus,
            cascade=False,
            cached_prefix_tokens=0,
            cache_hit_rate=0.0,
            batch_share=0.0,
        ),
    }


def _scenario_summary(
    inputs: SpendInput, prices: dict[str, TierPrice], as_entered: Projection
) -> dict[str, dict]:
    """Each what-if's month 1, total and out-of-pocket cost, in cents as `Projection.as_dict`
    writes them. `as_entered` is the projection of `inputs` itself, already made; the four
    changed inputs need only those figures (`project_summary`)."""
    summary = {}
    for name, scenario in scenario_inputs(inputs).items():
        if name == "as_entered":
            result = Summary(
                month_one_cost_cents=as_entered.months[0].cost_cents if as_entered.months else None,
                cost_cents=as_entered.totals.cost_cents,
                out_of_pocket_cents=as_entered.totals.out_of_pocket_cents,
                first_out_of_pocket_month=as_entered.first_out_of_pocket_month,
            )
        else:
            result = project_summary(scenario, prices)
        month_one = result.month_one_cost_cents
        summary[name] = {
            "label": SCENARIOS[name],
            "monthly_cost": "0.00" if month_one is None else _cents_text(month_one),
            "total_cost": _cents_text(result.cost_cents),
            "out_of_pocket": _cents_text(result.out_of_pocket_cents),
            "first_out_of_pocket_month": result.first_out_of_pocket_month,
        }
    return summary


def _price_details(rows: dict[str, ModelPrice]) -> list[dict[str, Any]]:
    """What the founder is shown of the prices used: each tier's model, its unit prices in
    dollars per 1M tokens, and the price's own date and source."""

    def money(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:f}"

    return [
        {
            "tier": tier,
            "model_id": row.model_id,
            "name": row.name,
            "input": money(row.input),
            "output": money(row.output),
            "cache_read": money(row.cache_read),
            "cache_write": money(row.cache_write_5m),
            "cache_write_1h": money(row.cache_write_1h),
            "batch_input": money(row.batch_input),
            "batch_output": money(row.batch_output),
            "min_cache_prefix": row.min_cache_prefix,
            "regional_premium": row.regional_premium,
            "lifecycle": row.lifecycle,
            "end_of_life_on": row.end_of_life_on.isoformat() if row.end_of_life_on else None,
            "replacement": row.replacement,
            "effective_from": row.effective_from.isoformat(),
            "source": row.source,
            "note": row.note,
        }
        for tier, row in rows.items()
    ]


@dataclass
class _BookAtHand:
    """What every projection made with one book today shares, worked out once per call of
    `workload_project` or per batch of `workloads_reproject`: the rows, the engine's prices,
    the provenance, the price details, month 1 and the unit prices per endpoint."""

    book: PriceBook
    rows: dict[str, ModelPrice]
    prices: dict[str, TierPrice] = field(init=False)
    provenance: dict[str, Any] = field(init=False)
    price_details: list[dict[str, Any]] = field(init=False)
    model_ids: dict[str, str] = field(init=False)
    start: str = field(init=False)
    _unit_prices: dict[str, dict[str, dict[str, Any]]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.prices = {tier: selectors.tier_price_from_row(row) for tier, row in self.rows.items()}
        self.provenance = selectors.price_book_provenance(self.book)
        self.price_details = _price_details(self.rows)
        self.model_ids = {tier: price.model_id for tier, price in self.prices.items()}
        self.start = timezone.localdate().replace(day=1).isoformat()

    @classmethod
    def get(cls, *, slug: str | None = None) -> "_BookAtHand":
        """The named book (the default one when None) with its tiers' rows; three queries.
        Raises selectors.PriceBookMissingError."""
        book = selectors.price_book_get(slug=slug)
        return cls(book=book, rows=selectors.tier_price_rows(book=book))

    def unit_prices(self, endpoint: str) -> dict[str, dict[str, Any]]:
        if endpoint not in self._unit_prices:
            self._unit_prices[endpoint] = unit_prices(self.prices, endpoint)
        return self._unit_prices[endpoint]


def _projection_for(
    workload: Workload,
    *,
    at_hand: _BookAtHand,
    credits: Iterable[CreditGrant],
    credits_basis: str,
    months: int,
) -> WorkloadProjection:
    """An unsaved projection of the workload: the engine's result and the what-ifs.

    `inputs` records month 1 (`start`, the current month), whether the credits are the
    ones expected from eligibility or the ones AWS issued (`credits_basis`), the book's
    provenance (`price_book`), each tier's price row (`price_details`) and the unit prices
    charged after the regional premium (`unit_prices`); `result` adds the what-if slopes
    (`sensitivity`) to the engine's JSON. The dashboard and the CSV read all of it from here.

    The single projection and the nightly batch both come through here, so they store the
    same thing; the JSON parts shared by every projection of a batch (`at_hand`'s) are the
    same objects in each row, which is fine for rows that are only written."""
    prices = at_hand.prices
    inputs = spend_input_for_workload(workload, months=months, credits=credits)
    projection = project(inputs, prices)
    return WorkloadProjection(
        workload=workload,
        price_book=at_hand.book,
        inputs={
            "months": inputs.months,
            "start": at_hand.start,
            "credits_basis": credits_basis,
            "credits": [
                {
                    "amount": f"{g.amount:.2f}",
                    "start_month": g.start_month,
                    "valid_months": g.valid_months,
                }
                for g in inputs.credits
            ],
            "prices": at_hand.model_ids,
            "price_book": at_hand.provenance,
            "price_details": at_hand.price_details,
            "unit_prices": at_hand.unit_prices(inputs.endpoint),
            "endpoint": inputs.endpoint,
            "cascade": inputs.cascade,
        },
        result={**projection.as_dict(), "sensitivity": sensitivity(inputs, prices)},
        scenarios=_scenario_summary(inputs, prices, projection),
    )


def workload_project(
    *,
    workload_id: int,
    credits: Iterable[CreditGrant] = (),
    book_slug: str | None = None,
    credits_basis: str = CREDITS_EXPECTED,
    months: int = PROJECTION_MONTHS,
) -> WorkloadProjection | None:
    """Store a new projection of the workload against `credits` with the price book's prices.

    `credits_basis` says what the credits are: CREDITS_EXPECTED (from eligibility) or
    CREDITS_ISSUED (the grants AWS issued; credits.services.outcome). Pure computation plus
    one insert; safe to run twice (it adds another dated row, the dashboard shows the
    newest). Returns None when the workload no longer exists.
    """
    workload = Workload.objects.filter(pk=workload_id).first()
    if workload is None:
        return None
    at_hand = _BookAtHand.get(slug=book_slug)
    projection = _projection_for(
        workload,
        at_hand=at_hand,
        credits=credits,
        credits_basis=credits_basis,
        months=months,
    )
    with transaction.atomic():
        projection.save()
        audit_log(
            actor=None,
            action="workload.projected",
            subject=workload,
            data={
                "projection": projection.pk,
                "book": at_hand.book.slug,
                "credits": credits_basis,
            },
        )
    return projection


def _stored_credits(inputs: dict | None, *, today: dt.date) -> tuple[CreditGrant, ...]:
    """The credits of a stored projection, moved to a month 1 of `today`'s month: an issued
    grant keeps its calendar months (one that has run out by now is dropped). Expected
    credits are not issued yet, so they still start in month 1, whenever that is."""
    inputs = inputs or {}
    start = inputs.get("start")
    issued = inputs.get("credits_basis") == CREDITS_ISSUED
    shift = months_from(dt.date.fromisoformat(start), today) if start and issued else 0
    grants = []
    for g in inputs.get("credits", ()):
        first, last = g["start_month"] - shift, g["start_month"] + g["valid_months"] - 1 - shift
        if last >= 1:
            first = max(first, 1)
            grants.append(CreditGrant(float(g["amount"]), first, last - first + 1))
    return tuple(grants)


def workloads_reproject(*, workload_ids: Iterable[int], since: dt.datetime) -> int:
    """Re-project these workloads with the default book's current prices, each against the
    credits of its newest projection; returns how many projections were stored.

    A workload projected at or after `since` is skipped, so a batch that runs twice (a retry,
    a redelivery after a lost worker) adds nothing the second time. A workload never
    projected is left to the intake pipeline, which knows its expected credits.
    """
    newest = WorkloadProjection.objects.filter(workload=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    workloads = (
        Workload.objects.filter(pk__in=list(workload_ids))
        .select_related("startup")
        .annotate(
            projected_at=Subquery(newest.values("created_at")[:1]),
            projected_inputs=Subquery(newest.values("inputs")[:1]),
        )
        .filter(projected_at__lt=since)
        .order_by("pk")
    )
    at_hand = _BookAtHand.get()  # the book and its prices: read once per batch
    today = timezone.localdate()
    projections = [
        _projection_for(
            workload,
            at_hand=at_hand,
            credits=_stored_credits(workload.projected_inputs, today=today),
            credits_basis=(workload.projected_inputs or {}).get("credits_basis", CREDITS_EXPECTED),
            months=(workload.projected_inputs or {}).get("months", PROJECTION_MONTHS),
        )
        for workload in workloads
    ]
    workload_type = ContentType.objects.get_for_model(Workload)
    with transaction.atomic():
        WorkloadProjection.objects.bulk_create(projections)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                action="workload.projected",
                content_type=workload_type,
                object_id=str(p.workload_id),
                object_repr=str(p.workload)[:200],
                data={"projection": p.pk, "book": at_hand.book.slug, "nightly": True},
            )
            for p in projections
        )
    return len(projections)
