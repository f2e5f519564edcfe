"""Idempotency-Key support for POST APIs: a retried request gets the first response.

The handler's writes and the stored response commit together, so two racing requests
with one key produce one object: the loser's transaction rolls back on the unique
constraint and it replays the winner's response.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from matching.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(record: IdempotencyKey, fingerprint: str) -> Response:
    if record.request_fingerprint != fingerprint:
        return Response(
            {"detail": f"This {HEADER} was already used with a different request body."},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return Response(
        record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
    )


def idempotent(request: Request, *, scope: str, handler: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return handler()
    if len(key) > MAX_KEY_LENGTH:
        return Response(
            {HEADER: [f"Use at most {MAX_KEY_LENGTH} characters (a UUID is a good key)."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    fingerprint = _fingerprint(request)
    record = IdempotencyKey.objects.filter(scope=scope, key=key).first()
    if record is not None:
        return _replay(record, fingerprint)
    try:
        with transaction.atomic():
            response = handler()
            if not 200 <= response.status_code < 300:
                # Failed requests are not remembered: fixing the body and retrying is fine.
                transaction.set_rollback(True)
                return response
            IdempotencyKey.objects.create(
                scope=scope,
                key=key,
                request_fingerprint=fingerprint,
                response_status=response.status_code,
                response_body=response.data,
            )
    except IntegrityError:
        record = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if record is None:
            raise
        return _replay(record, fingerprint)
    return response
