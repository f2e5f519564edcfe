"""The demo logins `seed_demo` makes (password "demo", one a superuser) never open a server
running with DEBUG off: not by password, not by an earlier session, and `check --deploy`
fails while they exist."""

import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import authenticate
from django.core import checks
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from cloudroute.models import User
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

OPERATOR = "operator@cloudroute.test"


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False


def _deploy_errors() -> list[str]:
    messages = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    return [message.id for message in messages]


def test_seed_demo_marks_every_login_it_makes(seeded):
    assert set(User.objects.values_list("is_demo", flat=True)) == {True}


def test_a_demo_password_signs_in_while_debug_is_on(seeded, settings, rf):
    settings.DEBUG = True

    assert authenticate(rf.post("/"), username=OPERATOR, password="demo") is not None


def test_a_demo_login_is_refused_by_password_when_debug_is_off(seeded, rf):
    assert authenticate(rf.post("/"), username=OPERATOR, password="demo") is None


def test_the_api_hands_no_token_to_a_demo_login(seeded):
    response = APIClient().post(
        reverse("api-auth-token"), {"email": OPERATOR, "password": "demo"}, format="json"
    )

    assert response.status_code == 400, response.content


def test_a_token_a_demo_login_got_while_debug_was_on_stops_working(seeded, settings):
    settings.DEBUG = True
    api = APIClient()
    token = api.post(
        reverse("api-auth-token"), {"email": OPERATOR, "password": "demo"}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/partner/leads/").status_code == 403  # staff, not a partner
    settings.DEBUG = False

    response = api.get("/api/v1/partner/leads/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Demo logins work only while DEBUG is on."}


def test_the_admin_refuses_a_demo_login(seeded, client):
    client.post(reverse("admin:login"), {"username": OPERATOR, "password": "demo"})

    assert client.get(reverse("admin:index")).status_code == 302


def test_a_demo_session_from_before_is_dropped(seeded, client, settings):
    settings.DEBUG = True
    client.force_login(User.objects.get(email=OPERATOR))
    assert client.get(reverse("admin:index")).status_code == 200
    settings.DEBUG = False

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_real_account_still_signs_in(rf):
    UserFactory(email="olive@example.com", password="a long real passphrase")

    user = authenticate(
        rf.post("/"), username="olive@example.com", password="a long real passphrase"
    )

    assert user is not None


def test_check_deploy_fails_while_a_demo_login_exists(seeded):
    assert "cloudroute.E001" in _deploy_errors()


def test_check_deploy_passes_once_they_are_retired(seeded, rf):
    call_command("seed_demo", "--retire-logins", stdout=StringIO())

    assert "cloudroute.E001" not in _deploy_errors()
    assert authenticate(rf.post("/"), username=OPERATOR, password="demo") is None


def test_seeding_again_revives_the_retired_logins(seeded, settings, rf):
    call_command("seed_demo", "--retire-logins", stdout=StringIO())
    settings.DEBUG = True

    call_command("seed_demo", stdout=StringIO())

    assert authenticate(rf.post("/"), username=OPERATOR, password="demo") is not None


def test_the_migration_marks_logins_seeded_before_the_flag():
    migration = importlib.import_module("cloudroute.migrations.0002_demo_logins")
    old = UserFactory(email="partner@northwind.test", password="demo")
    changed = UserFactory(email="partner@bluebird.test", password="changed since")
    real = UserFactory(email="someone@example.com", password="demo")

    migration.mark_seeded_demo_logins(django_apps, None)

    flags = dict(User.objects.values_list("email", "is_demo"))
    assert flags == {old.email: True, changed.email: False, real.email: False}
