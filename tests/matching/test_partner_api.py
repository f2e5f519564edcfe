"""The partner API: token sign-in, a firm's leads, accept and decline, and isolation between
firms, founders and anonymous callers."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from api.partner.leads import LeadOutputSerializer
from credits.services import startup_credits_refresh
from matching.models import DeclineReason, Lead, LeadNote, LeadStatus
from tests.factories import PartnerFactory, PartnerMembershipFactory, UserFactory

from .partner_helpers import PASSWORD, bulk_leads, make_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

TOKEN_URL = "/api/v1/auth/token/"
LEADS = "/api/v1/partner/leads/"


def lead_url(lead: Lead, action: str = "") -> str:
    return f"{LEADS}{lead.pk}/{action + '/' if action else ''}"


def client_with_token(api_client, user):
    token, _ = Token.objects.get_or_create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


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
def lead_x(firm_x):
    return make_lead(firm_x)


@pytest.fixture
def x_api(api_client, member_x):
    return client_with_token(api_client, member_x)


@pytest.fixture
def y_api(api_client, member_y):
    return client_with_token(api_client, member_y)


# --- Tokens ---------------------------------------------------------------------------


def test_it_hands_out_a_token_for_the_right_password(api_client, member_x):
    response = api_client.post(
        TOKEN_URL, {"email": "Ana@Northwind.test", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=member_x).key}
    again = api_client.post(
        TOKEN_URL, {"email": "ana@northwind.test", "password": PASSWORD}, format="json"
    )
    assert again.json() == response.json()


def test_the_token_opens_the_partner_api(api_client, member_x, lead_x):
    token = api_client.post(
        TOKEN_URL, {"email": "ana@northwind.test", "password": PASSWORD}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api_client.get(LEADS).json()["count"] == 1


@pytest.mark.parametrize(
    "email, password",
    [("ana@northwind.test", "wrong password"), ("nobody@northwind.test", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_it_refuses_bad_credentials_alike(api_client, member_x, email, password):
    response = api_client.post(TOKEN_URL, {"email": email, "password": password}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Unable to sign in with this e-mail address and password."]
    }
    assert not Token.objects.exists()


def test_it_refuses_an_inactive_account(api_client, member_x):
    member_x.is_active = False
    member_x.save(update_fields=["is_active"])

    response = api_client.post(
        TOKEN_URL, {"email": "ana@northwind.test", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400


def test_it_names_missing_fields(api_client):
    response = api_client.post(TOKEN_URL, {"email": "not an address"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_it_throttles_token_requests(api_client, member_x, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "3/minute",
        },
    }
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    body = {"email": "ana@northwind.test", "password": "guess"}

    statuses = [
        api_client.post(TOKEN_URL, body, format="json", REMOTE_ADDR=address).status_code
        for _ in range(4)
    ]

    assert statuses == [400, 400, 400, 429]
    # The right password does not get past the limit either.
    right = {"email": "ana@northwind.test", "password": PASSWORD}
    assert api_client.post(TOKEN_URL, right, format="json", REMOTE_ADDR=address).status_code == 429


# --- Who may call ---------------------------------------------------------------------


def test_anonymous_callers_get_a_401(api_client, lead_x):
    assert api_client.get(LEADS).status_code == 401
    assert api_client.get(lead_url(lead_x)).status_code == 401
    assert api_client.post(lead_url(lead_x, "accept")).status_code == 401
    assert api_client.post(lead_url(lead_x, "decline"), {"reason": "other"}).status_code == 401


def test_a_bad_token_is_a_401(api_client, lead_x):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    assert api_client.get(LEADS).status_code == 401


def test_a_signed_in_founder_gets_nothing(api_client, lead_x):
    founder = lead_x.startup.founder
    api = client_with_token(api_client, founder)

    list_response = api.get(LEADS)
    assert list_response.status_code == 403
    assert list_response.json() == {
        "detail": "Only members of a partner firm may use the partner API."
    }
    assert api.get(lead_url(lead_x)).status_code == 404
    assert api.post(lead_url(lead_x, "accept")).status_code == 404
    assert api.post(lead_url(lead_x, "decline"), {"reason": "not_a_fit"}).status_code == 404
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.OFFERED


def test_the_session_does_not_open_the_partner_api(api_client, member_x, lead_x):
    api_client.force_login(member_x)

    assert api_client.get(LEADS).status_code == 401


def test_another_firms_lead_is_a_404(y_api, firm_y, lead_x):
    own = make_lead(firm_y, name="Yonder Labs")

    assert y_api.get(lead_url(lead_x)).status_code == 404
    assert y_api.post(lead_url(lead_x, "accept")).status_code == 404
    response = y_api.post(lead_url(lead_x, "decline"), {"reason": "not_a_fit"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "No lead with this id."}
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.OFFERED
    listed = y_api.get(LEADS).json()
    assert [lead["id"] for lead in listed["results"]] == [own.pk]
    for status in LeadStatus.values:
        assert lead_x.pk not in [
            r["id"] for r in y_api.get(LEADS, {"status": status}).json()["results"]
        ]


# --- The list -------------------------------------------------------------------------


def test_it_lists_the_firms_leads_with_company_and_workload(x_api, firm_y, lead_x):
    make_lead(firm_y, name="Yonder Labs")

    response = x_api.get(LEADS)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    (lead,) = body["results"]
    assert lead == {
        "id": lead_x.pk,
        "status": "offered",
        "offered_at": lead["offered_at"],
        "accept_by": lead["accept_by"],
        "responded_at": None,
        "company": {
            "name": "Acme Robotics",
            "stage": "seed",
            "industry": "Software and Internet",
            "country": "US",
            "website": "https://startup.example",
        },
        "workload": {
            "use_case": "classification",
            "region": "us-west-2",
            "monthly_requests": 400000,
            "input_tokens": 1800,
            "output_tokens": 60,
            "escalation": {"sonnet": 0.05, "opus": 0.0},
        },
        "contact": None,
    }
    assert dt.datetime.fromisoformat(lead["accept_by"]) == lead_x.accept_by


@pytest.mark.parametrize("status", [LeadStatus.OFFERED, LeadStatus.ACCEPTED, LeadStatus.DECLINED])
def test_the_list_answers_each_lead_as_its_serializer_would(x_api, firm_x, status):
    """The list builds plain dicts (lead_summary) for speed; the schema documents
    LeadOutputSerializer. Both must say the same, contact details included."""
    extra = {"responded_at": timezone.now()} if status != LeadStatus.OFFERED else {}
    if status == LeadStatus.DECLINED:
        extra["decline_reason"] = DeclineReason.NOT_A_FIT
    lead = make_lead(firm_x, status=status, **extra)

    (listed,) = x_api.get(LEADS).json()["results"]

    assert listed == LeadOutputSerializer(Lead.objects.get(pk=lead.pk)).data
    assert (listed["contact"] is not None) == (status == LeadStatus.ACCEPTED)


def test_the_list_answers_a_lead_whose_founder_left_as_its_serializer_would(x_api, firm_x):
    lead = make_lead(firm_x, status=LeadStatus.ACCEPTED, responded_at=timezone.now())
    type(lead.startup).objects.filter(pk=lead.startup_id).update(founder=None)  # account gone

    (listed,) = x_api.get(LEADS).json()["results"]

    assert listed == LeadOutputSerializer(Lead.objects.get(pk=lead.pk)).data
    assert listed["contact"] == {"name": "", "email": "", "aws_account_id": "123456789012"}


def test_a_founder_without_a_full_name_is_named_by_e_mail_as_the_serializer_does(x_api, firm_x):
    lead = make_lead(firm_x, status=LeadStatus.ACCEPTED, responded_at=timezone.now())
    type(lead.startup.founder).objects.filter(pk=lead.startup.founder_id).update(full_name="")

    (listed,) = x_api.get(LEADS).json()["results"]

    assert listed == LeadOutputSerializer(Lead.objects.get(pk=lead.pk)).data
    assert listed["contact"]["name"] == "acme@founder.test"


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 12, 3, 6, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 3, 6, 30, 1, 250, tzinfo=dt.UTC),
        dt.datetime(2026, 6, 1, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
    ],
)
def test_the_lead_shapes_write_a_datetime_as_drf_does(value):
    from rest_framework import serializers

    from matching.lead_shapes import datetime_str

    assert datetime_str(value) == serializers.DateTimeField().to_representation(value)


def test_a_member_removed_from_the_firm_is_refused_with_the_token_still_valid(
    x_api, member_x, lead_x
):
    member_x.partner_membership.delete()

    response = x_api.get(LEADS)

    assert response.status_code == 403


def test_it_filters_by_status(x_api, firm_x):
    now = timezone.now()
    declined = make_lead(
        firm_x,
        name="Declined Co",
        status=LeadStatus.DECLINED,
        decline_reason=DeclineReason.NOT_A_FIT,
        responded_at=now,
    )
    make_lead(firm_x, name="Offered Co")

    response = x_api.get(LEADS, {"status": "declined"})

    assert [lead["id"] for lead in response.json()["results"]] == [declined.pk]


def test_it_refuses_an_unknown_status_filter(x_api, lead_x):
    response = x_api.get(LEADS, {"status": "bogus"})

    assert response.status_code == 400
    assert "offered" in response.json()["status"][0]


def test_it_pages_by_fifty(x_api, firm_x):
    bulk_leads(firm_x, 51)

    first = x_api.get(LEADS).json()
    second = x_api.get(first["next"]).json()

    assert first["count"] == 51
    assert len(first["results"]) == 50
    assert first["next"].endswith("/api/v1/partner/leads/?page=2")
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None


def test_the_list_counts_the_firms_leads_without_joining_their_rows(x_api, firm_x):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bulk_leads(firm_x, 3)

    with CaptureQueriesContext(connection) as queries:
        assert x_api.get(LEADS).json()["count"] == 3

    (count,) = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert "JOIN" not in count, count


@pytest.mark.parametrize("lead_count", [10, 500])
def test_the_list_reads_in_a_fixed_number_of_queries(
    x_api, firm_x, django_assert_num_queries, lead_count
):
    bulk_leads(firm_x, lead_count)

    # 1. the token with its user, the user's membership and its firm (one join)
    # 2. the paginator's count of the firm's leads
    # 3. the page of leads with startup, workload and founder (one join, at most 50 rows)
    with django_assert_num_queries(3):
        response = x_api.get(LEADS)

    assert response.status_code == 200
    assert response.json()["count"] == lead_count
    assert len(response.json()["results"]) == min(lead_count, 50)


# --- One lead -------------------------------------------------------------------------


def test_the_detail_adds_notes_eligibility_and_the_projection(x_api, lead_x, member_x):
    snapshot = startup_credits_refresh(startup_id=lead_x.startup_id)
    LeadNote.objects.create(lead=lead_x, author=member_x, body="Call on Monday.")

    response = x_api.get(lead_url(lead_x))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == lead_x.pk
    assert body["contact"] is None
    assert [(n["author"], n["body"]) for n in body["notes"]] == [
        ("ana@northwind.test", "Call on Monday.")
    ]
    assert body["eligibility"]["recommended"] == snapshot.result["recommended"]
    assert body["eligibility"]["total_expected"] == str(snapshot.total_expected)
    projection = body["projection"]
    assert projection["months"] > 0
    assert set(projection["totals"]) == {
        "cost",
        "baseline_cost",
        "credits_applied",
        "out_of_pocket",
    }
    assert projection["totals"]["cost"].count(".") == 1


def test_the_detail_has_nulls_before_anything_is_computed(x_api, lead_x):
    body = x_api.get(lead_url(lead_x)).json()

    assert (body["notes"], body["eligibility"], body["projection"]) == ([], None, None)


def test_accepting_reveals_the_contact(x_api, lead_x):
    response = x_api.post(lead_url(lead_x, "accept"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted"
    assert body["responded_at"] is not None
    assert body["contact"] == {
        "name": "Fay Founder",
        "email": "acme@founder.test",
        "aws_account_id": "123456789012",
    }
    assert x_api.get(LEADS).json()["results"][0]["contact"] == body["contact"]


def test_accepting_twice_is_a_409(x_api, lead_x):
    x_api.post(lead_url(lead_x, "accept"))

    response = x_api.post(lead_url(lead_x, "accept"))

    assert response.status_code == 409
    assert response.json() == {"detail": "This lead is no longer open: it is Accepted."}


def test_accepting_after_the_accept_by_time_is_a_409(x_api, firm_x):
    now = timezone.now()
    lead = make_lead(
        firm_x, offered_at=now - dt.timedelta(hours=5), accept_by=now - dt.timedelta(seconds=1)
    )

    response = x_api.post(lead_url(lead, "accept"))

    assert response.status_code == 409
    assert "accept-by time has passed" in response.json()["detail"]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED


def test_accepting_a_declined_lead_is_a_409(x_api, lead_x):
    x_api.post(lead_url(lead_x, "decline"), {"reason": "no_capacity"}, format="json")

    response = x_api.post(lead_url(lead_x, "accept"))

    assert response.status_code == 409
    assert response.json() == {"detail": "This lead is no longer open: it is Declined."}


def test_declining_with_a_reason(x_api, lead_x):
    response = x_api.post(
        lead_url(lead_x, "decline"), {"reason": "other", "note": "Merging soon"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert response.json()["contact"] is None
    lead_x.refresh_from_db()
    assert (lead_x.decline_reason, lead_x.decline_note) == ("other", "Merging soon")


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "too_busy"}, "reason"),
        ({"reason": "other"}, "note"),
        ({"reason": "other", "note": "   "}, "note"),
    ],
)
def test_declining_needs_a_reason_from_the_list(x_api, lead_x, body, field):
    response = x_api.post(lead_url(lead_x, "decline"), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.OFFERED


def test_an_unknown_reason_lists_the_accepted_ones(x_api, lead_x):
    response = x_api.post(lead_url(lead_x, "decline"), {"reason": "too_busy"}, format="json")

    assert response.json() == {
        "reason": [
            '"too_busy" is not accepted; use one of: no_capacity, out_of_region, not_a_fit, '
            "customer_unresponsive, other."
        ]
    }


def test_declining_an_accepted_lead_is_a_409(x_api, lead_x):
    x_api.post(lead_url(lead_x, "accept"))

    response = x_api.post(lead_url(lead_x, "decline"), {"reason": "not_a_fit"}, format="json")

    assert response.status_code == 409
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.ACCEPTED


def test_a_member_of_no_firm_with_staff_rights_gets_nothing(api_client, lead_x):
    api = client_with_token(api_client, UserFactory(is_staff=True, is_superuser=True))

    assert api.get(LEADS).status_code == 403
    assert api.get(lead_url(lead_x)).status_code == 404
