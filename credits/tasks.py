"""Celery tasks of the credits app: thin, take ids, safe to run twice. Each imports the
service it calls inside its body (the services import these tasks as `<name>_task`)."""

import logging
from typing import TypedDict

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task

from .models import BillingAccess, CreditGrant

logger = logging.getLogger(__name__)


class RetryOptions(TypedDict):
    """The shared_task options of a task that retries (typed so the overloads match)."""

    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: bool
    max_retries: int


RETRY: RetryOptions = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="credits.reevaluate_startup", **RETRY)
def reevaluate_startup(startup_id: int) -> int | None:
    from .services import startup_credits_refresh

    snapshot = startup_credits_refresh(startup_id=startup_id)
    return snapshot.pk if snapshot else None


# Startups whose outcome the daily sweep refreshes per batch of ids read.
OUTCOME_BATCH_SIZE = 500


@shared_task(name="credits.refresh_outcome", **RETRY)
def refresh_outcome(startup_id: int) -> str | None:
    from .services import startup_outcome_refresh

    outcome = startup_outcome_refresh(startup_id=startup_id)
    return outcome.status if outcome else None


@shared_task(name="credits.refresh_all_outcomes")
def refresh_all_outcomes() -> int:
    """Beat, daily: a month turns, grants expire, workloads change; re-run every startup with
    grants. Reads ids in fixed-size batches (keyset on the id) and enqueues one task each."""
    last_id, count = 0, 0
    while True:
        batch = list(
            CreditGrant.objects.filter(startup_id__gt=last_id)
            .order_by("startup_id")
            .values_list("startup_id", flat=True)
            .distinct()[:OUTCOME_BATCH_SIZE]
        )
        if not batch:
            return count
        for startup_id in batch:
            refresh_outcome.delay(startup_id)
        count += len(batch)
        last_id = batch[-1]


@shared_task(name="credits.import_startup_spend", **RETRY)
def import_startup_spend(startup_id: int) -> int | None:
    """One startup's actual Bedrock spend from Cost Explorer, then the credits on its account
    (billing.get_credits), through the role it granted; then its $0 outcome is refreshed,
    since it burns down against those balances. A refused or failing credits read is logged
    and leaves the stored credits as they were. None when the startup has no billing access
    or CloudRoute has no AWS credentials here; else the months stored."""
    from . import services  # read at call time: tests swap the AWS clients

    access = BillingAccess.objects.filter(startup_id=startup_id).exclude(role_arn="").first()
    if access is None:
        return None
    clients = services.billing_clients_for(access)
    if clients is None:
        return None
    ce_client, billing_client = clients
    months = services.spend_actuals_import(startup_id=startup_id, ce_client=ce_client)
    try:
        services.account_credits_import(startup_id=startup_id, billing_client=billing_client)
    except (ClientError, BotoCoreError) as exc:
        logger.warning("billing: credits of startup %s not read: %s", startup_id, exc)
    else:
        refresh_outcome.delay(startup_id)
    return months


@shared_task(name="credits.import_spend_actuals")
def import_spend_actuals() -> int:
    """Beat, daily: enqueue the actuals import of every startup that granted billing access."""
    ids = list(
        BillingAccess.objects.exclude(role_arn="")  # the founder has not created the role yet
        .order_by("startup_id")
        .values_list("startup_id", flat=True)
    )
    for startup_id in ids:
        import_startup_spend.delay(startup_id)
    return len(ids)


@shared_task(name="credits.import_startup_usage", **RETRY)
def import_startup_usage(startup_id: int) -> int | None:
    """One startup's Bedrock quotas and last 30 days of metrics in its newest workload's
    Region, through the role it granted; then the overspend check. A refused quota read is
    logged and leaves the stored quotas as they were. None without billing access, a
    workload or AWS credentials here; else the metric days stored."""
    from workloads.selectors import workload_latest_for_startup

    from . import services  # read at call time: tests swap the AWS clients

    access = BillingAccess.objects.filter(startup_id=startup_id).exclude(role_arn="").first()
    workload = workload_latest_for_startup(startup_id=startup_id)
    if access is None or workload is None:
        return None
    clients = services.usage_clients_for(access, region=workload.region)
    if clients is None:
        return None
    cw_client, sq_client = clients
    try:
        services.bedrock_quotas_import(
            startup_id=startup_id, region=workload.region, sq_client=sq_client
        )
    except (ClientError, BotoCoreError) as exc:
        logger.warning("service-quotas: startup %s not read: %s", startup_id, exc)
    days = services.bedrock_usage_import(startup_id=startup_id, cw_client=cw_client)
    services.usage_overspend_check(startup_id=startup_id)
    return days


@shared_task(name="credits.import_bedrock_usage")
def import_bedrock_usage() -> int:
    """Beat, daily: enqueue the usage import of every startup that granted a role."""
    ids = list(
        BillingAccess.objects.exclude(role_arn="")
        .order_by("startup_id")
        .values_list("startup_id", flat=True)
    )
    for startup_id in ids:
        import_startup_usage.delay(startup_id)
    return len(ids)


@shared_task(name="credits.email_usage_overspent", **RETRY)
def email_usage_overspent(startup_id: int, workload_id: int) -> None:
    from .services import usage_overspent_email_send

    usage_overspent_email_send(startup_id=startup_id, workload_id=workload_id)


@shared_task(name="credits.email_outcome_changed", **RETRY)
def email_outcome_changed(outcome_id: int) -> None:
    from .services import outcome_changed_email_send

    outcome_changed_email_send(outcome_id=outcome_id)
