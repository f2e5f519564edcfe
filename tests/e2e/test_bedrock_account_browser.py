"""Issue 20 in a real browser: a founder connects a (stubbed) AWS account, sees the setup
kit and the quota headroom, then the measured-vs-assumed table once the daily sync has read
CloudWatch, applies the measured values, and the projection changes."""

import datetime as dt
import tempfile
from pathlib import Path

import boto3
import pytest
from django.utils import timezone
from moto import mock_aws
from playwright.sync_api import Page, expect

from credits import services as credit_services
from credits import tasks as credit_tasks
from matching.models import IntakeStatus
from tests.bedrock_account import (
    HAIKU,
    SONNET,
    load_profiles,
    put_usage_day,
    quota,
    service_quotas_stub,
)
from tests.factories import IntakeFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import Workload
from workloads.services import workload_project

from .test_phone_browser import _sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hasher"),
]

SCREENSHOTS = Path(tempfile.gettempdir())  # /tmp/bedrock-account-*.png
ROLE_ARN = "arn:aws:iam::210987654321:role/CloudRouteRead"


def _founder():
    user = UserFactory(email="grace@example.com", full_name="Grace Founder")
    workload = WorkloadFactory(
        startup=StartupFactory(founder=user, name="Grace Labs", aws_account_id="210987654321"),
        region="us-west-2",
        endpoint="regional",
        monthly_requests=100_000,
        monthly_growth=0,
        escalation_sonnet=0.05,
        escalation_opus=0.0,
        batch_share=0.0,
    )
    IntakeFactory(workload=workload, status=IntakeStatus.READY)
    workload_project(workload_id=workload.pk)
    return user, workload


def _sync_account(startup_id: int, monkeypatch) -> None:
    """The daily task, through moto's CloudWatch (10 days of traffic) and a stubbed Service
    Quotas that gives Haiku 4.5 a new account's low cross-Region quota."""
    cw = boto3.client("cloudwatch", region_name="us-west-2")
    today = timezone.now().astimezone(dt.UTC).date()
    for back in range(1, 11):
        day = today - dt.timedelta(days=back)
        for dimension, calls in ((f"us.{HAIKU}", 80_000), (f"us.{SONNET}", 20_000)):
            put_usage_day(
                cw,
                dimension=dimension,
                day=day,
                invocations=calls,
                input_tokens=calls * 600,
                output_tokens=calls * 80,
                cache_read_tokens=calls * 900,
                cache_write_tokens=calls * 300,
            )
    quotas = [
        quota("Cross-region model inference requests per minute for Anthropic Claude Haiku 4.5",
              "L-HAIKURPM", 20),
        quota("Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5",
              "L-58BE175A", 40_000),
    ]  # fmt: skip
    sq, stubber = service_quotas_stub(quotas)
    monkeypatch.setattr(credit_services, "usage_clients_for", lambda access, region: (cw, sq))
    with stubber:
        assert credit_tasks.import_startup_usage(startup_id) == 20


@mock_aws
def test_a_founder_connects_their_account_and_calibrates_the_plan(
    live_server, page: Page, monkeypatch
):
    user, workload = _founder()
    load_profiles("us-west-2")
    _sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/my/")

    # The setup kit: the ids the catalog listed for us-west-2, a policy naming them.
    kit = page.get_by_test_id("setup-kit")
    expect(kit.get_by_test_id("profile-id-haiku")).to_have_text(f"us.{HAIKU}")
    expect(kit.get_by_test_id("profile-id-sonnet")).to_have_text(f"us.{SONNET}")
    expect(kit.get_by_test_id("iam-policy")).to_contain_text(
        f"arn:aws:bedrock:us-west-2:210987654321:inference-profile/us.{HAIKU}"
    )
    expect(kit.get_by_test_id("converse-snippet")).to_contain_text("bedrock.converse(")

    # The headroom before the account is read: the published defaults, dated.
    headroom = page.get_by_test_id("quota-headroom")
    expect(headroom.get_by_test_id("quota-source-haiku")).to_contain_text("as quoted 2026-10-07")
    expect(headroom.get_by_test_id("shortfall")).to_have_count(0)

    # Connect the account: the ExternalId, then the role.
    page.get_by_test_id("billing-start").click()
    expect(page.get_by_test_id("role-permissions")).to_contain_text("cloudwatch:GetMetricData")
    expect(page.get_by_test_id("role-permissions")).to_contain_text(
        "servicequotas:ListServiceQuotas"
    )
    page.get_by_label("IAM role ARN").fill(ROLE_ARN)
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_test_id("billing-connected")).to_contain_text(ROLE_ARN)
    expect(page.get_by_test_id("measured-pending")).to_be_visible()

    _sync_account(workload.startup_id, monkeypatch)
    page.reload()

    # The account's own quota now: enough for the traffic the founder guessed.
    expect(headroom.get_by_test_id("quota-source-haiku")).to_contain_text("quota, read")
    expect(headroom.get_by_test_id("shortfall")).to_have_count(0)
    measured = page.get_by_test_id("measured-usage")
    expect(measured.get_by_test_id("measured-monthly_requests")).to_contain_text("3,000,000")
    expect(measured.get_by_test_id("measured-escalation_sonnet")).to_contain_text("20%")
    expect(measured.get_by_test_id("overspend")).to_be_visible()
    measured.screenshot(path=str(SCREENSHOTS / "bedrock-account-measured.png"))
    before = page.get_by_test_id("projection-month1").inner_text()

    measured.get_by_test_id("apply-measured").click()

    expect(page.get_by_text("Saved the measured values")).to_be_visible()
    newest = Workload.objects.filter(startup_id=workload.startup_id).order_by("-pk").first()
    assert newest.pk != workload.pk and newest.monthly_requests == 3_000_000
    expect(page.get_by_test_id("projection-month1")).not_to_have_text(before)
    # Measured and assumed now agree: nothing runs over. But the real traffic's peak needs
    # more than the account's Haiku quota: the increase to request is named.
    expect(page.get_by_test_id("overspend")).to_have_count(0)
    expect(headroom.get_by_test_id("shortfall").first).to_contain_text(
        "request an increase to at least"
    )
    for name in ("quota-headroom", "setup-kit", "measured-usage"):
        page.get_by_test_id(name).screenshot(path=str(SCREENSHOTS / f"bedrock-account-{name}.png"))
