"""The HTML intake form at /intake/."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils.html import escape

from founders.forms import percent_text
from matching.models import Intake, IntakeStatus, Lead
from tests.factories import INTAKE_PAYLOAD, IntakeFactory, UserFactory
from workloads.choices import USE_CASE_PRESETS, UseCase
from workloads.models import AuditEvent, Startup, Workload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


URL = "/intake/"


PERCENT_FIELDS = ("monthly_growth", "cache_hit_rate", "batch_share")


def _form_data(email: str = "form-founder@example.com", **overrides) -> dict[str, str]:
    """The POST body of a valid intake form, from the API's example payload (whose shares
    are fractions; the page takes them as percents)."""
    data: dict[str, str] = {}
    for field, value in INTAKE_PAYLOAD["company"].items():
        if isinstance(value, bool):
            if value:
                data[f"company-{field}"] = "on"
        else:
            data[f"company-{field}"] = str(value)
    workload = dict(INTAKE_PAYLOAD["workload"])
    escalation = workload.pop("escalation")
    for field, value in workload.items():
        data[f"workload-{field}"] = percent_text(value) if field in PERCENT_FIELDS else str(value)
    data["workload-escalation_sonnet"] = percent_text(escalation["sonnet"])
    data["workload-escalation_opus"] = percent_text(escalation["opus"])
    data["founder-name"] = "Frida Form"
    data["founder-email"] = email
    data.update(overrides)
    return data


def _row_counts() -> tuple[int, ...]:
    models = (get_user_model(), Startup, Workload, Intake, AuditEvent)
    return tuple(model.objects.count() for model in models)


def _confirm_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/confirm/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


# --- GET ---------------------------------------------------------------------------------


def test_it_renders_the_three_sections_with_their_help_texts(client):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "1. Your company" in html
    assert "2. Your LLM workload" in html
    assert "3. How we reach you" in html
    for name in (
        "company-name",
        "company-aws_account_id",
        "workload-use_case",
        "workload-cached_prefix_tokens",
        "workload-escalation_sonnet",
        "workload-escalation_opus",
        "founder-email",
    ):
        assert f'name="{name}"' in html, name
    assert "never changes" in html  # the cached-prefix help text
    assert "12 digits, top right of the AWS console" in html
    assert "We e-mail you a sign-in link" in html


def test_it_prefills_a_typical_workload(client):
    response = client.get(URL)

    workload_form = response.context["workload_form"]
    assert workload_form["use_case"].value() == UseCase.CLASSIFICATION
    assert workload_form["escalation_sonnet"].value() == "3"  # percent; the model has 0.03
    assert workload_form["cache_hit_rate"].value() == "80"
    assert response.context["company_form"]["country"].value() == "US"


def test_it_embeds_the_use_case_presets_as_json(client):
    response = client.get(URL)

    html = response.content.decode()
    match = re.search(
        r'<script id="use-case-presets" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "no use-case-presets script"
    presets = json.loads(match.group(1))
    assert presets == {str(key): value for key, value in USE_CASE_PRESETS.items()}
    assert set(presets) == set(UseCase.values)


# --- POST: valid -------------------------------------------------------------------------------


def test_it_creates_the_intake_and_shows_it_to_this_browser_without_signing_in(client):
    before = _row_counts()

    response = client.post(URL, _form_data())

    assert response.status_code == 302
    assert response.url == "/my/"
    # A startup, a workload, an intake and its audit event; no account until confirmed.
    users, *rest = _row_counts()
    assert (users, *rest) == (before[0], *(n + 1 for n in before[1:]))
    intake = Intake.objects.select_related("startup", "workload").get()
    assert intake.founder is None
    assert intake.confirmed_at is None
    assert intake.email == "form-founder@example.com"
    assert intake.founder_name == "Frida Form"
    assert intake.startup.name == "Acme Analytics"
    assert intake.startup.aws_account_id == "210987654321"
    assert intake.startup.aws_paid_plan is True
    assert intake.startup.uses_china_regions is False
    assert intake.workload.escalation_sonnet == pytest.approx(0.05)
    assert intake.workload.escalation_opus == 0.0
    assert intake.workload.cached_prefix_tokens == 1200
    # Nothing proves this browser owns the address: it is not signed in, it only sees the
    # intake it submitted, and the page asks the founder to open the e-mailed link.
    assert "_auth_user_id" not in client.session
    dashboard = client.get("/my/")
    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    assert "Acme Analytics" in html
    assert 'data-testid="confirm-email"' in html


def test_it_does_not_show_a_browser_what_the_owner_of_the_address_submits_later(client):
    """Taking over an address before its owner signs up: the first browser typed the
    address first, but it must never see what the real owner submits later."""
    client.post(URL, _form_data())  # an attacker, with the victim's address
    victim = Client()
    victim.post(URL, _form_data(**{"company-name": "Victim Secret Co"}))  # the owner, later

    html = client.get("/my/").content.decode()

    assert Intake.objects.filter(startup__name="Victim Secret Co").exists()
    assert "Victim Secret Co" not in html
    assert "_auth_user_id" not in client.session


def test_it_processes_the_form_intake_and_emails_a_confirmation_link_that_works(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, _form_data())

    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.READY
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["form-founder@example.com"]
    # The founder opens the link later on another device: its button confirms the intake
    # (making the account) and signs them in there.
    other_device = Client()
    path = _confirm_path(mail.outbox[0])
    assert other_device.get(path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = other_device.post(path, {"company": "new"})
    assert response.status_code == 302, response.content
    assert response.url == "/my/"
    intake.refresh_from_db()
    assert intake.is_confirmed
    assert intake.founder.email == "form-founder@example.com"
    assert intake.founder.full_name == "Frida Form"
    assert int(other_device.session["_auth_user_id"]) == intake.founder_id


@pytest.mark.django_db(transaction=True)
def test_it_emails_a_confirmation_link_that_works_once_the_intake_has_committed():
    # No test transaction around the request: on_commit work runs as it would in production,
    # as soon as the intake's own transaction commits.
    client = Client()

    client.post(URL, _form_data())

    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.READY
    assert len(mail.outbox) == 1
    other_device = Client()
    response = other_device.post(_confirm_path(mail.outbox[0]), {"company": "new"})
    assert response.status_code == 302, response.content.decode()
    intake.refresh_from_db()
    assert intake.is_confirmed
    assert int(other_device.session["_auth_user_id"]) == intake.founder_id


def test_it_shows_share_errors_in_percent(client):
    response = client.post(URL, _form_data(**{"workload-cache_hit_rate": "150"}))

    assert response.status_code == 400
    errors = response.context["workload_form"].errors["cache_hit_rate"]
    assert errors == ["Enter a percentage between 0 and 100."]
    assert escape(errors[0]) in response.content.decode()


def test_it_sends_a_signed_in_founder_to_confirm_without_the_email_round_trip(client):
    founder = UserFactory(email="known@example.com")
    client.force_login(founder)

    response = client.post(URL, _form_data(email="Known@Example.com"))

    # Signed in as the address's owner: straight to the confirm page, nothing attached yet.
    assert response.status_code == 302
    assert response.url.startswith("/confirm/")
    intake = Intake.objects.get()
    assert intake.founder is None
    assert mail.outbox == []  # the e-mail is only sent after commit; nothing ran here
    assert client.get(response.url).status_code == 200
    confirmed = client.post(response.url, {"company": "new"})
    assert confirmed.status_code == 302
    assert confirmed.url == "/my/"
    intake.refresh_from_db()
    assert intake.founder == founder


# --- POST: invalid ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company-aws_account_id", "123"),
        ("company-website", "not a url"),
        ("company-state", ""),
        ("company-founded_on", "2999-01-01"),
        ("company-stage", "series_z"),
        ("founder-email", "not-an-email"),
        ("workload-cached_prefix_tokens", "5000"),
        ("workload-escalation_sonnet", "80"),
        ("workload-cache_hit_rate", "150"),
        ("workload-monthly_growth", "600"),
        ("workload-description", "too short"),
        ("workload-input_tokens", "1000001"),
    ],
)
def test_it_rerenders_the_form_with_errors_and_saves_nothing(client, field, value):
    data = _form_data(**{field: value})
    if field == "workload-escalation_sonnet":
        data["workload-escalation_opus"] = "50"
    before = _row_counts()

    response = client.post(URL, data)

    assert response.status_code == 400
    assert _row_counts() == before
    assert "_auth_user_id" not in client.session
    prefix, name = field.split("-", 1)
    form = response.context[f"{prefix}_form"]
    assert name in form.errors, form.errors
    html = response.content.decode()
    assert 'class="errorlist' in html
    assert escape(form.errors[name][0]) in html
    # What the founder typed is still there.
    assert 'value="Acme Analytics"' in html


def test_it_reports_errors_of_every_section_at_once(client):
    data = _form_data(**{"company-aws_account_id": "abc", "founder-email": "x"})
    data["workload-batch_share"] = "-1"

    response = client.post(URL, data)

    assert response.status_code == 400
    assert "aws_account_id" in response.context["company_form"].errors
    assert "email" in response.context["founder_form"].errors
    assert "batch_share" in response.context["workload_form"].errors


def test_it_refuses_an_empty_post(client):
    response = client.post(URL, {})

    assert response.status_code == 400
    assert not Intake.objects.exists()


# --- POST: an e-mail that already has an account ----------------------------------------------


def test_it_does_not_sign_in_as_the_owner_of_an_existing_email(
    client, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="owner@example.com")
    IntakeFactory(workload__startup__founder=owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _form_data(email="Owner@Example.com"))

    # The same answer as for any address: this browser's own dashboard, not signed in.
    assert response.status_code == 302
    assert response.url == "/my/"
    assert "_auth_user_id" not in client.session
    html = client.get("/my/").content.decode()
    assert "Acme Analytics" in html  # the intake it submitted...
    assert 'data-testid="confirm-email"' in html  # ...waiting for the owner's link
    # Nothing is attached to the owner until they confirm; they get the confirmation link.
    assert Intake.objects.filter(founder=owner).count() == 1
    assert not Intake.objects.filter(founder=owner, startup__name="Acme Analytics").exists()
    intake = Intake.objects.get(startup__name="Acme Analytics")
    assert (intake.founder, intake.email) == (None, "owner@example.com")
    assert not Lead.objects.filter(startup=intake.startup).exists()
    assert [message.to for message in mail.outbox] == [["owner@example.com"]]
    assert "/confirm/" in mail.outbox[0].body
    assert "/signin/" not in mail.outbox[0].body


def test_it_does_not_hand_another_founders_account_to_a_signed_in_user(client):
    owner = UserFactory(email="owner@example.com")
    intruder = UserFactory(email="intruder@example.com")
    client.force_login(intruder)

    response = client.post(URL, _form_data(email="owner@example.com"))

    # Not the address of the signed-in user: no confirm page, the owner must use the link.
    assert response.status_code == 302
    assert response.url == "/my/"
    assert int(client.session["_auth_user_id"]) == intruder.pk
    intake = Intake.objects.get()
    assert intake.founder is None
    assert not Startup.objects.filter(founder__in=[owner, intruder]).exists()


def test_it_refuses_other_methods(client):
    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405
