"""Celery tasks of the workloads app: thin, take ids, safe to run twice."""

import logging

from botocore.exceptions import BotoCoreError
from celery import shared_task

from . import aws, services

logger = logging.getLogger(__name__)
# Projections are made by credits.tasks.reevaluate_startup and the intake pipeline, which
# pass the expected credits; a projection without them would hide the founder's burn-down.


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
