"""ACE (AWS Partner Central, `partnercentral-selling`): file, engage and watch opportunities.

Adapters only: each function takes a boto3 `partnercentral-selling` client and the firm's
Catalog ("AWS" or "Sandbox") and returns plain values; nothing here reads or writes the
database. The shapes follow botocore's service model and the filing sequence of AWS's
CreateOpportunity documentation (docs/ace.md): CreateOpportunity, AssociateOpportunity (the
firm's solution), StartEngagementFromOpportunityTask (which submits), then ListOpportunities
and ListEngagementFromOpportunityTasks to follow the review.

`opportunity_payload` builds the CreateOpportunity body from plain values. The service
freezes it with its ClientToken at the first attempt and sends exactly that on every retry:
ACE answers a reused token with a changed body with "Conflicting client token".
"""

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

logger = logging.getLogger(__name__)

ACE_REGION = "us-east-1"  # Partner Central answers from us-east-1 only
CATALOGS = ("AWS", "Sandbox")
MAX_PAGES = 200  # a runaway listing stops here instead of spinning forever
PAGE_SIZE = 100  # ListOpportunities' MaxResults upper bound
TASK_IDS_PER_CALL = 10  # ListEngagementFromOpportunityTasks' TaskIdentifier: at most 10
COMPANY_NAME_MAX = 120
BUSINESS_PROBLEM_MIN, BUSINESS_PROBLEM_MAX = 20, 2000
WEBSITE_MIN, WEBSITE_MAX = 4, 255  # Customer.Account.WebsiteUrl
TITLE_MAX = 255
PRIMARY_NEEDS = ("Co-Sell - Architectural Validation",)
# "A lead and a prospect must be further matured to a Qualified opportunity before
# submission" (LifeCycle.Stage in the model): the firm accepted the lead and spoke to the
# founder, so the opportunity is filed as Qualified.
STAGE = "Qualified"
# Project.CustomerUseCase (a documented list, not an enum in the model): every CloudRoute
# workload is Claude on Amazon Bedrock.
CUSTOMER_USE_CASE = "AI Machine Learning and Analytics"
# Project.SalesActivities a CloudRoute lead has behind it when its firm files: the founder
# asked for help (the intake) and the firm accepted the lead and contacted them.
SALES_ACTIVITIES = (
    "Initialized discussions with customer",
    "Customer has shown interest in solution",
)
# Project.DeliveryModels (an enum in the model); a firm names its own in its ACE settings.
DELIVERY_MODELS = (
    "SaaS or PaaS",
    "BYOL or AMI",
    "Managed Services",
    "Professional Services",
    "Resell",
    "Other",
)
INVOLVEMENT_TYPE = "Co-Sell"
VISIBILITY = "Full"

# ACE's LifeCycle.ReviewStatus -> our ApplicationStatus values
# (docs/architecture.md#applications-and-the-0-outcome).
REVIEW_STATUS_TO_STATE = {
    "Pending Submission": "draft",
    "Submitted": "submitted",
    "In review": "in_review",
    "Action Required": "action_required",
    "Approved": "approved",
    "Rejected": "rejected",
}


class AcePayloadError(ValueError):
    """The application lacks what ACE needs to create an opportunity (nothing was sent)."""


@dataclass(frozen=True)
class Customer:
    """What the opportunity says about the end customer (the startup), as CloudRoute holds
    it; `state` is already the full name ACE takes for a US address."""

    company_name: str
    website: str
    industry: str
    country: str
    state: str
    postal_code: str
    aws_account_id: str


@dataclass(frozen=True)
class EngagementTask:
    """StartEngagementFromOpportunityTask's answer (or a task's summary in a listing)."""

    task_id: str
    status: str  # IN_PROGRESS, COMPLETE or FAILED
    message: str
    reason_code: str
    opportunity_id: str


def partner_opportunity_identifier(application_id: int) -> str:
    """The opportunity's id in CloudRoute (PartnerOpportunityIdentifier, at most 64)."""
    return f"cloudroute-application-{application_id}"


