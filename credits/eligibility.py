"""The eligibility engine: which AWS credit programs a startup qualifies for, and why.

This is the contract of DESIGN §5 in plain Python (no Django), so the API, the intake task,
the admin re-evaluation and the snapshots all call the same function. The rules are a table
(`RULES`): each row has a stable reason code, the program codes it applies to, a check and
the sentences a founder reads. Adding a rule is adding a row; changing what a rule decides
means bumping `RULE_VERSION`, which snapshots store next to their verdicts.

Program terms (amounts, validity, window dates) are data from the CreditProgram rows; the
engine only knows, per program code, how the expected award is sized (`TERMS`).
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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

_CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


# --- inputs and outputs -----------------------------------------------------------------


def _money_field(name: str, value: object) -> Decimal:
    """A finite amount of dollars in [0, MAX_MONEY), or a ValueError naming the field."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{name} must be an amount of dollars, got {value!r}") from None
    if not number.is_finite() or not 0 <= number < MAX_MONEY:
        raise ValueError(f"{name} must be between 0 and {MAX_MONEY:,.0f}, got {value!r}")
    return number


def _day(value: date) -> date:
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
        object.__setattr__(self, "founded_on", _day(self.founded_on))
        prior = _money_field("prior_activate_credits", self.prior_activate_credits)
        object.__setattr__(self, "prior_activate_credits", prior)
        if self.projected_monthly_spend is not None:
            spend = _money_field("projected_monthly_spend", self.projected_monthly_spend)
            object.__setattr__(self, "projected_monthly_spend", spend)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    passed: bool
    message: str
    fix: str = ""  # what would change the outcome; empty when nothing the founder does would

    def as_dict(self) -> dict:
        return {"code": self.code, "passed": self.passed, "message": self.message, "fix": self.fix}


def money_str(value: Decimal) -> str:
    """Dollars as the API writes them: "1000.00" (half up to cents), never "-0.00"."""
    cents = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{cents.copy_abs() if cents.is_zero() else cents:f}"


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

    def as_dict(self) -> dict:
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

    def as_dict(self) -> dict:
        return {
            "programs": [program.as_dict() for program in self.programs],
            "recommended": list(self.recommended),
            "total_expected": money_str(self.total_expected),
            "rule_version": self.rule_version,
        }


# --- small helpers for the sentences ------------------------------------------------------


def dollars(value: Decimal) -> str:
    """Money as a founder reads it: "$10,000", or "$10,000.50" when there are cents."""
    cents = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"${cents:,.0f}" if cents == cents.to_integral_value() else f"${cents:,.2f}"


