"""Writes of the intake flow. Each service is one transaction and writes an audit event."""

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from credits.services import startup_credits_refresh
from workloads.audit import audit_log
from workloads.models import Startup, Workload

from ..models import Intake, IntakeStatus, Lead, LeadStatus, RoutingStatus, RoutingTrigger
from ..tasks import email_intake_confirmation as email_intake_confirmation_task
from ..tasks import process_intake as process_intake_task
from ..tasks import route_startup as route_startup_task
from ..tokens import intake_token_hash
from .leads import lead_route

logger = logging.getLogger(__name__)

# How long a claim on an intake (status `processing`) keeps other workers off it. It must be
# longer than CELERY_TASK_TIME_LIMIT (90 s, the hard limit that kills a running task), so a
# lease runs out only once its worker is certainly gone; then a redelivery or the sweeper
# may claim the intake again.
INTAKE_LEASE = timedelta(minutes=5)
# Claims before an intake goes to `failed` (the operators' attention) instead of another run.
MAX_ATTEMPTS = 5


def intake_submit(
    *,
    company: dict[str, Any],
    founder_name: str,
    founder_email: str,
    workload: dict[str, Any],
    access_token: str | None = None,
) -> tuple[Intake, str]:
    """Save a founder's intake: the startup, the workload, the intake; no account yet.

    Everything is written in one transaction, so a failure saves nothing. Nothing here reads
    or writes any account: the intake is attached to the account of `founder_email` (made
    then if new) only when the e-mailed link is used (`intake_confirm`), so an intake naming
    someone else's address changes nothing of theirs, and the answer and its timing are the
    same whether or not the address has an account. After commit it enqueues one task,
    `matching.process_intake` (eligibility and the projection at once; routing waits for the
    confirmation), whose first claim enqueues the confirmation e-mail (one broker publish
    on the founder's request, not two); if the broker is down, the row stays `received` and
    the sweeper picks it up later, e-mail included.

    Returns the intake and its access token for the API (only its hash is stored):
    `access_token` if given (the API's, which an Idempotency-Key replay re-derives), else a
    new random one.
    """

    email = get_user_model().objects.normalize_email(founder_email).lower()
    token = access_token or secrets.token_urlsafe(32)
    with transaction.atomic():
        _org_id_claims_serialize(company.get("activate_org_id", ""))
        startup = Startup.objects.create(founder=None, **company)
        workload_row = Workload.objects.create(startup=startup, **workload)
        intake = Intake.objects.create(
            email=email,
            founder_name=founder_name,
            startup=startup,
            workload=workload_row,
            access_token_hash=intake_token_hash(token),
        )
        audit_log(
            actor=None,
            action="intake.submitted",
            subject=intake,
            data={"startup": startup.pk, "workload": workload_row.pk},
        )
        transaction.on_commit(lambda: process_intake_task.delay(intake.pk), robust=True)
    return intake, token


def _org_id_claims_serialize(org_id: str) -> None:
    """Make intakes that give the same Activate Org ID save one after another.

    A transaction-level advisory lock on PostgreSQL (SQLite writes one transaction at a
    time anyway): the later intake's startup gets a higher id only once the earlier one has
    committed, so the first claimant (the lowest id, credits.selectors.org_id_used_elsewhere)
    is in the database by the time any later intake's eligibility is checked.
    """
    org_id = org_id.strip().lower()
    if not org_id or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"activate_org_id:{org_id}"]
        )


def _claimable(intake: Intake, now, task_id: str) -> bool:
    """Received; processing by a worker whose lease ran out (it died or was killed); or
    processing under a claim of this very task id, which is then the broker handing the
    message out again because the worker running it is gone (acks_late and
    reject_on_worker_lost: a killed child's message is requeued with its id). Celery keeps
    the id on a redelivery and on a retry, and a running task's message is never handed out
    twice (the visibility timeout, 1 h, outlasts the hard time limit), so a claim of our own
    id has no live holder left. Any other task (a duplicate, a sweep's re-enqueue) still
    waits for the lease."""
    if intake.status == IntakeStatus.RECEIVED:
        return True
    if intake.status != IntakeStatus.PROCESSING:
        return False
    if task_id and intake.claimed_by == task_id:
        return True
    return intake.updated_at < now - INTAKE_LEASE


