"""GET /healthz: the database and the broker, for load balancers and `docker compose`."""

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

URL = "/healthz"


def test_it_is_healthy_with_the_database_and_no_broker(client, settings):
    settings.REDIS_URL = ""

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "inline"}


def test_it_is_degraded_when_the_broker_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.REDIS_SOCKET_TIMEOUT = 0.5

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "down"}


def test_it_is_degraded_when_the_broker_url_is_malformed(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:notaport/0"
    settings.REDIS_SOCKET_TIMEOUT = 0.5

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_it_is_degraded_when_the_database_fails(client, settings, monkeypatch):
    settings.REDIS_URL = ""

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(URL)

    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "down", "broker": "inline"}


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL)")
def test_it_pings_the_real_broker(client, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_it_is_never_cached(client, settings):
    settings.REDIS_URL = ""

    response = client.get(URL)

    assert "no-cache" in response.headers["Cache-Control"]
    assert "max-age=0" in response.headers["Cache-Control"]


def test_it_answers_get_only(client):
    assert client.post(URL).status_code == 405


def test_it_is_not_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.REDIS_URL = ""

    response = client.get(URL)

    assert response.status_code == 200
