"""The eligibility engine: which AWS credit programs a startup qualifies for, and why.

This is the contract of docs/architecture.md#the-eligibility-contract in plain Python (no
Django), so the API, the intake task,
the admin re-evaluation and the snapshots all call the same function. The rules are a table
(`rules.RULES`): each row has a stable reason code, the program codes it applies to, a check
and the sentences a founder reads. Adding a rule is adding a row; changing what a rule decides
means bumping `RULE_VERSION`, which snapshots store next to their verdicts.

Program terms (amounts, validity, window dates) are data from the CreditProgram rows; the
engine only knows, per program code, how the expected award is sized (`terms.TERMS`).
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .rules import RULES
from .terms import TERMS, Terms
from .types import (
    COVERAGE_WARNING,
    NO_RULES_MESSAGE,
    RULE_VERSION,
    ZERO,
    Applicant,
    Evaluation,
    Program,
    ProgramVerdict,
    Reason,
    Subject,
    to_day,
)

_CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


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
    today = to_day(today)
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
