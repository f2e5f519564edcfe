"""The founder's confirmation (matching/services/confirmation.py, founders/links.py): an intake
belongs to no account and reaches no partner until the e-mailed link's button is pressed, and
typing someone's address changes nothing of theirs and tells nothing about them.

Addresses are unique per test (the hourly e-mail caps are also reset between tests by
tests/conftest.py)."""

import datetime as dt
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import ConflictError, InvalidInputError
from credits.models import BillingAccess
from credits.services import billing_access_set
from founders.forms import percent_text
from matching import services
from matching.models import Intake, IntakeStatus, Lead, RoutingStatus
from matching.services.founder_emails import CONFIRM_SUBJECT, SIGNIN_SUBJECT
from matching.signin import confirm_token_intake_id, signin_url
from tests.factories import (
    INTAKE_PAYLOAD,
    IntakeFactory,
    PartnerMembershipFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
    intake_payload,
)
from workloads.models import Startup

from .routing_helpers import routable_partner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

API = "/api/v1/intakes/"
LINK_REQUEST = "/signin/"
ROLE_ARN = "arn:aws:iam::210987654321:role/CloudRouteCosts"
PERCENT_FIELDS = ("monthly_growth", "cache_hit_rate", "batch_share")


def _address(label: str = "founder") -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


def _api_submit(email: str, **company) -> Intake:
    """An intake through the API, its after-commit work run (eligibility, projection, the
    confirmation e-mail)."""
    body = intake_payload(email=email)
    body["company"].update(company)
    response = _post(Client(), API, body, content_type="application/json")
    assert response.status_code == 201, response.content
    return Intake.objects.get(pk=response.json()["id"])


def _form_data(email: str) -> dict[str, str]:
    """The POST body of a valid /intake/ form (shares in percent)."""
    data = {
        f"company-{field}": ("on" if value else "") if isinstance(value, bool) else str(value)
        for field, value in INTAKE_PAYLOAD["company"].items()
    }
    data = {key: value for key, value in data.items() if value != ""}
    data["company-activate_org_id"] = ""
    workload = dict(INTAKE_PAYLOAD["workload"])
    escalation = workload.pop("escalation")
    for field, value in workload.items():
        data[f"workload-{field}"] = percent_text(value) if field in PERCENT_FIELDS else str(value)
    data["workload-escalation_sonnet"] = percent_text(escalation["sonnet"])
    data["workload-escalation_opus"] = percent_text(escalation["opus"])
    data["founder-name"] = "Frida Form"
    data["founder-email"] = email
    return data


