"""ACE (AWS Partner Central, `partnercentral-selling`): file, submit and watch opportunities.

Adapters only: each function takes a boto3 `partnercentral-selling` client and the firm's
Catalog ("AWS" or "Sandbox") and returns plain values. The shapes follow botocore's service
model (CreateOpportunity, SubmitOpportunity, ListOpportunities). Nothing here writes to the
database; `opportunity_payload` reads the startup's newest workload when no business problem
is given.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from workloads.selectors import workload_latest_for_startup

logger = logging.getLogger(__name__)

ACE_REGION = "us-east-1"  # Partner Central answers from us-east-1 only
CATALOGS = ("AWS", "Sandbox")
MAX_PAGES = 200  # a runaway NextToken loop stops here instead of spinning forever
PAGE_SIZE = 100  # ListOpportunities' MaxResults upper bound
COMPANY_NAME_MAX = 120
BUSINESS_PROBLEM_MIN, BUSINESS_PROBLEM_MAX = 20, 2000
DEFAULT_CLOSE_DAYS = 90  # when the partner gave no target close date
PRIMARY_NEEDS = ["Co-Sell - Architectural Validation"]

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


def client_token(application) -> str:
    """The CreateOpportunity ClientToken of an application: the same on every retry, so ACE
    answers a repeated call with the opportunity it already made instead of a duplicate."""
    return f"cloudroute-application-{application.pk}"


def opportunity_payload(
    application, *, monthly_spend: Decimal, business_problem: str | None = None
) -> dict[str, Any]:
    """The CreateOpportunity fields (without Catalog and ClientToken) for an application.

    `business_problem` defaults to the description of the startup's newest workload (one
    query). Raises AcePayloadError when a field ACE requires is missing or out of bounds.
    """
    startup = application.startup
    company = (startup.name or "").strip()
    if not company or len(company) > COMPANY_NAME_MAX:
        raise AcePayloadError(
            f"The company name must be 1 to {COMPANY_NAME_MAX} characters for ACE."
        )
    if business_problem is None:
        business_problem = _workload_description(startup.pk)
    problem = (business_problem or "").strip()
    if not BUSINESS_PROBLEM_MIN <= len(problem) <= BUSINESS_PROBLEM_MAX:
        raise AcePayloadError(
            f"The business problem must be {BUSINESS_PROBLEM_MIN} to {BUSINESS_PROBLEM_MAX} "
            f"characters for ACE (it has {len(problem)})."
        )
    amount = _amount(monthly_spend)

    account: dict[str, Any] = {"CompanyName": company}
    website = (startup.website or "").strip()
    if len(website) >= 4:
        account["WebsiteUrl"] = website[:255]
    if startup.industry:
        account["Industry"] = str(startup.industry)
    address: dict[str, str] = {}
    country = str(startup.country or "")
    if country:
        address["CountryCode"] = country
    if (startup.state or "").strip():
        address["StateOrRegion"] = startup.state.strip()
    if (startup.postal_code or "").strip():
        address["PostalCode"] = startup.postal_code.strip()[:20]
    if address:
        account["Address"] = address
    if (startup.aws_account_id or "").strip():
        account["AwsAccountId"] = startup.aws_account_id.strip()

    close_date = application.target_close_date or (
        timezone.localdate() + dt.timedelta(days=DEFAULT_CLOSE_DAYS)
    )
    return {
        "PartnerOpportunityIdentifier": client_token(application),
        "Origin": "Partner Referral",
        "OpportunityType": "Net New Business",
        "PrimaryNeedsFromAws": list(PRIMARY_NEEDS),
        "Customer": {"Account": account},
        "Project": {
            "Title": f"{company}: Claude on Amazon Bedrock"[:255],
            "CustomerBusinessProblem": problem,
            "ExpectedCustomerSpend": [
                {
                    "Amount": amount,
                    "CurrencyCode": "USD",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
        },
        "LifeCycle": {"Stage": "Prospect", "TargetCloseDate": close_date.isoformat()},
    }


def create_opportunity(client, *, catalog: str, application, monthly_spend: Decimal) -> str:
    """Create the application's opportunity in ACE and return its id ("O" + digits).

    The ClientToken is derived from the application id, so a retry (after a timeout, or a
    task run twice) returns the same opportunity instead of filing a second one."""
    payload = opportunity_payload(application, monthly_spend=monthly_spend)
    response = client.create_opportunity(
        Catalog=_catalog(catalog), ClientToken=client_token(application), **payload
    )
    return str(response["Id"])


def submit_opportunity(
    client,
    *,
    catalog: str,
    opportunity_id: str,
    involvement_type: str = "Co-Sell",
    visibility: str = "Full",
) -> None:
    """Submit the opportunity to AWS for review (SubmitOpportunity; its answer is empty)."""
    client.submit_opportunity(
        Catalog=_catalog(catalog),
        Identifier=opportunity_id,
        InvolvementType=involvement_type,
        Visibility=visibility,
    )


def list_changed_opportunities(client, *, catalog: str, since: dt.datetime) -> list[dict]:
    """The opportunity summaries ACE changed after `since`, oldest change first, following
    NextToken across pages."""
    request = {
        "Catalog": _catalog(catalog),
        "MaxResults": PAGE_SIZE,
        "LastModifiedDate": {"AfterLastModifiedDate": since},
        "Sort": {"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"},
    }
    summaries: list[dict] = []
    for page in _pages(client.list_opportunities, request):
        items = page.get("OpportunitySummaries")
        summaries.extend(item for item in items or () if isinstance(item, dict))
    return summaries


def review_state(summary: dict) -> str | None:
    """Our application state for an opportunity summary, or None when ACE's review status
    is missing or unknown."""
    life_cycle = summary.get("LifeCycle")
    status = life_cycle.get("ReviewStatus") if isinstance(life_cycle, dict) else None
    return REVIEW_STATUS_TO_STATE.get(status) if isinstance(status, str) else None


# --- helpers -----------------------------------------------------------------------------


def _catalog(catalog: str) -> str:
    if catalog not in CATALOGS:
        raise ValueError(f"Unknown ACE catalog {catalog!r}; one of {', '.join(CATALOGS)}.")
    return catalog


def _amount(value) -> str:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is not None and amount.is_finite():
        amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount is None or not amount.is_finite() or amount <= 0:
        raise AcePayloadError("ACE needs a non-zero expected monthly spend.")
    return str(amount)


def _workload_description(startup_id: int) -> str:
    workload = workload_latest_for_startup(startup_id=startup_id)
    return workload.description if workload else ""


def _pages(operation, request: dict) -> Iterator[dict]:
    """Call `operation` until NextToken runs out (or repeats, or MAX_PAGES is reached)."""
    seen: set[str] = set()
    token = None
    for _ in range(MAX_PAGES):
        page = operation(**request, **({"NextToken": token} if token else {}))
        yield page if isinstance(page, dict) else {}
        token = page.get("NextToken") if isinstance(page, dict) else None
        if not token or token in seen:
            return
        seen.add(token)
    logger.warning("ace: stopped listing opportunities after %d pages", MAX_PAGES)
