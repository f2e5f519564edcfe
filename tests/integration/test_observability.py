"""Issue 18 §3 on the real topology: a `celery worker` process logs JSON lines carrying the
id of the request that enqueued the task, and counts the task's outcome where any web
process's /metrics reads it (Redis)."""

import json
import uuid

import pytest
import structlog
from django.conf import settings

from cloudroute.celery import app as celery_app
from cloudroute.observability.metrics import task_outcome_totals
from matching.models import Intake, IntakeStatus
from matching.tasks import process_intake
from tests.conftest import require_services
from tests.factories import IntakeFactory

from .conftest import running_celery_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_worker_logs_the_request_id_and_counts_the_task(monkeypatch):
    require_services()
    monkeypatch.setenv("LOG_FORMAT", "json")  # the worker's environment is copied from ours
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        run_and_check_the_worker()
    finally:
        celery_app.conf.task_always_eager = eager


def run_and_check_the_worker():
    queue = f"cloudroute-test-{uuid.uuid4().hex[:12]}"
    request_id = f"req-{uuid.uuid4().hex}"
    succeeded = ("matching.process_intake", "succeeded")
    before = task_outcome_totals().get(succeeded, 0)
    intake = IntakeFactory()

    with running_celery_worker(redis_url=settings.REDIS_URL, queue=queue) as worker:
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            process_intake.apply_async((intake.pk,), queue=queue)
        finally:
            structlog.contextvars.clear_contextvars()
        wait_for(
            lambda: Intake.objects.get(pk=intake.pk).status == IntakeStatus.READY,
            timeout=60,
            what="the worker to process the intake",
        )
        wait_for(
            lambda: task_outcome_totals().get(succeeded, 0) == before + 1,
            timeout=10,
            what="the task's outcome to be counted",
        )
        output = worker.output()

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output
    assert all({"timestamp", "level", "logger", "event"} <= set(line) for line in lines)
    task_lines = [line for line in lines if line.get("request_id") == request_id]
    assert task_lines, output
    # What the task enqueues in turn (its confirmation e-mail, the operators' "unrouted"
    # e-mail) runs on this worker too and carries the same request id.
    assert "matching.process_intake" in {line["task_name"] for line in task_lines}
    assert any("succeeded" in line["event"] for line in task_lines)
