"""The startup, its LLM workload, the price books, the stored projections and the audit
trail every service writes to.

- `startups`: `Startup`, `Workload` and the bounds and cross-field rules they share with the
  form and the API;
- `pricing`: `PriceBook`, `ModelPrice`, `TierDefault` and the tier-default rule;
- `projections`: `WorkloadProjection`;
- `audit`: `AuditEvent`;
- `catalog`: `InferenceProfile`, the Bedrock catalog per Region.

Callers import from here (`from workloads.models import ...`), as Django does; the names below
are the package's public surface, as they were when it was one module.
"""

from .audit import AuditEvent
from .catalog import InferenceProfile
from .pricing import Lifecycle, ModelPrice, PriceBook, TierDefault, price_field, tier_default_error
from .projections import WorkloadProjection
from .startups import (
    AWS_ACCOUNT_ID_RE,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MAX_INPUT_TOKENS,
    MAX_MONTHLY_REQUESTS,
    MAX_OUTPUT_TOKENS,
    SHARE_TOLERANCE,
    STARTUP_ANSWERS,
    WORKLOAD_ANSWERS,
    Startup,
    Workload,
    aws_account_id_validator,
    share_validators,
    validate_not_future,
    workload_cross_field_errors,
)

__all__ = [
    "AWS_ACCOUNT_ID_RE",
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "MAX_INPUT_TOKENS",
    "MAX_MONTHLY_REQUESTS",
    "MAX_OUTPUT_TOKENS",
    "SHARE_TOLERANCE",
    "STARTUP_ANSWERS",
    "WORKLOAD_ANSWERS",
    "AuditEvent",
    "InferenceProfile",
    "Lifecycle",
    "ModelPrice",
    "PriceBook",
    "Startup",
    "TierDefault",
    "Workload",
    "WorkloadProjection",
    "aws_account_id_validator",
    "price_field",
    "share_validators",
    "tier_default_error",
    "workload_cross_field_errors",
    # Named by migration 0001 (workloads.models.validate_not_future).
    "validate_not_future",
]
