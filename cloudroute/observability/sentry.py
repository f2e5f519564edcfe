"""Error tracking: sentry-sdk with the Django and Celery integrations, on when SENTRY_DSN is
set. No personal data is sent (no user, cookies or bodies); each event is tagged with the request
id (and task) of the log context, so an error in Sentry leads to its log lines."""

from typing import TYPE_CHECKING, Any

import sentry_sdk
import structlog
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

if TYPE_CHECKING:
    from sentry_sdk._types import DataCollectionUserOptions, Event

# What events carry: sentry-sdk 2.75 deprecates send_default_pii for `data_collection`, and
# send_default_pii=False would still send request bodies (an intake's e-mail and name). So:
# no user, no bodies, no cookies, no SQL parameters or task arguments; headers and query
# strings without addresses and users (send_default_pii=False's list) nor secrets (Sentry's
# own denylist: authorization, token, password, ...).
_NO_PII_TERMS = ["forwarded", "-ip", "remote-", "via", "-user"]
DATA_COLLECTION: "DataCollectionUserOptions" = {
    "user_info": False,
    "http_bodies": [],
    "cookies": {"mode": "off"},
    "http_headers": {"request": {"mode": "denylist", "terms": _NO_PII_TERMS}},
    "url_query_params": {"mode": "denylist", "terms": _NO_PII_TERMS},
    "database_query_data": False,
    "queues": False,
}
# Context keys copied onto every event as tags.
TAGGED = ("request_id", "task_id", "task_name")


def event_tag(event: "Event", hint: dict[str, Any]) -> "Event":
    """before_send: the log context's ids as tags."""
    context = structlog.contextvars.get_contextvars()
    tags = event.setdefault("tags", {})
    for key in TAGGED:
        if context.get(key):
            tags.setdefault(key, str(context[key]))
    return event


def sentry_init(
    *,
    dsn: str,
    environment: str,
    release: str = "",
    traces_sample_rate: float = 0.0,
    **options: Any,
) -> bool:
    """Start Sentry if a DSN is configured; returns whether it did. `options` go to
    sentry_sdk.init as they are (tests pass a transport that never sends)."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        data_collection=DATA_COLLECTION,
        traces_sample_rate=traces_sample_rate,
        environment=environment,
        release=release or None,
        before_send=event_tag,
        **options,
    )
    return True
