"""The rule table: each rule's reason code, the programs it applies to, its check and the
sentences a founder reads either way (docs/architecture.md#the-eligibility-contract).

Adding a rule is adding a row to `RULES`; changing what a rule decides means bumping
`RULE_VERSION` (types.py), which snapshots store next to their verdicts.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from core.formatting import dollars, long_date

from .terms import activate_award
from .types import (
    ACCELERATOR_STAGES,
    ACCOUNT_ID,
    ACTIVATE_MAX_AGE_YEARS,
    ACTIVATE_STAGES,
    STAGES,
    Reason,
    Subject,
)

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


# --- the sentences' helpers --------------------------------------------------------------


def _quoted(text: str, limit: int = 40) -> str:
    text = text.strip()
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def _anniversary(founded_on: date, years: int) -> date:
    """The day a company founded on `founded_on` turns `years` old; Feb 29 -> Feb 28."""
    try:
        return founded_on.replace(year=founded_on.year + years)
    except ValueError:  # 29 February in a year that has none
        return founded_on.replace(year=founded_on.year + years, day=28)


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
    # One date announced, the other not: the window counts as open only with both.
    not_counted = "so CloudRoute does not count it as open yet"
    if opens is not None:
        return (
            f"The {name} application window opened on {long_date(opens)}, but its closing "
            f"date is not announced, {not_counted}."
        )
    if closes is not None:
        return (
            f"The {name} application window closes on {long_date(closes)}, but its opening "
            f"date is not announced, {not_counted}."
        )
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
