"""Credit applications filed by a partner firm: the API (create, list, detail, transition)
and the lead page's card, with isolation between firms, founders and anonymous callers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from credits.models import ApplicationStatus, CreditApplication, CreditGrant
from credits.services import application_create
from matching.models import DeclineReason, Lead, LeadStatus
from tests.factories import PartnerFactory, PartnerMembershipFactory
from workloads.services import workload_project

from .partner_helpers import make_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

APPLICATIONS = "/api/v1/partner/applications/"
PROGRAM = "bedrock_poc"  # partner-filed, $10,000 to $50,000


def client_with_token(api_client, user):
    token, _ = Token.objects.get_or_create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


def application_url(application_id: int, action: str = "") -> str:
    return f"{APPLICATIONS}{application_id}/{action + '/' if action else ''}"


def portal_transition_url(application_id: int) -> str:
    return f"/partner/applications/{application_id}/transition/"


@pytest.fixture
def firm_x():
    return PartnerFactory(name="Northwind Cloud")


@pytest.fixture
def firm_y():
    return PartnerFactory(name="Bluebird Partners")


@pytest.fixture
def member_x(firm_x):
    return PartnerMembershipFactory(partner=firm_x, user__email="ana@northwind.test").user


@pytest.fixture
def member_y(firm_y):
    return PartnerMembershipFactory(partner=firm_y, user__email="bo@bluebird.test").user


@pytest.fixture
def lead_x(firm_x) -> Lead:
    """Accepted, with a workload whose projection passes the pre-submission check."""
    lead = make_lead(firm_x, status=LeadStatus.ACCEPTED, responded_at=timezone.now())
    workload_project(workload_id=lead.workload_id)
    return lead


@pytest.fixture
def x_api(api_client, member_x):
    return client_with_token(api_client, member_x)


@pytest.fixture
def y_api(member_y):
    return client_with_token(APIClient(), member_y)  # its own client: x_api keeps its token


@pytest.fixture
def draft_x(lead_x, member_x) -> CreditApplication:
    return application_create(
        startup_id=lead_x.startup_id,
        program_code=PROGRAM,
        requested_amount=Decimal("25000"),
        actor=member_x,
    )


def create_body(lead: Lead, **overrides) -> dict:
    return {"lead": lead.pk, "program": PROGRAM, "requested_amount": "25000.00", **overrides}


# --- Create ---------------------------------------------------------------------------


def test_it_creates_a_draft_for_an_accepted_lead(x_api, lead_x):
    response = x_api.post(APPLICATIONS, create_body(lead_x), format="json")

    assert response.status_code == 201
    body = response.json()
    application = CreditApplication.objects.get(pk=body["id"])
    assert application.startup_id == lead_x.startup_id
    assert body["status"] == "draft"
    assert body["program"] == PROGRAM
    assert body["requested_amount"] == "25000.00"
    assert body["lead"] == lead_x.pk
    assert body["startup_name"] == "Acme Robotics"
    assert [(e["from"], e["to"], e["actor"]) for e in body["events"]] == [
        (None, "draft", "ana@northwind.test")
    ]


def test_creating_for_another_firms_lead_is_a_404(y_api, firm_y, lead_x):
    response = y_api.post(APPLICATIONS, create_body(lead_x), format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "No lead with this id."}
    assert not CreditApplication.objects.exists()


def test_creating_for_an_unknown_lead_is_a_404(x_api, lead_x):
    response = x_api.post(
        APPLICATIONS, {**create_body(lead_x), "lead": lead_x.pk + 1000}, format="json"
    )

    assert response.status_code == 404


def test_creating_for_a_lead_not_accepted_is_a_409(x_api, firm_x):
    offered = make_lead(firm_x, name="Offered Co")

    response = x_api.post(APPLICATIONS, create_body(offered), format="json")

    assert response.status_code == 409
    assert "Accept the lead" in response.json()["detail"]
    assert not CreditApplication.objects.exists()


def test_an_unknown_program_is_a_400_naming_the_programs(x_api, lead_x):
    response = x_api.post(APPLICATIONS, create_body(lead_x, program="nope"), format="json")

    assert response.status_code == 400
    assert "bedrock_poc" in response.json()["program"][0]


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "999999.00"])
def test_a_bad_amount_is_a_400(x_api, lead_x, amount):
    response = x_api.post(APPLICATIONS, create_body(lead_x, requested_amount=amount), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["requested_amount"]
    assert not CreditApplication.objects.exists()


def test_a_second_open_application_for_the_program_is_a_409(x_api, lead_x, draft_x):
    response = x_api.post(APPLICATIONS, create_body(lead_x), format="json")

    assert response.status_code == 409
    assert CreditApplication.objects.count() == 1


# --- List and detail ------------------------------------------------------------------


def test_the_list_shows_only_the_firms_applications(x_api, y_api, firm_y, member_y, draft_x):
    lead_y = make_lead(firm_y, name="Yonder Labs", status=LeadStatus.ACCEPTED)
    own = application_create(
        startup_id=lead_y.startup_id,
        program_code=PROGRAM,
        requested_amount=Decimal("10000"),
        actor=member_y,
    )
    # Firm Y once had X's startup as a lead too, but declined it: still not Y's application.
    Lead.objects.create(
        startup=draft_x.startup,
        workload=lead_y.workload,
        partner=firm_y,
        status=LeadStatus.DECLINED,
        decline_reason=DeclineReason.NOT_A_FIT,
        offered_at=timezone.now() - dt.timedelta(hours=5),
        accept_by=timezone.now() - dt.timedelta(hours=1),
    )

    y_body = y_api.get(APPLICATIONS).json()
    x_body = x_api.get(APPLICATIONS).json()

    assert (y_body["count"], [a["id"] for a in y_body["results"]]) == (1, [own.pk])
    assert [a["id"] for a in x_body["results"]] == [draft_x.pk]
    assert (
        x_body["results"][0]["lead"]
        == Lead.objects.get(startup=draft_x.startup, partner__name="Northwind Cloud").pk
    )


def test_the_list_counts_without_the_programs_and_startups_it_shows(x_api, draft_x):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert x_api.get(APPLICATIONS).json()["count"] == 1

    (count,) = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert "credits_creditprogram" not in count, count


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_reads_in_a_fixed_number_of_queries(
    x_api, firm_x, member_x, django_assert_num_queries, count
):
    for n in range(count):
        lead = make_lead(firm_x, name=f"Co{n} Inc", status=LeadStatus.ACCEPTED)
        application_create(
            startup_id=lead.startup_id,
            program_code=PROGRAM,
            requested_amount=Decimal("10000"),
            actor=member_x,
        )

    # 1 the token with its user and the caller's firm, 2 the count, 3 the page of
    # applications with startup and program, 4 their events with actors.
    with django_assert_num_queries(4):
        response = x_api.get(APPLICATIONS)

    assert response.json()["count"] == count


def test_the_list_answers_each_application_as_its_serializer_would(x_api, firm_x, member_x):
    """The list builds plain dicts from rows for speed; the schema documents
    ApplicationOutputSerializer. Both must say the same, amounts and events included."""
    from api.partner.applications import ApplicationOutputSerializer
    from credits.models import ApplicationEvent
    from matching import selectors

    drafted = make_lead(firm_x, name="Draft Co", status=LeadStatus.ACCEPTED)
    issued = make_lead(firm_x, name="Issued Co", status=LeadStatus.ACCEPTED)
    for lead in (drafted, issued):
        application_create(
            startup_id=lead.startup_id,
            program_code=PROGRAM,
            requested_amount=Decimal("12500.5"),
            actor=member_x,
        )
    done = CreditApplication.objects.get(startup=issued.startup)
    CreditApplication.objects.filter(pk=done.pk).update(
        status=ApplicationStatus.CREDITS_ISSUED,
        approved_amount=Decimal("12000"),
        issued_amount=Decimal("11999.99"),
        ace_opportunity_id="O1234567",
    )
    ApplicationEvent.objects.create(
        application=done,
        actor=None,
        from_status=ApplicationStatus.DRAFT,
        to_status=ApplicationStatus.CREDITS_ISSUED,
        note="Issued by AWS",
    )

    listed = x_api.get(APPLICATIONS).json()["results"]

    expected = ApplicationOutputSerializer(
        selectors.applications_for_partner(partner=firm_x), many=True
    ).data
    assert listed == expected
    by_startup = {row["startup_name"]: row for row in listed}
    assert by_startup["Issued Co"]["issued_amount"] == "11999.99"
    assert by_startup["Draft Co"]["requested_amount"] == "12500.50"
    assert [e["actor"] for e in by_startup["Issued Co"]["events"]] == [member_x.email, None]


def test_the_detail_has_events_and_the_precheck(x_api, draft_x, lead_x):
    lead_x.startup.aws_account_id = ""
    lead_x.startup.state = ""
    lead_x.startup.save()

    response = x_api.get(application_url(draft_x.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == draft_x.pk
    assert [e["to"] for e in body["events"]] == ["draft"]
    assert set(body["events"][0]) == {"from", "to", "at", "note", "actor"}
    assert {problem["field"] for problem in body["precheck"]} == {"aws_account_id", "state"}


def test_a_ready_draft_has_no_precheck_problems(x_api, draft_x):
    assert x_api.get(application_url(draft_x.pk)).json()["precheck"] == []


# --- Transitions ----------------------------------------------------------------------


def test_it_walks_a_draft_to_credits_issued(x_api, draft_x):
    url = application_url(draft_x.pk, "transition")
    expires_on = (timezone.localdate() + dt.timedelta(days=365)).isoformat()
    steps = [
        {"to": "submitted", "ace_opportunity_id": "O1234567", "note": "Filed in ACE."},
        {"to": "in_review"},
        {"to": "approved", "approved_amount": "20000.00"},
        {"to": "credits_issued", "issued_amount": "20000.00", "expires_on": expires_on},
    ]

    for step in steps:
        response = x_api.post(url, step, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == step["to"]

    body = response.json()
    assert [(e["from"], e["to"]) for e in body["events"]] == [
        (None, "draft"),
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "approved"),
        ("approved", "credits_issued"),
    ]
    assert body["events"][1]["note"] == "Filed in ACE."
    assert body["events"][1]["actor"] == "ana@northwind.test"
    assert (body["ace_opportunity_id"], body["issued_amount"]) == ("O1234567", "20000.00")
    grant = CreditGrant.objects.get(application_id=draft_x.pk)
    assert (grant.amount, grant.expires_on.isoformat()) == (Decimal("20000.00"), expires_on)


def test_an_illegal_move_is_a_409(x_api, draft_x):
    response = x_api.post(
        application_url(draft_x.pk, "transition"), {"to": "approved"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["detail"]
    draft_x.refresh_from_db()
    assert draft_x.status == ApplicationStatus.DRAFT


def test_submitting_without_an_ace_id_is_a_400_naming_it(x_api, draft_x):
    response = x_api.post(
        application_url(draft_x.pk, "transition"), {"to": "submitted"}, format="json"
    )

    assert response.status_code == 400
    assert "ace_opportunity_id" in response.json()
    draft_x.refresh_from_db()
    assert draft_x.status == ApplicationStatus.DRAFT


def test_an_unknown_state_is_a_400(x_api, draft_x):
    response = x_api.post(application_url(draft_x.pk, "transition"), {"to": "won"}, format="json")

    assert response.status_code == 400
    assert "draft" in response.json()["to"][0]


def test_another_firms_application_is_a_404(y_api, firm_y, draft_x):
    transition = y_api.post(
        application_url(draft_x.pk, "transition"),
        {"to": "submitted", "ace_opportunity_id": "O1234567"},
        format="json",
    )

    assert y_api.get(application_url(draft_x.pk)).status_code == 404
    assert transition.status_code == 404
    assert transition.json() == {"detail": "No application with this id."}
    draft_x.refresh_from_db()
    assert draft_x.status == ApplicationStatus.DRAFT


def test_founders_and_anonymous_callers_get_nothing(api_client, draft_x, lead_x):
    urls = [APPLICATIONS, application_url(draft_x.pk)]
    transition = application_url(draft_x.pk, "transition")
    for url in urls:
        assert api_client.get(url).status_code == 401
    assert api_client.post(transition, {"to": "canceled"}).status_code == 401

    founder_api = client_with_token(api_client, lead_x.startup.founder)
    for url in urls:
        assert founder_api.get(url).status_code == 403
    assert founder_api.post(transition, {"to": "canceled"}).status_code == 403
    assert founder_api.post(APPLICATIONS, create_body(lead_x)).status_code == 403
    draft_x.refresh_from_db()
    assert draft_x.status == ApplicationStatus.DRAFT


# --- Portal ---------------------------------------------------------------------------


@pytest.fixture
def x_client(client, member_x):
    client.force_login(member_x)
    return client


def lead_page(lead: Lead) -> str:
    return f"/partner/leads/{lead.pk}/"


def test_the_lead_page_shows_the_card_only_once_accepted(x_client, firm_x, lead_x):
    offered = make_lead(firm_x, name="Offered Co")

    assert 'data-testid="applications"' not in x_client.get(lead_page(offered)).text
    page = x_client.get(lead_page(lead_x)).text
    assert "Credit applications" in page
    assert 'value="bedrock_poc"' in page


def test_a_partner_creates_and_moves_an_application_from_the_lead_page(x_client, lead_x):
    response = x_client.post(
        f"{lead_page(lead_x)}applications/",
        {"program": PROGRAM, "requested_amount": "25000"},
        follow=True,
    )

    assert response.status_code == 200
    application = CreditApplication.objects.get(startup=lead_x.startup)
    assert application.status == ApplicationStatus.DRAFT
    assert "Draft application for" in response.text
    assert f'data-testid="application-{application.pk}"' in response.text

    prefix = f"application-{application.pk}"
    response = x_client.post(
        portal_transition_url(application.pk),
        {f"{prefix}-to": "submitted", f"{prefix}-ace_opportunity_id": "O1234567"},
        follow=True,
    )

    assert response.status_code == 200
    application.refresh_from_db()
    assert (application.status, application.ace_opportunity_id) == ("submitted", "O1234567")
    assert "now submitted" in response.text


def test_the_lead_page_lists_precheck_problems_of_a_draft(x_client, lead_x, draft_x):
    lead_x.startup.aws_account_id = ""
    lead_x.startup.save()

    page = x_client.get(lead_page(lead_x)).text

    assert "Fix before submitting" in page
    assert "12-digit AWS account id" in page


def test_the_portal_shows_the_services_errors(x_client, lead_x, draft_x):
    prefix = f"application-{draft_x.pk}"

    missing = x_client.post(portal_transition_url(draft_x.pk), {f"{prefix}-to": "submitted"})
    too_much = x_client.post(
        f"{lead_page(lead_x)}applications/", {"program": PROGRAM, "requested_amount": "999999"}
    )
    duplicate = x_client.post(
        f"{lead_page(lead_x)}applications/", {"program": PROGRAM, "requested_amount": "20000"}
    )

    assert missing.status_code == 400
    assert "ACE opportunity id" in missing.text
    assert too_much.status_code == 400
    assert duplicate.status_code == 409
    assert CreditApplication.objects.count() == 1


def test_a_state_the_application_cannot_reach_is_refused(x_client, draft_x):
    prefix = f"application-{draft_x.pk}"

    response = x_client.post(portal_transition_url(draft_x.pk), {f"{prefix}-to": "approved"})

    # "approved" is not among a draft's choices, so the form refuses it before the service.
    assert response.status_code == 400
    draft_x.refresh_from_db()
    assert draft_x.status == ApplicationStatus.DRAFT


def test_the_portal_keeps_firms_apart(client, firm_y, member_y, lead_x, draft_x):
    client.force_login(member_y)
    prefix = f"application-{draft_x.pk}"

    create = client.post(
        f"{lead_page(lead_x)}applications/", {"program": PROGRAM, "requested_amount": "25000"}
    )
    move = client.post(
        portal_transition_url(draft_x.pk),
        {f"{prefix}-to": "submitted", f"{prefix}-ace_opportunity_id": "O1234567"},
    )

    assert (create.status_code, move.status_code) == (404, 404)
    draft_x.refresh_from_db()
    assert draft_x.status == ApplicationStatus.DRAFT
    assert CreditApplication.objects.count() == 1


def test_a_founder_cannot_use_the_portal_forms(client, lead_x, draft_x):
    client.force_login(lead_x.startup.founder)

    response = client.post(portal_transition_url(draft_x.pk), {"to": "canceled"})

    assert response.status_code == 404
    client.logout()
    assert client.post(portal_transition_url(draft_x.pk)).status_code == 302


def test_creating_on_a_lead_not_accepted_is_a_409(x_client, firm_x):
    offered = make_lead(firm_x, name="Offered Co")

    response = x_client.post(
        f"{lead_page(offered)}applications/", {"program": PROGRAM, "requested_amount": "25000"}
    )

    assert response.status_code == 409
    assert not CreditApplication.objects.exists()


def test_a_lead_not_accepted_is_refused_before_the_form_is_read(x_client, firm_x):
    # The create form is drawn for accepted leads only: an empty POST on an offered lead
    # must say why (409), not fail the form's validation out of sight.
    offered = make_lead(firm_x, name="Offered Co")

    response = x_client.post(f"{lead_page(offered)}applications/", {})

    assert response.status_code == 409
    assert "Accept the lead before filing a credit application for it." in response.content.decode()
    assert not CreditApplication.objects.exists()
