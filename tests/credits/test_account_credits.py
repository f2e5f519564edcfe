"""The credits on the founder's AWS account, read from AWS's billing ledger
(billing.get_credits through the granted role; tests.aws_model.ModelStubber holds every call
to botocore's model): stored per credit, dropped when AWS no longer lists them, shown on the
dashboard, and the basis of the $0 outcome once present. Never the network."""

import datetime as dt
import logging
from decimal import Decimal

import boto3
import pytest
from django.utils import timezone

from core.formatting import month_start
from credits import services, tasks
from credits.models import AccountCredit, BillingAccess, OutcomeStatus
from credits.services import account_credits_import, startup_outcome_refresh
from matching.models import IntakeStatus
from tests.aws_model import ModelStubber, stubbed_client
from tests.factories import IntakeFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import AuditEvent

from .test_outcome import _grant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

ROLE_ARN = "arn:aws:iam::210987654321:role/CloudRouteCosts"
READ = dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC)


def _money(amount: str) -> dict:
    return {"currencyCode": "USD", "currencyAmount": amount}


def credit(credit_id: str, remaining: str, *, initial="25000.00", months=12, **extra) -> dict:
    """A GetCredits item as the Billing API reference shows it (creditId digits only)."""
    today = timezone.localdate()
    return {
        "creditId": credit_id,
        "accountId": "210987654321",
        "creditType": "Promotion",
        "initialAmount": _money(initial),
        "remainingAmount": _money(remaining),
        "applicableProductNames": ["Amazon Bedrock"],
        "description": "AWS Activate Portfolio",
        "startDate": dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        "endDate": dt.datetime.combine(
            month_start(today, months) + dt.timedelta(days=9), dt.time(), tzinfo=dt.UTC
        ),
        **extra,
    }


def expect_get_credits(stubber, credits: list[dict]) -> None:
    start = timezone.localdate() - dt.timedelta(days=364)
    stubber.add_response(
        "get_credits",
        {"credits": credits},
        {
            "accountId": "210987654321",  # the account the granted role lives in
            "startDate": dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
        },
    )


@pytest.fixture
def billing():
    client = stubbed_client("billing")
    with ModelStubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def startup():
    startup = StartupFactory(name="Dana Robotics")
    WorkloadFactory(startup=startup, monthly_growth=0.0)
    BillingAccess.objects.create(startup=startup, role_arn=ROLE_ARN)
    return startup


def test_the_import_stores_each_credit_and_drops_what_aws_no_longer_lists(startup, billing):
    client, stubber = billing
    expect_get_credits(stubber, [credit("1001", "24310.50"), credit("1002", "0.00")])
    expect_get_credits(stubber, [credit("1001", "20000.00")])

    assert account_credits_import(startup_id=startup.pk, billing_client=client) == 2
    assert account_credits_import(startup_id=startup.pk, billing_client=client) == 1

    stored = AccountCredit.objects.get(startup=startup)
    assert (stored.credit_id, stored.remaining_amount, stored.initial_amount) == (
        "1001",
        Decimal("20000.00"),
        Decimal("25000.00"),
    )
    assert stored.products == ["Amazon Bedrock"] and stored.enabled
    assert AuditEvent.objects.filter(action="account_credits.imported").count() == 2


def test_the_import_skips_a_startup_without_a_role(billing):
    bare = StartupFactory()
    BillingAccess.objects.create(startup=bare, role_arn="")

    assert account_credits_import(startup_id=bare.pk, billing_client=billing[0]) == 0


def test_a_credit_without_an_expiry_is_skipped(startup, billing):
    client, stubber = billing
    undated = credit("1003", "50.00")
    del undated["endDate"]
    expect_get_credits(stubber, [undated])

    assert account_credits_import(startup_id=startup.pk, billing_client=client) == 0
    assert not AccountCredit.objects.exists()


