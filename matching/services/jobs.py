"""Operators' bulk actions as background jobs: the admin action records a `BulkJob` and
enqueues `matching.run_bulk_job`; the task acts on one row at a time through the same service
a single action calls, saving its progress after each, so the job page's bar moves and a
redelivered task resumes where the first stopped. The permission the action declared is
checked when the job starts and again before every row (one withdrawn meanwhile stops the
rest)."""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, ForbiddenError
from workloads.audit import audit_log
from workloads.models import Startup

from ..models import BulkJob, BulkJobKind, Partner
from ..tasks import run_bulk_job as run_bulk_job_task
from .leads import lead_reroute, partner_pause

# What each kind needs: the same permissions as its admin action.
PERMISSIONS: dict[str, str] = {
    BulkJobKind.REROUTE: "matching.change_lead",
    BulkJobKind.PAUSE: "matching.change_partner",
    BulkJobKind.RESUME: "matching.change_partner",
}
WITHDRAWN = "Not done: the permission to do this was withdrawn while the job ran."


def _reroute(object_id: int, actor) -> str:
    decision = lead_reroute(startup_id=object_id, actor=actor)
    if decision is not None and decision.chosen_id is None:
        return "no partner passes the filters; it stays in the queue."
    return ""


def _pause(paused: bool) -> Callable[[int, object], str]:
    def act(object_id: int, actor) -> str:
        partner_pause(partner_id=object_id, actor=actor, paused=paused)
        return ""

    return act


ACTIONS: dict[str, Callable[[int, object], str]] = {
    BulkJobKind.REROUTE: _reroute,
    BulkJobKind.PAUSE: _pause(True),
    BulkJobKind.RESUME: _pause(False),
}


def bulk_job_start(*, kind: str, actor, object_ids: list[int]) -> BulkJob:
    """Record the job and enqueue it on commit. ForbiddenError without the kind's
    permission."""
    if not actor.has_perm(PERMISSIONS[kind]):
        raise ForbiddenError("You may not do this.")
    with transaction.atomic():
        job = BulkJob.objects.create(kind=kind, actor=actor, object_ids=list(object_ids))
        audit_log(actor=actor, action="bulk_job.started", subject=job, data={"kind": kind})
        transaction.on_commit(lambda: run_bulk_job_task.delay(job.pk), robust=True)
    return job


def _label(kind: str, object_id: int) -> str:
    if kind == BulkJobKind.REROUTE:
        startup = Startup.objects.filter(pk=object_id).only("name").first()
        return startup.name if startup else f"startup #{object_id}"
    partner = Partner.objects.filter(pk=object_id).only("name").first()
    return partner.name if partner else f"partner #{object_id}"


def _still_allowed(job: BulkJob) -> bool:
    # A fresh read: Django caches a user's permissions on the instance.
    if job.actor_id is None:
        return False
    actor = get_user_model().objects.filter(pk=job.actor_id, is_active=True).first()
    return actor is not None and actor.has_perm(PERMISSIONS[job.kind])


def bulk_job_step(*, job_id: int) -> bool:
    """Act on the job's next row, under the job's row lock; False once nothing is left."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update(of=("self",)).select_related("actor").get(pk=job_id)
        if job.done >= job.total:
            if job.finished_at is None:
                job.finished_at = timezone.now()
                job.save(update_fields=["finished_at"])
            return False
        object_id = job.object_ids[job.done]
        error = ""
        if not _still_allowed(job):
            error = WITHDRAWN
        else:
            try:
                with transaction.atomic():
                    note = ACTIONS[job.kind](object_id, job.actor)
            except ApplicationError as exc:
                error = exc.detail
            except ObjectDoesNotExist:
                error = "It no longer exists."
            else:
                error = note
        if error:
            job.failures = [
                *job.failures,
                {"id": object_id, "label": _label(job.kind, object_id), "error": error},
            ]
        job.done += 1
        job.save(update_fields=["done", "failures"])
    return True


def bulk_job_run(*, job_id: int) -> BulkJob:
    """Every row left, one transaction each. Safe to run twice: it resumes at `done`."""
    while bulk_job_step(job_id=job_id):
        pass
    return BulkJob.objects.get(pk=job_id)


DONE_WORDS: dict[str, str] = {
    BulkJobKind.REROUTE: "Re-routed",
    BulkJobKind.PAUSE: "Paused",
    BulkJobKind.RESUME: "Resumed",
}


def bulk_job_summary(job: BulkJob) -> str:
    """What the old in-request action said, for the job's page once it is done."""
    succeeded = job.done - len(job.failures)
    parts = []
    if succeeded:
        parts.append(f"{DONE_WORDS[job.kind]}: {succeeded} of {job.total}.")
    if job.failures:
        parts.append(f"{len(job.failures)} of {job.total} failed.")
    return " ".join(parts)
