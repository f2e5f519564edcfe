"""Partner Central Benefits (`partnercentral-benefits`): the credits AWS issued.

Adapters only: each function takes a boto3 `partnercentral-benefits` client and the firm's
Catalog ("AWS" or "Sandbox") and returns plain values; nothing here writes to the database.
Shapes follow botocore's service model: ListBenefitAllocations gives summaries (Id,
BenefitApplicationId, Status) without amounts; GetBenefitAllocation gives
FulfillmentDetail.CreditDetails.Codes[] (Value.Amount/CurrencyCode, AwsCreditCode, IssuedAt,
ExpiresAt); GetBenefitApplication gives AssociatedResources (ARNs, among them the ACE
opportunity the benefit application was filed for), which is how an allocation links back
to our application (`ace_opportunity_id`).
"""

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from botocore.exceptions import BotoCoreError, ClientError

from .ace import ACE_REGION, CATALOGS

logger = logging.getLogger(__name__)

BENEFITS_REGION = ACE_REGION  # Partner Central answers from us-east-1 only
MAX_PAGES = 200  # a runaway NextToken loop stops here instead of spinning forever
PAGE_SIZE = 100  # ListBenefitAllocations' MaxResults upper bound
COUNTED_CODE_STATUSES = frozenset({"ACTIVE", "FULFILLED"})  # a code's own Status
# An opportunity ARN ends in ".../opportunity/O1234567"; a bare id is accepted too.
_OPPORTUNITY_RE = re.compile(r"(?:^|[/:])(O[0-9]+)$")


@dataclass(frozen=True)
class CreditAllocation:
    """Credits issued on one benefit allocation: the codes' total and earliest dates."""

    allocation_id: str
    benefit_application_id: str
    opportunity_id: str | None  # the ACE opportunity ("O" + digits) of the application
    amount: Decimal  # the sum of the codes' values
    currency: str
    expires_on: dt.date  # the earliest code expiry
    issued_on: dt.date | None  # the earliest code issue date, when given


def list_credit_allocations(client, *, catalog: str) -> list[CreditAllocation]:
    """Every credit allocation of the catalog with its issued codes, following NextToken.

    ListBenefitAllocations through botocore's paginator (CREDITS only), then
    GetBenefitAllocation per allocation and GetBenefitApplication per distinct benefit
    application (for the ACE opportunity link). Only codes whose own Status is ACTIVE or
    FULFILLED count. Rows that cannot be mapped (inactive, no counted codes, mixed
    currencies, bad amounts or dates, a failing Get call) are skipped and logged, never
    raised; a failing List call raises (ClientError/BotoCoreError).
    """
    if catalog not in CATALOGS:
        raise ValueError(f"Unknown catalog {catalog!r}; one of {', '.join(CATALOGS)}.")
    request = {
        "Catalog": catalog,
        "FulfillmentTypes": ["CREDITS"],
        "PaginationConfig": {"PageSize": PAGE_SIZE},
    }
    opportunities: dict[str, str | None] = {}
    allocations: list[CreditAllocation] = []
    for page in _pages(client, "list_benefit_allocations", request):
        for summary in page.get("BenefitAllocationSummaries") or ():
            if not isinstance(summary, dict):
                continue
            allocation = _allocation(client, catalog, summary, opportunities)
            if allocation is not None:
                allocations.append(allocation)
    return allocations


def _allocation(
    client, catalog: str, summary: dict, opportunities: dict[str, str | None]
) -> CreditAllocation | None:
    allocation_id = summary.get("Id")
    application_id = summary.get("BenefitApplicationId")
    if not isinstance(allocation_id, str) or not allocation_id:
        return None
    if not isinstance(application_id, str) or not application_id:
        logger.info("benefits: allocation %s names no benefit application", allocation_id)
        return None
    if summary.get("Status") == "INACTIVE":
        return None
    try:
        detail = client.get_benefit_allocation(Catalog=catalog, Identifier=allocation_id)
    except (ClientError, BotoCoreError) as exc:
        logger.warning("benefits: allocation %s could not be read: %s", allocation_id, exc)
        return None
    credit = ((detail or {}).get("FulfillmentDetail") or {}).get("CreditDetails") or {}
    # Each code has its own Status: ACTIVE (issued, not yet redeemed) and FULFILLED
    # (redeemed onto the account) are credits the startup has; INACTIVE ones are not.
    codes = [
        code
        for code in credit.get("Codes") or ()
        if isinstance(code, dict) and code.get("Status") in COUNTED_CODE_STATUSES
    ]
    if not codes:
        logger.info("benefits: allocation %s has no active or fulfilled code", allocation_id)
        return None
    amount, currencies, expiries, issues = Decimal("0"), set(), [], []
    for code in codes:
        value = code.get("Value") or {}
        try:
            amount += Decimal(str(value.get("Amount")))
        except (InvalidOperation, ValueError):
            logger.warning("benefits: allocation %s has a bad code amount", allocation_id)
            return None
        currencies.add(value.get("CurrencyCode"))
        if (expires := _date(code.get("ExpiresAt"))) is not None:
            expiries.append(expires)
        if (issued := _date(code.get("IssuedAt"))) is not None:
            issues.append(issued)
    if len(currencies) != 1 or not isinstance(currency := currencies.pop(), str):
        logger.warning("benefits: allocation %s mixes or lacks currencies", allocation_id)
        return None
    if not amount.is_finite() or amount <= 0 or not expiries:
        logger.warning("benefits: allocation %s has no amount or expiry", allocation_id)
        return None
    if application_id not in opportunities:
        opportunities[application_id] = _opportunity_of(client, catalog, application_id)
    return CreditAllocation(
        allocation_id=allocation_id,
        benefit_application_id=application_id,
        opportunity_id=opportunities[application_id],
        amount=amount,
        currency=currency,
        expires_on=min(expiries),
        issued_on=min(issues) if issues else None,
    )


def _opportunity_of(client, catalog: str, application_id: str) -> str | None:
    """The ACE opportunity id among the benefit application's associated resources."""
    try:
        application = client.get_benefit_application(Catalog=catalog, Identifier=application_id)
    except (ClientError, BotoCoreError) as exc:
        logger.warning("benefits: application %s could not be read: %s", application_id, exc)
        return None
    for resource in (application or {}).get("AssociatedResources") or ():
        match = _OPPORTUNITY_RE.search(resource) if isinstance(resource, str) else None
        if match:
            return match.group(1)
    return None


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    if isinstance(value, dt.date):
        return value
    return None


def _pages(client, operation: str, request: dict) -> Iterator[dict]:
    """botocore's paginator for `operation`, stopped after MAX_PAGES (the paginator itself
    raises on a repeated token)."""
    for number, page in enumerate(client.get_paginator(operation).paginate(**request), start=1):
        yield page if isinstance(page, dict) else {}
        if number >= MAX_PAGES:
            logger.warning("benefits: stopped %s after %d pages", operation, MAX_PAGES)
            return
