"""Every request gets an id (bound to its log lines, returned in X-Request-ID) and is timed."""

import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from .logs import current_request, request_user_id
from .metrics import request_observe

logger = structlog.get_logger("cloudroute.request")

REQUEST_ID_HEADER = "X-Request-ID"
# A load balancer's or client's id is kept when it is plain: 8 to 128 letters, digits, and
# `._:-` (a uuid, a trace id). Anything else (too long, spaces, newlines: log injection) is
# replaced by a fresh uuid4.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def request_id_from(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """First in MIDDLEWARE, so redirects, lockouts and errors are covered too.

    Binds `request_id` for every log line of the request (and for the tasks it enqueues,
    cloudroute.observability.tasks), logs one `request.finished` line with the route, status,
    duration and user, observes the latency histogram, and clears the context at the end.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        request_token = current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            route = request_observe(request=request, response=response, duration=duration)
            response[REQUEST_ID_HEADER] = request_id
            _log_finished(request, response, route, duration)
            return response
        finally:
            current_request.reset(request_token)
            structlog.contextvars.clear_contextvars()


def _log_finished(
    request: HttpRequest, response: HttpResponse, route: str, duration: float
) -> None:
    logger.info(
        "request.finished",
        method=request.method,
        route=route,
        status=response.status_code,
        duration_ms=round(duration * 1000, 1),
        user_id=request_user_id(request),
    )
