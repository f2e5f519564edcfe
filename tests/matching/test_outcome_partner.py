"""The partner's alert when a startup's $0 outcome changes: `credits` enqueues
`matching.email_outcome_partner` by name; only the firm whose lead is accepted hears of it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from credits.models import ApplicationStatus, CreditGrant, OutcomeStatus
from credits.services import startup_outcome_refresh
from credits.services.outcome import month_start
from matching import tasks
from matching.models import DeclineReason, LeadStatus
from tests.factories import (
    CreditApplicationFactory,
    CreditProgramFactory,
    LeadFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    StartupFactory,
    WorkloadFactory,
)
from workloads.services import workload_estimate
from workloads.spend import to_cents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


@pytest.fixture
def startup():
    return StartupFactory(name="Dana Robotics")


@pytest.fixture
def workload(startup):
    return WorkloadFactory(startup=startup, monthly_growth=0.0)


@pytest.fixture
def firm(workload):
    firm = PartnerFactory(name="Northwind Cloud")
    PartnerMembershipFactory(partner=firm, user__email="ana@northwind.test")
    PartnerMembershipFactory(partner=firm, user__email="raj@northwind.test")
    LeadFactory(workload=workload, partner=firm, status=LeadStatus.ACCEPTED)
    return firm


@pytest.fixture
def declined_firm(workload):
    firm = PartnerFactory(name="Bluebird Partners")
    PartnerMembershipFactory(partner=firm, user__email="bo@bluebird.test")
    LeadFactory(
        workload=workload,
        partner=firm,
        status=LeadStatus.DECLINED,
        decline_reason=DeclineReason.NO_CAPACITY,
    )
    return firm


def _monthly_cost(workload) -> Decimal:
    return to_cents(workload_estimate(workload=workload, months=1).months[0].cost)


def _grant(startup, amount: Decimal, *, last_month: int) -> CreditGrant:
    amount = amount.quantize(Decimal("0.01"))
    program = CreditProgramFactory(covers_bedrock_third_party=True)
    application = CreditApplicationFactory(
        startup=startup,
        program=program,
        status=ApplicationStatus.CREDITS_ISSUED,
        issued_amount=amount,
        approved_amount=amount,
    )
    today = timezone.localdate()
    return CreditGrant.objects.create(
        application=application,
        startup=startup,
        program=program,
        amount=amount,
        issued_on=today - dt.timedelta(days=1),
        expires_on=month_start(today, last_month) + dt.timedelta(days=9),
        covers_bedrock_third_party=True,
    )


def _partner_mail(address: str):
    return [message for message in mail.outbox if address in message.to]


def test_an_outcome_change_e_mails_the_accepting_firm_only(
    startup, workload, firm, declined_firm, django_capture_on_commit_callbacks
):
    _grant(startup, _monthly_cost(workload) * 10, last_month=2)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.status == OutcomeStatus.ZERO_OUT_OF_POCKET
    (message,) = _partner_mail("ana@northwind.test")
    assert sorted(message.to) == ["ana@northwind.test", "raj@northwind.test"]
    assert message.subject == f"Dana Robotics: credit outcome now {outcome.get_status_display()}"
    assert "The founder pays $0 out of pocket" in message.body
    assert "would expire unused" in message.body
    assert _partner_mail("bo@bluebird.test") == []

    # No change, no mail.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        startup_outcome_refresh(startup_id=startup.pk)
    assert mail.outbox == []


def test_at_risk_names_the_first_month_the_founder_pays(
    startup, workload, firm, django_capture_on_commit_callbacks
):
    cost = _monthly_cost(workload)
    _grant(startup, cost * Decimal("1.5"), last_month=6)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.status == OutcomeStatus.AT_RISK
    (message,) = _partner_mail("ana@northwind.test")
    assert outcome.get_status_display() in message.subject
    first_month = month_start(timezone.localdate(), outcome.first_out_of_pocket_month)
    assert f"the founder starts paying in {first_month:%B %Y}" in message.body
    assert "would expire unused" not in message.body


def test_the_task_sends_nothing_without_an_accepted_lead_or_an_outcome(
    startup, workload, declined_firm
):
    tasks.email_outcome_partner.delay(startup.pk)  # no outcome yet
    _grant(startup, _monthly_cost(workload) * 10, last_month=2)
    startup_outcome_refresh(startup_id=startup.pk)
    mail.outbox.clear()

    tasks.email_outcome_partner.delay(startup.pk)  # only a declined lead

    assert mail.outbox == []


def test_the_firm_contact_address_stands_in_for_members(
    startup, workload, django_capture_on_commit_callbacks
):
    firm = PartnerFactory(contact_email="deals@solo.test")
    LeadFactory(workload=workload, partner=firm, status=LeadStatus.ACCEPTED)
    _grant(startup, _monthly_cost(workload) * 10, last_month=2)

    with django_capture_on_commit_callbacks(execute=True):
        startup_outcome_refresh(startup_id=startup.pk)

    assert len(_partner_mail("deals@solo.test")) == 1
