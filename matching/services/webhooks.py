"""Webhooks into a firm's CRM (docs/webhooks.md): the endpoints its admins register, the events
recorded for them, and their delivery.

An event is recorded in the transaction of the change it reports (a lead offered, accepted or
expired) or by a task the change enqueued (an application's move, credits issued): one
`WebhookDelivery` per endpoint of *that* firm subscribed to the event, its body frozen then.
So a rolled-back change sends nothing, recording twice makes one delivery, and no other firm's
endpoint can receive it. Delivery is a Celery task per try (`matching.deliver_webhook`); a
failed try is due again after a backoff, and the beat task `matching.retry_webhooks` enqueues
what is due. Bodies come from `matching.lead_shapes`, so a lead's contact is in them only once
the firm accepted it.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import outbound
from core.errors import ForbiddenError, InvalidInputError, NotFoundError
from credits.models import ApplicationEvent, CreditApplication
from workloads.audit import audit_log

from ..lead_shapes import datetime_str, lead_summary
from ..models import (
    Lead,
    LeadStatus,
    Partner,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from ..tasks import deliver_webhook as deliver_webhook_task
from .partner_profile import partner_is_admin

logger = logging.getLogger(__name__)

ADMINS_ONLY = "Only your firm's admins manage its webhooks."
MAX_ENDPOINTS = 10
# The wait after the nth failed try; after the last one the delivery is given up (8 tries
# over about 45 hours).
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Longer than a try can take (outbound's timeouts), so two workers never send one delivery
# at once; a worker that dies mid-try lets the claim lapse.
CLAIM = timedelta(seconds=60)
ROTATION_GRACE = timedelta(hours=24)
USER_AGENT = "CloudRoute-Webhooks/1.0"


class WebhookInputError(InvalidInputError):
    """The URL or the events are not acceptable (400, naming the field; nothing saved)."""


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature_header(*, signing_secrets: list[str], timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex>`: HMAC-SHA256 over `<timestamp>.<body>`, one v1 per secret (two for
    a day after a rotation, so a receiver can switch secrets without losing events)."""
    signed = f"{timestamp}.".encode() + body
    parts = [f"t={timestamp}"]
    for secret in signing_secrets:
        parts.append("v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest())
    return ",".join(parts)


def _checked_url(url) -> str:
    if not isinstance(url, str) or not url.strip():
        raise WebhookInputError(fields={"url": ["Give the https:// URL of your receiver."]})
    try:
        outbound.destination_check(url.strip(), allow_loopback=settings.DEBUG)
    except outbound.UnsafeDestinationError as exc:
        raise WebhookInputError(fields={"url": [str(exc)]}) from exc
    return url.strip()


def _checked_events(events) -> list[str]:
    accepted = ", ".join(WebhookEvent.values)
    if not isinstance(events, list) or not events:
        raise WebhookInputError(fields={"events": [f"Give a list of one or more of: {accepted}."]})
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown:
        raise WebhookInputError(
            fields={"events": [f"Unknown event {unknown[0]!r}; use any of: {accepted}."]}
        )
    return list(dict.fromkeys(events))


def _require_admin(*, partner: Partner, actor) -> None:
    if not partner_is_admin(partner=partner, user=actor):
        raise ForbiddenError(ADMINS_ONLY)


def _locked_endpoint(*, partner: Partner, webhook_id: int) -> WebhookEndpoint:
    endpoint = (
        WebhookEndpoint.objects.select_for_update().filter(pk=webhook_id, partner=partner).first()
    )
    if endpoint is None:
        raise NotFoundError("No webhook with this id.")
    return endpoint


def webhook_create(*, partner: Partner, actor, url, events) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the firm and return it with its signing secret (shown once).
    Admins only (ForbiddenError). The URL is checked after DNS resolution (core.outbound);
    WebhookInputError names the field. Locks the firm's row, so two creations cannot pass
    the limit of MAX_ENDPOINTS together."""
    _require_admin(partner=partner, actor=actor)
    checked_url, checked_events = _checked_url(url), _checked_events(events)
    with transaction.atomic():
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        if WebhookEndpoint.objects.filter(partner=partner).count() >= MAX_ENDPOINTS:
            raise WebhookInputError(
                fields={"url": [f"A firm has at most {MAX_ENDPOINTS} webhooks; delete one first."]}
            )
        secret = _new_secret()
        endpoint = WebhookEndpoint.objects.create(
            partner=partner, url=checked_url, events=checked_events, secret=secret, created_by=actor
        )
        audit_log(
            actor=actor,
            action="webhook.created",
            subject=endpoint,
            data={"url": checked_url, "events": checked_events},
        )
    return endpoint, secret


def webhook_rotate(*, partner: Partner, actor, webhook_id: int) -> tuple[WebhookEndpoint, str]:
    """A new signing secret (returned once); the old one keeps signing, as a second v1, for
    ROTATION_GRACE. Admins only; another firm's webhook is a NotFoundError."""
    _require_admin(partner=partner, actor=actor)
    with transaction.atomic():
        endpoint = _locked_endpoint(partner=partner, webhook_id=webhook_id)
        now = timezone.now()
        secret = _new_secret()
        endpoint.previous_secret, endpoint.previous_secret_until = (
            endpoint.secret,
            now + ROTATION_GRACE,
        )
        endpoint.secret, endpoint.rotated_at = secret, now
        endpoint.save(
            update_fields=["secret", "previous_secret", "previous_secret_until", "rotated_at"]
        )
        audit_log(actor=actor, action="webhook.rotated", subject=endpoint, data={})
    return endpoint, secret


def webhook_delete(*, partner: Partner, actor, webhook_id: int) -> None:
    """Delete the endpoint and its deliveries (pending ones are not sent). Admins only."""
    _require_admin(partner=partner, actor=actor)
    with transaction.atomic():
        endpoint = _locked_endpoint(partner=partner, webhook_id=webhook_id)
        audit_log(
            actor=actor,
            action="webhook.deleted",
            subject=endpoint.partner,
            data={"webhook": endpoint.pk, "url": endpoint.url},
        )
        endpoint.delete()


# --- Recording events ---------------------------------------------------------------


def webhook_event_record(
    *, partner_id: int, event_type: str, key: str, data: Callable[[], dict]
) -> list[int]:
    """Record the event for each of the firm's endpoints subscribed to it (one query when
    none is) and enqueue their first try on commit. `key` names what happened, so recording
    it twice makes no second delivery; `data` is called only when some endpoint listens."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(partner_id=partner_id).only("id", "events")
        if event_type in endpoint.events
    ]
    if not endpoints:
        return []
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": event_type,
        "created_at": datetime_str(now),
        "data": data(),
    }
    created: list[int] = []
    for endpoint in endpoints:
        delivery, made = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            event_key=key,
            defaults={
                "event_id": event_id,
                "event_type": event_type,
                "payload": payload,
                "next_attempt_at": now,
            },
        )
        if made:
            created.append(delivery.pk)

    def enqueue(ids: list[int] = created) -> None:
        for delivery_id in ids:
            deliver_webhook_task.delay(delivery_id)

    transaction.on_commit(enqueue, robust=True)
    return created


def lead_event_record(*, lead: Lead, event_type: str) -> None:
    """`lead.offered`, `lead.accepted` or `lead.expired` for the lead's firm, in the caller's
    transaction (after the lead's new status is saved)."""
    webhook_event_record(
        partner_id=lead.partner_id,
        event_type=event_type,
        key=f"lead:{lead.pk}:{event_type}",
        data=lambda: {"lead": lead_summary(lead)},
    )


def _application_data(application: CreditApplication, lead_id: int) -> dict:
    return {
        "id": application.pk,
        "lead_id": lead_id,
        "program": application.program.code,
        "status": application.status,
        "requested_amount": str(application.requested_amount),
        "approved_amount": None
        if application.approved_amount is None
        else str(application.approved_amount),
        "ace_opportunity_id": application.ace_opportunity_id,
    }


def _record_for_accepting_firm(
    application: CreditApplication, *, event_type: str, key: str, data: Callable[[int], dict]
) -> list[int]:
    """Record an application's event for the firm whose accepted lead the startup has (none:
    nothing); `data` is given that lead's id."""
    accepted = (
        Lead.objects.filter(startup_id=application.startup_id, status=LeadStatus.ACCEPTED)
        .values_list("id", "partner_id")
        .first()
    )
    if accepted is None:
        return []
    lead_id, partner_id = accepted
    with transaction.atomic():
        return webhook_event_record(
            partner_id=partner_id, event_type=event_type, key=key, data=lambda: data(lead_id)
        )


def application_event_webhooks_record(*, event_id: int) -> list[int]:
    """`application.status_changed` for the firm whose accepted lead the application belongs
    to (none: nothing). Idempotent by the ApplicationEvent's id."""
    event = (
        ApplicationEvent.objects.select_related("application__program").filter(pk=event_id).first()
    )
    if event is None or not event.from_status or event.from_status == event.to_status:
        return []
    application = event.application
    return _record_for_accepting_firm(
        application,
        event_type=WebhookEvent.APPLICATION_STATUS_CHANGED,
        key=f"application-event:{event.pk}",
        data=lambda lead_id: {
            "application": _application_data(application, lead_id),
            "change": {
                "from": event.from_status,
                "to": event.to_status,
                "at": datetime_str(event.created_at),
            },
        },
    )


def credits_issued_webhooks_record(*, application_id: int) -> list[int]:
    """`credits.issued` for the firm whose accepted lead the application belongs to, once
    per application."""
    application = (
        CreditApplication.objects.select_related("program", "grant")
        .filter(pk=application_id)
        .first()
    )
    grant = getattr(application, "grant", None) if application else None
    if application is None or grant is None:
        return []
    return _record_for_accepting_firm(
        application,
        event_type=WebhookEvent.CREDITS_ISSUED,
        key=f"credits-issued:{application.pk}",
        data=lambda lead_id: {
            "application": _application_data(application, lead_id),
            "credits": {
                "amount": str(grant.amount),
                "issued_on": grant.issued_on.isoformat(),
                "expires_on": grant.expires_on.isoformat(),
            },
        },
    )


# --- Delivering ---------------------------------------------------------------------


def _claimable(now):
    return Q(next_attempt_at__lte=now) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def _signing_secrets(endpoint: WebhookEndpoint, now) -> list[str]:
    keep_old = (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and (endpoint.previous_secret_until > now)
    )
    return [endpoint.secret, endpoint.previous_secret] if keep_old else [endpoint.secret]


def _send(delivery: WebhookDelivery, now) -> tuple[int | None, str]:
    """One try: (HTTP status or None, the error to show the firm, '' on success)."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    try:
        destination = outbound.destination_check(endpoint.url, allow_loopback=settings.DEBUG)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "CloudRoute-Event": delivery.event_type,
            "CloudRoute-Delivery": str(delivery.event_id),
            "CloudRoute-Signature": signature_header(
                signing_secrets=_signing_secrets(endpoint, now),
                timestamp=int(time.time()),
                body=body,
            ),
        }
        answer = outbound.post(destination, body=body, headers=headers)
    except outbound.UnsafeDestinationError as exc:
        return None, f"Not sent: {exc}"
    except urllib3.exceptions.HTTPError as exc:
        logger.info("webhook delivery %s failed to connect: %r", delivery.pk, exc)
        # urllib3's NewConnectionError (refused, unreachable) subclasses its timeout error.
        timed_out = isinstance(exc, urllib3.exceptions.TimeoutError) and not isinstance(
            exc, urllib3.exceptions.NewConnectionError
        )
        return None, "The connection timed out." if timed_out else "The connection failed."
    if 200 <= answer.status < 300:
        return answer.status, ""
    return answer.status, f"HTTP {answer.status}: {answer.body_peek}".strip()


def webhook_deliver(*, delivery_id: int) -> str:
    """Try the delivery once, if it is due and no other worker holds it: POST the frozen body,
    signed. A 2xx marks it delivered; anything else (or no answer) keeps the status and the
    error and makes it due again after the next BACKOFF step, or gives it up after
    MAX_ATTEMPTS. The request runs outside any transaction, under a claim (CLAIM) taken and
    released with single-row updates. Returns the delivery's state, or "skipped"."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(_claimable(now), pk=delivery_id).update(
        claimed_until=now + CLAIM
    )
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # its endpoint was deleted meanwhile
        return "skipped"
    status, error = _send(delivery, now)
    done_at = timezone.now()
    attempts = delivery.attempts + 1
    changes: dict = {
        "attempts": attempts,
        "last_attempt_at": done_at,
        "last_status_code": status,
        "last_error": error[:500],
        "claimed_until": None,
        "next_attempt_at": None,
    }
    if not error:
        changes["delivered_at"] = done_at
    elif attempts >= MAX_ATTEMPTS:
        changes["failed_at"] = done_at
    else:
        changes["next_attempt_at"] = done_at + BACKOFF[attempts - 1]
    WebhookDelivery.objects.filter(pk=delivery_id).update(**changes)
    for name, value in changes.items():
        setattr(delivery, name, value)
    return delivery.state


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    """Enqueue a try for each delivery that is due and not held (the beat task, every
    minute): retries after their backoff, and first tries whose enqueue was lost."""
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.filter(_claimable(now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        deliver_webhook_task.delay(delivery_id)
    return due