def _link_path(message, kind: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/{kind}/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _confirm_path_for(intake: Intake) -> str:
    """The path in the newest confirmation e-mail sent to the intake's address."""
    [message, *_] = [m for m in reversed(mail.outbox) if m.to == [intake.email]]
    assert message.subject == CONFIRM_SUBJECT
    return _link_path(message, "confirm")


def _signed_in_as(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def _holdings(founder) -> dict:
    """What an account has: its fields, companies, intakes and every billing access."""
    return {
        "account": _account(founder),
        "startups": list(Startup.objects.filter(founder=founder).values_list("pk", "name")),
        "intakes": list(Intake.objects.filter(founder=founder).values_list("pk", flat=True)),
        "billing": list(
            BillingAccess.objects.order_by("pk").values_list(
                "pk", "startup", "role_arn", "external_id", "last_synced_at"
            )
        ),
    }


def _headline(html: str) -> str:
    """The company name the dashboard shows in its first card."""
    match = re.search(r"<h2>(.*?)</h2>", html, re.S)
    assert match, html
    return match.group(1).strip()


def _account(user) -> tuple:
    user.refresh_from_db()
    return (
        user.email,
        user.full_name,
        user.password,
        user.last_login,
        user.is_active,
        user.is_staff,
    )


def _committed():
    """Run the on_commit work (eager tasks) of what happens inside, as a worker would right
    after its transaction (what the django_capture_on_commit_callbacks fixture does)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _post(client, path: str, data, **extra):
    with _committed():
        return client.post(path, data, **extra)


def _confirm(intake: Intake, company: str = "new") -> Intake:
    with _committed():
        return services.intake_confirm(intake_id=intake.pk, email=intake.email, company=company)


# --- 1. Naming an existing founder's address changes nothing of theirs -------------------


def test_an_intake_naming_a_founders_address_changes_nothing_of_their_account(client):
    firm = routable_partner(name="Northwind Cloud")
    member = PartnerMembershipFactory(partner=firm, user__email=_address("partner")).user
    founder = UserFactory(email=_address("dana"), full_name="Dana Founder")
    startup = StartupFactory(founder=founder, name="Dana Robotics")
    IntakeFactory(workload=WorkloadFactory(startup=startup))
    access = billing_access_set(startup_id=startup.pk, role_arn=ROLE_ARN, actor=founder)
    client.force_login(founder)
    before = _holdings(founder)
    html = client.get("/my/").content.decode()
    assert _headline(html) == "Dana Robotics"
    assert access.external_id in html

    intake = _api_submit(founder.email.upper(), name="Acme Analytics")

    assert intake.status == IntakeStatus.READY  # the checks ran; the rest waits for the link
    assert (intake.founder, intake.confirmed_at) == (None, None)
    assert _holdings(founder) == before
    html = client.get("/my/").content.decode()
    assert _headline(html) == "Dana Robotics"
    assert access.external_id in html  # their billing card, as before
    assert "Acme Analytics" not in html
    assert not BillingAccess.objects.filter(startup=intake.startup).exists()
    # No partner hears of it.
    assert not Lead.objects.filter(startup=intake.startup).exists()
    partner = Client()
    partner.force_login(member)
    inbox = partner.get("/partner/")
    assert inbox.status_code == 200
    assert "Acme Analytics" not in inbox.content.decode()


# --- 2. The answer tells nothing about the address -----------------------------------------


def _measured_submit(email: str) -> tuple[int, set[str], int]:
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(API, intake_payload(email=email), content_type="application/json")
    # (The after-commit work never runs here: only the request's own queries are counted.)
    return response.status_code, set(response.json()), len(queries.captured_queries)


def test_the_api_answers_alike_with_the_same_queries_whether_the_address_has_an_account():
    founder = UserFactory(email=_address("known"))
    IntakeFactory(workload=WorkloadFactory(startup=StartupFactory(founder=founder)))
    staff = UserFactory(email=_address("ops"), is_staff=True)
    _measured_submit(_address("warm-up"))  # first-use caches (content types) out of the way

    known = _measured_submit(founder.email)
    unknown = _measured_submit(_address("unknown"))
    operator = _measured_submit(staff.email)

    assert known == unknown == operator
    assert known[0] == 201
    assert known[1] == {"id", "status", "token", "dashboard_url"}


def test_the_request_reads_no_account():
    founder = UserFactory(email=_address("known"))
    _measured_submit(_address("warm-up"))

    with CaptureQueriesContext(connection) as queries:
        Client().post(API, intake_payload(email=founder.email), content_type="application/json")

    sql = " ".join(query["sql"] for query in queries.captured_queries).lower()
    assert '"cloudroute_user"' not in sql


# --- 3. No routing before confirmation; a link confirms once --------------------------------


def test_it_routes_only_after_the_confirmation_and_only_once(client):
    routable_partner()
    intake = _api_submit(_address())

    intake.refresh_from_db()
    assert intake.status == IntakeStatus.READY
    assert intake.routing_status == RoutingStatus.NOT_ROUTED
    assert not Lead.objects.exists()

    _confirm(intake)

    assert Lead.objects.filter(startup=intake.startup).count() == 1
    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.OFFERED

    with pytest.raises(ConflictError):
        services.intake_confirm(intake_id=intake.pk, email=intake.email)
    response = _post(client, _confirm_path_for(intake), {"company": "new"})
    assert response.status_code == 409
    assert _signed_in_as(client) is None
    assert Lead.objects.count() == 1


def test_the_sweeper_does_not_route_an_unconfirmed_intake():
    routable_partner()
    intake = _api_submit(_address())
    Intake.objects.filter(pk=intake.pk).update(updated_at=intake.updated_at.replace(year=2020))

    assert services.intakes_unrouted_requeue(older_than_seconds=0) == []
    assert not Lead.objects.exists()


# --- 4. Operators' and partners' addresses cannot be confirmed -----------------------------


@pytest.mark.parametrize("who", ["staff", "partner"])
def test_the_confirm_page_refuses_an_operators_or_partners_address(client, who):
    routable_partner()
    if who == "staff":
        user = UserFactory(email=_address("ops"), is_staff=True)
    else:
        user = PartnerMembershipFactory(user__email=_address("partner")).user
    before = _account(user)
    intake = _api_submit(user.email)
    path = _confirm_path_for(intake)

    assert client.get(path).status_code == 200
    response = _post(client, path, {"company": "new"})

    assert response.status_code == 400
    assert "cannot hold a founder" in response.content.decode()
    assert _signed_in_as(client) is None
    assert _account(user) == before
    assert not Startup.objects.filter(founder=user).exists()
    intake.refresh_from_db()
    assert (intake.founder, intake.confirmed_at) == (None, None)
    assert not Lead.objects.exists()


# --- 5. A confirmed founder's new intake for the same company updates it -------------------


@pytest.fixture
def confirmed_founder_resubmits():
    """A founder with a confirmed, routed intake for Acme Analytics, and a second intake
    they sent for it (another workload), not yet confirmed."""
    routable_partner()
    email = _address()
    first = _confirm(_api_submit(email))
    assert Lead.objects.filter(startup=first.startup).count() == 1
    body = intake_payload(email=email)
    body["workload"]["monthly_requests"] = 900_000
    response = _post(Client(), API, body, content_type="application/json")
    assert response.status_code == 201
    return first, Intake.objects.get(pk=response.json()["id"])


def test_the_confirm_page_preselects_the_company_of_the_same_name(
    client, confirmed_founder_resubmits
):
    first, second = confirmed_founder_resubmits

    response = client.get(_confirm_path_for(second))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["company"].value() == str(first.startup_id)
    choices = dict(form.fields["company"].choices)
    assert choices[str(first.startup_id)] == "Update Acme Analytics"
    assert choices["new"] == "A new company: Acme Analytics"


def test_confirming_it_as_an_update_keeps_one_startup_and_one_live_lead(
    client, confirmed_founder_resubmits
):
    first, second = confirmed_founder_resubmits
    founder = first.founder

    response = _post(client, _confirm_path_for(second), {"company": str(first.startup_id)})

    assert response.status_code == 302
    assert _signed_in_as(client) == founder.pk
    assert list(Startup.objects.filter(founder=founder)) == [first.startup]
    assert not Startup.objects.filter(pk=second.startup_id).exists()
    assert Intake.objects.filter(startup=first.startup).count() == 2
    [lead] = Lead.objects.filter(startup=first.startup, status__in=Lead.LIVE_STATUSES)
    assert lead.workload_id == second.workload_id
    assert lead.workload.monthly_requests == 900_000
    assert Lead.objects.count() == 1
    second.refresh_from_db()
    assert (second.founder, second.startup_id) == (founder, first.startup_id)


def test_confirming_it_as_a_new_company_makes_a_second_startup(client, confirmed_founder_resubmits):
    first, second = confirmed_founder_resubmits

    response = _post(client, _confirm_path_for(second), {"company": "new"})

    assert response.status_code == 302
    startups = Startup.objects.filter(founder=first.founder)
    assert sorted(startups.values_list("pk", flat=True)) == sorted(
        [first.startup_id, second.startup_id]
    )
    assert Intake.objects.filter(startup=first.startup).count() == 1


def test_it_refuses_to_update_a_company_of_another_account(client):
    other = IntakeFactory()
    intake = _api_submit(_address())

    response = _post(client, _confirm_path_for(intake), {"company": str(other.startup_id)})

    assert response.status_code == 400  # not one of the page's choices
    intake.refresh_from_db()
    assert intake.confirmed_at is None
    assert Intake.objects.filter(startup=other.startup).count() == 1


# --- 6. A GET spends nothing --------------------------------------------------------------


def test_a_get_of_the_confirm_page_changes_nothing(client):
    routable_partner()
    email = _address()
    intake = _api_submit(email)
    path = _confirm_path_for(intake)

    for browser in (client, Client()):  # e.g. the founder and a mail scanner
        response = browser.get(path)
        assert response.status_code == 200
        assert 'data-testid="confirm-button"' in response.content.decode()
        assert _signed_in_as(browser) is None

    intake.refresh_from_db()
    assert (intake.founder, intake.confirmed_at) == (None, None)
    assert not UserFactory._meta.model.objects.filter(email__iexact=email).exists()
    assert not Lead.objects.exists()

    assert _post(client, path, {"company": "new"}).status_code == 302
    intake.refresh_from_db()
    assert intake.is_confirmed
    assert _signed_in_as(client) == intake.founder_id


def test_a_get_of_the_signin_link_changes_nothing(client):
    founder = UserFactory(email=_address())
    path = urlsplit(signin_url(user=founder)).path

    assert client.get(path).status_code == 200
    assert Client().get(path).status_code == 200

    assert _signed_in_as(client) is None
    founder.refresh_from_db()
    assert founder.last_login is None
    assert client.post(path).status_code == 302
    assert _signed_in_as(client) == founder.pk


# --- 7. "E-mail me a new link" --------------------------------------------------------------


def _request_link(email: str) -> tuple[int, str]:
    response = _post(Client(), LINK_REQUEST, {"email": email})
    return response.status_code, response.content.decode().replace(email, "ADDRESS")


def test_the_link_request_answers_alike_and_sends_what_the_address_needs():
    founder = UserFactory(email=_address("known"), full_name="Mallory <b>Typed</b> Name")
    IntakeFactory(workload=WorkloadFactory(startup=StartupFactory(founder=founder)))
    pending = _api_submit(_address("pending"), name="Typed <i>Company</i> Ltd")
    unknown = _address("unknown")
    mail.outbox.clear()  # the pending intake's own confirmation e-mail

    answers = [_request_link(email) for email in (founder.email, pending.email, unknown)]

    assert answers[0][0] == 200
    assert answers[0] == answers[1] == answers[2]
    assert 'data-testid="link-sent"' in answers[0][1]
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {founder.email, pending.email}  # nothing to the unknown address
    signin = by_address[founder.email]
    assert signin.subject == SIGNIN_SUBJECT
    browser = Client()
    assert browser.post(_link_path(signin, "signin")).status_code == 302
    assert _signed_in_as(browser) == founder.pk
    confirm = by_address[pending.email]
    assert confirm.subject == CONFIRM_SUBJECT
    assert _link_path(confirm, "confirm").startswith("/confirm/")
    for message in mail.outbox:  # a subject carries nothing anyone typed
        for typed in ("Mallory", "Typed", "Ada Founder", "Acme"):
            assert typed not in message.subject


def test_a_founder_with_a_pending_intake_gets_its_confirmation_link_again_too():
    # Only the confirmation link can confirm an intake, and a signed-in founder does not see
    # unconfirmed intakes (one could be anyone's): a lost confirmation e-mail is sent again.
    founder = UserFactory(email=_address("known"))
    IntakeFactory(workload=WorkloadFactory(startup=StartupFactory(founder=founder)))
    pending = _api_submit(founder.email)
    mail.outbox.clear()

    assert _request_link(founder.email)[0] == 200

    assert sorted(message.subject for message in mail.outbox) == [CONFIRM_SUBJECT, SIGNIN_SUBJECT]
    confirm = next(m for m in mail.outbox if m.subject == CONFIRM_SUBJECT)
    token = _link_path(confirm, "confirm").split("/")[2]
    assert confirm_token_intake_id(token) == (pending.pk, founder.email)


@pytest.mark.parametrize("email", ["", "not-an-address", "a@" + "b" * 260 + ".example"])
def test_the_link_request_refuses_a_bad_address_naming_the_field(email):
    response = _post(Client(), LINK_REQUEST, {"email": email})

    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert 'data-testid="link-sent"' not in response.content.decode()
    assert mail.outbox == []


def test_the_link_request_sends_nothing_more_past_the_hourly_cap(settings):
    settings.FOUNDER_EMAILS_PER_HOUR = 3
    founder = UserFactory(email=_address("capped"))

    answers = {_request_link(founder.email) for _ in range(5)}

    assert len(answers) == 1  # the page says the same every time
    assert [message.to for message in mail.outbox] == [[founder.email]] * 3


def test_confirmation_emails_to_one_address_stop_at_the_hourly_cap(settings):
    # Anyone may type anyone's address: repeated intakes must not flood its owner.
    settings.FOUNDER_EMAILS_PER_HOUR = 2
    email = _address("flooded")

    for _ in range(4):
        _api_submit(email)

    assert Intake.objects.filter(email=email).count() == 4
    assert [message.subject for message in mail.outbox] == [CONFIRM_SUBJECT] * 2


# --- 8. Who sees an intake ------------------------------------------------------------------


def test_the_submitting_browser_sees_the_intake_only_until_it_is_confirmed():
    first_browser, founder_browser = Client(), Client()
    email = _address()

    assert _post(first_browser, "/intake/", _form_data(email)).status_code == 302
    html = first_browser.get("/my/").content.decode()
    assert "Acme Analytics" in html
    assert 'data-testid="confirm-email"' in html
    intake = Intake.objects.get(email=email)

    response = _post(founder_browser, _confirm_path_for(intake), {"company": "new"})

    assert response.status_code == 302
    intake.refresh_from_db()
    assert _signed_in_as(founder_browser) == intake.founder_id
    assert "Acme Analytics" in founder_browser.get("/my/").content.decode()
    after = first_browser.get("/my/")
    assert after.status_code in (200, 302)
    assert "Acme Analytics" not in after.content.decode()
    assert _signed_in_as(first_browser) is None
    assert first_browser.get("/my/projection.csv").status_code in (302, 404)


# --- What the review found: closed doors ------------------------------------------------------


def test_the_api_token_stops_reading_the_intake_once_it_is_confirmed():
    # Whoever typed the intake holds its token; once the address's owner confirms it, the
    # intake (and, after an update, their company) is theirs alone.
    body = intake_payload(email=_address("owner"))
    response = _post(Client(), API, body, content_type="application/json")
    intake_id, token = response.json()["id"], response.json()["token"]
    reader = Client(headers={"Authorization": f"Token {token}"})
    assert reader.get(f"{API}{intake_id}/").status_code == 200

    _confirm(Intake.objects.get(pk=intake_id))

    assert reader.get(f"{API}{intake_id}/").status_code == 404


def test_intakes_typed_by_strangers_never_spend_the_founders_sign_in_links(settings):
    settings.FOUNDER_EMAILS_PER_HOUR = 2
    founder = UserFactory(email=_address("victim"))
    for _ in range(4):  # an attacker's intakes naming the founder's address
        _api_submit(founder.email)
    assert [m.subject for m in mail.outbox] == [CONFIRM_SUBJECT] * 2
    mail.outbox.clear()

    _request_link(founder.email)

    assert SIGNIN_SUBJECT in [m.subject for m in mail.outbox]


def test_an_old_confirmation_link_cannot_sign_in_to_an_existing_account(client, settings):
    founder = UserFactory(email=_address("old"))
    intake = _api_submit(founder.email)
    settings.SIGNIN_LINK_MAX_AGE = -1  # every link is older than a sign-in link may be

    response = _post(client, _confirm_path_for(intake), {"company": "new"})

    assert response.status_code == 400
    assert "older than a sign-in link" in response.content.decode()
    assert _signed_in_as(client) is None
    assert Intake.objects.get(pk=intake.pk).confirmed_at is None
    # A new address has no account to sign in to: its week-long link still works.
    newcomer = _api_submit(_address("new"))
    assert _post(Client(), _confirm_path_for(newcomer), {"company": "new"}).status_code == 302


def test_the_confirm_page_shows_the_answers_an_update_would_bring(
    client, confirmed_founder_resubmits
):
    _, resubmit = confirmed_founder_resubmits

    html = client.get(_confirm_path_for(resubmit)).content.decode()

    assert 'data-testid="confirm-answers"' in html
    assert resubmit.startup.aws_account_id in html
    assert "an update replaces your company's with these" in html


def test_an_older_resubmit_confirmed_after_an_edit_becomes_the_newest_version(
    confirmed_founder_resubmits,
):
    first, resubmit = confirmed_founder_resubmits
    startup = first.startup
    with _committed():
        services.intake_revise(
            founder=first.founder, startup_id=startup.pk, workload={"monthly_requests": 7}
        )

    confirmed = _confirm(resubmit, company=str(startup.pk))

    newest = Intake.objects.filter(startup=startup).order_by("-created_at", "-id").first()
    assert newest == confirmed
    assert startup.workloads.order_by("-created_at", "-id").first().pk == confirmed.workload_id
    assert Lead.objects.get(startup=startup).workload_id == confirmed.workload_id


def test_revising_with_answers_the_models_refuse_is_a_400_naming_them(confirmed_founder_resubmits):
    first, _ = confirmed_founder_resubmits

    with pytest.raises(InvalidInputError) as raised:
        services.intake_revise(
            founder=first.founder,
            startup_id=first.startup_id,
            workload={"cached_prefix_tokens": 10**6, "input_tokens": 10},
        )

    assert "cached_prefix_tokens" in raised.value.fields
    assert Intake.objects.filter(startup=first.startup).count() == 1


def test_intakes_never_confirmed_are_purged_once_their_link_has_died(settings):
    old = _api_submit(_address("old"))
    fresh = _api_submit(_address("fresh"))
    confirmed = _confirm(_api_submit(_address("kept")))
    long_ago = timezone.now() - dt.timedelta(seconds=settings.INTAKE_CONFIRM_MAX_AGE + 60)
    Intake.objects.filter(pk__in=[old.pk, confirmed.pk]).update(created_at=long_ago)

    assert services.intakes_unconfirmed_purge() == 1

    assert not Intake.objects.filter(pk=old.pk).exists()
    assert not Startup.objects.filter(pk=old.startup_id).exists()
    assert set(Intake.objects.values_list("pk", flat=True)) == {fresh.pk, confirmed.pk}
    assert services.intakes_unconfirmed_purge() == 0  # safe to run again
    entry = settings.CELERY_BEAT_SCHEDULE["purge-unconfirmed-intakes"]
    assert entry["task"] == "matching.purge_unconfirmed_intakes"
