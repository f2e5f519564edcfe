"""Program terms as the engine reads them: per program code, how the award is sized.

The amounts, validity and window dates are data (`Program`, from the CreditProgram rows and
validated there); what the engine itself knows about a program is its row in `TERMS`: how the
expected award is computed, whether a full pass is only "competitive", and which programs
supersede it. A program without a row gets `Terms()`: the typical award, nothing else.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .types import DEFAULT_POC_MONTHS, Subject


def activate_award(subject: Subject) -> Decimal:
    """A repeat award pays only the difference: the typical award less what was received.

    typical_amount <= amount_max, so this never exceeds amount_max - prior either.
    """
    program, prior = subject.program, subject.applicant.prior_activate_credits
    return max(Decimal(0), program.typical_amount - prior)


def poc_award(subject: Subject) -> Decimal:
    """The projected Bedrock spend over the PoC window, clamped to the program's range."""
    program, spend = subject.program, subject.applicant.projected_monthly_spend
    if spend is None:
        return program.typical_amount
    months = program.validity_months or DEFAULT_POC_MONTHS
    return min(max(spend * months, program.amount_min), program.amount_max)


def typical_award(subject: Subject) -> Decimal:
    return subject.program.typical_amount


@dataclass(frozen=True, slots=True)
class Terms:
    """How a program with rules is sized and judged beyond its reasons."""

    award: Callable[[Subject], Decimal] = typical_award
    competitive: bool = False  # all reasons pass -> "competitive", never counted in the total
    superseded_by: tuple[str, ...] = ()  # eligible programs that make this one "superseded"


TERMS = {
    "activate_founders": Terms(activate_award, superseded_by=("activate_portfolio",)),
    "activate_portfolio": Terms(activate_award),
    "bedrock_poc": Terms(poc_award),
    "genai_accelerator": Terms(typical_award, competitive=True),
}
