"""What the measured-vs-assumed card compares: the window through yesterday, the Batch
scaling, the projection's month at the window's midpoint (the review of issue 20)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from credits.calibration import ModelTotals, measure
from credits.models import BedrockUsageDay
from credits.selectors import usage_calibration
from tests.bedrock_account import HAIKU
from tests.factories import WorkloadFactory
from workloads.models import Workload
from workloads.throughput import burndown_of

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 12, 3)


def haiku(calls: int) -> list[ModelTotals]:
    return [ModelTotals(HAIKU, "haiku", calls, calls * 500, calls * 50, 0, 0)]


def test_batch_jobs_are_not_counted_so_the_on_demand_requests_are_scaled_up():
    assert measure(haiku(100), days=10, cascade=False, batch_share=0.5).monthly_requests == 600
    assert measure(haiku(100), days=10, cascade=False, batch_share=0.0).monthly_requests == 300
    # Everything batched: nothing to scale from; the on-demand calls are taken as they are.
    assert measure(haiku(100), days=10, cascade=False, batch_share=1.0).monthly_requests == 300


def usage(workload: Workload, *, days: list[dt.date], calls: int) -> None:
    for day in days:
        BedrockUsageDay.objects.create(
            startup=workload.startup,
            day=day,
            dimension=f"us.{HAIKU}",
            model_id=HAIKU,
            invocations=calls,
            input_tokens=calls * 500,
            output_tokens=calls * 50,
            read_at=timezone.now(),
        )


def test_quiet_days_since_the_last_call_count_in_the_window():
    """1,000 calls a day for 10 days, then 20 quiet days: 10,000 in 30 days, not 30,000."""
    workload = WorkloadFactory(batch_share=0, escalation_sonnet=0, monthly_growth=0)
    first = ON - dt.timedelta(days=30)
    usage(workload, days=[first + dt.timedelta(days=n) for n in range(10)], calls=1_000)

    found = usage_calibration(workload=workload, on=ON)

    assert found.measured.days == 30
    assert found.measured.monthly_requests == 10_000


def test_the_projection_month_is_the_one_the_window_covers_not_the_calendar_month():
    """A version made on 31 January and checked on 1 February is in its first month."""
    workload = WorkloadFactory(
        batch_share=0, escalation_sonnet=0, monthly_growth=0.2, monthly_requests=100_000
    )
    Workload.objects.filter(pk=workload.pk).update(
        created_at=dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC)
    )
    workload.refresh_from_db()
    on = dt.date(2026, 2, 1)
    usage(workload, days=[dt.date(2026, 1, 31)], calls=3_000)

    found = usage_calibration(workload=workload, on=on)

    requests = {row["field"]: row["assumed"] for row in found.rows}["monthly_requests"]
    assert requests == 100_000  # month 1: no growth applied yet
    # Checked on 1 April with calls from 15 March: the midpoint (23 March) is in month 2.
    usage(workload, days=[dt.date(2026, 3, 15)], calls=3_000)
    later = usage_calibration(workload=workload, on=dt.date(2026, 4, 1))
    assert {row["field"]: row["assumed"] for row in later.rows}["monthly_requests"] == 120_000
    assert later.projected_monthly_cost > found.projected_monthly_cost


def test_the_overspend_reads_with_one_decimal():
    workload = WorkloadFactory(batch_share=0, escalation_sonnet=0, monthly_growth=0)
    usage(workload, days=[ON - dt.timedelta(days=30 - n) for n in range(30)], calls=100)
    found = usage_calibration(workload=workload, on=ON)
    assert found.overspend_percent == (found.overspend * 100).quantize(Decimal("0.1"))


def test_a_claude_model_the_burndown_table_does_not_list_yet_counts_five():
    assert burndown_of("anthropic.claude-haiku-9-9") == 5
    assert burndown_of("amazon.nova-lite-v1:0") == 1
    assert burndown_of("anthropic.claude-opus-4-8") == 15
