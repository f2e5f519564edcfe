"""Issue 13, item 7: the founder's data is theirs. The account page, the JSON export and
deleting the account (matching.exports, matching.services.accounts, founders/account.py)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cloudroute.models import User
from core.errors import NotFoundError
from credits.models import (
    ApplicationEvent,
    ApplicationStatus,
    BillingAccess,
    CreditApplication,
    CreditGrant,
    CreditProgram,
    EligibilitySnapshot,
)
from credits.services import billing_access_get_or_create, eligibility_evaluate
from matching import services
from matching.exports import founder_export
from matching.models import Commission, Intake, IntakeStatus, Lead, LeadStatus
from tests.factories import (
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)
from workloads.audit import audit_log
from workloads.models import AuditEvent, Startup, Workload, WorkloadProjection
from workloads.services import workload_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

ACCOUNT, EXPORT, DELETE = "/my/account/", "/my/account/export.json", "/my/account/delete/"
EMAIL = "dana@example.com"


def _startup(founder, name: str) -> Startup:
    """A startup with an intake, an eligibility snapshot, a projection and billing access."""
    startup = StartupFactory(founder=founder, name=name, postal_code="98101")
    workload = WorkloadFactory(startup=startup)
    IntakeFactory(
        workload=workload,
        status=IntakeStatus.READY,
        email=founder.email,
        founder_name=founder.full_name,
        confirmed_at=timezone.now(),
    )
    eligibility_evaluate(startup_id=startup.pk)
    workload_project(workload_id=workload.pk)
    billing_access_get_or_create(startup_id=startup.pk)
    audit_log(actor=founder, action="intake.submitted", subject=workload.intake, data={})
    return startup


def _with_partner_history(startup: Startup) -> Commission:
    """An accepted lead, an application with credits issued, its grant and the commission."""
    partner = PartnerFactory(name="Northwind Cloud")
    lead = LeadFactory(
        partner=partner,
        workload=startup.workloads.get(),
        status=LeadStatus.ACCEPTED,
        responded_at=timezone.now(),
        decline_note="Private to the firm.",
    )
    program = CreditProgram.objects.filter(code="bedrock_poc").latest("effective_from")
    application = CreditApplication.objects.create(
        startup=startup,
        program=program,
        status=ApplicationStatus.CREDITS_ISSUED,
        requested_amount=Decimal("25000"),
        issued_amount=Decimal("20000.5"),
    )
    ApplicationEvent.objects.create(
        application=application, to_status=ApplicationStatus.DRAFT, note="Firm's own note."
    )
    today = timezone.localdate()
    CreditGrant.objects.create(
        application=application,
        startup=startup,
        program=program,
        amount=Decimal("20000.5"),
        issued_on=today,
        expires_on=today + dt.timedelta(days=365),
        covers_bedrock_third_party=True,
    )
    audit_log(actor=None, action="lead.accepted", subject=lead, data={})
    return Commission.objects.create(
        application=application,
        partner=partner,
        credits_issued=Decimal("20000.50"),
        rate=Decimal("0.05"),
        amount=Decimal("1000.03"),
    )


@pytest.fixture
def founder():
    return UserFactory(email=EMAIL, full_name="Dana Founder")


@pytest.fixture
def world(founder):
    """Dana's two startups (one a partner firm worked on), and another founder's."""
    kept = _startup(founder, "Dana Robotics")
    commission = _with_partner_history(kept)
    gone = _startup(founder, "Dana Side Project")
    other_founder = UserFactory(email="omar@example.com", full_name="Omar Other")
    other = _startup(other_founder, "Omar Widgets")
    return {
        "kept": kept,
        "gone": gone,
        "other": other,
        "other_founder": other_founder,
        "commission": commission,
    }


# --- The export -------------------------------------------------------------------------


def test_it_exports_the_founders_rows_and_nobody_elses(client, founder, world):
    client.force_login(founder)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="cloudroute-account-')
    body = response.content.decode()
    data = json.loads(body)
    assert data["account"]["email"] == EMAIL
    assert data["account"]["name"] == "Dana Founder"
    assert dt.datetime.fromisoformat(data["account"]["joined"])
    assert data["account"]["last_login"] is not None
    assert {s["name"] for s in data["startups"]} == {"Dana Robotics", "Dana Side Project"}
    assert "Omar" not in body and "omar@example.com" not in body
    kept = next(s for s in data["startups"] if s["name"] == "Dana Robotics")
    assert kept["postal_code"] == "98101"
    assert kept["prior_activate_credits"] == "0.00"
    [workload] = kept["workloads"]
    assert workload["latest_projection"]["result"]["months"]
    [intake] = kept["intakes"]
    assert intake["email"] == EMAIL and intake["status"] == "ready"
    assert intake["confirmed_at"] is not None
    assert kept["eligibility_snapshots"][0]["result"]["programs"]
    [lead] = kept["leads"]
    assert lead["partner"] == "Northwind Cloud" and lead["status"] == "accepted"
    [application] = kept["credit_applications"]
    assert application["issued_amount"] == "20000.50"
    assert application["requested_amount"] == "25000.00"
    assert application["grant"]["amount"] == "20000.50"
    assert dt.date.fromisoformat(application["grant"]["expires_on"])
    assert [e["to_status"] for e in application["events"]] == ["draft"]
    access = BillingAccess.objects.get(startup=world["kept"])
    assert kept["billing_access"]["external_id"] == access.external_id
    assert kept["outcome"] is None or "status" in kept["outcome"]
    # The firm's own words and its commission are not the founder's.
    assert "Private to the firm." not in body and "Firm's own note." not in body
    assert "1000.03" not in body
    assert {e["action"] for e in data["audit_events"]} == {"intake.submitted"}


def test_the_other_founder_sees_only_theirs(client, world):
    client.force_login(world["other_founder"])

    data = client.get(EXPORT).json()

    assert [s["name"] for s in data["startups"]] == ["Omar Widgets"]
    assert "Dana" not in json.dumps(data)


def test_the_export_costs_the_same_queries_for_1_and_20_startups(founder, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            founder_export(user=founder)
        return len(captured)

    few = queries()
    for n in range(20):
        startup = _startup(founder, f"More {n}")
        _with_partner_history(startup)
    assert queries() == few


# --- The page ---------------------------------------------------------------------------


def test_the_page_lists_what_we_hold_and_what_deleting_does(client, founder, world):
    client.force_login(founder)

    response = client.get(ACCOUNT)

    assert response.status_code == 200
    html = response.content.decode()
    assert EMAIL in html
    assert reverse("founder-account-export") in html
    assert reverse("founder-account-delete") in html
    assert [s.name for s in response.context["kept"]] == ["Dana Robotics"]
    assert [s.name for s in response.context["deleted"]] == ["Dana Side Project"]
    assert "Omar" not in html


@pytest.mark.parametrize("url", [ACCOUNT, EXPORT])
def test_it_sends_an_anonymous_visitor_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"/login/?next={url}"


def test_an_anonymous_delete_goes_to_sign_in_and_deletes_nothing(client, world):
    response = client.post(DELETE, {"email": EMAIL})

    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert User.objects.filter(email=EMAIL).exists()


def _staff():
    return UserFactory(email="ops@example.com", is_staff=True)


def _partner_user():
    return PartnerMembershipFactory(user=UserFactory(email="ana@firm.example")).user


@pytest.mark.parametrize("make_user", [_staff, _partner_user], ids=["staff", "partner"])
@pytest.mark.parametrize("method,url", [("get", ACCOUNT), ("get", EXPORT), ("post", DELETE)])
def test_staff_and_partner_users_are_refused(client, make_user, method, url):
    user = make_user()
    client.force_login(user)

    response = getattr(client, method)(url, {"email": user.email})

    assert response.status_code == 404
    assert User.objects.filter(pk=user.pk).exists()


def test_the_service_refuses_staff_too():
    staff = _staff()
    with pytest.raises(NotFoundError):
        services.account_delete(user=staff)
    assert User.objects.filter(pk=staff.pk).exists()


# --- Deleting ---------------------------------------------------------------------------


def _snapshot() -> dict:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            User,
            Startup,
            Workload,
            Intake,
            EligibilitySnapshot,
            WorkloadProjection,
            BillingAccess,
            Lead,
            CreditApplication,
            Commission,
        )
    }


def test_a_wrong_email_is_a_400_with_the_field_error_and_changes_nothing(client, founder, world):
    client.force_login(founder)
    before = _snapshot()

    response = client.post(DELETE, {"email": "someone-else@example.com"})

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        "That is not the e-mail address of this account."
    ]
    assert _snapshot() == before
    assert client.get(ACCOUNT).status_code == 200  # still signed in


def test_deleting_keeps_an_anonymised_startup_with_partner_history_and_removes_the_rest(
    client, founder, world
):
    kept, gone, commission = world["kept"], world["gone"], world["commission"]
    kept_intake = kept.intakes.get()
    client.force_login(founder)

    response = client.post(DELETE, {"email": " Dana@Example.com "})

    assert response.status_code == 302
    assert response.url == reverse("founder-account-deleted")
    assert not User.objects.filter(email__iexact=EMAIL).exists()
    # Logged out: the account page sends to sign-in again.
    assert client.get(ACCOUNT).status_code == 302
    # Kept, anonymised: the firm's lead, application, grant and commission stay.
    kept.refresh_from_db()
    assert kept.name == f"Deleted company #{kept.pk}"
    assert kept.founder_id is None
    assert (kept.website, kept.state, kept.postal_code) == ("", "", "")
    assert (kept.aws_account_id, kept.activate_org_id) == ("", "")
    assert Lead.objects.filter(startup=kept).exists()
    assert Commission.objects.filter(pk=commission.pk).exists()
    assert CreditGrant.objects.filter(startup=kept).exists()
    assert not BillingAccess.objects.filter(startup=kept).exists()
    kept_intake.refresh_from_db()
    assert (kept_intake.founder_id, kept_intake.email, kept_intake.founder_name) == (None, "", "")
    # Removed with everything hanging off it.
    assert not Startup.objects.filter(pk=gone.pk).exists()
    assert not Workload.objects.filter(startup_id=gone.pk).exists()
    assert not Intake.objects.filter(startup_id=gone.pk).exists()
    assert not EligibilitySnapshot.objects.filter(startup_id=gone.pk).exists()
    assert not BillingAccess.objects.filter(startup_id=gone.pk).exists()
    # The other founder's startup is untouched.
    other = world["other"]
    other.refresh_from_db()
    assert other.name == "Omar Widgets" and other.founder_id == world["other_founder"].pk
    assert BillingAccess.objects.filter(startup=other).exists()


def test_the_audit_trail_keeps_events_without_the_founder(client, founder, world):
    event_ids = list(AuditEvent.objects.filter(actor=founder).values_list("pk", flat=True))
    client.force_login(founder)

    client.post(DELETE, {"email": EMAIL})

    kept_events = AuditEvent.objects.filter(pk__in=event_ids)
    assert kept_events.count() == len(event_ids)
    assert not kept_events.exclude(actor=None).exists()
    deleted = AuditEvent.objects.get(action="account.deleted")
    assert deleted.actor is None
    everything = json.dumps(list(AuditEvent.objects.values("object_repr", "data")), default=str)
    assert EMAIL not in everything and "Dana" not in everything
    assert deleted.content_type == ContentType.objects.get_for_model(User)


def test_an_error_midway_leaves_everything_as_it_was(founder, world, monkeypatch):
    from matching.services import accounts

    before = _snapshot()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(accounts, "_sign_in_records_delete", broken)
    with pytest.raises(RuntimeError):
        services.account_delete(user=founder)

    assert _snapshot() == before


def test_the_deleted_page_says_so(client):
    response = client.get(reverse("founder-account-deleted"))

    assert response.status_code == 200
    assert b"Your account is deleted" in response.content
