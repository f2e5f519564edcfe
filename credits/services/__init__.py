"""Writes of the credits app: eligibility snapshots, partner-filed applications, actuals."""

from .actuals import (
    billing_access_get_or_create,
    billing_access_set,
    ce_client_for,
    spend_actuals_import,
)
from .applications import (
    ACE_OPPORTUNITY_ID_RE,
    TRANSITIONS,
    ApplicationInputError,
    ApplicationTransitionError,
    PrecheckProblem,
    application_create,
    application_precheck,
    application_transition,
)
from .eligibility import (
    DEFAULT_VALIDITY_MONTHS,
    applicant_for_startup,
    eligibility_evaluate,
    expected_grants,
    startup_credits_refresh,
)
from .emails import outcome_changed_email_send
from .outcome import startup_outcome_refresh

__all__ = [
    "ACE_OPPORTUNITY_ID_RE",
    "DEFAULT_VALIDITY_MONTHS",
    "TRANSITIONS",
    "ApplicationInputError",
    "ApplicationTransitionError",
    "PrecheckProblem",
    "applicant_for_startup",
    "billing_access_get_or_create",
    "billing_access_set",
    "ce_client_for",
    "outcome_changed_email_send",
    "application_create",
    "application_precheck",
    "application_transition",
    "eligibility_evaluate",
    "expected_grants",
    "spend_actuals_import",
    "startup_credits_refresh",
    "startup_outcome_refresh",
]
