"""The loop from the founder's account to a new projection: metrics in, measured vs assumed,
one click, a new workload version."""

import datetime as dt

import boto3
import pytest
from django.utils import timezone
from moto import mock_aws

from credits import selectors as credit_selectors
from credits.models import BedrockUsageDay, BillingAccess
from credits.services import bedrock_usage_import
from matching.services import workload_calibrate
from tests.bedrock_account import HAIKU, SONNET, put_usage_day
from tests.factories import IntakeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def founder_intake():
    founder = UserFactory()
    intake = IntakeFactory(
        workload__startup__founder=founder,
        workload__monthly_requests=100_000,
        workload__escalation_sonnet=0.05,
        workload__escalation_opus=0.0,
        workload__cascade=False,
    )
    BillingAccess.objects.create(
        startup=intake.startup, role_arn="arn:aws:iam::210987654321:role/CloudRoute"
    )
    return intake


@mock_aws
def test_measured_metrics_become_a_new_workload_version(founder_intake):
    cw = boto3.client("cloudwatch", region_name="us-west-2")
    today = timezone.now().astimezone(dt.UTC).date()
    for back in range(1, 11):  # ten days of traffic
        day = today - dt.timedelta(days=back)
        put_usage_day(
            cw,
            dimension=f"us.{HAIKU}",
            day=day,
            invocations=8000,
            input_tokens=8000 * 600,
            output_tokens=8000 * 80,
            cache_read_tokens=6000 * 1200,
            cache_write_tokens=2000 * 1200,
        )
        put_usage_day(
            cw,
            dimension=f"us.{SONNET}",
            day=day,
            invocations=2000,
            input_tokens=2000 * 600,
            output_tokens=2000 * 80,
            cache_read_tokens=1500 * 1200,
            cache_write_tokens=500 * 1200,
        )
    startup_id = founder_intake.startup_id
    assert bedrock_usage_import(startup_id=startup_id, cw_client=cw) == 20
    assert BedrockUsageDay.objects.filter(startup_id=startup_id, model_id=HAIKU).count() == 10
    workload = founder_intake.workload
    found = credit_selectors.usage_calibration(workload=workload)
    assert found is not None
    values = found.measured.workload_values()
    assert values == {
        # 10,000 on-demand calls a day over the 10 days since the first, times 30; Batch jobs
        # are not in CloudWatch's counts, so with half the workload batched, twice that.
        "monthly_requests": 600_000,
        "input_tokens": 1800,
        "cached_prefix_tokens": 1200,
        "output_tokens": 80,
        "cache_hit_rate": 0.75,
        "escalation_sonnet": 0.2,
        "escalation_opus": 0.0,
    }
    assert found.measured_monthly_cost > found.projected_monthly_cost
    intake = workload_calibrate(
        founder=founder_intake.founder, startup_id=startup_id, measured_through=found.last_day
    )
    new = intake.workload
    assert new.pk != workload.pk
    assert (new.monthly_requests, new.escalation_sonnet, new.cache_hit_rate) == (600_000, 0.2, 0.75)
    assert new.batch_share == workload.batch_share  # not measured: kept
