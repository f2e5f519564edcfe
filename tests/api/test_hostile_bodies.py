"""Bodies an attacker sends, and a database that is gone: each is a JSON 4xx or 503 on the
API, never a 500 or an HTML page, and nothing is half-saved."""

import json
from unittest import mock

import psycopg
import pytest
from django.db import OperationalError
from django.test import RequestFactory
from rest_framework.test import APIClient

from core.api import bad_request, server_error
from core.parsers import MAX_DEPTH
from matching.models import Intake
from tests.factories import intake_payload

pytestmark = pytest.mark.django_db

POSTS = ["/api/v1/intakes/", "/api/v1/estimates/", "/api/v1/auth/token/"]
# The audit's body: 100 KB that makes the json module recurse past Python's limit.
DEEP = "[" * 50000 + "]" * 50000


def _nested(levels: int) -> object:
    value: object = "x"
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.fixture
def api():
    return APIClient(raise_request_exception=False)


@pytest.mark.parametrize("url", POSTS)
def test_a_body_nested_past_the_recursion_limit_is_a_json_400(api, url):
    response = api.post(url, data=DEEP, content_type="application/json")

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert f"at most {MAX_DEPTH} levels" in response.json()["detail"]
    assert not Intake.objects.exists()


def test_a_body_that_decodes_but_nests_past_the_limit_is_a_400(api):
    body = intake_payload()
    body["workload"]["use_case"] = _nested(MAX_DEPTH + 1)

    response = api.post(POSTS[0], data=json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert f"at most {MAX_DEPTH} levels" in response.json()["detail"]
    assert not Intake.objects.exists()


def test_nesting_at_the_limit_reaches_the_serializer(api):
    """Refused by the field (use_case is a choice), not by the parser."""
    body = intake_payload()
    body["workload"]["use_case"] = _nested(MAX_DEPTH - 2)  # the body, workload, then this

    response = api.post(POSTS[0], data=json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert "use_case" in response.json()["workload"]


@pytest.mark.parametrize("url", POSTS)
def test_a_body_over_the_upload_limit_is_a_json_413(api, url, settings):
    body = json.dumps({"note": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = api.post(url, data=body, content_type="application/json")

    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert "bytes accepted" in response.json()["detail"]
    assert not Intake.objects.exists()


# A body each operation accepts, so the request gets as far as the database.
VALID = {
    POSTS[0]: intake_payload(),
    POSTS[1]: {"monthly_requests": 1000, "input_tokens": 500, "output_tokens": 200},
    POSTS[2]: {"email": "olive@example.com", "password": "a long real passphrase"},
}


def _database_error(cause: psycopg.Error) -> OperationalError:
    """What Django raises for a psycopg error: its own class, the driver's error as cause."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


REFUSED = psycopg.OperationalError("connection to server at 127.0.0.1, port 5432 failed")


@pytest.mark.parametrize("url", POSTS)
def test_an_unreachable_database_is_a_json_503_with_retry_after(api, url):
    down = _database_error(REFUSED)
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", side_effect=down
    ):
        response = api.post(url, data=json.dumps(VALID[url]), content_type="application/json")

    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Retry-After"] == "30"
    assert "database is unavailable" in response.json()["detail"]
    assert not Intake.objects.exists()


@pytest.mark.parametrize(
    "cause",
    [psycopg.errors.AdminShutdown("terminating connection"), psycopg.errors.TooManyConnections()],
    ids=["shutdown", "no-slot"],
)
def test_a_server_going_away_counts_as_unavailable(api, cause):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=_database_error(cause),
    ):
        response = api.post(
            POSTS[2], data=json.dumps(VALID[POSTS[2]]), content_type="application/json"
        )

    assert response.status_code == 503


def test_a_statement_timeout_is_a_500_not_a_retry(api):
    """A slow query is a bug or a load problem to see, not a "retry in 30 s"."""
    timeout = _database_error(psycopg.errors.QueryCanceled("canceling statement"))
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", side_effect=timeout
    ):
        response = api.post(
            POSTS[2], data=json.dumps(VALID[POSTS[2]]), content_type="application/json"
        )

    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_the_500_handler_answers_an_api_path_in_json_and_a_lost_database_with_503():
    request = RequestFactory().get("/api/v1/partner/leads/")
    try:
        raise _database_error(psycopg.OperationalError("server closed the connection"))
    except OperationalError:
        lost = server_error(request)
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        bug = server_error(request)

    assert (lost.status_code, lost["Retry-After"]) == (503, "30")
    assert json.loads(lost.content)["detail"].startswith("The database is unavailable")
    assert (bug.status_code, json.loads(bug.content)) == (500, {"detail": "Server error."})


def test_the_error_handlers_keep_the_html_pages_outside_the_api():
    page = RequestFactory().get("/my/")
    try:
        raise _database_error(REFUSED)
    except OperationalError:
        assert server_error(page)["Content-Type"].startswith("text/html")
    assert bad_request(page, ValueError())["Content-Type"].startswith("text/html")
