"""What the eligibility engine takes and gives: its constants and its dataclasses.

`Program` and `Applicant` are the inputs (validated on construction, ValueError naming the
field); `Reason`, `ProgramVerdict` and `Evaluation` the outputs, with the JSON shape the API
and the snapshots store (`as_dict`). `Subject` is one applicant against one program on one
day: what the rules and the award sizing read.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.formatting import money_str

RULE_VERSION = "2026.11.1"
STAGES = ("bootstrapped", "pre_seed", "seed", "series_a", "series_b", "series_c_plus")
STAGE_LABELS = {
    "bootstrapped": "bootstrapped",
    "pre_seed": "pre-seed",
    "seed": "seed",
    "series_a": "Series A",
    "series_b": "Series B",
    "series_c_plus": "Series C or later",
}
VERDICTS = ("eligible", "ineligible", "superseded", "competitive")

ACTIVATE_STAGES = frozenset(STAGES[: STAGES.index("series_a") + 1])  # "up to and including A"
ACCELERATOR_STAGES = frozenset({"seed", "series_a"})
ACTIVATE_MAX_AGE_YEARS = 10
DEFAULT_POC_MONTHS = 2  # partner pages quote a ~60-day proof-of-concept window
MAX_MONEY = Decimal("1e15")  # far above any real award; keeps Decimal arithmetic exact
ACCOUNT_ID = re.compile(r"[0-9]{12}")
COVERAGE_WARNING = (
    "This program's credits do not cover third-party models on Bedrock, so Claude spend "
    "would not be covered."
)
NO_RULES_MESSAGE = "CloudRoute has no rules for this program yet; an operator will review it."

ZERO = Decimal("0.00")


# --- inputs -------------------------------------------------------------------------------


def _money_field(name: str, value: object) -> Decimal:
    """A finite amount of dollars in [0, MAX_MONEY), or a ValueError naming the field."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{name} must be an amount of dollars, got {value!r}") from None
    if not number.is_finite() or not 0 <= number < MAX_MONEY:
        raise ValueError(f"{name} must be between 0 and {MAX_MONEY:,.0f}, got {value!r}")
    return number


def to_day(value: date) -> date:
    """The day of a date or a datetime (a datetime is also a date)."""
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True, slots=True)
class Program:
    """One credit program's current terms (built from a CreditProgram row)."""

    code: str
    name: str
    family: str  # "activate" | "partner_funding" | "accelerator"
    filed_by: str  # "founder" | "partner" | "invite"
    amount_min: Decimal
    amount_max: Decimal
    typical_amount: Decimal
    validity_months: int | None = None
    covers_bedrock_third_party: bool = True
    window_opens_on: date | None = None
    window_closes_on: date | None = None

    def __post_init__(self) -> None:
        for name in ("amount_min", "amount_max", "typical_amount"):
            object.__setattr__(self, name, _money_field(f"{self.code} {name}", getattr(self, name)))
        if not self.amount_min <= self.typical_amount <= self.amount_max:
            raise ValueError(f"{self.code}: need amount_min <= typical_amount <= amount_max")


@dataclass(frozen=True, slots=True, kw_only=True)
class Applicant:
    """What a founder told us; the caller looks up org_id_used_elsewhere in the database."""

    stage: str
    founded_on: date
    website: str = ""
    aws_account_id: str = ""
    aws_paid_plan: bool = False
    uses_china_regions: bool = False
    activate_org_id: str = ""
    prior_activate_credits: Decimal = Decimal("0")
    generative_ai: bool = True
    projected_monthly_spend: Decimal | None = None  # Bedrock spend per month, for PoC sizing
    org_id_used_elsewhere: bool = False

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {self.stage!r}")
        object.__setattr__(self, "founded_on", to_day(self.founded_on))
        prior = _money_field("prior_activate_credits", self.prior_activate_credits)
        object.__setattr__(self, "prior_activate_credits", prior)
        if self.projected_monthly_spend is not None:
            spend = _money_field("projected_monthly_spend", self.projected_monthly_spend)
            object.__setattr__(self, "projected_monthly_spend", spend)


@dataclass(frozen=True, slots=True)
class Subject:
    """One applicant against one program on one day: what a rule's functions receive."""

    applicant: Applicant
    program: Program
    today: date

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.applicant.stage]

    @property
    def org_id(self) -> str:
        return (self.applicant.activate_org_id or "").strip()

    @property
    def account_id(self) -> str:
        return (self.applicant.aws_account_id or "").strip()


# --- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    passed: bool
    message: str
    fix: str = ""  # what would change the outcome; empty when nothing the founder does would

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "passed": self.passed, "message": self.message, "fix": self.fix}


@dataclass(frozen=True, slots=True)
class ProgramVerdict:
    code: str
    name: str
    family: str
    filed_by: str
    verdict: str  # "eligible" | "ineligible" | "superseded" | "competitive"
    amount_min: Decimal
    amount_max: Decimal
    expected_amount: Decimal
    reasons: tuple[Reason, ...]
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "family": self.family,
            "verdict": self.verdict,
            "filed_by": self.filed_by,
            "amount_min": money_str(self.amount_min),
            "amount_max": money_str(self.amount_max),
            "expected_amount": money_str(self.expected_amount),
            "reasons": [reason.as_dict() for reason in self.reasons],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    programs: tuple[ProgramVerdict, ...]
    recommended: tuple[str, ...]
    total_expected: Decimal
    rule_version: str = RULE_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {
            "programs": [program.as_dict() for program in self.programs],
            "recommended": list(self.recommended),
            "total_expected": money_str(self.total_expected),
            "rule_version": self.rule_version,
        }
