"""Celery tasks of the workloads app: thin, take ids, safe to run twice."""

import logging

from botocore.exceptions import BotoCoreError
from celery import shared_task

from . import aws, services

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="workloads.project_workload", **RETRY)
def project_workload(workload_id: int) -> int | None:
    projection = services.workload_project(workload_id=workload_id)
    return projection.pk if projection else None


logger = logging.getLogger(__name__)


# Daily from beat (CELERY_BEAT_SCHEDULE). Network trouble retries; an AWS refusal such as
# AccessDenied does not, since it will not fix itself within the hour.
@shared_task(
    name="workloads.refresh_catalog",
    autoretry_for=(BotoCoreError,),
    retry_backoff=60,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def refresh_catalog(book_slug: str = "bedrock-current") -> str | dict[str, int]:
    """Refresh the book's models and prices from AWS; "skipped" without AWS credentials."""
    clients = aws.catalog_clients()
    if clients is None:
        logger.info("workloads.refresh_catalog skipped: no AWS credentials are configured")
        return "skipped"
    result = services.catalog_refresh(
        bedrock_client=clients.bedrock, pricing_client=clients.pricing, book_slug=book_slug
    )
    for warning in result.warnings:
        logger.warning("price book %s: %s", result.book, warning)
    return result.counts()
