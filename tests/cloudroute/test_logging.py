"""Structured logs (issue 18 §3): one JSON line per record with time, level, logger, request id
and user id; the request id in X-Request-ID and in the log lines of the tasks it enqueues."""

import datetime as dt
import io
import json
import logging
import re
import uuid

import pytest
import structlog
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject
from rest_framework.authtoken.models import Token

from cloudroute.celery import app as celery_app
from cloudroute.observability import tasks as observability_tasks
from cloudroute.observability.logs import (
    add_user_id,
    current_request,
    logging_config,
    processor_formatter,
    request_user_id,
)
from tests.factories import PartnerMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# What the test task saw of the log context while it ran.
seen_contexts: list[dict] = []


@celery_app.task(name="tests.logging.context")
def context_task() -> None:
    seen_contexts.append(structlog.contextvars.get_contextvars())


@pytest.fixture(autouse=True)
def _clean_context():
    structlog.contextvars.clear_contextvars()
    seen_contexts.clear()
    yield
    structlog.contextvars.clear_contextvars()


def json_lines(fmt: str = "json"):
    """A logger writing through the production formatter into a buffer; returns both."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(processor_formatter(fmt))
    logger = logging.getLogger(f"tests.logging.{uuid.uuid4().hex[:8]}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def finished_lines(caplog) -> list[dict]:
    """The `request.finished` event dicts (structlog hands them to the stdlib as `msg`)."""
    return [
        record.msg
        for record in caplog.records
        if record.name == "cloudroute.request" and isinstance(record.msg, dict)
    ]


# --- The format --------------------------------------------------------------------------
def test_it_writes_a_stdlib_record_as_one_json_line_with_its_context():
    logger, stream = json_lines()
    structlog.contextvars.bind_contextvars(request_id="req-12345678")

    logger.info("intake %s processed in %s", 7, "0.2s")

    line = json.loads(stream.getvalue())
    assert line["event"] == "intake 7 processed in 0.2s"
    assert line["level"] == "info"
    assert line["logger"] == logger.name
    assert line["request_id"] == "req-12345678"
    timestamp = dt.datetime.fromisoformat(line["timestamp"])
    assert timestamp.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - timestamp) < dt.timedelta(minutes=1)


def test_an_exception_is_in_the_line():
    logger, stream = json_lines()

    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.exception("the estimate failed")

    line = json.loads(stream.getvalue())
    assert line["level"] == "error"
    assert "ZeroDivisionError: division by zero" in line["exception"]
    assert stream.getvalue().count("\n") == 1  # the traceback stays inside one line


def test_the_console_format_is_readable_text():
    logger, stream = json_lines("console")

    logger.warning("prices are %s days old", 31)

    assert "prices are 31 days old" in stream.getvalue()
    with pytest.raises(json.JSONDecodeError):
        json.loads(stream.getvalue())


def test_it_refuses_an_unknown_format_or_level():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        processor_formatter("xml")
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        logging_config(level="LOUD", fmt="json")


def test_djangos_own_loggers_go_through_the_formatter_once():
    config = logging_config(level="warning", fmt="json")

    assert config["root"] == {"handlers": ["console"], "level": "WARNING"}
    assert config["handlers"]["console"]["formatter"] == "structured"
    for name in ("django", "django.server"):
        assert config["loggers"][name] == {"handlers": [], "level": "WARNING", "propagate": True}
    root_formatters = [handler.formatter for handler in logging.getLogger().handlers]
    assert any(isinstance(f, structlog.stdlib.ProcessorFormatter) for f in root_formatters)


# --- The request id ----------------------------------------------------------------------
def test_a_request_gets_a_fresh_id_in_the_header_and_its_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="cloudroute.request")

    response = client.get("/healthz")

    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = finished_lines(caplog)
    assert line["request_id"] == request_id
    assert line["route"] == "healthz"
    assert line["status"] == 200
    assert line["user_id"] is None
    assert structlog.contextvars.get_contextvars() == {}  # cleared after the response


def test_a_sane_incoming_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")

    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"


@pytest.mark.parametrize(
    "incoming",
    ["short", "x" * 129, "two words here", "line\nbreak-injected", '{"json":1}'],
    ids=["too-short", "too-long", "spaces", "newline", "json"],
)
def test_an_odd_incoming_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_session_user_is_in_the_line(client, caplog):
    caplog.set_level(logging.INFO, logger="cloudroute.request")
    founder = UserFactory()
    client.force_login(founder)

    client.get("/my/")

    assert finished_lines(caplog)[-1]["user_id"] == founder.pk


def test_a_drf_token_user_is_in_the_line(api_client, caplog):
    """DRF authenticates the token inside the view, after every middleware ran."""
    caplog.set_level(logging.INFO, logger="cloudroute.request")
    member = PartnerMembershipFactory().user
    token = Token.objects.create(user=member)

    response = api_client.get("/api/v1/partner/leads/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    [line] = finished_lines(caplog)
    assert line["user_id"] == member.pk
    assert line["route"] == "api-partner-lead-list"


def test_user_id_is_added_to_any_line_once_the_request_is_authenticated():
    user = UserFactory()
    request = RequestFactory().get("/")
    request.user = user  # as DRF assigns the user it authenticated
    token = current_request.set(request)
    try:
        assert add_user_id(None, "info", {"event": "x"})["user_id"] == user.pk
    finally:
        current_request.reset(token)
    assert "user_id" not in add_user_id(None, "info", {"event": "x"})  # no request: none


def test_reading_the_user_id_never_authenticates_a_request():
    """A lazy request.user nobody evaluated stays unevaluated (no session query for logs)."""
    request = RequestFactory().get("/")

    def authenticate():
        raise AssertionError("logging authenticated the request")

    request.user = SimpleLazyObject(authenticate)

    assert request_user_id(request) is None


# --- Celery --------------------------------------------------------------------------------
def test_an_inline_task_logs_with_the_request_id_and_restores_the_context():
    structlog.contextvars.bind_contextvars(request_id="req-inline-0001")

    result = context_task.apply()

    [seen] = seen_contexts
    assert seen == {
        "request_id": "req-inline-0001",
        "task_id": result.id,
        "task_name": "tests.logging.context",
    }
    assert structlog.contextvars.get_contextvars() == {"request_id": "req-inline-0001"}


def test_the_request_id_travels_in_the_message_to_the_worker():
    """Published from a request, run as a worker runs a message: the id comes from the
    message's headers, not from the (here cleared) context of the publisher."""
    from celery.worker.request import Request

    queue = f"tests-logging-{uuid.uuid4().hex[:8]}"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write("memory://") as connection:
            structlog.contextvars.bind_contextvars(request_id="req-published-01")
            context_task.apply_async(connection=connection, queue=queue)
            structlog.contextvars.clear_contextvars()
            message = connection.SimpleQueue(queue).get(timeout=5)
            assert message.headers[observability_tasks.REQUEST_ID_HEADER] == "req-published-01"

            Request(message, app=celery_app, task=context_task).execute()
    finally:
        celery_app.conf.task_always_eager = eager

    [seen] = seen_contexts
    assert seen["request_id"] == "req-published-01"
    assert seen["task_name"] == "tests.logging.context"
    assert structlog.contextvars.get_contextvars() == {}


