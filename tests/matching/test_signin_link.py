"""Sign-in links (matching/signin.py): signed, expiring, single use. A GET of the link shows a
"Sign in" button and spends nothing (mail scanners follow links); the button's POST signs in."""

import time
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from matching.signin import SALT, signin_token_make, signin_token_user, signin_url
from tests.factories import PartnerMembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


@pytest.fixture
def founder():
    return UserFactory(email="link@example.com", full_name="Lina Link")


def _path(user) -> str:
    return urlsplit(signin_url(user=user)).path


def _is_signed_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_it_builds_an_absolute_url_on_the_site(founder, settings):
    settings.SITE_URL = "https://cloudroute.example/"

    url = signin_url(user=founder)

    assert url.startswith("https://cloudroute.example/signin/")
    assert url.endswith("/")
    assert "//signin" not in url


def test_it_shows_a_sign_in_button_and_signs_in_only_on_its_post(client, founder):
    path = _path(founder)

    page = client.get(path)

    assert page.status_code == 200
    assert 'data-testid="signin-button"' in page.content.decode()
    assert not _is_signed_in_as(client, founder)

    response = client.post(path)

    assert response.status_code == 302
    assert response.url == "/my/"
    assert _is_signed_in_as(client, founder)
    founder.refresh_from_db()
    assert founder.last_login is not None
    assert client.get("/my/").status_code == 200


def test_a_get_never_spends_the_link(client, founder):
    path = _path(founder)

    assert Client().get(path).status_code == 200  # e.g. a mail scanner
    assert Client().get(path).status_code == 200
    founder.refresh_from_db()
    assert founder.last_login is None

    assert client.post(path).status_code == 302
    assert _is_signed_in_as(client, founder)


def test_it_works_only_once(client, founder):
    path = _path(founder)
    assert client.post(path).status_code == 302

    other_browser = Client()  # whoever finds the link later, e.g. in a forwarded e-mail
    response = other_browser.post(path)

    assert response.status_code == 400
    assert "no longer works" in response.content.decode()
    assert "_auth_user_id" not in other_browser.session
    assert other_browser.get(path).status_code == 400


def test_it_refuses_a_used_link_even_in_the_same_browser(client, founder):
    path = _path(founder)
    client.post(path)
    client.logout()

    response = client.post(path)

    assert response.status_code == 400
    assert not _is_signed_in_as(client, founder)


def test_it_refuses_a_link_older_than_the_maximum_age(client, founder, settings):
    path = _path(founder)
    settings.SIGNIN_LINK_MAX_AGE = -1  # every link is already too old

    response = client.post(path)

    assert response.status_code == 400
    assert "no longer works" in response.content.decode()
    assert client.get(path).status_code == 400
    assert not _is_signed_in_as(client, founder)


def test_it_refuses_a_link_once_its_time_has_passed(client, founder, settings, monkeypatch):
    settings.SIGNIN_LINK_MAX_AGE = 60
    path = _path(founder)
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 61)

    response = client.post(path)

    assert response.status_code == 400
    assert not _is_signed_in_as(client, founder)


def test_it_accepts_a_link_within_the_maximum_age(client, founder, settings, monkeypatch):
    settings.SIGNIN_LINK_MAX_AGE = 60
    path = _path(founder)
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 50)

    response = client.post(path)

    assert response.status_code == 302
    assert _is_signed_in_as(client, founder)


def test_it_refuses_a_tampered_link(client, founder):
    token = signin_token_make(user=founder)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    response = client.get(f"/signin/{tampered}/")

    assert response.status_code == 400
    assert not _is_signed_in_as(client, founder)


def test_it_refuses_a_link_forged_for_another_user(client, founder):
    victim = UserFactory(email="victim@example.com")
    unsigned, _, _ = signin_token_make(user=founder).rpartition(":")  # signature cut off
    forged = signing.dumps({"u": victim.pk, "l": ""}, salt="another-salt", compress=True)

    assert client.get(f"/signin/{forged}/").status_code == 400
    assert client.get(f"/signin/{unsigned}/").status_code == 400
    assert client.post(f"/signin/{forged}/").status_code == 400
    assert client.post(f"/signin/{unsigned}/").status_code == 400
    assert not _is_signed_in_as(client, victim)


@pytest.mark.parametrize("token", ["garbage", "a:b:c", "x" * 300])
def test_it_refuses_garbage(client, token):
    response = client.get(f"/signin/{token}/")

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_link_of_a_deactivated_user(client, founder):
    path = _path(founder)
    founder.is_active = False
    founder.save()

    assert client.get(path).status_code == 400
    assert client.post(path).status_code == 400
    assert not _is_signed_in_as(client, founder)


def test_it_refuses_a_link_of_a_deleted_user(client):
    user = UserFactory(email="gone@example.com")
    path = _path(user)
    user.delete()

    assert client.get(path).status_code == 400


def test_it_invalidates_older_links_when_the_user_signs_in(client, founder):
    old_path = _path(founder)
    client.force_login(founder)  # any sign-in (password, another link) updates last_login
    client.logout()

    assert Client().post(old_path).status_code == 400


def test_it_resolves_only_valid_tokens_to_a_user(founder):
    token = signin_token_make(user=founder)

    assert signin_token_user(token) == founder
    assert signin_token_user(token + "x") is None
    assert signin_token_user(signing.dumps({"u": founder.pk, "l": ""}, salt=SALT + "!")) is None


def test_it_refuses_other_methods(client, founder):
    path = _path(founder)

    assert client.put(path).status_code == 405
    assert client.delete(path).status_code == 405
    assert not _is_signed_in_as(client, founder)


@pytest.mark.parametrize("who", ["staff", "partner"])
def test_it_refuses_links_for_staff_and_partner_users(client, who):
    # Links are for founders; an intake naming an operator's or a partner's address must
    # not become a passwordless way into their account.
    if who == "staff":
        user = UserFactory(email="ops@example.com", is_staff=True)
    else:
        user = PartnerMembershipFactory(user=UserFactory(email="p@example.com")).user

    response = client.post(_path(user))

    assert signin_token_user(signin_token_make(user=user)) is None
    assert response.status_code == 400
    assert client.get(_path(user)).status_code == 400
    assert not _is_signed_in_as(client, user)
