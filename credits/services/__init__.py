"""Writes of the credits app: eligibility snapshots, partner-filed applications, actuals."""

from .actuals import (
    account_credits_import,
    billing_access_get_or_create,
    billing_access_set,
    billing_clients_for,
    spend_actuals_import,
)
from .applications import (
    ACE_OPPORTUNITY_ID_RE,
    TRANSITIONS,
    ApplicationInputError,
    ApplicationTransitionError,
    application_create,
    application_transition,
)
from .eligibility import (
    DEFAULT_VALIDITY_MONTHS,
    applicant_for_startup,
    eligibility_evaluate,
    expected_grants,
    startup_credits_refresh,
)
from .emails import outcome_changed_email_send, usage_overspent_email_send
from .outcome import startup_outcome_refresh
from .precheck import PrecheckProblem, application_precheck
from .usage import (
    ROLE_ACTIONS,
    bedrock_quotas_import,
    bedrock_usage_import,
    role_permissions_policy,
    usage_clients_for,
    usage_overspend_check,
)

__all__ = [
    "ROLE_ACTIONS",
    "bedrock_quotas_import",
    "bedrock_usage_import",
    "role_permissions_policy",
    "usage_clients_for",
    "usage_overspend_check",
    "usage_overspent_email_send",
    "ACE_OPPORTUNITY_ID_RE",
    "DEFAULT_VALIDITY_MONTHS",
    "TRANSITIONS",
    "ApplicationInputError",
    "ApplicationTransitionError",
    "PrecheckProblem",
    "applicant_for_startup",
    "account_credits_import",
    "billing_access_get_or_create",
    "billing_clients_for",
    "billing_access_set",
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
