"""POST /api/v1/intakes/ (happy path) and GET /api/v1/intakes/{id}/ (who may read it)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.test import APIClient

from matching.models import Intake, IntakeStatus, Lead
from matching.services import intake_confirm, intake_token_hash
from matching.services.founder_emails import CONFIRM_SUBJECT
from tests.factories import IntakeFactory, UserFactory, intake_payload
from workloads.models import AuditEvent, Startup, Workload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/api/v1/intakes/"


def _submit(api_client, payload) -> dict:
    response = api_client.post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _detail_url(intake_id: int) -> str:
    return f"{URL}{intake_id}/"


def _confirm(intake_id: int) -> Intake:
    """The founder used the e-mailed link (the intake joins the account of its address)."""
    intake = Intake.objects.get(pk=intake_id)
    return intake_confirm(intake_id=intake.pk, email=intake.email)


# --- POST: the happy path ---------------------------------------------------------------


def test_it_answers_201_with_id_status_token_and_dashboard_url(api_client, payload):
    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "status", "token", "dashboard_url"}
    intake = Intake.objects.get(pk=body["id"])
    assert body["status"] == IntakeStatus.RECEIVED == intake.status
    assert len(body["token"]) >= 32
    assert body["dashboard_url"].endswith("/my/")
    assert body["dashboard_url"].startswith("http")


def test_it_stores_only_the_hash_of_the_token(api_client, payload):
    body = _submit(api_client, payload)

    intake = Intake.objects.get(pk=body["id"])
    assert intake.access_token_hash == intake_token_hash(body["token"])
    assert body["token"] not in intake.access_token_hash


def test_it_saves_the_startup_workload_and_intake_as_submitted_without_an_account(
    api_client, payload
):
    body = _submit(api_client, payload)

    intake = Intake.objects.select_related("startup", "workload").get(pk=body["id"])
    # Until the e-mailed link is used the intake keeps the typed name and address only.
    assert intake.founder is None
    assert intake.confirmed_at is None
    assert intake.email == payload["founder"]["email"]
    assert intake.founder_name == "Ada Founder"
    assert not get_user_model().objects.filter(email__iexact=payload["founder"]["email"]).exists()

    startup = intake.startup
    company = payload["company"]
    assert startup.founder is None
    assert startup.name == company["name"]
    assert startup.website == company["website"]
    assert startup.country.code == "US"
    assert startup.state == "Washington"  # the API takes the code, stores the name
    assert startup.postal_code == "98101"
    assert startup.industry == "Software and Internet"
    assert startup.founded_on == dt.date(2023, 5, 10)
    assert startup.stage == "seed"
    assert startup.prior_activate_credits == Decimal("0.00")
    assert startup.aws_account_id == "210987654321"
    assert startup.aws_paid_plan is True
    assert startup.uses_china_regions is False

    workload = intake.workload
    assert workload.startup == startup
    assert workload.use_case == "classification"
    assert workload.description == payload["workload"]["description"]
    assert workload.region == "us-west-2"
    assert workload.monthly_requests == 400_000
    assert workload.monthly_growth == pytest.approx(0.04)
    assert workload.input_tokens == 1800
    assert workload.cached_prefix_tokens == 1200
    assert workload.output_tokens == 60
    assert workload.cache_hit_rate == pytest.approx(0.9)
    assert workload.batch_share == pytest.approx(0.5)
    assert workload.baseline_tier == "opus"

    # Confirming makes the account from what was typed: links only, no password, no staff.
    founder = _confirm(intake.pk).founder
    assert founder.email == payload["founder"]["email"]
    assert founder.full_name == "Ada Founder"
    assert not founder.has_usable_password()
    assert not founder.is_staff
    startup.refresh_from_db()
    assert startup.founder == founder


def test_it_maps_the_escalation_object_to_the_two_model_fields(api_client, payload):
    payload["workload"]["escalation"] = {"sonnet": 0.3, "opus": 0.12}

    body = _submit(api_client, payload)

    workload = Intake.objects.get(pk=body["id"]).workload
    assert workload.escalation_sonnet == pytest.approx(0.3)
    assert workload.escalation_opus == pytest.approx(0.12)
    assert workload.escalation == {"sonnet": pytest.approx(0.3), "opus": pytest.approx(0.12)}


def test_it_defaults_a_missing_escalation_to_all_haiku(api_client, payload):
    del payload["workload"]["escalation"]

    body = _submit(api_client, payload)

    workload = Intake.objects.get(pk=body["id"]).workload
    assert (workload.escalation_sonnet, workload.escalation_opus) == (0.0, 0.0)
    assert workload.haiku_share == 1.0


def test_it_creates_exactly_one_row_of_each_kind(api_client, payload):
    before = (Startup.objects.count(), Workload.objects.count(), Intake.objects.count())

    _submit(api_client, payload)

    after = (Startup.objects.count(), Workload.objects.count(), Intake.objects.count())
    assert after == tuple(n + 1 for n in before)
    # No account yet: it is made when the founder confirms.
    assert not get_user_model().objects.filter(email=payload["founder"]["email"]).exists()


def test_it_writes_an_intake_submitted_audit_event(api_client, payload):
    body = _submit(api_client, payload)

    intake = Intake.objects.get(pk=body["id"])
    event = AuditEvent.objects.get(action="intake.submitted")
    assert event.actor is None  # nobody is signed in and no account is read
    assert event.subject == intake
    assert event.object_id == str(intake.pk)
    # Whether the address has an account is not known (nor recorded) at submit time.
    assert event.data == {"startup": intake.startup_id, "workload": intake.workload_id}


def test_it_reuses_the_account_of_a_returning_founder_whatever_the_email_case(api_client):
    existing = UserFactory(email="returning@example.com", full_name="Rita Returning")
    password_hash = existing.password

    body = _submit(api_client, intake_payload(email="Returning@EXAMPLE.com"))

    # Before confirmation the account is untouched: nothing attached, nothing renamed.
    intake = Intake.objects.get(pk=body["id"])
    assert intake.founder is None
    assert intake.email == "returning@example.com"
    assert not Startup.objects.filter(founder=existing).exists()
    existing.refresh_from_db()
    assert (existing.full_name, existing.password) == ("Rita Returning", password_hash)

    confirmed = _confirm(intake.pk)

    assert confirmed.founder == existing
    assert Startup.objects.get(founder=existing) == confirmed.startup
    assert get_user_model().objects.filter(email__iexact="returning@example.com").count() == 1
    existing.refresh_from_db()
    assert existing.full_name == "Rita Returning"  # an intake never renames an account
    assert existing.check_password("correct horse battery staple")


def test_the_request_publishes_one_task_whose_first_claim_sends_the_link(
    api_client, payload, django_capture_on_commit_callbacks
):
    """One broker publish on the founder's request (issue 19): the e-mail is the worker's."""
    from unittest import mock

    from matching import tasks
    from matching.services import intake_process

    with (
        mock.patch.object(tasks.process_intake, "delay") as process,
        mock.patch.object(tasks.email_intake_confirmation, "delay") as email,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            body = _submit(api_client, payload)
        process.assert_called_once_with(body["id"])
        email.assert_not_called()

        with django_capture_on_commit_callbacks(execute=True):
            intake_process(intake_id=body["id"], task_id="first")
        email.assert_called_once_with(body["id"])
        # Back for its checks (a new version, a released claim): no second link.
        Intake.objects.filter(pk=body["id"]).update(status=IntakeStatus.RECEIVED)
        with django_capture_on_commit_callbacks(execute=True):
            intake_process(intake_id=body["id"], task_id="second")
        email.assert_called_once_with(body["id"])
    assert Intake.objects.get(pk=body["id"]).attempts == 2


def test_an_intake_the_broker_never_got_gets_its_link_from_the_sweep(
    api_client, payload, django_capture_on_commit_callbacks
):
    from matching.services import intakes_stuck_requeue

    with django_capture_on_commit_callbacks(execute=False):  # the publish is lost
        body = _submit(api_client, payload)
    Intake.objects.filter(pk=body["id"]).update(updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        assert intakes_stuck_requeue() == [body["id"]]

    assert [message.to for message in mail.outbox] == [[payload["founder"]["email"].lower()]]


def test_it_processes_the_intake_and_emails_one_confirmation_link_after_commit(
    api_client, payload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        body = _submit(api_client, payload)

    # process_intake, then the e-mail its first claim enqueues; no routing (nor its e-mails)
    # before the founder confirms.
    assert len(callbacks) == 2
    intake = Intake.objects.get(pk=body["id"])
    assert intake.status == IntakeStatus.READY
    assert intake.attempts == 1
    assert intake.processed_at is not None
    assert AuditEvent.objects.filter(action="intake.processed", object_id=str(intake.pk)).exists()
    assert not Lead.objects.filter(startup_id=intake.startup_id).exists()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [payload["founder"]["email"]]
    assert message.subject == CONFIRM_SUBJECT
    assert "Acme Analytics" not in message.subject  # nothing anyone typed in a subject
    assert re.search(r"https?://\S+/confirm/[^/\s]+/", message.body)
    assert "/signin/" not in message.body


def test_it_does_nothing_in_the_background_before_the_transaction_commits(api_client, payload):
    body = _submit(api_client, payload)

    assert Intake.objects.get(pk=body["id"]).status == IntakeStatus.RECEIVED
    assert mail.outbox == []


# --- GET: reading one intake --------------------------------------------------------------


@pytest.fixture
def submitted(api_client, payload) -> dict:
    """An intake made through the API: its id and its token."""
    return _submit(api_client, payload)


def test_it_returns_the_intake_to_the_holder_of_its_token(submitted, payload):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {submitted['token']}")

    response = client.get(_detail_url(submitted["id"]))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == submitted["id"]
    assert body["status"] == "received"
    assert body["processed_at"] is None
    assert body["company"] == {
        "name": "Acme Analytics",
        "country": "US",
        "stage": "seed",
        "industry": "Software and Internet",
    }
    assert body["workload"]["use_case"] == "classification"
    assert body["workload"]["region"] == "us-west-2"
    assert body["workload"]["monthly_requests"] == 400_000
    assert body["workload"]["input_tokens"] == 1800
    assert body["workload"]["cached_prefix_tokens"] == 1200
    assert body["workload"]["output_tokens"] == 60
    assert body["workload"]["escalation"] == {"sonnet": 0.05, "opus": 0.0}
    assert body["workload"]["baseline_tier"] == "opus"


def test_it_accepts_the_token_scheme_in_any_case(submitted):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {submitted['token']}")

    response = client.get(_detail_url(submitted["id"]))

    assert response.status_code == 200
    assert response.json()["id"] == submitted["id"]


def test_it_hides_an_intake_from_the_token_of_another_intake(api_client, submitted):
    other = _submit(api_client, intake_payload(email="other-founder@example.com"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {other['token']}")

    response = client.get(_detail_url(submitted["id"]))

    assert response.status_code == 404
    assert "Acme" not in response.content.decode()
    # ...while that token does open its own intake.
    assert client.get(_detail_url(other["id"])).status_code == 200


def test_it_answers_404_without_a_token(submitted):
    response = APIClient().get(_detail_url(submitted["id"]))

    assert response.status_code == 404
    assert "company" not in response.json()


@pytest.mark.parametrize(
    "header",
    [
        "Token not-the-token",
        "Token ",
        "Token",
        "Bearer {token}",
        "Basic {token}",
        "{token}",
        "Token {token}x",
    ],
)
def test_it_answers_404_to_a_garbage_or_misused_token(submitted, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(token=submitted["token"]))

    response = client.get(_detail_url(submitted["id"]))

    assert response.status_code == 404
    assert "company" not in response.json()


def test_it_answers_404_for_an_unknown_id(submitted):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {submitted['token']}")

    response = client.get(_detail_url(submitted["id"] + 1000))

    assert response.status_code == 404


@pytest.mark.parametrize("signed_in", [False, True])
def test_it_answers_a_missing_and_someone_elses_intake_alike(api_client, submitted, signed_in):
    # Different answers would tell a prober which ids exist.
    other = _submit(api_client, intake_payload(email="other-founder@example.com"))
    client = APIClient()
    if signed_in:
        client.force_login(_confirm(other["id"]).founder)
    else:
        client.credentials(HTTP_AUTHORIZATION=f"Token {other['token']}")
    missing_id = max(submitted["id"], other["id"]) + 1000
    assert not Intake.objects.filter(pk=missing_id).exists()

    someone_elses = client.get(_detail_url(submitted["id"]))
    missing = client.get(_detail_url(missing_id))

    assert someone_elses.status_code == missing.status_code == 404
    assert someone_elses.content == missing.content
    assert someone_elses.json() == {"detail": "No intake with this id."}


def test_it_lets_the_signed_in_founder_read_their_own_intake(submitted):
    intake = _confirm(submitted["id"])
    client = APIClient()
    client.force_login(intake.founder)

    response = client.get(_detail_url(intake.pk))

    assert response.status_code == 200
    assert response.json()["company"]["name"] == "Acme Analytics"


def test_it_hides_an_unconfirmed_intake_from_the_signed_in_owner_of_its_address(submitted):
    # Typing someone's address does not put the intake in their account (nor in their
    # reach) until the link is used.
    intake = Intake.objects.get(pk=submitted["id"])
    client = APIClient()
    client.force_login(UserFactory(email=intake.email))

    assert client.get(_detail_url(intake.pk)).status_code == 404


def test_it_hides_an_intake_from_another_signed_in_founder(submitted):
    other = IntakeFactory()
    client = APIClient()
    client.force_login(other.founder)

    response = client.get(_detail_url(submitted["id"]))

    assert response.status_code == 404
    assert "company" not in response.json()
    assert client.get(_detail_url(other.pk)).status_code == 200


def test_it_hides_an_intake_from_staff_without_the_token(submitted):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = APIClient()
    client.force_login(staff)

    assert client.get(_detail_url(submitted["id"])).status_code == 404


def test_it_reuses_an_account_whose_email_was_stored_with_capitals(api_client):
    # E.g. created by an operator in the admin, which keeps the e-mail as typed.
    existing = UserFactory(email="Mixed.Case@Example.com")

    body = _submit(api_client, intake_payload(email="mixed.case@example.com"))

    assert Intake.objects.get(pk=body["id"]).founder is None
    assert _confirm(body["id"]).founder == existing
    assert get_user_model().objects.filter(email__iexact="mixed.case@example.com").count() == 1
