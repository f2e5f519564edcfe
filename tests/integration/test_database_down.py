"""PostgreSQL unreachable, on the real server (gunicorn, DEBUG off): every API route answers
a JSON 503 with Retry-After, never Django's HTML "Server Error (500)"; pages keep their HTML
error page; the readiness probe says 503."""

import json

import pytest
import requests

from tests.factories import intake_payload

from .conftest import PrivateRedis, free_port, running_app_server

pytestmark = pytest.mark.integration


@pytest.fixture
def server_without_database(private_redis: PrivateRedis):
    # Nothing listens on a fresh free port: every connection is refused, as when PostgreSQL
    # is down or restarting.
    dead = f"postgres://postgres@127.0.0.1:{free_port()}/cloudroute"
    with running_app_server(redis_url=private_redis.url, database_url=dead) as server:
        yield server


def _assert_json_503(response: requests.Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Retry-After"] == "30"
    assert "database is unavailable" in response.json()["detail"]


def test_every_kind_of_api_request_is_a_json_503(server_without_database):
    base = server_without_database.base_url
    intake = requests.post(
        f"{base}/api/v1/intakes/",
        data=json.dumps(intake_payload()),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    token = requests.post(
        f"{base}/api/v1/auth/token/",
        json={"email": "ana@example.com", "password": "a long real passphrase"},
        timeout=30,
    )
    leads = requests.get(
        f"{base}/api/v1/partner/leads/",
        headers={"Authorization": "Token 0123456789abcdef0123456789abcdef01234567"},
        timeout=30,
    )
    for response in (intake, token, leads):
        _assert_json_503(response)


def test_pages_keep_their_html_error_and_the_probe_says_503(server_without_database):
    base = server_without_database.base_url

    page = requests.get(f"{base}/my/", cookies={"sessionid": "x" * 32}, timeout=30)
    probe = requests.get(f"{base}/healthz/db", timeout=30)

    assert page.status_code == 500
    assert page.headers["Content-Type"].startswith("text/html")
    assert probe.status_code == 503