def _claim(*, intake_id: int, task_id: str) -> tuple[Intake | None, int | None]:
    """Claim the intake (its row locked) for `task_id`; returns it and the claim's attempt
    number, or None for the number when it is not ours to run (or was just failed)."""
    with transaction.atomic():
        intake = Intake.objects.select_for_update().filter(pk=intake_id).first()
        if intake is None or not _claimable(intake, timezone.now(), task_id):
            return intake, None
        if intake.attempts >= MAX_ATTEMPTS:
            intake.status = IntakeStatus.FAILED
            intake.save(update_fields=["status", "updated_at"])
            audit_log(
                actor=None,
                action="intake.failed",
                subject=intake,
                data={"attempts": intake.attempts},
            )
            logger.error("Intake %s failed after %s attempts", intake.pk, intake.attempts)
            return intake, None
        if intake.status == IntakeStatus.PROCESSING:  # its worker died mid-way
            logger.warning(
                "Intake %s: task %s takes over claim %s of task %s",
                intake.pk,
                task_id or "-",
                intake.attempts,
                intake.claimed_by or "-",
            )
        intake.status = IntakeStatus.PROCESSING
        intake.attempts += 1
        intake.claimed_by = task_id
        intake.save(update_fields=["status", "attempts", "claimed_by", "updated_at"])
        if intake.attempts == 1:
            # The intake's first claim sends its confirmation link, once: later claims
            # (a retry, a takeover, a new version's checks) count on from here.
            transaction.on_commit(
                lambda: email_intake_confirmation_task.delay(intake_id), robust=True
            )
    return intake, intake.attempts


def _release(*, intake_id: int, claim: int) -> None:
    """Give back a claim whose steps raised, so the task's retry (or the sweeper) can take
    the intake at once instead of waiting for the lease to run out. Only our own claim: a
    row another worker has claimed since (a higher attempt number) is left alone."""
    try:
        with transaction.atomic():
            Intake.objects.filter(
                pk=intake_id, status=IntakeStatus.PROCESSING, attempts=claim
            ).update(status=IntakeStatus.RECEIVED, updated_at=timezone.now())
    except Exception:  # the step's error is the one to report; the lease covers this one
        logger.exception("Could not release intake %s after a failed step", intake_id)


def intake_process(*, intake_id: int, task_id: str = "") -> Intake | None:
    """Run the background steps of an intake, once, by one worker at a time.

    First it claims the row (locked): only a `received` intake, or a `processing` one whose
    lease (`INTAKE_LEASE`) has run out, is claimed; anything else is returned untouched, so a
    duplicated task is a no-op while another worker holds the lease. `task_id` is the Celery
    task's id: a claim records it (`claimed_by`), and the same task delivered again (its
    worker was killed mid-way) takes its own lease over at once instead of waiting it out.
    A claim sets `processing`, counts an attempt (a takeover too) and stamps `updated_at`
    (the lease's start). An intake already claimed `MAX_ATTEMPTS` times goes to `failed`
    instead, for the operators, so an intake that kills its worker every time still stops.

    Steps: eligibility against every credit program, the spend projection against the
    credits expected, then, once the founder has confirmed the intake, routing to a partner
    (which does nothing if a lead is already live); an intake confirmed meanwhile is routed
    when the claim ends. If a step raises, the claim is released (back to `received`) and the error
    re-raised for Celery's retry. Only the holder of the claim marks the intake `ready`.
    Returns None when the intake does not exist.
    """
    intake, claim = _claim(intake_id=intake_id, task_id=task_id)
    if intake is None or claim is None:
        return intake

    try:
        startup_credits_refresh(startup_id=intake.startup_id, workload_id=intake.workload_id)
        routed = Intake.objects.filter(pk=intake_id, confirmed_at__isnull=False).exists()
        if routed:
            lead_route(startup_id=intake.startup_id, trigger=RoutingTrigger.INTAKE)
    except Exception:
        _release(intake_id=intake_id, claim=claim)
        raise

    with transaction.atomic():
        intake = Intake.objects.select_for_update().get(pk=intake_id)
        if intake.status != IntakeStatus.PROCESSING or intake.attempts != claim:
            return intake  # our lease ran out and someone else took the intake
        intake.status = IntakeStatus.READY
        intake.processed_at = timezone.now()
        intake.save(update_fields=["status", "processed_at", "updated_at"])
        audit_log(actor=None, action="intake.processed", subject=intake, data={})
        if intake.is_confirmed and not routed:
            # Confirmed while the checks ran: `intake_confirm` saw it pending and left the
            # routing to us. (Both hold this row's lock, so one of the two enqueues it.)
            startup_id = intake.startup_id
            transaction.on_commit(
                lambda: route_startup_task.delay(startup_id, RoutingTrigger.INTAKE), robust=True
            )
    return intake


