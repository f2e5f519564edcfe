"""Actual spend: a startup's monthly Bedrock bill read from Cost Explorer through its role.

The founder grants a role (BillingAccess: role ARN and the startup's own ExternalId);
`billing_clients_for` assumes it and builds the Cost Explorer client, `spend_actuals_import`
stores one MonthlySpendActual per month. Both are safe to run again.

`billing_access_get_or_create` gives the founder the ExternalId before the role exists (the
row waits with an empty role ARN, which the imports skip); `billing_access_set` records the
role once the founder created it. The ExternalId never changes once made.
"""

import datetime as dt
import logging

import boto3
from botocore.config import Config
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from workloads.audit import audit_log
from workloads.aws import CLIENT_CONFIG
from workloads.models import Startup

from ..aws.billing import assumed_session_credentials, monthly_bedrock_costs
from ..models import BillingAccess, MonthlySpendActual

logger = logging.getLogger(__name__)

CE_REGION = "us-east-1"  # Cost Explorer answers from us-east-1 only


def _first_of_month(day: dt.date, *, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def billing_access_get_or_create(*, startup_id: int) -> BillingAccess:
    """The startup's billing access, made (without a role yet) on first use so the founder
    can put its ExternalId in the role's trust policy."""
    access, _ = BillingAccess.objects.get_or_create(
        startup_id=startup_id, defaults={"role_arn": ""}
    )
    return access


def billing_access_set(*, startup_id: int, role_arn: str, actor) -> BillingAccess:
    """Record the role the founder granted. Raises ValidationError naming `role_arn` when it
    is not an IAM role ARN; the ExternalId stays the one the founder already saw."""
    role_arn = (role_arn or "").strip()
    field = BillingAccess._meta.get_field("role_arn")
    try:
        if not role_arn:
            raise ValidationError("Enter the ARN of the role you created.", code="required")
        field.run_validators(role_arn)
    except ValidationError as error:
        raise ValidationError({"role_arn": error.messages}) from None
    with transaction.atomic():
        access = billing_access_get_or_create(startup_id=startup_id)
        access = BillingAccess.objects.select_for_update().get(pk=access.pk)
        previous = access.role_arn
        access.role_arn = role_arn
        access.save(update_fields=["role_arn"])
        audit_log(
            actor=actor,
            action="billing_access.granted",
            subject=access,
            data={"role_arn": role_arn, "previous_role_arn": previous},
        )
    return access


def ce_client_for(access: BillingAccess):
    """A Cost Explorer client acting as the startup's role, or None when boto3 finds no AWS
    credentials of CloudRoute's own to assume it with."""
    session = boto3.session.Session()
    if session.get_credentials() is None:
        return None
    config = Config(**CLIENT_CONFIG)
    sts = session.client("sts", region_name=CE_REGION, config=config)
    credentials = assumed_session_credentials(
        sts, role_arn=access.role_arn, external_id=access.external_id
    )
    return boto3.session.Session(**credentials).client("ce", region_name=CE_REGION, config=config)


def spend_actuals_import(*, startup_id: int, ce_client, months: int = 6) -> int:
    """Read the last `months` calendar months (the current one included, so far) of Bedrock
    cost and credits applied, and upsert them per month. Returns how many months were stored
    (0 when the startup no longer exists)."""
    startup = Startup.objects.filter(pk=startup_id).first()
    if startup is None:
        return 0
    today = timezone.localdate()
    start = _first_of_month(today, back=max(1, months) - 1)
    costs = monthly_bedrock_costs(ce_client, start=start, end=today + dt.timedelta(days=1))
    with transaction.atomic():
        for month, (cost, credits) in costs.items():
            MonthlySpendActual.objects.update_or_create(
                startup_id=startup_id,
                month=month,
                defaults={"bedrock_cost": cost, "credits_applied": credits},
            )
        BillingAccess.objects.filter(startup_id=startup_id).update(last_synced_at=timezone.now())
        audit_log(
            actor=None,
            action="spend.imported",
            subject=startup,
            data={"months": [month.isoformat() for month in costs]},
        )
    return len(costs)