def opportunity_payload(
    *,
    application_id: int,
    customer: Customer,
    business_problem: str,
    monthly_spend: Decimal,
    close_date: dt.date,
    delivery_models: list[str],
    national_security: bool,
) -> dict[str, Any]:
    """The CreateOpportunity body (without Catalog and ClientToken) for an application.

    Raises AcePayloadError naming what ACE would refuse; nothing is ever cut to fit.
    """
    company = customer.company_name.strip()
    if not company or len(company) > COMPANY_NAME_MAX:
        raise AcePayloadError(
            f"The company name must be 1 to {COMPANY_NAME_MAX} characters for ACE."
        )
    problem = (business_problem or "").strip()
    if not BUSINESS_PROBLEM_MIN <= len(problem) <= BUSINESS_PROBLEM_MAX:
        raise AcePayloadError(
            f"The business problem must be {BUSINESS_PROBLEM_MIN} to {BUSINESS_PROBLEM_MAX} "
            f"characters for ACE (it has {len(problem)})."
        )
    website = customer.website.strip()
    if website and not WEBSITE_MIN <= len(website) <= WEBSITE_MAX:
        raise AcePayloadError(
            f"The website must be {WEBSITE_MIN} to {WEBSITE_MAX} characters for ACE."
        )
    if not website and not national_security:
        raise AcePayloadError("ACE needs the company's website (all but national security).")
    unknown = sorted(set(delivery_models) - set(DELIVERY_MODELS))
    if not delivery_models or unknown:
        raise AcePayloadError(f"The delivery models must be some of {', '.join(DELIVERY_MODELS)}.")

    account: dict[str, Any] = {"CompanyName": company, "Industry": customer.industry}
    if website:
        account["WebsiteUrl"] = website
    address: dict[str, str] = {"CountryCode": customer.country}
    if customer.country == "US" and customer.state:
        address["StateOrRegion"] = customer.state
    if customer.postal_code.strip():
        address["PostalCode"] = customer.postal_code.strip()
    account["Address"] = address
    if customer.aws_account_id:
        account["AwsAccountId"] = customer.aws_account_id
    return {
        "PartnerOpportunityIdentifier": partner_opportunity_identifier(application_id),
        "Origin": "Partner Referral",
        "OpportunityType": "Net New Business",
        "NationalSecurity": "Yes" if national_security else "No",
        "PrimaryNeedsFromAws": list(PRIMARY_NEEDS),
        "Customer": {"Account": account},
        "Project": {
            "Title": f"{company}: Claude on Amazon Bedrock"[:TITLE_MAX],
            "CustomerBusinessProblem": problem,
            "CustomerUseCase": CUSTOMER_USE_CASE,
            "DeliveryModels": list(delivery_models),
            "SalesActivities": list(SALES_ACTIVITIES),
            "ExpectedCustomerSpend": [
                {
                    "Amount": amount_text(monthly_spend),
                    "CurrencyCode": "USD",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
        },
        "LifeCycle": {"Stage": STAGE, "TargetCloseDate": close_date.isoformat()},
    }


def create_opportunity(client, *, catalog: str, client_token: str, payload: dict) -> str:
    """Create the opportunity and return its id ("O" + digits). `payload` and
    `client_token` are the frozen ones: a retry returns the opportunity already made."""
    response = client.create_opportunity(
        Catalog=_catalog(catalog), ClientToken=client_token, **payload
    )
    return str(response["Id"])


def associate_solution(client, *, catalog: str, opportunity_id: str, solution_id: str) -> None:
    """Associate the firm's Partner Central solution ("S-" + digits) with the opportunity
    (AssociateOpportunity; its answer is empty)."""
    client.associate_opportunity(
        Catalog=_catalog(catalog),
        OpportunityIdentifier=opportunity_id,
        RelatedEntityType="Solutions",
        RelatedEntityIdentifier=solution_id,
    )


def start_engagement(
    client, *, catalog: str, opportunity_id: str, client_token: str
) -> EngagementTask:
    """Start the engagement with AWS from the opportunity, which submits it for review
    (StartEngagementFromOpportunityTask, Co-Sell with full visibility). The task runs on in
    ACE; its status comes back here and later from `list_engagement_tasks`."""
    response = client.start_engagement_from_opportunity_task(
        Catalog=_catalog(catalog),
        ClientToken=client_token,
        Identifier=opportunity_id,
        AwsSubmission={"InvolvementType": INVOLVEMENT_TYPE, "Visibility": VISIBILITY},
    )
    return _task(response, opportunity_id)


def list_engagement_tasks(client, *, catalog: str, task_ids: list[str]) -> list[EngagementTask]:
    """The engagement tasks with these ids (ListEngagementFromOpportunityTasks, paginated,
    TASK_IDS_PER_CALL ids a call: the model's TaskIdentifier list holds at most 10)."""
    tasks = []
    for start in range(0, len(task_ids), TASK_IDS_PER_CALL):
        batch = list(task_ids[start : start + TASK_IDS_PER_CALL])
        request = {"Catalog": _catalog(catalog), "TaskIdentifier": batch}
        for page in _pages(client, "list_engagement_from_opportunity_tasks", request):
            for item in page.get("TaskSummaries") or ():
                if isinstance(item, dict) and item.get("TaskId"):
                    tasks.append(_task(item, str(item.get("OpportunityId") or "")))
    return tasks


def list_changed_opportunities(client, *, catalog: str, since: dt.datetime) -> list[dict]:
    """The opportunity summaries ACE changed after `since`, oldest change first, through
    botocore's ListOpportunities paginator."""
    request = {
        "Catalog": _catalog(catalog),
        "LastModifiedDate": {"AfterLastModifiedDate": since},
        "Sort": {"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"},
        "PaginationConfig": {"PageSize": PAGE_SIZE},
    }
    summaries: list[dict] = []
    for page in _pages(client, "list_opportunities", request):
        items = page.get("OpportunitySummaries")
        summaries.extend(item for item in items or () if isinstance(item, dict))
    return summaries


def review_state(summary: dict) -> str | None:
    """Our application state for an opportunity summary, or None when ACE's review status
    is missing or unknown."""
    life_cycle = summary.get("LifeCycle")
    status = life_cycle.get("ReviewStatus") if isinstance(life_cycle, dict) else None
    return REVIEW_STATUS_TO_STATE.get(status) if isinstance(status, str) else None


def amount_text(value) -> str:
    """ExpectedCustomerSpend.Amount: dollars with at most two decimals, never zero."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is not None and amount.is_finite():
        amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount is None or not amount.is_finite() or amount <= 0:
        raise AcePayloadError("ACE needs a non-zero expected monthly spend.")
    return str(amount)


# --- helpers -----------------------------------------------------------------------------


def _catalog(catalog: str) -> str:
    if catalog not in CATALOGS:
        raise ValueError(f"Unknown ACE catalog {catalog!r}; one of {', '.join(CATALOGS)}.")
    return catalog


def _task(response: dict, opportunity_id: str) -> EngagementTask:
    return EngagementTask(
        task_id=str(response.get("TaskId") or ""),
        status=str(response.get("TaskStatus") or ""),
        message=str(response.get("Message") or ""),
        reason_code=str(response.get("ReasonCode") or ""),
        opportunity_id=str(response.get("OpportunityId") or opportunity_id),
    )


def _pages(client, operation: str, request: dict) -> Iterator[dict]:
    """botocore's paginator for `operation`, stopped after MAX_PAGES (the paginator itself
    raises on a repeated token)."""
    paginator = client.get_paginator(operation)
    for number, page in enumerate(paginator.paginate(**request), start=1):
        yield page if isinstance(page, dict) else {}
        if number >= MAX_PAGES:
            logger.warning("ace: stopped %s after %d pages", operation, MAX_PAGES)
            return
