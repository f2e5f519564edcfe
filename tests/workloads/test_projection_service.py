"""workload_project: the stored projection of a workload, its scenarios, and the intake step
that stores it."""

import logging
from decimal import Decimal

import pytest
from django.utils import timezone

from matching import services as matching_services
from matching.models import IntakeStatus
from tests.factories import IntakeFactory, WorkloadFactory
from workloads import services
from workloads.models import AuditEvent, PriceBook, WorkloadProjection
from workloads.selectors import price_cache_clear, workload_projection_latest
from workloads.spend import CreditGrant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

CURRENT_MODELS = {
    "haiku": "anthropic.claude-haiku-4-5-20251001-v1:0",
    "sonnet": "anthropic.claude-sonnet-5",
    "opus": "anthropic.claude-opus-4-8",
}
SCENARIO_NAMES = {"as_entered", "no_caching", "no_batch", "all_haiku", "all_baseline"}


def test_it_stores_a_24_month_projection_with_its_inputs_and_scenarios():
    workload = WorkloadFactory()

    projection = services.workload_project(workload_id=workload.pk)

    projection.refresh_from_db()
    assert projection.workload == workload
    assert projection.price_book.slug == "bedrock-current"
    assert len(projection.result["months"]) == 24
    assert [row["month"] for row in projection.result["months"]] == list(range(1, 25))
    assert projection.result["models"] == CURRENT_MODELS
    inputs = projection.inputs
    assert {key: inputs[key] for key in ("months", "credits", "prices")} == {
        "months": 24,
        "credits": [],
        "prices": CURRENT_MODELS,
    }
    # Month 1 is this month; the credits are expected ones; the prices carry date and source.
    assert inputs["start"] == timezone.localdate().replace(day=1).isoformat()
    assert inputs["credits_basis"] == "expected"
    assert (inputs["endpoint"], inputs["cascade"]) == ("global", False)
    details = {row["tier"]: row for row in inputs["price_details"]}
    assert {tier: row["model_id"] for tier, row in details.items()} == CURRENT_MODELS
    assert all(row["effective_from"] and row["source"] for row in details.values())
    # Which book, its own date, and the prices charged (issue 14).
    assert inputs["price_book"]["slug"] == "bedrock-current"
    assert inputs["price_book"]["effective_from"] == "2026-09-03"
    assert inputs["unit_prices"]["sonnet"]["input"] == "2.00"
    assert set(projection.result["sensitivity"]["per_point"]) == {
        "escalation_sonnet",
        "escalation_opus",
        "cache_hit_rate",
    }
    assert set(projection.scenarios) == SCENARIO_NAMES
    for name, summary in projection.scenarios.items():
        assert summary["label"] == services.SCENARIOS[name]
        assert set(summary) >= {"monthly_cost", "total_cost", "out_of_pocket"}
    assert AuditEvent.objects.filter(
        action="workload.projected", object_id=str(workload.pk)
    ).exists()


def test_it_matches_the_estimate_service_on_the_same_workload():
    workload = WorkloadFactory()

    projection = services.workload_project(workload_id=workload.pk)

    live = services.workload_estimate(workload=workload, months=24).as_dict()
    stored = dict(projection.result)
    stored.pop("sensitivity")  # the stored projection adds the what-if slopes
    assert stored == live
    assert projection.scenarios["as_entered"]["total_cost"] == live["totals"]["cost"]


def test_it_records_the_credits_it_projected_against():
    workload = WorkloadFactory()
    grants = [CreditGrant(amount=1000.0), CreditGrant(amount=250.5, start_month=3, valid_months=6)]

    projection = services.workload_project(workload_id=workload.pk, credits=grants)

    assert projection.inputs["credits"] == [
        {"amount": "1000.00", "start_month": 1, "valid_months": 12},
        {"amount": "250.50", "start_month": 3, "valid_months": 6},
    ]
    assert projection.result["totals"]["credits_applied"] != "0.00"


