"""Fault injection on the real topology: gunicorn, `celery worker`, PostgreSQL and Redis.

The database is the system of record: a founder's intake survives a dead broker, a killed
worker child and dropped database connections, and a retried POST never makes a second one.
"""

import datetime as dt
import os
import signal
import subprocess
import time
import uuid

import pytest
import requests
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cloudroute.celery import app as celery_app
from matching.models import Intake, IntakeStatus, Lead, LeadStatus, RoutingStatus
from matching.services import intake_confirm
from matching.tasks import process_intake, sweep_pending_intakes
from tests.conftest import require_services
from tests.factories import IntakeFactory, intake_payload
from tests.matching.routing_helpers import routable_partner
from workloads.models import AuditEvent, Startup

from .conftest import AppServer, PrivateRedis, running_celery_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# The cache's and the broker's socket timeouts are 2 s each (the throttle, then two task
# publishes): a submit slower than this is hanging on Redis.
SUBMIT_BOUND_SECONDS = 10.0
TASK_TIMEOUT = 30.0
HTTP_TIMEOUT = 30.0
FAULT_ROUNDS = 3


def submit(server: AppServer, body: dict, *, key: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return requests.post(
        f"{server.base_url}/api/v1/intakes/", json=body, headers=headers, timeout=HTTP_TIMEOUT
    )


def fresh_payload() -> dict:
    return intake_payload(email=f"founder-{uuid.uuid4().hex[:8]}@example.com")


def events(action: str, subject) -> int:
    return AuditEvent.objects.filter(
        action=action,
        content_type__app_label=subject._meta.app_label,
        content_type__model=subject._meta.model_name,
        object_id=str(subject.pk),
    ).count()


def backends_waiting_for_a_lock() -> int:
    """Sessions of the test database blocked on a lock (a fresh read, not the snapshot a
    transaction keeps of pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def child_pids(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in found.stdout.split()]


def terminate_other_backends() -> int:
    """Drop every other connection to the test database (the app's, a worker's)."""
    with connection.cursor() as cursor:
        # In the select list, so only the rows the filter kept are terminated (the order in
        # which a WHERE clause evaluates its conditions is the planner's choice).
        cursor.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) AS done "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()) AS terminated WHERE done"
        )
        return cursor.fetchone()[0]


def timed_submit(server: AppServer) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = submit(server, fresh_payload())
    return response, time.monotonic() - started


def test_founders_submitting_while_redis_hangs_or_is_down_get_201_and_are_routed_later(
    app_server: AppServer, private_redis: PrivateRedis
):
    require_services()
    partner = routable_partner()

    private_redis.freeze()
    hung, hung_took = timed_submit(app_server)
    private_redis.stop()
    down, down_took = timed_submit(app_server)

    print(f"\n201 after {hung_took:.2f}s with Redis hung, {down_took:.2f}s with it down")
    for response, took in ((hung, hung_took), (down, down_took)):
        assert response.status_code == 201, response.text
        assert took < SUBMIT_BOUND_SECONDS, f"the submit took {took:.1f}s"
    intakes = list(Intake.objects.order_by("pk"))
    assert [intake.pk for intake in intakes] == [hung.json()["id"], down.json()["id"]]
    assert {(intake.status, intake.attempts) for intake in intakes} == {(IntakeStatus.RECEIVED, 0)}
    health = requests.get(f"{app_server.base_url}/healthz", timeout=HTTP_TIMEOUT)
    assert (health.status_code, health.json()["broker"]) == (503, "down")

    private_redis.start()
    # The founders confirm (nothing is enqueued: the intakes are not checked yet, so their
    # processing routes them once it runs).
    for intake in intakes:
        intake_confirm(intake_id=intake.pk, email=intake.email)
    # Beat's sweeper leaves fresh rows alone (their task may still be queued): age them.
    Intake.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=3))
    # The Redis is the test's own, so the worker takes the default queue, where the
    # sweeper's `.delay()` calls put the intakes' tasks.
    with running_celery_worker(redis_url=private_redis.url, queue="celery") as worker:
        with celery_app.connection_for_write(private_redis.url) as broker:
            sweep_pending_intakes.apply_async(connection=broker, queue=worker.queue)
        wait_for(
            lambda: Lead.objects.count() == len(intakes),
            timeout=TASK_TIMEOUT,
            what="the swept intakes to be routed",
        )

    assert sorted(Lead.objects.values_list("startup_id", "partner_id", "status")) == [
        (intake.startup_id, partner.pk, LeadStatus.OFFERED) for intake in intakes
    ]
    assert set(Intake.objects.values_list("status", "routing_status", "attempts")) == {
        (IntakeStatus.READY, RoutingStatus.OFFERED, 1)
    }


def test_a_task_whose_worker_child_is_killed_is_redelivered_and_runs_once(transactional_db):
    require_services()
    routable_partner()
    intake = IntakeFactory()
    queue = f"cloudroute-test-{uuid.uuid4().hex[:12]}"
    with running_celery_worker(redis_url=settings.REDIS_URL, queue=queue, pool="prefork") as worker:
        # The test holds the intake's row lock, so the task blocks on its first statement:
        # killed before its claim commits (the test below kills it after the claim).
        with transaction.atomic():
            Intake.objects.select_for_update().get(pk=intake.pk)
            process_intake.apply_async((intake.pk,), queue=queue)
            wait_for(
                lambda: backends_waiting_for_a_lock() == 1,
                timeout=TASK_TIMEOUT,
                what="the task to wait for the intake's lock",
            )
            (child,) = child_pids(worker.process.pid)
            os.kill(child, signal.SIGKILL)
            # The killed child's session still waits (PostgreSQL notices the dead client
            # only when it gets the lock); a second waiter is the redelivered task.
            wait_for(
                lambda: backends_waiting_for_a_lock() == 2,
                timeout=TASK_TIMEOUT,
                what="the task to be redelivered to a new child",
            )
            assert child not in child_pids(worker.process.pid)
        wait_for(
            lambda: Intake.objects.filter(pk=intake.pk, status=IntakeStatus.READY).exists(),
            timeout=TASK_TIMEOUT,
            what="the redelivered task to finish the intake",
        )
        assert "WorkerLostError" in worker.output()

    intake.refresh_from_db()
    assert intake.attempts == 1
    lead = Lead.objects.get(startup_id=intake.startup_id)
    assert events("intake.processed", intake) == 1
    assert events("lead.offered", lead) == 1


# A redelivered task must finish the intake this long after the worker is back (issue 18).
RECOVERY_BOUND_SECONDS = 30.0


def test_a_worker_child_killed_after_its_claim_is_redelivered_and_routes_at_once(
    transactional_db,
):
    """Killed mid-task after the claim committed: the redelivered message (same task id)
    takes over its own lease at once instead of waiting out the 5-minute lease and a sweep.
    No beat runs here, so nothing but the redelivery can finish the intake."""
    require_services()
    routable_partner()
    intake = IntakeFactory()
    queue = f"cloudroute-test-{uuid.uuid4().hex[:12]}"
    with running_celery_worker(redis_url=settings.REDIS_URL, queue=queue, pool="prefork") as worker:
        # The test holds the startup's row lock (as an operator's edit would): the task claims
        # the intake, commits, then blocks on its first write that refers to the startup (the
        # eligibility snapshot's foreign key check). The intake's own row is not locked.
        with transaction.atomic():
            Startup.objects.select_for_update().get(pk=intake.startup_id)
            process_intake.apply_async((intake.pk,), queue=queue)
            wait_for(
                lambda: (
                    backends_waiting_for_a_lock() == 1
                    and Intake.objects.filter(
                        pk=intake.pk, status=IntakeStatus.PROCESSING, attempts=1
                    ).exists()
                ),
                timeout=TASK_TIMEOUT,
                what="the task to claim the intake, then wait for the startup's lock",
            )
            (child,) = child_pids(worker.process.pid)
            os.kill(child, signal.SIGKILL)
            killed = time.monotonic()
        # The lock is released: nothing blocks the redelivered task any more.
        wait_for(
            lambda: [pid for pid in child_pids(worker.process.pid) if pid != child],
            timeout=TASK_TIMEOUT,
            what="the worker to start a new child",
        )
        back = time.monotonic()
        wait_for(
            lambda: Intake.objects.filter(
                pk=intake.pk, status=IntakeStatus.READY, routing_status=RoutingStatus.OFFERED
            ).exists(),
            timeout=RECOVERY_BOUND_SECONDS,
            interval=0.1,
            what="the redelivered task to finish and route the intake",
        )
        done = time.monotonic()
        print(
            f"\nrouted {done - back:.2f}s after the worker was back "
            f"({done - killed:.2f}s after the kill)"
        )
        assert "WorkerLostError" in worker.output()

    intake.refresh_from_db()
    assert intake.attempts == 2  # the killed run's claim and the redelivery's takeover
    lead = Lead.objects.get(startup_id=intake.startup_id)
    assert lead.status == LeadStatus.OFFERED
    assert events("intake.processed", intake) == 1
    assert events("lead.offered", lead) == 1


def test_a_retried_post_replays_the_first_response_and_a_changed_body_is_refused(
    app_server: AppServer,
):
    require_services()
    key, body = str(uuid.uuid4()), fresh_payload()

    first = submit(app_server, body, key=key)
    retry = submit(app_server, body, key=key)
    changed = submit(app_server, fresh_payload(), key=key)

    assert first.status_code == 201, first.text
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert changed.status_code == 422
    assert "different request body" in changed.json()["detail"]
    assert list(Intake.objects.values_list("pk", flat=True)) == [first.json()["id"]]


def test_dropped_database_connections_fail_cleanly_and_the_app_recovers(
    app_server: AppServer,
):
    require_services()
    saved = [submit(app_server, fresh_payload())]  # gunicorn now keeps one connection open
    assert saved[0].status_code == 201, saved[0].text

    faults = 0
    for _ in range(FAULT_ROUNDS):
        assert terminate_other_backends() == 1  # the app's connection
        response = submit(app_server, fresh_payload())
        # CONN_HEALTH_CHECKS reconnects before the request; failing that, a bare 5xx.
        if response.status_code == 201:
            saved.append(response)
        else:
            assert response.status_code >= 500, response.text
            assert "Traceback" not in response.text
        assert terminate_other_backends() == 1
        health = requests.get(f"{app_server.base_url}/healthz", timeout=HTTP_TIMEOUT)
        assert (health.status_code, health.json()["database"]) in ((200, "ok"), (503, "down"))
        faults += 2
    print(f"\n{faults} database connections dropped; {len(saved) - 1} of {FAULT_ROUNDS} submits")

    health = requests.get(f"{app_server.base_url}/healthz", timeout=HTTP_TIMEOUT)
    assert (health.status_code, health.json()["database"]) == (200, "ok")
    saved.append(submit(app_server, fresh_payload()))
    assert saved[-1].status_code == 201, saved[-1].text
    # Nothing half-saved: exactly the intakes the app answered 201 for.
    assert sorted(Intake.objects.values_list("pk", flat=True)) == sorted(
        response.json()["id"] for response in saved
    )
