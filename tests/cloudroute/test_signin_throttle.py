"""Password spraying and lockouts behind a proxy: the sign-in forms share the API's `auth`
rate per client, and django-axes keys on the client's address by the throttles' rule."""

import uuid

import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

PASSWORD = "correct horse battery staple"  # UserFactory's
SIGN_IN_FORMS = ["/login/", "/partner/login/", "/admin/login/"]


def _address() -> str:
    """A fresh address per test: the counts live in the cache (a shared Redis in CI)."""
    parts = uuid.uuid4().bytes[:3]
    return "10." + ".".join(str(part) for part in parts)


@pytest.fixture
def auth_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
        | {"auth": "3/minute"},
    }


@pytest.mark.parametrize("url", SIGN_IN_FORMS)
def test_one_password_over_many_emails_is_throttled_per_client(client, auth_rate, url):
    address = _address()
    statuses = [
        client.post(
            url,
            {"username": f"user{n}@example.com", "password": "Summer2026!"},
            REMOTE_ADDR=address,
        ).status_code
        for n in range(4)
    ]

    assert statuses[:3] == [200, 200, 200]  # the form again, with its error
    assert statuses[3] == 429


def test_the_throttled_answer_says_when_to_retry(client, auth_rate):
    address = _address()
    for n in range(3):
        client.post(
            "/login/", {"username": f"u{n}@example.com", "password": "x"}, REMOTE_ADDR=address
        )

    response = client.post(
        "/login/", {"username": "u9@example.com", "password": "x"}, REMOTE_ADDR=address
    )

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert b"Too many requests" in response.content


def test_another_client_and_reading_the_form_are_not_throttled(client, auth_rate):
    address = _address()
    for n in range(4):
        client.post(
            "/login/", {"username": f"u{n}@example.com", "password": "x"}, REMOTE_ADDR=address
        )

    assert client.get("/login/", REMOTE_ADDR=address).status_code == 200
    other = client.post(
        "/login/", {"username": "u0@example.com", "password": "x"}, REMOTE_ADDR=_address()
    )
    assert other.status_code == 200


@pytest.fixture
def behind_a_proxy(settings):
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.AXES_FAILURE_LIMIT = 3


def test_a_lockout_behind_the_proxy_locks_the_client_not_everyone(client, behind_a_proxy):
    UserFactory(email="ana@example.com")
    proxy = _address()
    attacker, ana = "203.0.113.5", "198.51.100.7"
    for _ in range(3):
        client.post(
            "/login/",
            {"username": "ana@example.com", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=attacker,
        )

    locked = client.post(
        "/login/",
        {"username": "ana@example.com", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=attacker,
    )
    signed_in = client.post(
        "/login/",
        {"username": "ana@example.com", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=ana,
    )

    assert locked.status_code == 429
    assert signed_in.status_code == 302


def test_without_proxies_a_forged_forwarded_for_changes_nothing(client, settings):
    """NUM_PROXIES=0: X-Forwarded-For is the client's to forge, so it is ignored."""
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="ana@example.com")
    address = _address()
    for n in range(3):
        client.post(
            "/login/",
            {"username": "ana@example.com", "password": "wrong"},
            REMOTE_ADDR=address,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )

    response = client.post(
        "/login/",
        {"username": "ana@example.com", "password": PASSWORD},
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert response.status_code == 429
