"""Writes of the API's idempotency records (api/idempotency.py keeps them while they work)."""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from ..models import IdempotencyKey

logger = logging.getLogger(__name__)

PURGE_BATCH = 1000


def idempotency_keys_purge(*, batch_size: int = PURGE_BATCH) -> int:
    """Delete the idempotency records older than settings.IDEMPOTENCY_KEY_TTL, in batches of
    `batch_size` (each its own short statement; no row is locked for long). Records are
    nobody's domain data (a request's replay, kept without its secret), so no audit entry.
    Safe to run twice or at once: a row already gone is simply not counted. Enqueues
    nothing. Returns how many were deleted."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL)
    deleted = 0
    while True:
        ids = list(
            IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            break
        count, _ = IdempotencyKey.objects.filter(pk__in=ids).delete()
        deleted += count
        if len(ids) < batch_size:
            break
    if deleted:
        logger.info("Deleted %s idempotency keys past IDEMPOTENCY_KEY_TTL", deleted)
    return deleted
