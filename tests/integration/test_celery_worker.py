"""The intake pipeline on the real topology: PostgreSQL, Redis and a `celery worker` process."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType

from cloudroute.celery import app as celery_app
from matching.models import Intake, IntakeStatus
from matching.tasks import process_intake
from tests.conftest import require_services
from tests.factories import IntakeFactory
from workloads.models import AuditEvent

from .conftest import CeleryWorker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK_TIMEOUT = 60.0


@pytest.fixture
def publish_to_broker():
    """Tasks go to Redis (never inline) for the duration of the test."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def default_queue_is_the_workers(celery_worker: CeleryWorker, publish_to_broker):
    """Plain `.delay()` calls (as the app makes them) land on the test worker's queue."""
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = celery_worker.queue
    yield celery_worker
    celery_app.conf.task_default_queue = default_queue


def intake_status(intake_id: int) -> str:
    return Intake.objects.values_list("status", flat=True).get(pk=intake_id)


def wait_until_ready(intake_id: int) -> Intake:
    wait_for(
        lambda: intake_status(intake_id) not in (IntakeStatus.RECEIVED, IntakeStatus.PROCESSING),
        timeout=TASK_TIMEOUT,
        what=f"intake {intake_id} to be processed by the worker",
    )
    return Intake.objects.get(pk=intake_id)


def processed_events(intake: Intake):
    return AuditEvent.objects.filter(
        action="intake.processed",
        content_type=ContentType.objects.get_for_model(Intake),
        object_id=str(intake.pk),
    )


def test_worker_processes_an_enqueued_intake(celery_worker: CeleryWorker, publish_to_broker):
    require_services()
    intake = IntakeFactory()
    assert intake.status == IntakeStatus.RECEIVED

    process_intake.apply_async((intake.pk,), queue=celery_worker.queue)

    intake = wait_until_ready(intake.pk)
    assert intake.status == IntakeStatus.READY
    assert intake.attempts == 1
    assert intake.processed_at is not None
    assert processed_events(intake).count() == 1
    assert celery_worker.alive()


def test_api_submission_is_processed_by_the_worker(
    default_queue_is_the_workers: CeleryWorker, api_client, payload
):
    require_services()
    worker = default_queue_is_the_workers

    # No atomic block around the test (transaction=True): the view's commit runs the
    # on_commit hook, which publishes process_intake to Redis; its first claim, in the
    # worker, publishes the confirmation e-mail.
    response = api_client.post("/api/v1/intakes/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == IntakeStatus.RECEIVED

    intake = wait_until_ready(response.json()["id"])
    assert intake.status == IntakeStatus.READY
    assert intake.attempts == 1
    assert processed_events(intake).count() == 1

    # The worker prints e-mail to the console; the confirmation link went to the address,
    # whole on one line (no quoted-printable wrapping), with a subject of our words only.
    email = payload["founder"]["email"]

    def confirm_mail_sent() -> bool:
        output = worker.output()
        return f"To: {email}" in output and "/confirm/" in output

    wait_for(confirm_mail_sent, timeout=TASK_TIMEOUT, what="the confirmation e-mail in the log")
    output = worker.output()
    assert "Subject: Confirm your CloudRoute intake" in output
    assert re.search(r"^https?://\S+/confirm/[\w:.-]+/$", output, re.MULTILINE), output
    assert "=3D" not in output
