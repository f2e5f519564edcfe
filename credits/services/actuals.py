"""Actual spend: a startup's monthly Bedrock bill read from Cost Explorer through its role.

The founder grants a role (BillingAccess: role ARN and the startup's own ExternalId);
`billing_clients_for` assumes it and builds the Cost Explorer and Billing clients;
`spend_actuals_import` stores one MonthlySpendActual per month and `account_credits_import`
the account's credits as AWS's ledger shows them (AccountCredit). All are safe to run again.

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

from ..aws.billing import assumed_session_credentials, credit_balances, monthly_bedrock_costs
from ..models import AccountCredit, BillingAccess, MonthlySpendActual

logger = logging.getLogger(__name__)

CE_REGION = "us-east-1"  # Cost Explorer answers from us-east-1 only
BILLING_REGION = "us-east-1"  # so does the Billing API (get_credits)


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


def billing_clients_for(access: BillingAccess) -> tuple | None:
    """The Cost Explorer and Billing clients acting as the startup's role (one assumed
    session, through the regional STS endpoint), or None when boto3 finds no AWS credentials
    of CloudRoute's own to assume it with."""
    session = boto3.session.Session()
    if session.get_credentials() is None:
        return None
    config = Config(**CLIENT_CONFIG)
    sts = session.client("sts", region_name=CE_REGION, config=config)
    credentials = assumed_session_credentials(
        sts, role_arn=access.role_arn, external_id=access.external_id
    )
    assumed = boto3.session.Session(**credentials)
    return (
        assumed.client("ce", region_name=CE_REGION, config=config),
        assumed.client("billing", region_name=BILLING_REGION, config=config),
    )


def account_credits_import(*, startup_id: int, billing_client) -> int:
    """Read the credits on the startup's AWS account (billing.get_credits for the account
    the granted role lives in, the last year) and store them: each upserted by its id, those
    AWS no longer lists deleted (one listed but unreadable stays as it was). Returns how many
    were stored (0 without billing access)."""
    access = BillingAccess.objects.filter(startup_id=startup_id).exclude(role_arn="").first()
    if access is None:
        return 0
    account_id = access.role_arn.split(":")[4]  # arn:aws:iam::<account>:role/...
    today = timezone.localdate()
    balances = credit_balances(
        billing_client, account_id=account_id, start=today - dt.timedelta(days=364)
    )
    read_at = timezone.now()
    readable = [balance for balance in balances if not balance.get("unreadable")]
    with transaction.atomic():
        for balance in readable:
            AccountCredit.objects.update_or_create(
                startup_id=startup_id,
                credit_id=balance["credit_id"],
                defaults={
                    "credit_type": balance["type"][:64],
                    "description": balance["description"][:500],
                    "initial_amount": balance["initial_amount"],
                    "remaining_amount": balance["remaining_amount"],
                    "currency": balance["currency"][:3],
                    "starts_on": balance["starts_on"],
                    "expires_on": balance["expires_on"],
                    "products": balance["products"],
                    "enabled": balance["enabled"],
                    "read_at": read_at,
                },
            )
        AccountCredit.objects.filter(startup_id=startup_id).exclude(
            credit_id__in=[balance["credit_id"] for balance in balances]
        ).delete()
        audit_log(
            actor=None,
            action="account_credits.imported",
            subject=access.startup,
            data={"credits": [balance["credit_id"] for balance in readable]},
        )
    return len(readable)


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