@pytest.mark.parametrize(
    ("products", "pays"),
    [
        ([], True),  # every eligible service
        (["Amazon Bedrock"], True),
        (["Claude Sonnet 4.5 (Amazon Bedrock Edition)"], True),
        (["Amazon Elastic Compute Cloud"], False),
    ],
)
def test_which_credits_pay_claude_on_bedrock(products, pays):
    assert AccountCredit(products=products).pays_claude_on_bedrock is pays


def _store(startup, credit_id: str, remaining: str, *, months=12, **values) -> AccountCredit:
    today = timezone.localdate()
    return AccountCredit.objects.create(
        startup=startup,
        credit_id=credit_id,
        initial_amount=Decimal("25000.00"),
        remaining_amount=Decimal(remaining),
        expires_on=month_start(today, months) + dt.timedelta(days=9),
        **({"currency": "USD", "products": ["Amazon Bedrock"], "read_at": READ} | values),
    )


def test_the_outcome_burns_down_against_the_remaining_balance(startup):
    # The grant's face amount would pay for years; AWS says $1 of it is left.
    _grant(startup, "25000", last_month=12)
    _store(startup, "1001", "1.00")

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.status == OutcomeStatus.AT_RISK
    assert outcome.first_out_of_pocket_month == 1
    assert outcome.result["basis"] == "account"
    assert [row["used"] for row in outcome.result["grants"]] == [False]
    assert outcome.result["account_credits"][0]["remaining"] == "1.00"


def test_without_account_credits_the_grants_are_the_basis(startup):
    _grant(startup, "25000", last_month=12)

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.result["basis"] == "grants"
    assert outcome.status == OutcomeStatus.ZERO_OUT_OF_POCKET


@pytest.mark.parametrize(
    "values",
    [
        {"products": ["Amazon Elastic Compute Cloud"]},
        {"enabled": False},
        {"currency": "EUR"},
    ],
)
def test_credits_that_cannot_pay_claude_sit_out(startup, values):
    _store(startup, "1001", "25000.00", **values)

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.status == OutcomeStatus.AT_RISK
    assert outcome.result["account_credits"][0]["used"] is False


def test_a_large_remaining_balance_means_zero_out_of_pocket(startup):
    _store(startup, "1001", "25000.00")

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.status == OutcomeStatus.ZERO_OUT_OF_POCKET


def test_the_daily_task_reads_the_credits_after_the_bill(startup, billing, monkeypatch):
    client, stubber = billing
    expect_get_credits(stubber, [credit("1001", "24310.50")])
    ce = stubbed_client("ce")
    monkeypatch.setattr(services, "billing_clients_for", lambda access: (ce, client))
    monkeypatch.setattr(services, "spend_actuals_import", lambda **kwargs: 3)

    assert tasks.import_startup_spend.delay(startup.pk).get() == 3

    assert AccountCredit.objects.get(startup=startup).remaining_amount == Decimal("24310.50")


def test_a_refused_credits_read_keeps_the_months_and_the_stored_credits(
    startup, billing, monkeypatch, caplog
):
    client, stubber = billing
    _store(startup, "1001", "500.00")
    stubber.add_client_error(
        "get_credits", service_error_code="AccessDeniedException", http_status_code=403
    )
    monkeypatch.setattr(
        services, "billing_clients_for", lambda access: (stubbed_client("ce"), client)
    )
    monkeypatch.setattr(services, "spend_actuals_import", lambda **kwargs: 2)

    with caplog.at_level(logging.WARNING):
        assert tasks.import_startup_spend.delay(startup.pk).get() == 2

    assert AccountCredit.objects.get(startup=startup).remaining_amount == Decimal("500.00")
    assert "not read" in caplog.text


