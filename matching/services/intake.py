"""Writes of the intake flow. Each service is one transaction and writes an audit event."""

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from credits.services import startup_credits_refresh
from workloads.audit import audit_log
from workloads.models import Startup, Workload

from ..models import Intake, IntakeStatus, RoutingTrigger
from .leads import lead_route

logger = logging.getLogger(__name__)


def intake_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def intake_submit(
    *, company: dict[str, Any], founder_name: str, founder_email: str, workload: dict[str, Any]
) -> tuple[Intake, str, bool]:
    """Save a founder's intake: the account (if new), the startup, the workload, the intake.

    Everything is written in one transaction, so a failure saves nothing. After commit it
    enqueues `matching.process_intake` and `matching.email_signin_link`; if the broker is
    down, the row stays `received` and the sweeper picks it up later.

    Returns the intake, its access token for the API (shown once; only its hash is
    stored) and whether the founder's account was created now.
    """
    from .. import tasks  # tasks import services; import here to keep the module graph simple

    User = get_user_model()
    email = User.objects.normalize_email(founder_email).lower()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # iexact: accounts made elsewhere (e.g. the admin) may keep capitals in the e-mail,
        # and the case-insensitive unique index would refuse a lowercase twin.
        founder, created = User.objects.get_or_create(
            email__iexact=email, defaults={"email": email, "full_name": founder_name}
        )
        if created:
            founder.set_unusable_password()
            founder.save(update_fields=["password"])
        startup = Startup.objects.create(founder=founder, **company)
        workload_row = Workload.objects.create(startup=startup, **workload)
        intake = Intake.objects.create(
            founder=founder,
            startup=startup,
            workload=workload_row,
            access_token_hash=intake_token_hash(token),
        )
        audit_log(
            actor=founder,
            action="intake.submitted",
            subject=intake,
            data={"startup": startup.pk, "workload": workload_row.pk, "new_account": created},
        )
        transaction.on_commit(lambda: tasks.process_intake.delay(intake.pk), robust=True)
        transaction.on_commit(lambda: tasks.email_signin_link.delay(intake.pk), robust=True)
    return intake, token, created


def intake_process(*, intake_id: int) -> Intake | None:
    """Run the background steps of an intake; safe to call twice (status guard).

    Locks the intake row while it changes its status. Steps: eligibility against every
    credit program, the spend projection against the credits expected, then routing to a
    partner (which does nothing if a lead is already live). Returns None when the intake
    does not exist.
    """
    with transaction.atomic():
        intake = Intake.objects.select_for_update().filter(pk=intake_id).first()
        if intake is None or not intake.is_pending:
            return intake
        intake.status = IntakeStatus.PROCESSING
        intake.attempts += 1
        intake.save(update_fields=["status", "attempts", "updated_at"])

    startup_credits_refresh(startup_id=intake.startup_id, workload_id=intake.workload_id)
    lead_route(startup_id=intake.startup_id, trigger=RoutingTrigger.INTAKE)

    with transaction.atomic():
        intake = Intake.objects.select_for_update().get(pk=intake_id)
        if intake.status != IntakeStatus.PROCESSING:
            return intake
        intake.status = IntakeStatus.READY
        intake.processed_at = timezone.now()
        intake.save(update_fields=["status", "processed_at", "updated_at"])
        audit_log(actor=None, action="intake.processed", subject=intake, data={})
    return intake


def intakes_stuck_requeue(*, older_than_seconds: int = 120, limit: int = 100) -> list[int]:
    """Re-enqueue intakes whose background step never ran (broker or worker was down).

    Skips rows another sweeper holds (skip_locked). Returns the ids it enqueued.
    """
    from .. import tasks

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    with transaction.atomic():
        ids = list(
            Intake.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=[IntakeStatus.RECEIVED, IntakeStatus.PROCESSING], updated_at__lt=cutoff
            )
            .order_by("updated_at")
            .values_list("pk", flat=True)[:limit]
        )
        for intake_id in ids:
            transaction.on_commit(
                lambda intake_id=intake_id: tasks.process_intake.delay(intake_id), robust=True
            )
    return ids
