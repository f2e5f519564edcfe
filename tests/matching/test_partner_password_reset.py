"""A partner user resets a forgotten password (Django's auth views): the e-mailed link works
once and points at SITE_URL; founders, operators and unknown addresses get the same answer
and no e-mail; the forms share the sign-in throttle."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matching import tasks
from tests.factories import PartnerMembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

RESET = "/partner/password-reset/"
SENT = "/partner/password-reset/sent/"
NEW_PASSWORD = "a-new-and-long-passphrase-42"


@pytest.fixture
def partner_user():
    return PartnerMembershipFactory(user__email="ana@northwind.test").user


def link_in(message) -> str:
    match = re.search(r"https?://\S+/partner/password-reset/\S+/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def test_the_sign_in_page_links_to_the_reset(client):
    assert 'href="/partner/password-reset/"' in client.get("/partner/login/").text


def test_a_partner_resets_the_password_and_signs_in_with_the_new_one(
    client, partner_user, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://app.cloudroute.example"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"email": "ANA@northwind.test"})

    assert response.status_code == 302 and response["Location"] == SENT
    assert [message.to for message in mail.outbox] == [["ana@northwind.test"]]
    link = link_in(mail.outbox[0])
    assert link.startswith("https://app.cloudroute.example/partner/password-reset/")
    path = link.removeprefix("https://app.cloudroute.example")
    set_password = client.get(path)  # Django swaps the token for a session-bound URL
    assert set_password.status_code == 302
    done = client.post(
        set_password["Location"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/partner/password-reset/done/"

    signed_in = client.post(
        "/partner/login/", {"username": "ana@northwind.test", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/partner/"
    # The link worked once.
    client.logout()
    assert 'data-testid="password-reset-invalid"' in client.get(path, follow=True).text


@pytest.mark.parametrize("who", ["founder", "operator", "nobody"])
def test_anyone_else_gets_the_same_answer_and_no_email(
    client, who, django_capture_on_commit_callbacks
):
    if who == "founder":
        UserFactory(email="fay@founder.test")
    elif who == "operator":
        user = UserFactory(email="fay@founder.test", is_staff=True)
        user.set_password("operator-password-1")
        user.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"email": "fay@founder.test"})

    assert response.status_code == 302 and response["Location"] == SENT
    assert mail.outbox == []


def test_the_page_looks_nothing_up_so_it_takes_as_long_for_any_address(
    client, partner_user, monkeypatch, django_capture_on_commit_callbacks
):
    """The same queries for an account's address and a stranger's: the lookup and the
    sending happen in the task, which takes the typed address."""
    enqueued = []
    monkeypatch.setattr(tasks.email_password_reset, "delay", enqueued.append)
    queries = []
    for email in ("ana@northwind.test", "nobody@else.test"):
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            client.post(RESET, {"email": email})
        queries.append([re.sub(r"\d+", "N", q["sql"]) for q in captured.captured_queries])

    assert queries[0] == queries[1]
    assert enqueued == ["ana@northwind.test", "nobody@else.test"]
    assert mail.outbox == []


def test_a_weak_new_password_is_refused_by_field(
    client, partner_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": "ana@northwind.test"})
    path = re.sub(r"^https?://[^/]+", "", link_in(mail.outbox[0]))
    form_url = client.get(path)["Location"]

    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})

    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors


def test_the_reset_form_shares_the_sign_in_throttle(client, partner_user, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "2/min",
        },
    }
    statuses = [client.post(RESET, {"email": f"x{n}@spray.test"}).status_code for n in range(3)]

    assert statuses[-1] == 429
