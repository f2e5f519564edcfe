"""Celery tasks of the credits app: thin, take ids, safe to run twice."""

from celery import shared_task

from . import services

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="credits.reevaluate_startup", **RETRY)
def reevaluate_startup(startup_id: int) -> int | None:
    snapshot = services.startup_credits_refresh(startup_id=startup_id)
    return snapshot.pk if snapshot else None
