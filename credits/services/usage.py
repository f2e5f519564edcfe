"""The founder's Bedrock account, read through the role they granted: its quotas (Service
Quotas) and its daily runtime metrics (CloudWatch), and the overspend alert.

`usage_clients_for` assumes the role (the same BillingAccess as the bill) and builds the
CloudWatch and Service Quotas clients in the workload's Region; `bedrock_usage_import` and
`bedrock_quotas_import` store what they read (safe to run again); `usage_overspend_check`
compares the measured spend with the projection and alerts the founder and the partner once
per workload version when it runs more than 20% above. The daily task
(`credits.import_startup_usage`) runs all three.
"""

import datetime as dt
import logging

import boto3
from botocore.config import Config
from django.db import transaction
from django.utils import timezone

from workloads import quota_data
from workloads.audit import audit_log
from workloads.aws import CLIENT_CONFIG
from workloads.selectors import workload_latest_for_startup

from .. import selectors
from ..aws.billing import assumed_session_credentials
from ..aws.usage import base_model_id, bedrock_quotas, daily_usage, model_dimensions
from ..calibration import WINDOW_DAYS
from ..models import BedrockQuota, BedrockUsageDay, BillingAccess
from ..signals import send_on_commit, usage_overspent
from ..tasks import email_usage_overspent as email_usage_overspent_task

logger = logging.getLogger(__name__)

# What the role must allow for the whole "connect your AWS bill" card, and nothing more.
ROLE_ACTIONS = (
    "ce:GetCostAndUsage",
    "billing:GetCredits",
    "cloudwatch:ListMetrics",
    "cloudwatch:GetMetricData",
    "servicequotas:ListServiceQuotas",
)


def role_permissions_policy() -> dict:
    """The permissions policy the founder attaches to the role: read-only, exactly
    ROLE_ACTIONS (none of them supports resource-level permissions, hence `*`)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudRouteReadOnly",
                "Effect": "Allow",
                "Action": list(ROLE_ACTIONS),
                "Resource": "*",
            }
        ],
    }


def usage_clients_for(access: BillingAccess, *, region: str) -> tuple | None:
    """CloudWatch and Service Quotas clients in `region` acting as the startup's role, or
    None when boto3 finds no AWS credentials of CloudRoute's own."""
    session = boto3.session.Session()
    if session.get_credentials() is None:
        return None
    config = Config(**CLIENT_CONFIG)
    sts = session.client("sts", region_name=region, config=config)
    credentials = assumed_session_credentials(
        sts,
        role_arn=access.role_arn,
        external_id=access.external_id,
        session_name="cloudroute-usage",
    )
    assumed = boto3.session.Session(**credentials)
    return (
        assumed.client("cloudwatch", region_name=region, config=config),
        assumed.client("service-quotas", region_name=region, config=config),
    )


def bedrock_usage_import(*, startup_id: int, cw_client, days: int = WINDOW_DAYS) -> int:
    """Read the last `days` whole days (UTC) of every Claude ModelId's metrics and upsert
    one BedrockUsageDay each. Returns how many were stored."""
    today = timezone.now().astimezone(dt.UTC).date()
    dimensions = model_dimensions(cw_client)
    usage = (
        daily_usage(
            cw_client, dimensions=dimensions, start=today - dt.timedelta(days=days), end=today
        )
        if dimensions
        else {}
    )
    now = timezone.now()
    with transaction.atomic():
        for (dimension, day), counts in usage.items():
            BedrockUsageDay.objects.update_or_create(
                startup_id=startup_id,
                day=day,
                dimension=dimension[:200],
                defaults={
                    "model_id": base_model_id(dimension) or "",
                    **{field: counts.get(field, 0) for field in _COUNT_FIELDS},
                    "read_at": now,
                },
            )
        BillingAccess.objects.filter(startup_id=startup_id).update(usage_synced_at=now)
    return len(usage)


_COUNT_FIELDS = (
    "invocations",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
)


def bedrock_quotas_import(*, startup_id: int, region: str, sq_client) -> int:
    """Read the account's per-minute Claude quotas in `region` and store them (each by its
    quota code; those no longer listed are deleted). Returns how many were stored. An empty
    answer deletes nothing (read as a failed read)."""
    names = {row["quota_model_name"].lower(): row["model_id"] for row in quota_data.DEFAULT_QUOTAS}
    quotas = bedrock_quotas(sq_client, model_names=names)
    if not quotas:
        return 0
    now = timezone.now()
    with transaction.atomic():
        for quota in quotas:
            BedrockQuota.objects.update_or_create(
                startup_id=startup_id,
                region=region,
                quota_code=quota["quota_code"],
                defaults={
                    "name": quota["name"][:300],
                    "model_id": quota["model_id"],
                    "scope": quota["scope"],
                    "kind": quota["kind"],
                    "value": quota["value"],
                    "read_at": now,
                },
            )
        BedrockQuota.objects.filter(startup_id=startup_id, region=region).exclude(
            quota_code__in=[quota["quota_code"] for quota in quotas]
        ).delete()
    return len(quotas)


def usage_overspend_check(*, startup_id: int) -> bool:
    """Alert the founder and the partner (`usage_overspent`, on commit) when the measured
    spend runs more than 20% above the projection of the newest workload, once per workload
    version (BillingAccess.overspend_alerted_workload_id, under the row's lock). Returns
    whether it alerted."""
    workload = workload_latest_for_startup(startup_id=startup_id)
    if workload is None:
        return False
    found = selectors.usage_calibration(workload=workload)
    if found is None or not found.over_threshold:
        return False
    with transaction.atomic():
        access = BillingAccess.objects.select_for_update().filter(startup_id=startup_id).first()
        if access is None or access.overspend_alerted_workload_id == workload.pk:
            return False
        access.overspend_alerted_workload_id = workload.pk
        access.save(update_fields=["overspend_alerted_workload_id"])
        data = {
            "workload_id": workload.pk,
            "measured_monthly_cost": str(found.measured_monthly_cost),
            "projected_monthly_cost": str(found.projected_monthly_cost),
            "overspend": str(found.overspend),
        }
        audit_log(actor=None, action="usage.overspent", subject=access.startup, data=data)
        send_on_commit(
            usage_overspent, sender=BillingAccess, startup_id=startup_id, workload_id=workload.pk
        )
        transaction.on_commit(
            lambda: email_usage_overspent_task.delay(startup_id, workload.pk), robust=True
        )
    return True
