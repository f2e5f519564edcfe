"""Actual spend: the billing adapter (moto for sts and ce, tests.aws_model.ModelStubber for
billing; every request the adapter sends held to botocore's whole model, see
tests.aws_model), the import, and the "Actual spend" column next to the founder's
projection. Never the network."""

import datetime as dt
from decimal import Decimal

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_api._internal import moto_api_backend

from credits import tasks
from credits.aws.billing import (
    assumed_session_credentials,
    credit_balances,
    monthly_bedrock_costs,
)
from credits.models import BillingAccess, MonthlySpendActual
from credits.services import spend_actuals_import
from matching.models import IntakeStatus
from tests.aws_model import ModelStubber, check_requests, stubbed_client
from tests.factories import IntakeFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import AuditEvent
from workloads.services import workload_project

ROLE_ARN = "arn:aws:iam::210987654321:role/CloudRouteCosts"
HAIKU = "Claude Haiku 4.5 (Amazon Bedrock Edition)"
SONNET = "Claude Sonnet 4.5 (Amazon Bedrock Edition)"


@pytest.fixture(autouse=True)
def aws(monkeypatch):
    """Testing credentials only, and every AWS call answered by moto."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def _group(service: str, record_type: str, amount: str) -> dict:
    return {
        "Keys": [service, record_type],
        "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}},
    }


def _period(start: str, end: str, *groups: dict) -> dict:
    return {
        "TimePeriod": {"Start": start, "End": end},
        "Total": {},
        "Groups": list(groups),
        "Estimated": False,
    }


def _queue(*pages: dict, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
    """Queue get_cost_and_usage answers in moto: each new request takes the next one."""
    for page in pages:
        moto_api_backend.set_ce_cost_usage(result=page, account_id=account_id)


def _ce():
    """A Cost Explorer client moto answers; what the adapter sends is held to the model."""
    return check_requests(boto3.client("ce", region_name="us-east-1"))


# --- the adapter -----------------------------------------------------------------------------


def test_it_assumes_the_founders_role_with_the_external_id():
    sts = check_requests(boto3.client("sts", region_name="us-east-1"))

    credentials = assumed_session_credentials(sts, role_arn=ROLE_ARN, external_id="xyz-123")

    assert set(credentials) == {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}
    assert all(credentials.values())
    # The temporary credentials work for the next client (moto answers as the assumed role).
    identity = boto3.client("sts", region_name="us-east-1", **credentials).get_caller_identity()
    assert "CloudRouteCosts" in identity["Arn"]


def test_it_counts_marketplace_claude_and_bedrock_and_credits_only():
    _queue(
        {
            "ResultsByTime": [
                _period(
                    "2026-09-01",
                    "2026-10-01",
                    _group(HAIKU, "Usage", "120.004"),
                    _group(SONNET, "Usage", "30.00"),
                    _group("Amazon Bedrock", "Usage", "5.50"),
                    _group(HAIKU, "Credit", "-100.00"),
                    _group("Amazon Elastic Compute Cloud - Compute", "Usage", "999.00"),
                    _group("Amazon Elastic Compute Cloud - Compute", "Credit", "-999.00"),
                    _group(HAIKU, "Tax", "12.00"),
                ),
                _period("2026-10-01", "2026-11-01", _group("Amazon S3", "Usage", "3.00")),
            ]
        }
    )

    costs = monthly_bedrock_costs(_ce(), start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 1))

    assert costs == {
        dt.date(2026, 9, 1): (Decimal("155.50"), Decimal("100.00")),
        dt.date(2026, 10, 1): (Decimal("0.00"), Decimal("0.00")),
    }


def test_it_follows_the_next_page_token():
    _queue(
        {
            "ResultsByTime": [_period("2026-09-01", "2026-10-01", _group(HAIKU, "Usage", "10.00"))],
            "NextPageToken": "page-2",
        },
        {
            "ResultsByTime": [
                _period(
                    "2026-09-01",
                    "2026-10-01",
                    _group(SONNET, "Usage", "2.25"),
                    _group(SONNET, "Credit", "-2.25"),
                ),
                _period("2026-10-01", "2026-11-01", _group(HAIKU, "Usage", "4.00")),
            ]
        },
    )

    costs = monthly_bedrock_costs(_ce(), start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 1))

    assert costs == {
        dt.date(2026, 9, 1): (Decimal("12.25"), Decimal("2.25")),
        dt.date(2026, 10, 1): (Decimal("4.00"), Decimal("0.00")),
    }


def test_it_reads_credit_balances_from_billing():
    billing = stubbed_client("billing")
    start = dt.date(2026, 1, 1)
    expires = dt.datetime(2027, 6, 30, tzinfo=dt.UTC)
    with ModelStubber(billing) as stub:
        stub.add_response(
            "get_credits",
            {
                "credits": [
                    {
                        # CreditId is digits only, 1 to 32 of them (botocore's billing
                        # model, shape CreditId: pattern [0-9]+); the old "c-1" was not.
                        "creditId": "4210987654",
                        "accountId": "210987654321",
                        "creditType": "Promotion",
                        "initialAmount": {"currencyCode": "USD", "currencyAmount": "25000.00"},
                        "remainingAmount": {"currencyCode": "USD", "currencyAmount": "24310.50"},
                        "applicableProductNames": ["Amazon Bedrock"],
                        "description": "AWS Activate Portfolio",
                        "startDate": dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
                        "endDate": expires,
                    }
                ]
            },
            {
                "accountId": "210987654321",
                "startDate": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            },
        )

        balances = credit_balances(billing, account_id="210987654321", start=start)

        stub.assert_no_pending_responses()
    assert balances == [
        {
            "credit_id": "4210987654",
            "type": "Promotion",
            "description": "AWS Activate Portfolio",
            "initial_amount": Decimal("25000.00"),
            "remaining_amount": Decimal("24310.50"),
            "currency": "USD",
            "starts_on": dt.date(2026, 1, 5),
            "expires_on": dt.date(2027, 6, 30),
            "products": ["Amazon Bedrock"],
            "enabled": True,  # no creditStatus: enabled
        }
    ]


# --- the model and the import ------------------------------------------------------------------


@pytest.mark.django_db
def test_billing_access_validates_the_role_and_keeps_a_secret_per_startup():
    first = BillingAccess.objects.create(startup=StartupFactory(), role_arn=ROLE_ARN)
    second = BillingAccess.objects.create(startup=StartupFactory(), role_arn=ROLE_ARN)
    assert first.external_id and first.external_id != second.external_id
    first.full_clean()

    first.role_arn = "arn:aws:s3:::my-bucket"
    with pytest.raises(ValidationError):
        first.full_clean()


def _this_month_page(cost: str, credits: str) -> dict:
    month = timezone.localdate().replace(day=1)
    return {
        "ResultsByTime": [
            _period(
                month.isoformat(),
                (month + dt.timedelta(days=32)).replace(day=1).isoformat(),
                _group(HAIKU, "Usage", cost),
                _group(HAIKU, "Credit", f"-{credits}"),
            )
        ]
    }


@pytest.mark.django_db
def test_the_import_upserts_per_month_and_is_audited():
    startup = StartupFactory()
    access = BillingAccess.objects.create(startup=startup, role_arn=ROLE_ARN)
    month = timezone.localdate().replace(day=1)
    # The same request returns the same result in moto; a second run sees the first answer.
    _queue(_this_month_page("80.00", "80.00"))

    assert spend_actuals_import(startup_id=startup.pk, ce_client=_ce()) == 1
    assert spend_actuals_import(startup_id=startup.pk, ce_client=_ce()) == 1

    actual = MonthlySpendActual.objects.get(startup=startup)
    assert (actual.month, actual.bedrock_cost, actual.credits_applied) == (
        month,
        Decimal("80.00"),
        Decimal("80.00"),
    )
    access.refresh_from_db()
    assert access.last_synced_at is not None
    assert AuditEvent.objects.filter(action="spend.imported").count() == 2


@pytest.mark.django_db
def test_a_later_import_updates_the_month_in_place():
    startup = StartupFactory()
    MonthlySpendActual.objects.create(
        startup=startup,
        month=timezone.localdate().replace(day=1),
        bedrock_cost=Decimal("1.00"),
        credits_applied=Decimal("0"),
    )
    _queue(_this_month_page("42.10", "40.00"))

    spend_actuals_import(startup_id=startup.pk, ce_client=_ce())

    actual = MonthlySpendActual.objects.get(startup=startup)
    assert (actual.bedrock_cost, actual.credits_applied) == (Decimal("42.10"), Decimal("40.00"))


@pytest.mark.django_db
def test_the_daily_task_assumes_each_startups_role_and_imports():
    with_access = StartupFactory()
    without_access = StartupFactory()
    BillingAccess.objects.create(startup=with_access, role_arn=ROLE_ARN)
    # Through the assumed role, Cost Explorer answers for the founder's account (moto too).
    _queue(_this_month_page("9.99", "0.00"), account_id="210987654321")

    assert tasks.import_spend_actuals.delay().get() == 1

    assert MonthlySpendActual.objects.filter(startup=with_access).count() == 1
    assert not MonthlySpendActual.objects.filter(startup=without_access).exists()


# --- the founder's dashboard -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_password_hasher")
def test_the_dashboard_shows_actual_spend_to_its_founder_only(client):
    dana = UserFactory(email="dana@example.com")
    eve = UserFactory(email="eve@example.com")
    dana_intake = IntakeFactory(
        workload=WorkloadFactory(startup=StartupFactory(founder=dana, name="Dana Robotics")),
        status=IntakeStatus.READY,
    )
    eve_intake = IntakeFactory(
        workload=WorkloadFactory(startup=StartupFactory(founder=eve, name="Eve Labs")),
        status=IntakeStatus.READY,
    )
    for intake in (dana_intake, eve_intake):
        workload_project(workload_id=intake.workload_id)
    MonthlySpendActual.objects.create(
        startup=dana_intake.startup,
        month=timezone.localdate().replace(day=1),
        bedrock_cost=Decimal("1234.56"),
        credits_applied=Decimal("1000.00"),
    )

    client.force_login(dana)
    response = client.get("/my/")
    html = response.content.decode()
    report = response.context["report"]
    assert report.has_actuals
    assert report.months[0]["actual"] == Decimal("1234.56")
    assert report.months[1]["actual"] is None
    assert report.chart["actual"][0] == 1234.56 and report.chart["actual"][1] is None
    assert 'data-testid="actual-spend-header"' in html
    assert "$1,234.56" in html

    client.force_login(eve)
    response = client.get("/my/")
    html = response.content.decode()
    assert not response.context["report"].has_actuals
    assert "actual-spend-header" not in html
    assert "1,234.56" not in html
    assert '"hasActuals": false' in html