def intakes_stuck_requeue(*, older_than_seconds: int = 120, limit: int = 100) -> list[int]:
    """Re-enqueue intakes whose background step never ran (broker or worker was down):
    `received` ones untouched for `older_than_seconds`, and `processing` ones whose lease ran
    out (the worker died mid-way).

    Each row it enqueues gets a fresh `updated_at`, so the next sweep (every minute) leaves it
    alone while its task waits in the queue; a `processing` row also goes back to `received`
    (its worker is gone, and a fresh `updated_at` on a `processing` row would read as a live
    lease, which the task would then refuse to claim). Skips rows another transaction holds
    (skip_locked). Returns the ids it enqueued.
    """

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Intake.objects.select_for_update(skip_locked=True)
            .filter(
                Q(
                    status=IntakeStatus.RECEIVED,
                    updated_at__lt=now - timedelta(seconds=older_than_seconds),
                )
                | Q(status=IntakeStatus.PROCESSING, updated_at__lt=now - INTAKE_LEASE)
            )
            .order_by("updated_at")
            .values_list("pk", flat=True)[:limit]
        )
        Intake.objects.filter(pk__in=ids).update(status=IntakeStatus.RECEIVED, updated_at=now)
        for intake_id in ids:
            # The id is bound now (a default argument) and enqueued on commit.
            def process(intake_id: int = intake_id) -> None:
                process_intake_task.delay(intake_id)

            transaction.on_commit(process, robust=True)
    return ids


def _reroute_trigger(startup_id: int) -> str:
    """Why the startup needs routing again: its last lead's ending, or a first routing."""
    last = (
        Lead.objects.filter(startup_id=startup_id)
        .order_by("-offered_at")
        .values_list("status", flat=True)
        .first()
    )
    triggers: dict[str | None, str] = {
        LeadStatus.DECLINED: RoutingTrigger.DECLINED,
        LeadStatus.EXPIRED: RoutingTrigger.EXPIRED,
    }
    return triggers.get(last, RoutingTrigger.INTAKE)


def intakes_unrouted_requeue(*, older_than_seconds: int = 120, limit: int = 100) -> list[int]:
    """Re-enqueue routing for processed intakes left `not_routed` (a decline or an expiry
    whose `matching.route_startup` never reached the broker).

    Picks confirmed `ready` intakes with routing status `not_routed` untouched for
    `older_than_seconds`, bumps their `updated_at` (so the next sweep leaves them alone while
    the task is queued) and enqueues one routing task per startup on commit. A duplicate is
    harmless: routing does nothing while a lead is live. Skips locked rows (skip_locked).
    Returns the intake ids it enqueued.
    """

    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Intake.objects.select_for_update(skip_locked=True)
            .filter(
                status=IntakeStatus.READY,
                routing_status=RoutingStatus.NOT_ROUTED,
                confirmed_at__isnull=False,  # an unconfirmed intake reaches no partner
                updated_at__lt=now - timedelta(seconds=older_than_seconds),
            )
            .order_by("updated_at")
            .values_list("pk", "startup_id")[:limit]
        )
        Intake.objects.filter(pk__in=[pk for pk, _ in rows]).update(updated_at=now)
        for startup_id in dict.fromkeys(startup_id for _, startup_id in rows):
            trigger = _reroute_trigger(startup_id)

            # Both are bound now (default arguments) and enqueued on commit.
            def route(startup_id: int = startup_id, trigger: str = trigger) -> None:
                route_startup_task.delay(startup_id, trigger)

            transaction.on_commit(route, robust=True)
    return [pk for pk, _ in rows]
