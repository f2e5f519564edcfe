"""API tokens: they expire after API_TOKEN_TTL, signing out revokes them, and so does
`DELETE /api/v1/auth/token/`."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PartnerFactory, PartnerMembershipFactory
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

TOKEN_URL = "/api/v1/auth/token/"
LEADS = "/api/v1/partner/leads/"
PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.fixture
def member():
    return PartnerMembershipFactory(
        partner=PartnerFactory(name="Northwind Cloud"), user__email="ana@northwind.test"
    ).user


@pytest.fixture
def other_member():
    return PartnerMembershipFactory(
        partner=PartnerFactory(name="Bluebird Partners"), user__email="bo@bluebird.test"
    ).user


def _sign_in(email: str = "ana@northwind.test", **extra) -> str:
    response = APIClient().post(
        TOKEN_URL, {"email": email, "password": PASSWORD}, format="json", **extra
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _age(token: str, seconds: float) -> None:
    Token.objects.filter(key=token).update(created=timezone.now() - dt.timedelta(seconds=seconds))


def test_it_opens_the_api_with_a_fresh_token(member, settings):
    token = _sign_in()
    _age(token, settings.API_TOKEN_TTL - 60)

    assert _with(token).get(LEADS).status_code == 200


def test_it_refuses_an_expired_token_with_a_401_saying_so(member, settings):
    token = _sign_in()
    _age(token, settings.API_TOKEN_TTL + 1)

    response = _with(token).get(LEADS)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert "POST /api/v1/auth/token/" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "Token"


def test_it_follows_the_ttl_setting(member, settings):
    token = _sign_in()
    settings.API_TOKEN_TTL = 60
    _age(token, 61)

    assert _with(token).get(LEADS).status_code == 401


def test_signing_in_again_replaces_an_expired_token(member, settings):
    expired = _sign_in()
    _age(expired, settings.API_TOKEN_TTL + 1)

    fresh = _sign_in()

    assert fresh != expired
    assert list(Token.objects.values_list("key", flat=True)) == [fresh]
    assert _with(fresh).get(LEADS).status_code == 200
    assert _with(expired).get(LEADS).status_code == 401


def test_signing_in_again_while_the_token_works_returns_the_same_one(member):
    assert _sign_in() == _sign_in()
    assert Token.objects.count() == 1


def test_a_stale_token_header_does_not_stop_signing_in(member, settings):
    expired = _sign_in()
    _age(expired, settings.API_TOKEN_TTL + 1)

    fresh = _sign_in(HTTP_AUTHORIZATION=f"Token {expired}")

    assert fresh != expired


def test_signing_out_of_the_site_revokes_the_token(member, other_member):
    token, others = _sign_in(), _sign_in("bo@bluebird.test")
    browser = Client()
    browser.force_login(member)

    assert browser.post("/logout/").status_code == 302

    assert _with(token).get(LEADS).status_code == 401
    assert not Token.objects.filter(user=member).exists()
    assert _with(others).get(LEADS).status_code == 200
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert (event.object_id, event.data) == (str(member.pk), {"reason": "logout"})


def test_signing_out_without_a_token_is_fine(member):
    browser = Client()
    browser.force_login(member)

    assert browser.post("/logout/").status_code == 302
    assert not AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_delete_revokes_the_callers_token_and_only_it(member, other_member):
    token, others = _sign_in(), _sign_in("bo@bluebird.test")
    client = _with(token)

    response = client.delete(TOKEN_URL)

    assert response.status_code == 204
    assert response.content == b""
    again = client.get(LEADS)
    assert again.status_code == 401
    assert again.json() == {"detail": "Invalid token."}
    assert client.delete(TOKEN_URL).status_code == 401
    assert _with(others).get(LEADS).status_code == 200
    assert list(Token.objects.values_list("key", flat=True)) == [others]
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert (event.actor_id, event.data) == (member.pk, {"reason": "request"})
    assert _sign_in() not in (token, others)  # signing in again issues a new one


def test_delete_needs_a_token(member):
    anonymous = APIClient().delete(TOKEN_URL)
    browser = APIClient()
    browser.force_login(member)  # a session is not a token: it has none to revoke

    assert anonymous.status_code == 401
    assert "credentials were not provided" in anonymous.json()["detail"]
    assert browser.delete(TOKEN_URL).status_code == 401


def test_delete_with_an_expired_token_is_a_401(member, settings):
    token = _sign_in()
    _age(token, settings.API_TOKEN_TTL + 1)

    response = _with(token).delete(TOKEN_URL)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_issuing_a_token_is_audited_once(member):
    _sign_in()
    _sign_in()

    assert AuditEvent.objects.filter(action="api_token.issued").count() == 1
