"""Idempotency-Key support for POST APIs: a client's retry gets its first response.

Keys are per client (`_client`): the signed-in user, else the client's address as the
throttles see it (DRF's `get_ident`, NUM_PROXIES). Another client sending the same key and
body is another request: it gets its own response, never the first client's.

The stored response has no secret in it. A handler that hands out a secret (the intake's
access token) receives it from here: random without a key; with one, derived from a random
seed kept with the record and SECRET_KEY, so a replay re-derives the same secret and
answers exactly what the first response said, while the database alone (a dump, the admin)
holds neither the secret nor the key (only its hash). Records live IDEMPOTENCY_KEY_TTL
seconds: an older one is ignored, and deleted here or by `matching.purge_idempotency_keys`.

The handler's writes and the stored response commit together, so two racing requests
with one key produce one object: the loser's transaction rolls back on the unique
constraint and it replays the winner's response.
"""

import base64
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from matching.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _client(request: Request) -> str:
    """Who sent the request, as an HMAC: the user if signed in, else the client address (by
    the throttles' NUM_PROXIES rule). The intake API is anonymous, so there it is always the
    address: a retry from another address (a phone changing networks) is another client and
    makes a new intake rather than replaying a stranger's."""
    user = request.user
    if user is not None and user.is_authenticated:
        identity = f"user:{user.pk}"
    else:
        identity = f"address:{BaseThrottle().get_ident(request)}"
    return salted_hmac("cloudroute.idempotency.client", identity, algorithm="sha256").hexdigest()


def _secret(seed: str) -> str:
    """The secret a handler hands out for `seed`: as long as `secrets.token_urlsafe(32)`."""
    digest = salted_hmac("cloudroute.idempotency.secret", seed, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _replay(record: IdempotencyKey, fingerprint: str, redacted_field: str | None) -> Response:
    if record.request_fingerprint != fingerprint:
        return Response(
            {"detail": f"This {HEADER} was already used with a different request body."},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    body = record.response_body
    if redacted_field and record.secret_seed:
        body = {**body, redacted_field: _secret(record.secret_seed)}
    return Response(body, status=record.response_status, headers={"Idempotent-Replayed": "true"})


def _expired(record: IdempotencyKey) -> bool:
    """Past IDEMPOTENCY_KEY_TTL: ignored here, and deleted (by the request that finds it, so
    the key starts afresh even before `matching.purge_idempotency_keys` runs)."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL)
    return record.created_at < cutoff


def idempotent(
    request: Request,
    *,
    scope: str,
    handler: Callable[[str], Response],
    redacted_field: str | None = None,
) -> Response:
    """Run `handler(secret)` once per client and key; replay its response to retries.

    `redacted_field` names the field of the response that holds `secret`: it is never stored,
    and a replay puts the same secret back. A failed (non-2xx) response is not remembered.

    A new key, the common case, costs one INSERT and no lookup: the handler runs and its
    response is recorded in one transaction, and the key's unique constraint catches a key
    already used. Only then (or when the handler fails: a reused key with a different,
    invalid body is still a 422, not a 400) is the earlier record read; a key whose record
    expired is deleted and the request runs once more.
    """
    raw_key = request.headers.get(HEADER, "").strip()
    if not raw_key:
        return handler(secrets.token_urlsafe(32))
    if len(raw_key) > MAX_KEY_LENGTH:
        return Response(
            {HEADER: [f"Use at most {MAX_KEY_LENGTH} characters (a UUID is a good key)."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    fingerprint = _fingerprint(request)
    lookup = {
        "scope": scope,
        "client": _client(request),
        "key": hashlib.sha256(raw_key.encode()).hexdigest(),
    }
    seed = secrets.token_urlsafe(32) if redacted_field else ""
    try:
        with transaction.atomic():
            response = handler(_secret(seed) if seed else secrets.token_urlsafe(32))
            if 200 <= response.status_code < 300:
                body = dict(response.data)
                body.pop(redacted_field or "", None)
                IdempotencyKey.objects.create(
                    **lookup,
                    request_fingerprint=fingerprint,
                    response_status=response.status_code,
                    response_body=body,
                    secret_seed=seed,
                )
                return response
            # Failed requests are not remembered: fixing the body and retrying is fine.
            transaction.set_rollback(True)
    except (IntegrityError, APIException):
        record = IdempotencyKey.objects.filter(**lookup).first()
        if record is None:
            raise  # not the key's: the handler's own error
        if _expired(record):  # once at most: the next record of the key is a new one
            record.delete()
            return idempotent(request, scope=scope, handler=handler, redacted_field=redacted_field)
        return _replay(record, fingerprint, redacted_field)
    record = IdempotencyKey.objects.filter(**lookup).first()
    if record is None or _expired(record):
        return response
    return _replay(record, fingerprint, redacted_field)