def long_date(value: date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _quoted(text: str, limit: int = 40) -> str:
    text = text.strip()
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def _anniversary(founded_on: date, years: int) -> date:
    """The day a company founded on `founded_on` turns `years` old; Feb 29 -> Feb 28."""
    try:
        return founded_on.replace(year=founded_on.year + years)
    except ValueError:  # 29 February in a year that has none
        return founded_on.replace(year=founded_on.year + years, day=28)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


# --- what each rule looks at ----------------------------------------------------------------


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


Text = Callable[[Subject], str] | str  # a fixed sentence, or one built from the subject


def _say(text: Text, subject: Subject) -> str:
    return text if isinstance(text, str) else text(subject)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One row of the table: a stable reason code and what the founder reads either way.

    `fix` says what would turn a failure into a pass; empty when nothing the founder does
    would (their age, say).
    """

    code: str
    applies_to: frozenset[str]  # program codes
    check: Callable[[Subject], bool]
    passed: Text
    failed: Text
    fix: Text = ""

    def judge(self, subject: Subject) -> Reason:
        if self.check(subject):
            return Reason(self.code, True, _say(self.passed, subject))
        return Reason(self.code, False, _say(self.failed, subject), _say(self.fix, subject))


# --- award sizing -------------------------------------------------------------------------


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


# --- the rules ----------------------------------------------------------------------------

ACTIVATE = frozenset({"activate_founders", "activate_portfolio"})
PORTFOLIO = frozenset({"activate_portfolio"})
POC = frozenset({"bedrock_poc"})
ACCELERATOR = frozenset({"genai_accelerator"})


def _founded_within(subject: Subject) -> bool:
    founded_on = subject.applicant.founded_on
    return subject.today <= _anniversary(founded_on, ACTIVATE_MAX_AGE_YEARS)


def _too_old(subject: Subject) -> str:
    founded_on = subject.applicant.founded_on
    return (
        f"Activate is for companies founded in the last {ACTIVATE_MAX_AGE_YEARS} years; you "
        f"were founded on {long_date(founded_on)}, so you turned {ACTIVATE_MAX_AGE_YEARS} on "
        f"{long_date(_anniversary(founded_on, ACTIVATE_MAX_AGE_YEARS))}."
    )


def _credits_before(subject: Subject) -> str:
    prior = subject.applicant.prior_activate_credits
    if prior.is_zero():
        return "You have not received Activate credits before."
    return (
        f"You received {dollars(prior)} in Activate credits before; a repeat award pays only "
        f"the difference, about {dollars(activate_award(subject))} here."
    )


def _nothing_more(subject: Subject) -> str:
    program, prior = subject.program, subject.applicant.prior_activate_credits
    if prior == program.amount_max:
        return (
            f"You already received {dollars(prior)} in Activate credits, the most "
            f"{program.name} gives."
        )
    if prior > program.amount_max:
        return (
            f"You already received {dollars(prior)} in Activate credits, more than the most "
            f"{program.name} gives ({dollars(program.amount_max)})."
        )
    return (
        f"You already received {dollars(prior)} in Activate credits; {program.name} "
        f"typically awards {dollars(program.typical_amount)} and a repeat award pays only "
        "the difference, so it would add nothing."
    )


def _ask_for_more(subject: Subject) -> str:
    program, prior = subject.program, subject.applicant.prior_activate_credits
    if prior >= program.amount_max:
        return ""
    return (
        f"Apply only if you can justify more than {dollars(prior)} (the program gives up to "
        f"{dollars(program.amount_max)}); AWS would issue the difference."
    )


def _website(subject: Subject) -> str:
    return f"You have a website or public profile: {_quoted(subject.applicant.website)}."


def _org_id_fresh(subject: Subject) -> str:
    if not subject.org_id:
        return "No Org ID given, so there is none to check for reuse."
    return "No other startup on CloudRoute has used your Org ID."


# Reasons never quote the AWS account id or the Org ID: partners read the reasons on a lead
# before they accept it, and ACE's rule is that they see the customer's identifiers only after.
def _bad_account_id(subject: Subject) -> str:
    if not subject.account_id:
        return (
            f"A partner files {subject.program.name} against your AWS account, and you did "
            "not give its 12-digit account id."
        )
    return "The AWS account id you gave is not valid; an account id is exactly 12 digits."


def _window_open(subject: Subject) -> bool:
    opens, closes = subject.program.window_opens_on, subject.program.window_closes_on
    return opens is not None and closes is not None and opens <= subject.today <= closes


def _window_is_open(subject: Subject) -> str:
    closes = subject.program.window_closes_on
    until = f" until {long_date(closes)}" if closes is not None else ""
    return f"The {subject.program.name} application window is open{until}."


def _window_closed(subject: Subject) -> str:
    name, today = subject.program.name, subject.today
    opens, closes = subject.program.window_opens_on, subject.program.window_closes_on
    if opens is not None and today < opens:
        return f"The {name} application window is closed; it opens on {long_date(opens)}."
    if closes is not None and today > closes:
        return f"The {name} application window closed on {long_date(closes)}."
    return f"The {name} application window is closed: the next one has not been announced."


def _window_fix(subject: Subject) -> str:
    today = subject.today
    opens, closes = subject.program.window_opens_on, subject.program.window_closes_on
    if opens is not None and closes is not None:
        dates = f"{long_date(opens)} to {long_date(closes)}"
        if today < opens:
            return f"Apply while the window is open, from {dates}."
        return f"Apply in the next yearly window; this one ran from {dates}."
    if opens is not None and today < opens:
        return f"Apply once the window opens on {long_date(opens)}."
    return "Apply once AWS announces the next window; CloudRoute will show its dates."


def _ai_stage_fix(subject: Subject) -> str:
    if STAGES.index(subject.applicant.stage) < STAGES.index("seed"):
        return "Apply once you have raised a seed round."
    return ""


RULES: tuple[Rule, ...] = (
    Rule(
        code="pre_series_b",
        applies_to=ACTIVATE,
        check=lambda s: s.applicant.stage in ACTIVATE_STAGES,
        passed=lambda s: (
            f"You told us {s.stage_label}, and Activate takes companies up to and including "
            "Series A."
        ),
        failed=lambda s: f"Activate is for companies up to Series A; you told us {s.stage_label}.",
    ),
    Rule(
        code="founded_within_10_years",
        applies_to=ACTIVATE,
        check=_founded_within,
        passed=lambda s: (
            f"You were founded on {long_date(s.applicant.founded_on)}, within the last "
            f"{ACTIVATE_MAX_AGE_YEARS} years."
        ),
        failed=_too_old,
    ),
    Rule(
        code="has_web_presence",
        applies_to=ACTIVATE,
        check=lambda s: bool((s.applicant.website or "").strip()),
        passed=_website,
        failed="Activate needs a working website or public profile, and you gave none.",
        fix="Add your company website or a public profile such as LinkedIn or Crunchbase.",
    ),
    Rule(
        code="aws_paid_account",
        applies_to=ACTIVATE,
        check=lambda s: s.applicant.aws_paid_plan,
        passed="Your AWS account is on a paid plan.",
        failed=(
            "Activate needs an AWS account on a paid plan; you told us yours is on the free plan."
        ),
        fix="Upgrade the AWS account to the paid plan in the AWS Billing console, then apply.",
    ),
    Rule(
        code="not_china_regions",
        applies_to=ACTIVATE,
        check=lambda s: not s.applicant.uses_china_regions,
        passed="You are not building on the AWS China regions.",
        failed=(
            "Activate credits do not apply to the AWS China regions, and you told us you "
            "build there."
        ),
        fix="Build in AWS regions outside China (Beijing and Ningxia are not covered).",
    ),
    Rule(
        code="new_or_more_credits",
        applies_to=ACTIVATE,
        check=lambda s: activate_award(s) > 0,
        passed=_credits_before,
        failed=_nothing_more,
        fix=_ask_for_more,
    ),
    Rule(
        code="has_provider_org_id",
        applies_to=PORTFOLIO,
        check=lambda s: bool(s.org_id),
        passed="You have an Activate Provider Organization ID.",
        failed=lambda s: (
            f"{s.program.name} needs an Organization ID from an Activate Provider (a VC, "
            "angel group, accelerator or incubator), and you gave none."
        ),
        fix="Ask your VC, accelerator or incubator for their Activate Provider Organization ID.",
    ),
    Rule(
        code="org_id_not_reused",
        applies_to=PORTFOLIO,
        check=lambda s: not s.applicant.org_id_used_elsewhere,
        passed=_org_id_fresh,
        failed="An Org ID works once; another startup on CloudRoute already used yours.",
        fix="Ask your provider for a new Organization ID or an e-mail invite of your own.",
    ),
    Rule(
        code="generative_ai_workload",
        applies_to=POC | ACCELERATOR,
        check=lambda s: s.applicant.generative_ai,
        passed=lambda s: f"You are building with generative AI, which {s.program.name} is for.",
        failed=lambda s: (
            f"{s.program.name} is for startups building with generative AI, and you told us "
            "you are not."
        ),
        fix="This changes only if you build a generative-AI workload, such as Claude on Bedrock.",
    ),
    Rule(
        code="valid_aws_account_id",
        applies_to=POC,
        check=lambda s: ACCOUNT_ID.fullmatch(s.account_id) is not None,
        passed="Your AWS account id has 12 digits.",
        failed=_bad_account_id,
        fix="Enter the 12-digit account id from the AWS console's account menu, without dashes.",
    ),
    Rule(
        code="ai_first_stage",
        applies_to=ACCELERATOR,
        check=lambda s: s.applicant.stage in ACCELERATOR_STAGES,
        passed=lambda s: (
            f"{s.program.name} takes seed to Series A startups, and you told us {s.stage_label}."
        ),
        failed=lambda s: (
            f"{s.program.name} takes AI-first startups from seed to Series A; you told us "
            f"{s.stage_label}."
        ),
        fix=_ai_stage_fix,
    ),
    Rule(
        code="application_window_open",
        applies_to=ACCELERATOR,
        check=_window_open,
        passed=_window_is_open,
        failed=_window_closed,
        fix=_window_fix,
    ),
)


# --- the engine ---------------------------------------------------------------------------


def _judge(subject: Subject) -> ProgramVerdict:
    program = subject.program
    rules = [rule for rule in RULES if program.code in rule.applies_to]
    terms = TERMS.get(program.code, Terms())
    if rules:
        judged = [rule.judge(subject) for rule in rules]
        reasons = tuple(r for r in judged if not r.passed) + tuple(r for r in judged if r.passed)
        qualifies = all(reason.passed for reason in reasons)
    else:
        reasons, qualifies = (Reason("no_rules", False, NO_RULES_MESSAGE),), False
    if qualifies:
        verdict = "competitive" if terms.competitive else "eligible"
        expected = max(Decimal(0), min(terms.award(subject), program.amount_max))
    else:
        verdict, expected = "ineligible", Decimal(0)
    warnings = () if program.covers_bedrock_third_party else (COVERAGE_WARNING,)
    return ProgramVerdict(
        code=program.code,
        name=program.name,
        family=program.family,
        filed_by=program.filed_by,
        verdict=verdict,
        amount_min=program.amount_min,
        amount_max=program.amount_max,
        expected_amount=_cents(expected),
        reasons=reasons,
        warnings=warnings,
    )


def _recommend(verdicts: Sequence[ProgramVerdict]) -> list[ProgramVerdict]:
    """Eligible and competitive programs, one per family (the larger award), in input order."""
    best: dict[str, ProgramVerdict] = {}
    for verdict in verdicts:
        if verdict.verdict not in ("eligible", "competitive"):
            continue
        current = best.get(verdict.family)
        if current is None or verdict.expected_amount > current.expected_amount:
            best[verdict.family] = verdict
    chosen = {id(verdict) for verdict in best.values()}
    return [verdict for verdict in verdicts if id(verdict) in chosen]


def evaluate(applicant: Applicant, programs: Sequence[Program], *, today: date) -> Evaluation:
    """Judge every program for one applicant on `today`; pure, no I/O."""
    today = _day(today)
    verdicts = [_judge(Subject(applicant, program, today)) for program in programs]
    eligible = {verdict.code for verdict in verdicts if verdict.verdict == "eligible"}
    for index, verdict in enumerate(verdicts):
        better = TERMS.get(verdict.code, Terms()).superseded_by
        if verdict.verdict == "eligible" and eligible.intersection(better):
            verdicts[index] = replace(verdict, verdict="superseded", expected_amount=ZERO)
    recommended = _recommend(verdicts)
    total = sum((v.expected_amount for v in recommended if v.verdict == "eligible"), start=ZERO)
    return Evaluation(
        programs=tuple(verdicts),
        recommended=tuple(v.code for v in recommended),
        total_expected=total,
        rule_version=RULE_VERSION,  # read now: the dataclass default was bound at import
    )
