"""The eligibility engine (docs/architecture.md#the-eligibility-contract), pure Python:
which AWS credit programs a startup qualifies for, and why.

- `types`: the constants (`STAGES`, `RULE_VERSION`, ...) and the inputs and outputs.
- `terms`: per program code, how the expected award is sized (`TERMS`).
- `rules`: the rule table (`RULES`), each rule with the sentences a founder reads.
- `engine`: `evaluate`, the verdicts and the recommendation.

Callers import from here (`from credits import eligibility`); the names below are the
package's public surface, as they were when it was one module.
"""

from .engine import evaluate
from .rules import ACCELERATOR, ACTIVATE, POC, PORTFOLIO, RULES, Rule, Text
from .terms import TERMS, Terms, activate_award, poc_award, typical_award
from .types import (
    ACCELERATOR_STAGES,
    ACCOUNT_ID,
    ACTIVATE_MAX_AGE_YEARS,
    ACTIVATE_STAGES,
    COVERAGE_WARNING,
    DEFAULT_POC_MONTHS,
    MAX_MONEY,
    NO_RULES_MESSAGE,
    RULE_VERSION,
    STAGE_LABELS,
    STAGES,
    VERDICTS,
    ZERO,
    Applicant,
    Evaluation,
    Program,
    ProgramVerdict,
    Reason,
    Subject,
)

__all__ = [
    "ACCELERATOR",
    "ACCELERATOR_STAGES",
    "ACCOUNT_ID",
    "ACTIVATE",
    "ACTIVATE_MAX_AGE_YEARS",
    "ACTIVATE_STAGES",
    "COVERAGE_WARNING",
    "DEFAULT_POC_MONTHS",
    "MAX_MONEY",
    "NO_RULES_MESSAGE",
    "POC",
    "PORTFOLIO",
    "RULES",
    "RULE_VERSION",
    "STAGES",
    "STAGE_LABELS",
    "TERMS",
    "VERDICTS",
    "ZERO",
    "Applicant",
    "Evaluation",
    "Program",
    "ProgramVerdict",
    "Reason",
    "Rule",
    "Subject",
    "Terms",
    "Text",
    "activate_award",
    "evaluate",
    "poc_award",
    "typical_award",
]
