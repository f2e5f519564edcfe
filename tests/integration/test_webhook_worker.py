"""Webhook deliveries on the real topology: the event recorded in the test process, the
signed POST made by a `celery worker` process (DEBUG on there, so it may call the receiver on
127.0.0.1), a 500 retried by the beat task's enqueue."""

import datetime as dt
import hashlib
import hmac
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from cloudroute.celery import app as celery_app
from matching.models import PartnerMembership, WebhookDelivery
from matching.services import lead_accept, webhook_create
from matching.tasks import retry_webhooks
from tests.conftest import require_services
from tests.factories import PartnerFactory, PartnerMembershipFactory
from tests.matching.partner_helpers import make_lead
from tests.webhook_receiver import start_receiver

from .conftest import running_celery_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def debug_worker(transactional_db):
    """A worker with DEBUG on, taking the app's plain `.delay()` calls, its own included
    (retry_webhooks enqueues from inside the worker)."""
    require_services()
    queue = f"cloudroute-test-{uuid.uuid4().hex[:12]}"
    eager, default_queue = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    with running_celery_worker(
        redis_url=settings.REDIS_URL,
        queue=queue,
        extra_env={"DEBUG": "true", "CELERY_TASK_DEFAULT_QUEUE": queue},
    ) as worker:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = False, queue
        try:
            yield worker
        finally:
            celery_app.conf.task_always_eager = eager
            celery_app.conf.task_default_queue = default_queue


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()


def test_the_worker_delivers_signed_and_retries_a_500(debug_worker, receiver, settings):
    settings.DEBUG = True  # registering a loopback receiver, in this process
    firm = PartnerFactory()
    admin = PartnerMembershipFactory(partner=firm, role=PartnerMembership.Role.ADMIN).user
    _, secret = webhook_create(
        partner=firm, actor=admin, url=receiver.url(), events=["lead.accepted"]
    )
    receiver.statuses = [500]

    lead_accept(lead_id=make_lead(firm).pk, partner=firm, actor=None)

    wait_for(lambda: len(receiver.requests) == 1, timeout=60, what="the first try")
    wait_for(
        lambda: WebhookDelivery.objects.filter(attempts=1, last_status_code=500).exists(),
        timeout=30,
        what="the failed try recorded",
    )
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    retry_webhooks.delay()

    wait_for(
        lambda: WebhookDelivery.objects.filter(delivered_at__isnull=False).exists(),
        timeout=60,
        what="the retry delivered",
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code) == (2, 200)
    received = receiver.requests[1]
    header = dict(
        part.split("=", 1) for part in received.headers["CloudRoute-Signature"].split(",")
    )
    expected = hmac.new(
        secret.encode(), f"{header['t']}.".encode() + received.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, header["v1"])
    assert debug_worker.alive()
