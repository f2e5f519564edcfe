"""The founder changes their answers (/my/edit/, `intake_revise`), the dashboard's steps follow
the real states, and a stored projection's credits keep their calendar months."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import NotFoundError
from core.formatting import month_start
from credits.models import ApplicationStatus
from founders.dashboard import progress
from matching.models import Intake, IntakeStatus, Lead, LeadStatus, RoutingStatus
from matching.services import intake_revise
from tests.factories import (
    CreditApplicationFactory,
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)
from workloads.models import Workload, WorkloadProjection
from workloads.services import _stored_credits

pytestmark = [pytest.mark.django_db]

EDIT = "/my/edit/"


@pytest.fixture
def founder():
    return UserFactory(email="dana@example.com", full_name="Dana Founder")


@pytest.fixture
def intake(founder):
    startup = StartupFactory(founder=founder, name="Dana Robotics", state="Washington")
    return IntakeFactory(workload=WorkloadFactory(startup=startup), status=IntakeStatus.READY)


def _form(client) -> dict[str, str]:
    """The edit page's form as the browser would send it back unchanged."""
    response = client.get(EDIT)
    assert response.status_code == 200
    data = {}
    for form in (response.context["company_form"], response.context["workload_form"]):
        for field in form:
            value = field.value()
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif value is not None:
                data[field.html_name] = str(value)
    return data


def test_the_edit_page_makes_a_new_version_checked_again(
    client, founder, intake, django_capture_on_commit_callbacks
):
    lead = LeadFactory(startup=intake.startup, workload=intake.workload, status=LeadStatus.ACCEPTED)
    client.force_login(founder)
    data = _form(client) | {"workload-monthly_requests": "900000", "company-name": "Dana Bots"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EDIT, data)

    assert response.status_code == 302 and response.url == "/my/"
    newest = Intake.objects.filter(startup=intake.startup).order_by("-created_at", "-id").first()
    assert newest != intake
    assert (newest.founder, newest.is_confirmed) == (founder, True)
    assert newest.workload.monthly_requests == 900_000
    assert newest.startup.name == "Dana Bots"
    # The old version stays as it was; the partner's lead follows the new workload.
    assert Workload.objects.get(pk=intake.workload_id).monthly_requests != 900_000
    lead.refresh_from_db()
    assert lead.workload_id == newest.workload_id
    assert Lead.objects.count() == 1
    # Checked and projected again (tasks run inline in tests).
    newest.refresh_from_db()
    assert newest.status == IntakeStatus.READY
    assert newest.routing_status == intake.routing_status
    assert WorkloadProjection.objects.filter(workload=newest.workload).exists()
    assert "900,000" in client.get("/my/").content.decode()


def test_a_bad_answer_is_a_400_naming_it_and_saves_nothing(client, founder, intake):
    client.force_login(founder)
    data = _form(client) | {"workload-monthly_requests": "-5", "company-aws_account_id": "12"}

    response = client.post(EDIT, data)

    assert response.status_code == 400
    assert response.context["workload_form"].errors["monthly_requests"]
    assert response.context["company_form"].errors["aws_account_id"]
    assert Intake.objects.count() == 1 and Workload.objects.count() == 1


def test_the_edit_page_is_the_founders_own(client, intake):
    other = UserFactory(email="eve@example.com")
    client.force_login(other)

    assert client.get(EDIT).status_code == 404
    assert client.post(EDIT, {"workload-monthly_requests": "1"}).status_code == 404
    assert client.logout() is None
    assert client.get(EDIT).status_code == 302  # to the sign-in page


def test_the_service_refuses_another_founders_company(intake):
    with pytest.raises(NotFoundError):
        intake_revise(founder=UserFactory(), startup_id=intake.startup_id, workload={})
    assert Intake.objects.count() == 1