def test_a_task_published_outside_a_request_carries_no_id():
    headers: dict = {}

    observability_tasks.request_id_publish(headers=headers)

    assert headers == {}


def test_the_publishing_users_id_travels_with_the_request_id():
    """A task a signed-in partner's request enqueued logs as that user, in the worker too."""
    user = UserFactory()
    request = RequestFactory().get("/")
    request.user = user
    token = current_request.set(request)
    headers: dict = {}
    try:
        structlog.contextvars.bind_contextvars(request_id="req-with-user-01")
        observability_tasks.request_id_publish(headers=headers)
    finally:
        current_request.reset(token)
        structlog.contextvars.clear_contextvars()

    assert headers == {
        observability_tasks.REQUEST_ID_HEADER: "req-with-user-01",
        observability_tasks.USER_ID_HEADER: user.pk,
    }


def test_a_worker_binds_the_user_id_from_the_message():
    from types import SimpleNamespace

    task = SimpleNamespace(
        name="tests.logging.context",
        request=SimpleNamespace(
            **{
                observability_tasks.REQUEST_ID_HEADER: "req-with-user-01",
                observability_tasks.USER_ID_HEADER: 42,
            }
        ),
    )

    observability_tasks.task_context_bind(task_id="t-1", task=task)
    try:
        assert structlog.contextvars.get_contextvars()["user_id"] == 42
    finally:
        observability_tasks.task_context_restore()
