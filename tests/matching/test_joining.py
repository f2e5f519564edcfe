"""A firm applies to join on /partner/apply/; an operator with the review permission approves
it with a vetting expiry (the firm exists, vetted, and its applicant is invited as admin) or
refuses it with a reason (e-mailed); a read-only operator can do neither."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from matching.models import (
    IntakeStatus,
    JoinApplication,
    JoinStatus,
    Partner,
    PartnerInvitation,
)
from matching.services import lead_route
from matching.services.joining import (
    JoinInputError,
    evidence_parse,
    join_application_approve,
    join_application_refuse,
    join_application_submit,
)
from tests.factories import IntakeFactory, UserFactory
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

EVIDENCE = (
    "Generative AI Competency https://partners.amazonaws.com/partners/001/northwind\n"
    "Amazon Bedrock Service Delivery – https://northwind.example/aws/bedrock-sd.pdf"
)


def form(**overrides) -> dict:
    return {
        "firm_name": "Northwind Cloud",
        "website": "https://northwind.example",
        "contact_name": "Ada Lovelace",
        "contact_email": "Ada@Northwind.example",
        "tier": "advanced",
        "ace_access": "on",
        "competencies": ["generative_ai", "machine_learning"],
        "evidence": EVIDENCE,
        "regions": ["us-east-1", "us-west-2"],
        "countries": ["US", "CA"],
        "reference_customer": "Acme Robotics",
        "reference_contact": "Rita Reference, rita@acme.example",
        **overrides,
    }


def values(**overrides) -> dict:
    data = form(**overrides)
    data["ace_access"] = bool(data["ace_access"])
    return data


@pytest.fixture
def reviewer():
    user = UserFactory(email="olive@cloudroute.test", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="review_joinapplication"),
        Permission.objects.get(codename="view_joinapplication"),
    )
    return user


@pytest.fixture
def viewer():
    """A read-only operator: every view permission, nothing else."""
    user = UserFactory(email="vic@cloudroute.test", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


@pytest.fixture
def waiting():
    return join_application_submit(values=values())


def review_url(application) -> str:
    return f"/admin/matching/joinapplication/{application.pk}/review/"


# --- applying -------------------------------------------------------------------------------


def test_a_firm_applies_and_gets_a_receipt_and_the_operators_a_notice(
    client, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/partner/apply/", form())

    assert response.status_code == 302 and response["Location"] == "/partner/apply/sent/"
    application = JoinApplication.objects.get()
    assert application.status == JoinStatus.SUBMITTED
    assert application.contact_email == "ada@northwind.example"
    assert application.ace_access is True
    assert application.evidence == [
        {
            "designation": "Generative AI Competency",
            "url": "https://partners.amazonaws.com/partners/001/northwind",
        },
        {
            "designation": "Amazon Bedrock Service Delivery",
            "url": "https://northwind.example/aws/bedrock-sd.pdf",
        },
    ]
    assert [message.to for message in mail.outbox] == [
        ["ada@northwind.example"],
        ["olive@cloudroute.test"],
    ]
    assert f"/admin/matching/joinapplication/{application.pk}/change/" in mail.outbox[1].body
    assert AuditEvent.objects.filter(action="join.submitted").exists()


def test_the_sign_in_page_links_to_the_application(client):
    assert b'href="/partner/apply/"' in client.get("/partner/login/").content
    assert client.get("/partner/apply/").status_code == 200


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("firm_name", "", "This field is required."),
        ("website", "not a site", "Enter a valid URL."),
        ("contact_email", "ada@", "Enter a valid email address."),
        ("tier", "platinum", "Select a valid choice."),
        ("competencies", [], "This field is required."),
        ("competencies", ["astrology"], "Select a valid choice."),
        ("regions", ["mars-north-1"], "Select a valid choice."),
        ("countries", ["XX"], "Select a valid choice."),
        ("evidence", "", "This field is required."),
        ("evidence", "Generative AI Competency", "Line 1 needs an https:// link"),
        ("evidence", "GenAI http://partners.example/x", "Line 1 needs an https:// link"),
        ("evidence", "https://partners.example/x", "Line 1 needs the designation's name"),
        ("reference_customer", "", "This field is required."),
    ],
)
def test_a_bad_field_is_a_400_naming_it_and_nothing_is_saved(client, field, value, says):
    response = client.post("/partner/apply/", form(**{field: value}))

    assert response.status_code == 400
    assert says in " ".join(response.context["form"].errors[field])
    assert not JoinApplication.objects.exists()
    assert mail.outbox == []


def test_a_second_application_from_a_waiting_address_is_refused(client, waiting):
    response = client.post("/partner/apply/", form(contact_email="ADA@northwind.example"))

    assert response.status_code == 400
    assert b"already waiting for review" in response.content
    assert JoinApplication.objects.count() == 1


def test_the_service_holds_the_rules_too():
    with pytest.raises(JoinInputError) as refused:
        join_application_submit(values=values(regions=["mars-north-1"], countries=[]))
    assert set(refused.value.fields) == {"regions", "countries"}
    assert evidence_parse("\n".join(f"D{n} https://x.example/{n}" for n in range(21)))[1] == [
        "List at most 20 designations."
    ]


# --- reviewing ------------------------------------------------------------------------------


def test_approving_creates_the_vetted_firm_and_invites_the_applicant_as_admin(
    client, reviewer, waiting, django_capture_on_commit_callbacks
):
    expires = timezone.localdate() + dt.timedelta(days=365)
    client.force_login(reviewer)
    assert client.get(review_url(waiting)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url(waiting), {"decision": "approve", "vetting_expires_on": expires}
        )

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == JoinStatus.APPROVED and waiting.reviewed_by == reviewer
    partner = waiting.partner
    assert (partner.name, partner.slug, partner.tier) == (
        "Northwind Cloud",
        "northwind-cloud",
        "advanced",
    )
    assert partner.vetted_on == timezone.localdate() and partner.vetting_expires_on == expires
    assert partner.vetted_by == reviewer
    assert partner.regions == ["us-east-1", "us-west-2"] and partner.countries == ["US", "CA"]
    invitation = PartnerInvitation.objects.get(partner=partner)
    assert (invitation.email, invitation.role) == ("ada@northwind.example", "admin")
    assert mail.outbox[-1].to == ["ada@northwind.example"]
    assert re.search(r"/partner/invitations/\d+-\w+/", mail.outbox[-1].body)
    # Vetted and active: the next lead it fits is offered to it.
    intake = IntakeFactory(status=IntakeStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        assert lead_route(startup_id=intake.startup_id).chosen == partner
    assert AuditEvent.objects.filter(action="join.approved", actor=reviewer).exists()


def test_refusing_needs_a_reason_and_emails_it(
    client, reviewer, waiting, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    no_reason = client.post(review_url(waiting), {"decision": "refuse", "refusal_reason": " "})
    assert no_reason.status_code == 400
    assert "Say why" in " ".join(no_reason.context["form"].errors["refusal_reason"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            review_url(waiting),
            {"decision": "refuse", "refusal_reason": "The competency link shows another firm."},
        )

    waiting.refresh_from_db()
    assert waiting.status == JoinStatus.REFUSED
    assert not Partner.objects.exists()
    [refusal] = mail.outbox
    assert refusal.to == ["ada@northwind.example"]
    assert "The competency link shows another firm." in refusal.body
    assert "/partner/apply/" in refusal.body


@pytest.mark.parametrize("days", [0, -1, 4 * 366])
def test_an_expiry_today_in_the_past_or_beyond_three_years_is_refused(reviewer, waiting, days):
    expires_on = timezone.localdate() + dt.timedelta(days=days)
    with pytest.raises(JoinInputError) as refused:
        join_application_approve(application_id=waiting.pk, actor=reviewer, expires_on=expires_on)
    assert "vetting_expires_on" in refused.value.fields
    assert not Partner.objects.exists()


def test_a_decided_application_cannot_be_decided_again(client, reviewer, waiting):
    join_application_refuse(application_id=waiting.pk, actor=reviewer, reason="No evidence.")
    client.force_login(reviewer)
    response = client.post(
        review_url(waiting),
        {"decision": "approve", "vetting_expires_on": timezone.localdate() + dt.timedelta(days=30)},
    )

    assert response.status_code == 409
    assert not Partner.objects.exists()


def test_a_read_only_operator_sees_the_application_but_cannot_review_it(client, viewer, waiting):
    client.force_login(viewer)
    change = client.get(f"/admin/matching/joinapplication/{waiting.pk}/change/")
    assert change.status_code == 200
    assert b"Approve or refuse" in change.content  # the link is there; the page refuses
    assert client.get(review_url(waiting)).status_code == 403
    response = client.post(
        review_url(waiting),
        {"decision": "approve", "vetting_expires_on": timezone.localdate() + dt.timedelta(days=30)},
    )
    assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == JoinStatus.SUBMITTED and not Partner.objects.exists()
    with pytest.raises(Exception, match="permission to approve or refuse"):
        join_application_approve(
            application_id=waiting.pk,
            actor=viewer,
            expires_on=timezone.localdate() + dt.timedelta(days=30),
        )


def test_a_second_firm_with_the_same_name_gets_its_own_slug(reviewer):
    expires = timezone.localdate() + dt.timedelta(days=90)
    first = join_application_submit(values=values())
    second = join_application_submit(values=values(contact_email="bo@northwind.example"))
    join_application_approve(application_id=first.pk, actor=reviewer, expires_on=expires)
    partner = join_application_approve(application_id=second.pk, actor=reviewer, expires_on=expires)

    assert partner.slug == "northwind-cloud-2"