def test_the_clients_share_one_assumed_session_through_regional_sts(startup, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    made = {}
    original = boto3.session.Session.client

    def client(self, service_name, *args, **kwargs):
        made_client = original(self, service_name, *args, **kwargs)
        made[service_name] = made_client
        if service_name == "sts":
            stubber = ModelStubber(made_client)
            stubber.add_response(
                "assume_role",
                {
                    "Credentials": {
                        "AccessKeyId": "ASIAEXAMPLEEXAMPLE",
                        "SecretAccessKey": "secret",
                        "SessionToken": "session-token",
                        "Expiration": dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                    }
                },
            )
            stubber.activate()
        return made_client

    monkeypatch.setattr(boto3.session.Session, "client", client)

    ce, billing_client = services.billing_clients_for(BillingAccess.objects.get(startup=startup))

    assert made["sts"].meta.endpoint_url == "https://sts.us-east-1.amazonaws.com"
    assert billing_client.meta.service_model.service_name == "billing"
    assert billing_client._request_signer._credentials.access_key == "ASIAEXAMPLEEXAMPLE"
    assert ce._request_signer._credentials.access_key == "ASIAEXAMPLEEXAMPLE"


def test_the_dashboard_shows_the_account_credits_to_their_founder(client, startup):
    founder = UserFactory(email="dana@example.com")
    startup.founder = founder
    startup.save(update_fields=["founder"])
    IntakeFactory(workload=startup.workloads.first(), status=IntakeStatus.READY)
    BillingAccess.objects.filter(startup=startup).update(last_synced_at=READ)
    _store(startup, "1001", "24310.50", description="AWS Activate Portfolio")
    other = UserFactory(email="eve@example.com")

    client.force_login(founder)
    page = client.get("/my/").text
    assert 'data-testid="account-credits"' in page
    assert "$24,310.50 of $25,000.00" in page
    assert "billing:GetCredits" in page

    client.force_login(other)
    assert "24,310.50" not in client.get("/my/").text


def test_an_unreadable_credit_keeps_what_was_stored(startup, billing):
    client, stubber = billing
    _store(startup, "1001", "500.00")
    unreadable = credit("1001", "1.00")
    del unreadable["endDate"]  # optional in the model; without it the credit is unreadable
    expect_get_credits(stubber, [unreadable])

    account_credits_import(startup_id=startup.pk, billing_client=client)

    assert AccountCredit.objects.get(startup=startup).remaining_amount == Decimal("500.00")


@pytest.mark.parametrize(
    "values",
    [
        {"read_at": READ - dt.timedelta(days=30)},  # the role lost billing:GetCredits
        {"currency": "EUR"},
        {"enabled": False},
    ],
)
def test_a_ledger_that_cannot_pay_leaves_the_grants_the_basis(startup, values, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: READ + dt.timedelta(hours=2))
    _grant(startup, "25000", last_month=12)
    _store(startup, "1001", "1.00", **values)

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.result["basis"] == "grants"
    assert outcome.status == OutcomeStatus.ZERO_OUT_OF_POCKET


def test_a_grant_issued_after_the_ledger_was_read_counts_too(startup, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: READ + dt.timedelta(days=1))
    _store(startup, "1001", "1.00")
    _grant(startup, "25000", last_month=12, issued_on=timezone.localdate())

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.result["basis"] == "account"
    assert [row["used"] for row in outcome.result["grants"]] == [True]
    assert outcome.status == OutcomeStatus.ZERO_OUT_OF_POCKET


def test_what_the_credit_paid_this_month_is_added_back_for_month_one(startup, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: READ + dt.timedelta(hours=2))
    month_cost = startup_outcome_refresh(startup_id=startup.pk)  # no credits: month 1 paid
    assert month_cost.status == OutcomeStatus.NO_CREDITS
    from credits.models import MonthlySpendActual
    from workloads.services import workload_estimate

    cost = workload_estimate(workload=startup.workloads.first(), months=1).months[0].cost
    # AWS's balance already lost half of month 1 to the spend so far; CE saw it applied.
    half = (Decimal(str(cost)) / 2).quantize(Decimal("0.01"))
    _store(startup, "1001", str(half + Decimal("0.01")), months=1)
    MonthlySpendActual.objects.create(
        startup=startup,
        month=timezone.localdate().replace(day=1),
        bedrock_cost=half,
        credits_applied=half,
    )

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.result["months"][0]["out_of_pocket"] == "0.00"