def test_the_service_ignores_fields_that_are_not_answers(founder, intake):
    revised = intake_revise(
        founder=founder,
        startup_id=intake.startup_id,
        workload={"monthly_requests": 1234, "startup_id": 999},
        company={"name": "Renamed", "founder_id": 999},
    )
    revised.refresh_from_db()
    assert revised.workload.monthly_requests == 1234
    assert revised.workload.startup_id == intake.startup_id
    assert (revised.startup.name, revised.startup.founder) == ("Renamed", founder)


# --- the steps follow the real states ---------------------------------------------------------


def _states(steps) -> dict[str, str]:
    return {step.key: step.state for step in steps}


def test_the_steps_wait_for_the_confirmation(founder):
    startup = StartupFactory(founder=None)
    intake = IntakeFactory(
        workload=WorkloadFactory(startup=startup),
        founder=None,
        confirmed_at=None,
        status=IntakeStatus.READY,
    )

    steps, upcoming = progress(intake, None, [])

    assert _states(steps)["checked"] == "done"
    assert _states(steps)["confirmed"] == "active"
    assert "Open the link we e-mailed you" in upcoming


def test_the_steps_move_with_the_lead_and_the_applications(intake):
    offered = LeadFactory(startup=intake.startup, workload=intake.workload)
    steps, upcoming = progress(intake, offered, [])
    assert _states(steps)["offered"] == "done" and _states(steps)["accepted"] == "active"
    assert "few hours to accept" in upcoming

    offered.status = LeadStatus.ACCEPTED
    in_review = CreditApplicationFactory(startup=intake.startup, status=ApplicationStatus.IN_REVIEW)
    steps, upcoming = progress(intake, offered, [(in_review, [])])
    states = _states(steps)
    assert states["filed"] == states["in_review"] == "done"
    assert states["issued"] == "active"

    in_review.status = ApplicationStatus.CREDITS_ISSUED
    steps, upcoming = progress(intake, None, [(in_review, [])])  # the lead has closed since
    assert set(_states(steps).values()) == {"done"}
    assert upcoming == ""  # nothing left to wait for


def test_an_unrouted_intake_says_our_team_is_on_it(intake):
    intake.routing_status = RoutingStatus.UNROUTED
    PartnerFactory()

    steps, upcoming = progress(intake, None, [])

    assert _states(steps)["offered"] == "active"
    assert "finding one by hand" in upcoming


# --- the nightly re-projection keeps credits on their calendar months -------------------------


def test_stored_credits_move_to_the_new_month_one():
    today = timezone.localdate()
    two_months_ago = month_start(today, -1)  # month 1 was two months before this one
    inputs = {
        "credits_basis": "issued",
        "start": two_months_ago.isoformat(),
        "credits": [
            {"amount": "1000.00", "start_month": 1, "valid_months": 12},  # months 1..12
            {"amount": "500.00", "start_month": 1, "valid_months": 2},  # over by now
            {"amount": "700.00", "start_month": 5, "valid_months": 3},  # months 5..7
        ],
    }

    grants = _stored_credits(inputs, today=today)

    # Now month 1 is the old month 3: 1..12 becomes 1..10, 5..7 becomes 3..5.
    assert [(g.amount, g.start_month, g.valid_months) for g in grants] == [
        (1000.0, 1, 10),
        (700.0, 3, 3),
    ]
    # Same month: nothing moves. (A projection from before `start` was stored: no shift.)
    assert (
        _stored_credits({**inputs, "start": today.replace(day=1).isoformat()}, today=today)[
            0
        ].valid_months
        == 12
    )
    assert _stored_credits({"credits": inputs["credits"]}, today=today)[1].valid_months == 2
    assert dt.date.fromisoformat(inputs["start"]) < today
    # Expected credits are not issued yet: they start in month 1, whenever that is.
    expected = _stored_credits({**inputs, "credits_basis": "expected"}, today=today)
    assert [(g.start_month, g.valid_months) for g in expected] == [(1, 12), (1, 2), (5, 3)]
