"""Celery tasks of the workloads app: thin, take ids, safe to run twice."""

import datetime as dt
import logging

from botocore.exceptions import BotoCoreError
from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import aws
from .models import Workload, WorkloadProjection

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
    from .services import catalog_refresh

    result = catalog_refresh(
        bedrock_client=clients.bedrock, pricing_client=clients.pricing, book_slug=book_slug
    )
    for warning in result.warnings:
        logger.warning("price book %s: %s", result.book, warning)
    if result.alerts:
        from .emails import price_book_alert_send

        price_book_alert_send(book_slug=result.book, alerts=result.alerts)
    return result.counts()


@shared_task(
    name="workloads.refresh_inference_profiles",
    autoretry_for=(BotoCoreError,),
    retry_backoff=60,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def refresh_inference_profiles() -> str | dict[str, int]:
    """Beat, daily: the inference profiles of every Region a workload runs in (and the
    operators' own), which the setup kit reads; "skipped" without AWS credentials."""
    from django.conf import settings

    from .services import inference_profiles_refresh

    regions = set(Workload.objects.values_list("region", flat=True).distinct())
    counts = {}
    for region in sorted(regions | {settings.AWS_REGION}):
        client = aws.bedrock_client_in(region)
        if client is None:
            logger.info("workloads.refresh_inference_profiles skipped: no AWS credentials")
            return "skipped"
        counts[region] = inference_profiles_refresh(region=region, bedrock_client=client)
    return counts


REPROJECT_BATCH_SIZE = 200  # ~1 s of work per task: short enough to retry, long enough to batch


# Nightly from beat (CELERY_BEAT_SCHEDULE), after the catalog refresh has updated prices.
@shared_task(name="workloads.reproject_all", soft_time_limit=120, time_limit=150)
def reproject_all(batch_size: int = REPROJECT_BATCH_SIZE, since: str | None = None) -> int:
    """Fan every projected workload out to `reproject_batch` in fixed-size batches; returns
    the number of batches enqueued. Each batch skips the workloads projected since `since`
    (ISO 8601; default: midnight today), so a second run the same day adds nothing."""
    if since is None:
        since = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0).isoformat()
    ids = list(
        Workload.objects.filter(pk__in=WorkloadProjection.objects.values("workload_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    for batch in batches:
        reproject_batch.delay(batch, since)
    logger.info("workloads.reproject_all: %d workloads in %d batches", len(ids), len(batches))
    return len(batches)


@shared_task(
    name="workloads.reproject_batch",
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    max_retries=3,
)
def reproject_batch(workload_ids: list[int], since: str) -> int:
    """Re-project these workloads unless projected at or after `since` (ISO 8601)."""
    from .services import workloads_reproject

    return workloads_reproject(workload_ids=workload_ids, since=dt.datetime.fromisoformat(since))
