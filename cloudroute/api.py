"""API-wide helpers: error handling (model validation errors become 400s naming the field)
and throttling."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
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


class LiveScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that reads the rate at request time, so settings changes apply.

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
            return super().allow_request(request, view)
        except Exception:  # redis.ConnectionError, TimeoutError, ... from the cache backend
            logger.warning("throttle %s: cache unavailable, request allowed", self.scope)
            return True
