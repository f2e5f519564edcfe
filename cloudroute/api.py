"""API-wide helpers: error handling (model validation errors become 400s naming the field),
the documented error responses, and throttling."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
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
    429: _detail("Too many requests; retry after the Retry-After header's seconds."),
    502: _detail("An upstream AWS service failed; nothing changed, retry."),
    503: _detail("Not configured yet; an operator must finish the setup."),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation, for `extend_schema(responses=...)`."""
    return {code: ERROR_RESPONSES[code] for code in codes}


def not_found(request, exception):
    """The 404 for a URL no route matches (`/api/v1/partner/leads/abc/`): JSON under /api/
    like every other API error, the site's HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


class LiveScopedRateThrottle(ScopedRateThrottle):
    """Per-client rate limit of a view's `throttle_scope`, with the rate read at request time
    (settings THROTTLE_*), so settings changes apply.

    A fixed-window counter: one `cache.add`, or one `cache.incr`, of a small integer per
    request. DRF's own throttle keeps the timestamp of every request in the window in one
    cache entry and reads and rewrites it whole each time, which cost about a quarter of an
    estimate request at high rates (docs/performance.md). The price of the fixed window: a
    client can fit up to twice its rate across the boundary of two windows.

    App-independent API helpers live here (this module imports no app), so every app's API
    may use them without breaking the workloads <- credits <- matching direction.
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        # Rate limits live in the cache (Redis). If it cannot be reached, let the request
        # through rather than fail it: a founder's intake matters more than a rate limit, and
        # the database, not Redis, is where the intake is kept.
        try:
            return self._count(request, view)
        except Exception:  # redis.ConnectionError, TimeoutError, ... from the cache backend
            logger.warning("throttle %s: cache unavailable, request allowed", self.scope)
            return True

    def _count(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        self.rate = self.get_rate() if self.scope else None
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{key}_{window}"
        # The window's first request creates its counter, which outlives the window a little.
        created = self.cache.add(key, 1, timeout=self.duration + 1)
        count = 1 if created else self.cache.incr(key)
        return count <= self.num_requests

    def wait(self) -> float:
        """Seconds until this client's window closes (the Retry-After of a 429)."""
        return max(0.0, self.window_ends - self.now)
