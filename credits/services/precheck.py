"""ACE's pre-submission check: what an opportunity needs before a firm files it, named per
field so the accepting firm can fix it on the lead page (matching.services.precheck_fix).

The rules follow botocore's partnercentral-selling model and AWS's CreateOpportunity
documentation (docs/ace.md): CompanyName at most 120 characters; CustomerBusinessProblem 20
to 2000; WebsiteUrl 4 to 255 and required unless the project is a national security one,
which only a Government customer can have; the address's StateOrRegion one of the US names
ACE lists; CountryCode one of ACE's codes; a 12-digit AWS account; a non-zero expected
monthly spend; a target close date not in the past.
"""

import re
from dataclasses import dataclass

from django.utils import timezone
from django_countries import countries

from workloads.choices import Industry, us_state_name
from workloads.models import DESCRIPTION_MAX, DESCRIPTION_MIN
from workloads.selectors import workload_expected_monthly_spend, workload_latest_for_startup

from ..aws.ace import COMPANY_NAME_MAX, WEBSITE_MAX, WEBSITE_MIN
from ..models import CreditApplication

AWS_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")


@dataclass(frozen=True)
class PrecheckProblem:
    field: str
    message: str


def application_precheck(*, application: CreditApplication) -> list[PrecheckProblem]:
    """ACE's rules for filing an opportunity, checked before `submitted` so a filing never
    bounces to Action Required for a missing field. Reads only (the startup if not loaded,
    its newest workload and that workload's newest projection); an empty list means ready."""
    startup = application.startup
    workload = workload_latest_for_startup(startup_id=startup.pk)
    description = (workload.description or "").strip() if workload else ""
    checks = [
        ("company_name", _company_name(startup.name)),
        ("website", _website(startup.website, application.national_security)),
        ("national_security", _national_security(application, startup.industry)),
        ("business_problem", _business_problem(description)),
        ("aws_account_id", _aws_account_id(startup.aws_account_id)),
        ("expected_monthly_spend", _spend(workload)),
        ("country", _country(str(startup.country or ""))),
        ("state", _state(str(startup.country or ""), startup.state)),
        ("target_close_date", _close_date(application.target_close_date)),
    ]
    return [PrecheckProblem(field, message) for field, message in checks if message]


def _company_name(value: str) -> str:
    name = (value or "").strip()
    if not name:
        return "Enter the company name."
    if len(name) > COMPANY_NAME_MAX:
        return (
            f"The company name is {len(name)} characters; ACE accepts at most "
            f"{COMPANY_NAME_MAX}. Shorten it."
        )
    return ""


def _website(value: str, national_security: bool) -> str:
    website = (value or "").strip()
    if not website:
        if national_security:
            return ""
        return "Enter the company's website: ACE requires it (all but national security)."
    if not WEBSITE_MIN <= len(website) <= WEBSITE_MAX:
        return (
            f"The website is {len(website)} characters; ACE takes {WEBSITE_MIN} to "
            f"{WEBSITE_MAX}. Enter a shorter address (the home page will do)."
        )
    return ""


def _national_security(application: CreditApplication, industry: str) -> str:
    if application.national_security and industry != Industry.GOVERNMENT:
        return "Only a Government customer's project can be a national security one."
    return ""


def _business_problem(description: str) -> str:
    if DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        return ""
    return (
        f"Describe the business problem in {DESCRIPTION_MIN} to {DESCRIPTION_MAX} "
        f"characters (the workload description has {len(description)})."
    )


def _aws_account_id(value: str) -> str:
    if AWS_ACCOUNT_ID.match(value or ""):
        return ""
    return "Enter the startup's 12-digit AWS account id (digits only, e.g. 210987654321)."


def _spend(workload) -> str:
    if workload_expected_monthly_spend(workload=workload) > 0:
        return ""
    return (
        "ACE needs a non-zero expected monthly spend: add the workload's traffic "
        "and re-run its spend projection."
    )


def _country(code: str) -> str:
    # The offered countries are ACE's (settings.COUNTRIES_OVERRIDE drops what ACE lacks);
    # a row stored before that is named here rather than bounced by ACE.
    if code in dict(countries):
        return ""
    return f"ACE does not take the country {code or '(none)'}; choose the country of registration."


def _state(country: str, value: str) -> str:
    if country != "US":
        return ""
    if not (value or "").strip():
        return "Enter the state of the company's US address (e.g. Washington)."
    if us_state_name(value) is None:
        return f"{value!r} is not a US state or territory ACE knows; enter its full name."
    return ""


def _close_date(value) -> str:
    today = timezone.localdate()
    if value is not None and value < today:
        return (
            f"The target close date {value:%Y-%m-%d} is in the past; choose today "
            f"({today:%Y-%m-%d}) or later."
        )
    return ""
