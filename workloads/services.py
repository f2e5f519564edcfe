"""Writes of the workloads app: spend projections (and, below, the catalog refresh)."""

from collections.abc import Iterable
from dataclasses import replace

from django.db import transaction

from . import selectors
from .audit import audit_log
from .models import Workload, WorkloadProjection
from .spend import CreditGrant, Projection, SpendInput, TierPrice, project

# The founder's what-ifs on the dashboard: name -> change to the inputs as entered.
SCENARIOS = {
    "as_entered": "As entered",
    "no_caching": "No caching",
    "no_batch": "No batch",
    "all_haiku": "Everything on Haiku",
    "all_baseline": "Everything on the baseline tier",
}
PROJECTION_MONTHS = 24


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
        months=months,
        credits=tuple(credits),
    )


def workload_estimate(*, workload: Workload, months: int = 12) -> Projection:
    """The live estimate for a workload being typed in (unsaved is fine), default price book.

    Raises selectors.PriceBookMissingError when no price book is configured.
    """
    prices = selectors.tier_prices(book=selectors.price_book_get())
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


def _scenario_summary(inputs: SpendInput, prices: dict[str, TierPrice]) -> dict[str, dict]:
    summary = {}
    for name, scenario in scenario_inputs(inputs).items():
        result = project(scenario, prices).as_dict()
        summary[name] = {
            "label": SCENARIOS[name],
            "monthly_cost": result["months"][0]["cost"] if result["months"] else "0.00",
            "total_cost": result["totals"]["cost"],
            "out_of_pocket": result["totals"]["out_of_pocket"],
            "first_out_of_pocket_month": result["first_out_of_pocket_month"],
        }
    return summary


def workload_project(
    *, workload_id: int, credits: Iterable[CreditGrant] = (), book_slug: str | None = None
) -> WorkloadProjection | None:
    """Store a new projection of the workload against `credits` with the price book's prices.

    Pure computation plus one insert; safe to run twice (it adds another dated row, the
    dashboard shows the newest). Returns None when the workload no longer exists.
    """
    workload = Workload.objects.filter(pk=workload_id).first()
    if workload is None:
        return None
    book = selectors.price_book_get(slug=book_slug)
    prices = selectors.tier_prices(book=book)
    inputs = spend_input_for_workload(workload, credits=credits)
    result = project(inputs, prices).as_dict()
    with transaction.atomic():
        projection = WorkloadProjection.objects.create(
            workload=workload,
            price_book=book,
            inputs={
                "months": inputs.months,
                "credits": [
                    {
                        "amount": f"{g.amount:.2f}",
                        "start_month": g.start_month,
                        "valid_months": g.valid_months,
                    }
                    for g in inputs.credits
                ],
                "prices": {tier: price.model_id for tier, price in prices.items()},
            },
            result=result,
            scenarios=_scenario_summary(inputs, prices),
        )
        audit_log(
            actor=None,
            action="workload.projected",
            subject=workload,
            data={"projection": projection.pk, "book": book.slug},
        )
    return projection
