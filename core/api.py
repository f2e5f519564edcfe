"""The API's one exception handler and its documented error responses.

Every API view lets errors through: DRF's own (validation, auth, throttling), Django's model
`ValidationError` and CloudRoute's `ApplicationError` become one JSON answer each here, in the
two shapes clients know: `{"detail": "..."}` or a dict of fields to messages.
"""

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .errors import ApplicationError

logger = logging.getLogger(__name__)


RETRY_AFTER_SECONDS = 30
# PostgreSQL error codes (SQLSTATE) that mean "not reachable now": a connection exception
# (class 08), a server shutting down or starting (57P01-57P03), no connection slot left (53300).
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def database_unavailable(exc: BaseException | None) -> bool:
    """PostgreSQL cannot be reached: down, restarting, its connections exhausted, or the
    connection dropped (psycopg raises those without a SQLSTATE). A 503 the client may
    retry. Any other database error (a statement timeout, a missing table, SQLite's) is a
    bug or a load problem that must show as a 500, not as "retry in 30 seconds"."""
    if isinstance(exc, InterfaceError):  # the connection is already closed
        return True
    if not isinstance(exc, OperationalError):
        return False
    if not hasattr(exc.__cause__, "sqlstate"):  # not psycopg's (SQLite on a laptop)
        return False
    sqlstate: str | None = getattr(exc.__cause__, "sqlstate")  # noqa: B009 (typed as str)
    return sqlstate is None or sqlstate.startswith(UNAVAILABLE_SQLSTATES)


def _body_too_big() -> dict[str, str]:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return {"detail": f"The request body is larger than the {limit:,} bytes accepted."}


def _database_unavailable() -> dict[str, str]:
    return {
        "detail": "The database is unavailable; nothing was saved. "
        f"Retry in {RETRY_AFTER_SECONDS} seconds."
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: an ApplicationError answers its own status and body; a model
    ValidationError is a 400 naming its fields; an oversize body a 413; an unreachable
    database a 503 with Retry-After; the rest is DRF's."""
    if isinstance(exc, RequestDataTooBig):
        return Response(_body_too_big(), status=413)
    if database_unavailable(exc):
        logger.exception("database unavailable")
        set_rollback()
        return Response(
            _database_unavailable(), status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )
    if isinstance(exc, ApplicationError):
        logger.debug("api error %s (%s): %s", exc.code, exc.status, exc.detail)
        set_rollback()  # as DRF's own handler does (matters with ATOMIC_REQUESTS)
        return Response(exc.body(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


def _detail(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


ERROR_RESPONSES = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Invalid input: each field (or `non_field_errors`) with what would be "
        "accepted.",
    ),
    401: _detail("No token, or an unknown one."),
    403: _detail("Signed in, but not allowed to use this operation."),
    404: _detail("No such object, or not yours: the two look alike."),
    409: _detail("The object's current state does not allow this."),
    422: _detail("This Idempotency-Key was already used with a different body."),
    413: _detail("The request body is larger than the server accepts."),
    429: _detail("Too many requests; retry after the Retry-After header's seconds."),
    502: _detail("An upstream AWS service failed; nothing changed, retry."),
    503: _detail(
        "Not configured yet (an operator must finish the setup), or the database is "
        "unavailable (retry after the Retry-After header's seconds)."
    ),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation, for `extend_schema(responses=...)`."""
    return {code: ERROR_RESPONSES[code] for code in codes}


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 for a URL no route matches (`/api/v1/partner/leads/abc/`): JSON under /api/
    like every other API error, the site's HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A SuspiciousOperation outside an API view (a body read by middleware, say): JSON under
    /api/, with a 413 for an oversize body; the site's HTML page elsewhere."""
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(_body_too_big(), status=413)
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """An error no view handled (with DEBUG off): under /api/, JSON, and a 503 with
    Retry-After when the database is unreachable (a middleware's session or user read, say);
    the site's HTML page elsewhere."""
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    if database_unavailable(sys.exc_info()[1]):
        response = JsonResponse(_database_unavailable(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"detail": "Server error."}, status=500)


class CountedRows:
    """`.values()` rows to paginate, counted on a leaner queryset: Django counts a `.values()`
    queryset over every join its fields need (the partner inbox's count joined the startups
    and workloads: ~9 ms of PostgreSQL per call at 10,000 startups, docs/performance.md)."""

    def __init__(self, rows: Any, counted: Any) -> None:
        self.rows, self.counted = rows, counted

    def count(self) -> int:
        return int(self.counted.count())

    def __getitem__(self, index: Any) -> Any:
        return self.rows[index]
