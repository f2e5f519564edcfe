"""Celery tasks of the workloads app: thin, take ids, safe to run twice."""

from celery import shared_task

from . import services

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="workloads.project_workload", **RETRY)
def project_workload(workload_id: int) -> int | None:
    projection = services.workload_project(workload_id=workload_id)
    return projection.pk if projection else None