def test_it_uses_the_named_price_book():
    workload = WorkloadFactory()

    projection = services.workload_project(workload_id=workload.pk, book_slug="representative-2026")

    assert projection.price_book.slug == "representative-2026"
    assert projection.inputs["prices"]["opus"] == "anthropic.claude-opus-4-1-20250805-v1:0"


def test_it_adds_a_row_each_run_and_the_newest_is_shown():
    workload = WorkloadFactory()

    first = services.workload_project(workload_id=workload.pk)
    second = services.workload_project(workload_id=workload.pk)

    assert WorkloadProjection.objects.filter(workload=workload).count() == 2
    assert second.pk != first.pk
    assert workload_projection_latest(workload_id=workload.pk) == second


def test_it_returns_none_for_a_missing_workload():
    count = WorkloadProjection.objects.count()

    assert services.workload_project(workload_id=987_654_321) is None
    assert WorkloadProjection.objects.count() == count


def test_it_never_makes_everything_on_haiku_cost_more_than_as_entered():
    # 20% of the traffic escalates to Sonnet and Opus, with cascade-free routing.
    workload = WorkloadFactory(escalation_sonnet=0.15, escalation_opus=0.05)

    scenarios = services.workload_project(workload_id=workload.pk).scenarios

    all_haiku, as_entered = scenarios["all_haiku"], scenarios["as_entered"]
    assert Decimal(all_haiku["monthly_cost"]) < Decimal(as_entered["monthly_cost"])
    assert Decimal(all_haiku["total_cost"]) < Decimal(as_entered["total_cost"])


def test_it_prices_everything_on_the_baseline_tier_at_the_baseline_cost():
    workload = WorkloadFactory(escalation_sonnet=0.1, baseline_tier="sonnet")

    projection = services.workload_project(workload_id=workload.pk)

    all_baseline = projection.scenarios["all_baseline"]
    assert all_baseline["monthly_cost"] == projection.result["months"][0]["baseline_cost"]
    assert all_baseline["total_cost"] == projection.result["totals"]["baseline_cost"]


def test_it_drops_only_the_named_lever_in_each_scenario():
    inputs = services.spend_input_for_workload(
        WorkloadFactory(escalation_sonnet=0.1, escalation_opus=0.05)
    )

    scenarios = services.scenario_inputs(inputs)

    assert scenarios["as_entered"] == inputs
    no_caching, no_batch = scenarios["no_caching"], scenarios["no_batch"]
    assert no_caching.cached_prefix_tokens == 0
    assert no_caching.batch_share == inputs.batch_share
    assert no_batch.batch_share == 0.0
    assert no_batch.cache_hit_rate == inputs.cache_hit_rate
    all_haiku = scenarios["all_haiku"]
    assert (all_haiku.escalation_sonnet, all_haiku.escalation_opus) == (0.0, 0.0)
    all_baseline = scenarios["all_baseline"]  # the factory's baseline tier is Opus
    assert (all_baseline.escalation_sonnet, all_baseline.escalation_opus) == (0.0, 1.0)
    assert (all_baseline.cached_prefix_tokens, all_baseline.batch_share) == (0, 0.0)


def test_the_intake_pipeline_stores_a_projection():
    intake = IntakeFactory()

    processed = matching_services.intake_process(intake_id=intake.pk)

    assert processed.status == IntakeStatus.READY
    projection = workload_projection_latest(workload_id=intake.workload_id)
    assert projection is not None
    assert len(projection.result["months"]) == 24


def test_the_intake_still_becomes_ready_without_a_price_book(caplog):
    intake = IntakeFactory()
    PriceBook.objects.all().delete()
    price_cache_clear()

    with caplog.at_level(logging.ERROR, logger="matching.services"):
        processed = matching_services.intake_process(intake_id=intake.pk)

    assert processed.status == IntakeStatus.READY
    assert not WorkloadProjection.objects.filter(workload=intake.workload).exists()
    assert any(
        "No price book" in record.getMessage() and record.exc_info for record in caplog.records
    )
