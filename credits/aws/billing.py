"""A startup's real AWS bill for Claude on Bedrock: Cost Explorer and the Billing credits API.

Adapters only: each function takes a boto3 client (sts, ce or billing) made elsewhere
(credits.services.actuals builds them from the role the founder granted) and returns plain
values. Nothing here touches the database.

Claude is billed through AWS Marketplace under names such as
"Claude Haiku 4.5 (Amazon Bedrock Edition)", not under "Amazon Bedrock"; both count. Credits
appear as negative rows of RECORD_TYPE "Credit".
"""

import datetime as dt
import logging
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

logger = logging.getLogger(__name__)

BEDROCK_SERVICE = "Amazon Bedrock"
MARKETPLACE_SUFFIX = "(Amazon Bedrock Edition)"
MAX_PAGES = 200  # a runaway NextPageToken loop stops here instead of spinning forever
CENTS = Decimal("0.01")


def assumed_session_credentials(
    sts_client, *, role_arn: str, external_id: str, session_name: str = "cloudroute-costs"
) -> dict[str, str]:
    """Temporary credentials for the founder's role, as boto3 client keyword arguments."""
    response = sts_client.assume_role(
        RoleArn=role_arn, RoleSessionName=session_name, ExternalId=external_id
    )
    credentials = response["Credentials"]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def is_bedrock_service(name: str) -> bool:
    """Whether a Cost Explorer SERVICE name is Bedrock spend (Claude included)."""
    return name == BEDROCK_SERVICE or MARKETPLACE_SUFFIX in name


def monthly_bedrock_costs(
    ce_client, *, start: dt.date, end: dt.date
) -> dict[dt.date, tuple[Decimal, Decimal]]:
    """Per month from `start` (inclusive) to `end` (exclusive): (Bedrock cost, credits applied).

    Cost is the sum of the Usage rows of Bedrock services; credits applied is the absolute
    value of their (negative) Credit rows. Other services and record types are ignored.
    Months Cost Explorer returns without Bedrock rows are (0, 0). Follows NextPageToken.
    """
    request = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "MONTHLY",
        "Metrics": ["UnblendedCost"],
        "GroupBy": [
            {"Type": "DIMENSION", "Key": "SERVICE"},
            {"Type": "DIMENSION", "Key": "RECORD_TYPE"},
        ],
    }
    totals: dict[dt.date, list[Decimal]] = {}
    for page in _pages(ce_client.get_cost_and_usage, request):
        for period in _dicts(page.get("ResultsByTime")):
            try:
                month = dt.date.fromisoformat(period["TimePeriod"]["Start"]).replace(day=1)
            except (KeyError, TypeError, ValueError):
                logger.warning("ce: skipping a period without a readable start")
                continue
            row = totals.setdefault(month, [Decimal(0), Decimal(0)])
            for group in _dicts(period.get("Groups")):
                keys = group.get("Keys")
                if not isinstance(keys, list) or len(keys) != 2:
                    continue
                service, record_type = str(keys[0]), str(keys[1])
                if not is_bedrock_service(service):
                    continue
                amount = _amount(group.get("Metrics"))
                if amount is None:
                    continue
                if record_type == "Usage":
                    row[0] += amount
                elif record_type == "Credit" and amount < 0:
                    row[1] += -amount
    return {
        month: (cost.quantize(CENTS), credits.quantize(CENTS))
        for month, (cost, credits) in sorted(totals.items())
    }


def credit_balances(billing_client, *, account_id: str, start: dt.date) -> list[dict[str, Any]]:
    """The account's credits from `billing.get_credits` (one call; the operation has no
    pages): id, type, description, initial and remaining amount, currency, start and expiry
    dates, the products they apply to and whether they are enabled. `start` is at most a
    year back. A credit without readable amounts or expiry comes back as only its id with
    "unreadable": True (logged)."""
    response = billing_client.get_credits(
        accountId=account_id,
        startDate=dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
    )
    balances = []
    for credit in _dicts(response.get("credits")):
        end, begin = credit.get("endDate"), credit.get("startDate")
        initial = _money(credit.get("initialAmount"))
        remaining = _money(credit.get("remainingAmount"))
        if initial is None or remaining is None or not isinstance(end, dt.datetime):
            logger.warning(
                "billing: credit %s has no readable amounts or expiry", credit.get("creditId")
            )
            # Listed, so kept as stored: an unreadable answer never deletes a credit.
            balances.append({"credit_id": str(credit.get("creditId", "")), "unreadable": True})
            continue
        balances.append(
            {
                "credit_id": str(credit.get("creditId", "")),
                "type": str(credit.get("creditType", "")),
                "description": str(credit.get("description", "")),
                "initial_amount": initial.quantize(CENTS),
                "remaining_amount": max(remaining, Decimal(0)).quantize(CENTS),
                "currency": _currency(credit.get("remainingAmount")),
                "starts_on": begin.date() if isinstance(begin, dt.datetime) else None,
                "expires_on": end.date(),
                "products": [str(name) for name in credit.get("applicableProductNames") or []],
                "enabled": credit.get("creditStatus", "ENABLED") != "DISABLED",
            }
        )
    return balances


def _amount(metrics: Any) -> Decimal | None:
    """The Amount of the first metric in `metrics` ({"UnblendedCost": {"Amount": "1.2"}})."""
    if not isinstance(metrics, dict):
        return None
    for metric in metrics.values():
        value = metric.get("Amount") if isinstance(metric, dict) else None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return None
        return amount if amount.is_finite() else None
    return None


def _money(value: Any) -> Decimal | None:
    """A Billing API Amount ({"currencyCode": "USD", "currencyAmount": "743.21"})."""
    raw = value.get("currencyAmount") if isinstance(value, dict) else None
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _currency(value: Any) -> str:
    return str(value.get("currencyCode", "")) if isinstance(value, dict) else ""


def _dicts(value: Any) -> Iterator[dict]:
    return (item for item in (value if isinstance(value, list) else ()) if isinstance(item, dict))


def _pages(operation, request: dict) -> Iterator[dict]:
    seen: set[str] = set()
    token = None
    for _ in range(MAX_PAGES):
        page = operation(**request, **({"NextPageToken": token} if token else {}))
        yield page if isinstance(page, dict) else {}
        token = page.get("NextPageToken") if isinstance(page, dict) else None
        if not token or token in seen:
            return
        seen.add(token)
    logger.warning("ce: stopped after %d pages", MAX_PAGES)
