"""The eligibility engine against docs/architecture.md#the-eligibility-contract and the facts
in shared/reference/aws-facts.md.

One table of cases: a change to a baseline applicant (who qualifies for everything) and the
verdict each of the four programs should get, with the codes of the reasons that fail, in
rule-table order. Then the recommendation, the messages, the dict shape and properties that
hold for any applicant. Plain Python: no database.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.formatting import dollars, money_str
from credits.eligibility import (
    COVERAGE_WARNING,
    NO_RULES_MESSAGE,
    RULE_VERSION,
    RULES,
    STAGES,
    TERMS,
    VERDICTS,
    Applicant,
    Evaluation,
    Program,
    ProgramVerdict,
    evaluate,
)

# Current amounts (aws-facts.md); the Accelerator's yearly window as an operator would enter it.
FOUNDERS = Program(
    "activate_founders", "AWS Activate Founders", "activate", "founder",
    Decimal("1000"), Decimal("5000"), Decimal("1000"),
)  # fmt: skip
PORTFOLIO = Program(
    "activate_portfolio", "AWS Activate Portfolio", "activate", "founder",
    Decimal("0"), Decimal("200000"), Decimal("100000"),
)  # fmt: skip
POC = Program(
    "bedrock_poc", "Bedrock proof-of-concept credits", "partner_funding", "partner",
    Decimal("10000"), Decimal("50000"), Decimal("25000"), validity_months=2,
)  # fmt: skip
ACCELERATOR = Program(
    "genai_accelerator", "AWS Generative AI Accelerator", "accelerator", "founder",
    Decimal("0"), Decimal("1000000"), Decimal("1000000"),
    window_opens_on=date(2026, 9, 1), window_closes_on=date(2026, 12, 31),
)  # fmt: skip
PROGRAMS = (FOUNDERS, PORTFOLIO, POC, ACCELERATOR)

TODAY = date(2026, 10, 15)  # inside the Accelerator's window
BASELINE = Applicant(
    stage="seed",
    founded_on=date(2022, 5, 1),
    website="https://acme.ai",
    aws_account_id="123456789012",
    aws_paid_plan=True,
    uses_china_regions=False,
    activate_org_id="ORG-7F3A",
    prior_activate_credits=Decimal("0"),
    generative_ai=True,
    projected_monthly_spend=None,
    org_id_used_elsewhere=False,
)


def run(today: date = TODAY, programs=PROGRAMS, **changes) -> Evaluation:
    return evaluate(replace(BASELINE, **changes), programs, today=today)


def by_code(evaluation: Evaluation) -> dict[str, ProgramVerdict]:
    return {verdict.code: verdict for verdict in evaluation.programs}


# --- the table ----------------------------------------------------------------------------

OK, SUPERSEDED, COMPETITIVE = "eligible", "superseded", "competitive"


def no(*codes: str) -> str:
    """An ineligible verdict and its failing reason codes, in rule-table order."""
    return "ineligible: " + " ".join(codes)


def described(verdict: ProgramVerdict) -> str:
    failed = [reason.code for reason in verdict.reasons if not reason.passed]
    return f"{verdict.verdict}: {' '.join(failed)}" if failed else verdict.verdict


EVERYTHING = (SUPERSEDED, OK, OK, COMPETITIVE)  # the baseline's verdicts, in PROGRAMS order
WINDOW = "application_window_open"
FOUNDED = "founded_within_10_years"
AGE_FAILS = (no(FOUNDED), no(FOUNDED), OK, COMPETITIVE)
NO_ACCOUNT = (SUPERSEDED, OK, no("valid_aws_account_id"), COMPETITIVE)
ACTIVATE_FAILS = {
    code: (no(code), no(code), OK, COMPETITIVE)
    for code in ("pre_series_b", "has_web_presence", "aws_paid_account", "not_china_regions")
}


@dataclass(frozen=True)
class Case:
    name: str
    changes: dict
    verdicts: tuple[str, str, str, str]  # founders, portfolio, poc, accelerator
    amounts: dict = field(default_factory=dict)  # code -> expected_amount as the API writes it
    today: date = TODAY
    program_changes: dict = field(default_factory=dict)  # code -> Program field changes


EVERY_ACTIVATE_RULE = (
    "pre_series_b", FOUNDED, "has_web_presence", "aws_paid_account", "not_china_regions",
    "new_or_more_credits",
)  # fmt: skip
NO_ORG_ID = no("has_provider_org_id")
STAGE_B = (no("pre_series_b"), no("pre_series_b"), OK, no("ai_first_stage"))
EARLY = (SUPERSEDED, OK, OK, no("ai_first_stage"))
BASELINE_AMOUNTS = {
    "activate_founders": "0.00",
    "activate_portfolio": "100000.00",
    "bedrock_poc": "25000.00",
    "genai_accelerator": "1000000.00",
}

CASES = [
    # Stages: Activate up to and including Series A; the Accelerator seed to Series A.
    Case("baseline-seed", {}, EVERYTHING, BASELINE_AMOUNTS),
    Case("bootstrapped", {"stage": "bootstrapped"}, EARLY),
    Case("pre-seed", {"stage": "pre_seed"}, EARLY),
    Case("series-a-passes", {"stage": "series_a"}, EVERYTHING),
    Case("series-b-fails", {"stage": "series_b"}, STAGE_B, {"activate_portfolio": "0.00"}),
    Case("series-c-plus-fails", {"stage": "series_c_plus"}, STAGE_B),
    # Age: exactly 10 years old on `today` passes, one day over fails.
    Case("exactly-10-years", {"founded_on": date(2016, 10, 15)}, EVERYTHING),
    Case("10-years-and-a-day", {"founded_on": date(2016, 10, 14)}, AGE_FAILS),
    Case("founded-today", {"founded_on": TODAY}, EVERYTHING),
    Case(
        "feb-29-turns-10-on-feb-28",
        {"founded_on": date(2016, 2, 29)},
        (SUPERSEDED, OK, OK, no(WINDOW)),
        today=date(2026, 2, 28),
    ),
    Case(
        "feb-29-one-day-over",
        {"founded_on": date(2016, 2, 29)},
        (no(FOUNDED), no(FOUNDED), OK, no(WINDOW)),
        today=date(2026, 3, 1),
    ),
    # Web presence, plan, regions.
    Case("empty-website", {"website": ""}, ACTIVATE_FAILS["has_web_presence"]),
    Case("whitespace-website", {"website": " \t "}, ACTIVATE_FAILS["has_web_presence"]),
    Case("free-plan", {"aws_paid_plan": False}, ACTIVATE_FAILS["aws_paid_account"]),
    Case("china-regions", {"uses_china_regions": True}, ACTIVATE_FAILS["not_china_regions"]),
    # Repeat awards pay only the difference.
    Case(
        "had-10k-gets-90k",
        {"prior_activate_credits": Decimal("10000")},
        (no("new_or_more_credits"), OK, OK, COMPETITIVE),
        {"activate_portfolio": "90000.00", "activate_founders": "0.00"},
    ),
    Case(
        "had-200k-gets-nothing",
        {"prior_activate_credits": Decimal("200000")},
        (no("new_or_more_credits"), no("new_or_more_credits"), OK, COMPETITIVE),
        {"activate_portfolio": "0.00"},
    ),
    Case(
        "had-150k-above-typical-award",
        {"prior_activate_credits": Decimal("150000")},
        (no("new_or_more_credits"), no("new_or_more_credits"), OK, COMPETITIVE),
    ),
    Case(
        "had-500-portfolio-still-supersedes",
        {"prior_activate_credits": Decimal("500")},
        EVERYTHING,
        {"activate_founders": "0.00", "activate_portfolio": "99500.00"},
    ),
    Case(
        "had-500-no-org-id-founders-pays-difference",
        {"prior_activate_credits": Decimal("500"), "activate_org_id": ""},
        (OK, no("has_provider_org_id"), OK, COMPETITIVE),
        {"activate_founders": "500.00"},
    ),
    Case(
        "had-1000-founders-adds-nothing",
        {"prior_activate_credits": Decimal("1000"), "activate_org_id": ""},
        (no("new_or_more_credits"), no("has_provider_org_id"), OK, COMPETITIVE),
    ),
    Case(
        "had-99999.99-portfolio-pays-a-cent",
        {"prior_activate_credits": Decimal("99999.99")},
        (no("new_or_more_credits"), OK, OK, COMPETITIVE),
        {"activate_portfolio": "0.01"},
    ),
    # Org ID: needed by Portfolio, works once; Founders stays eligible when Portfolio fails.
    Case(
        "reused-org-id",
        {"org_id_used_elsewhere": True},
        (OK, no("org_id_not_reused"), OK, COMPETITIVE),
        {"activate_founders": "1000.00", "activate_portfolio": "0.00"},
    ),
    Case(
        "no-org-id",
        {"activate_org_id": ""},
        (OK, NO_ORG_ID, OK, COMPETITIVE),
        {"activate_founders": "1000.00"},
    ),
    Case("whitespace-org-id", {"activate_org_id": "   "}, (OK, NO_ORG_ID, OK, COMPETITIVE)),
    # The PoC needs exactly 12 ASCII digits.
    Case("account-11-digits", {"aws_account_id": "12345678901"}, NO_ACCOUNT),
    Case("account-13-digits", {"aws_account_id": "1234567890123"}, NO_ACCOUNT),
    Case("account-letters", {"aws_account_id": "12345678901a"}, NO_ACCOUNT),
    Case("account-empty", {"aws_account_id": ""}, NO_ACCOUNT),
    Case("account-dashes", {"aws_account_id": "1234-5678-9012"}, NO_ACCOUNT),
    Case("account-non-ascii-digits", {"aws_account_id": "١٢٣٤٥٦٧٨٩٠١٢"}, NO_ACCOUNT),
    Case("account-padded-passes", {"aws_account_id": " 123456789012 "}, EVERYTHING),
    # The Accelerator's window, inclusive at both ends.
    Case("window-not-open-yet", {}, (SUPERSEDED, OK, OK, no(WINDOW)), today=date(2026, 8, 31)),
    Case("window-opening-day", {}, EVERYTHING, today=date(2026, 9, 1)),
    Case("window-closing-day", {}, EVERYTHING, today=date(2026, 12, 31)),
    Case("window-closed", {}, (SUPERSEDED, OK, OK, no(WINDOW)), today=date(2027, 1, 1)),
    Case(
        "window-not-announced",
        {},
        (SUPERSEDED, OK, OK, no(WINDOW)),
        {"genai_accelerator": "0.00"},
        program_changes={"genai_accelerator": {"window_opens_on": None, "window_closes_on": None}},
    ),
    Case(
        "window-close-date-missing",
        {},
        (SUPERSEDED, OK, OK, no(WINDOW)),
        program_changes={"genai_accelerator": {"window_closes_on": None}},
    ),
    # Generative AI.
    Case(
        "no-generative-ai",
        {"generative_ai": False},
        (SUPERSEDED, OK, no("generative_ai_workload"), no("generative_ai_workload")),
        {"bedrock_poc": "0.00", "genai_accelerator": "0.00"},
    ),
    Case(
        "no-generative-ai-series-b",
        {"generative_ai": False, "stage": "series_b"},
        STAGE_B[:2]
        + (no("generative_ai_workload"), no("generative_ai_workload", "ai_first_stage")),
    ),
    # PoC sizing: monthly spend x window (2 months), clamped to $10K..$50K.
    Case("poc-no-projection", {}, EVERYTHING, {"bedrock_poc": "25000.00"}),
    Case(
        "poc-small-spend-clamps-up",
        {"projected_monthly_spend": Decimal("100")},
        EVERYTHING,
        {"bedrock_poc": "10000.00"},
    ),
    Case(
        "poc-zero-spend-clamps-up",
        {"projected_monthly_spend": Decimal("0")},
        EVERYTHING,
        {"bedrock_poc": "10000.00"},
    ),
    Case(
        "poc-15k-a-month-for-2",
        {"projected_monthly_spend": Decimal("15000")},
        EVERYTHING,
        {"bedrock_poc": "30000.00"},
    ),
    Case(
        "poc-big-spend-clamps-down",
        {"projected_monthly_spend": Decimal("100000")},
        EVERYTHING,
        {"bedrock_poc": "50000.00"},
    ),
    Case(
        "poc-exactly-the-max",
        {"projected_monthly_spend": Decimal("25000")},
        EVERYTHING,
        {"bedrock_poc": "50000.00"},
    ),
    Case(
        "poc-rounds-half-up-to-cents",
        {"projected_monthly_spend": Decimal("5000.0025")},
        EVERYTHING,
        {"bedrock_poc": "10000.01"},
    ),
    Case(
        "poc-three-month-window",
        {"projected_monthly_spend": Decimal("15000")},
        EVERYTHING,
        {"bedrock_poc": "45000.00"},
        program_changes={"bedrock_poc": {"validity_months": 3}},
    ),
    Case(
        "poc-unpublished-window-defaults-to-2",
        {"projected_monthly_spend": Decimal("15000")},
        EVERYTHING,
        {"bedrock_poc": "30000.00"},
        program_changes={"bedrock_poc": {"validity_months": None}},
    ),
    # Everything wrong at once: every failing code, in table order.
    Case(
        "everything-wrong",
        {
            "stage": "series_c_plus",
            "founded_on": date(2001, 1, 1),
            "website": "",
            "aws_account_id": "",
            "aws_paid_plan": False,
            "uses_china_regions": True,
            "activate_org_id": "ORG-USED",
            "prior_activate_credits": Decimal("300000"),
            "generative_ai": False,
            "org_id_used_elsewhere": True,
        },
        (
            no(*EVERY_ACTIVATE_RULE),
            no(*EVERY_ACTIVATE_RULE, "org_id_not_reused"),
            no("generative_ai_workload", "valid_aws_account_id"),
            no("generative_ai_workload", "ai_first_stage", WINDOW),
        ),
        {code: "0.00" for code in BASELINE_AMOUNTS},
        today=date(2027, 6, 1),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_it_judges_each_case(case):
    programs = [replace(p, **case.program_changes.get(p.code, {})) for p in PROGRAMS]
    result = run(case.today, programs, **case.changes)

    assert tuple(described(verdict) for verdict in result.programs) == case.verdicts
    verdicts = by_code(result)
    for code, amount in case.amounts.items():
        assert money_str(verdicts[code].expected_amount) == amount, code


def test_it_has_at_least_30_cases_with_unique_names():
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


# --- recommendation and totals ----------------------------------------------------------


def test_it_recommends_portfolio_poc_and_accelerator_but_totals_only_the_eligible():
    result = run()

    assert result.recommended == ("activate_portfolio", "bedrock_poc", "genai_accelerator")
    assert result.total_expected == Decimal("125000.00")  # the $1M Accelerator is not counted
    assert result.rule_version == RULE_VERSION


def test_it_recommends_founders_when_portfolio_fails():
    result = run(activate_org_id="")

    assert result.recommended == ("activate_founders", "bedrock_poc", "genai_accelerator")
    assert result.total_expected == Decimal("26000.00")


def test_it_never_recommends_two_of_a_family_and_keeps_the_larger():
    # An operator files the Accelerator under partner funding: it and the PoC share a family.
    accelerator = replace(ACCELERATOR, family="partner_funding")
    programs = (FOUNDERS, PORTFOLIO, POC, accelerator)

    open_window = run(programs=programs)
    closed_window = run(date(2027, 2, 1), programs=programs)

    assert open_window.recommended == ("activate_portfolio", "genai_accelerator")
    assert open_window.total_expected == Decimal("100000.00")
    assert closed_window.recommended == ("activate_portfolio", "bedrock_poc")
    assert closed_window.total_expected == Decimal("125000.00")


def test_it_keeps_the_first_of_equal_awards_in_a_family():
    rival = replace(ACCELERATOR, family="partner_funding", typical_amount=Decimal("25000"))

    poc_first = run(programs=(POC, rival))
    rival_first = run(programs=(rival, POC))

    assert poc_first.recommended == ("bedrock_poc",)
    assert poc_first.total_expected == Decimal("25000.00")
    assert rival_first.recommended == ("genai_accelerator",)
    assert rival_first.total_expected == Decimal("0.00")  # competitive: never counted


def test_it_lists_recommendations_in_the_order_of_the_programs():
    result = run(programs=tuple(reversed(PROGRAMS)))

    assert result.recommended == ("genai_accelerator", "bedrock_poc", "activate_portfolio")


def test_it_supersedes_founders_with_every_reason_passed():
    founders = by_code(run())["activate_founders"]

    assert founders.verdict == "superseded"
    assert founders.expected_amount == Decimal("0.00")
    assert founders.reasons and all(reason.passed for reason in founders.reasons)


def test_it_does_not_supersede_founders_when_portfolio_is_not_offered():
    result = run(programs=(FOUNDERS, POC))

    assert by_code(result)["activate_founders"].verdict == "eligible"
    assert result.total_expected == Decimal("26000.00")


# --- reasons, warnings, unknown programs ----------------------------------------------------


def test_it_lists_failed_reasons_first_each_group_in_table_order():
    portfolio = by_code(run(stage="series_b", aws_paid_plan=False))["activate_portfolio"]

    assert [(reason.code, reason.passed) for reason in portfolio.reasons] == [
        ("pre_series_b", False),
        ("aws_paid_account", False),
        ("founded_within_10_years", True),
        ("has_web_presence", True),
        ("not_china_regions", True),
        ("new_or_more_credits", True),
        ("has_provider_org_id", True),
        ("org_id_not_reused", True),
    ]


def test_it_warns_when_credits_do_not_cover_claude_on_bedrock():
    poc = replace(POC, covers_bedrock_third_party=False)

    eligible = by_code(run(programs=(PORTFOLIO, poc)))
    ineligible = by_code(run(programs=(PORTFOLIO, poc), generative_ai=False))

    assert eligible["bedrock_poc"].warnings == (COVERAGE_WARNING,)
    assert eligible["bedrock_poc"].verdict == "eligible"  # a warning, not a verdict
    assert ineligible["bedrock_poc"].warnings == (COVERAGE_WARNING,)
    assert eligible["activate_portfolio"].warnings == ()
    assert "Claude spend would not be covered" in COVERAGE_WARNING


def test_it_judges_a_program_without_rules_ineligible_for_review():
    newcomer = Program(
        "aws_ai_startups", "AWS credits for AI startups", "activate", "invite",
        Decimal("200000"), Decimal("300000"), Decimal("200000"),
    )  # fmt: skip

    result = run(programs=(newcomer, PORTFOLIO))
    verdict = by_code(result)["aws_ai_startups"]

    assert verdict.verdict == "ineligible"
    assert [(r.code, r.passed, r.message) for r in verdict.reasons] == [
        ("no_rules", False, NO_RULES_MESSAGE)
    ]
    assert verdict.expected_amount == Decimal("0.00")
    assert result.recommended == ("activate_portfolio",)


def test_it_has_a_rule_table_that_matches_the_contract():
    codes = [rule.code for rule in RULES]
    design = {
        "pre_series_b", "founded_within_10_years", "has_web_presence", "aws_paid_account",
        "not_china_regions", "new_or_more_credits", "has_provider_org_id",
        "generative_ai_workload", "valid_aws_account_id", "application_window_open",
    }  # fmt: skip

    assert len(codes) == len(set(codes))
    assert design <= set(codes)
    assert {"org_id_not_reused", "ai_first_stage"} <= set(codes)
    for code in TERMS:
        assert any(code in rule.applies_to for rule in RULES), code


# --- what the founder reads -------------------------------------------------------------------


def reason(evaluation: Evaluation, program: str, code: str):
    return next(r for r in by_code(evaluation)[program].reasons if r.code == code)


@pytest.mark.parametrize(
    ("changes", "program", "code", "message", "fix"),
    [
        (
            {"stage": "series_b"},
            "activate_founders",
            "pre_series_b",
            "Activate is for companies up to Series A; you told us Series B.",
            "",
        ),
        (
            {"founded_on": date(2016, 10, 14)},
            "activate_portfolio",
            "founded_within_10_years",
            "Activate is for companies founded in the last 10 years; you were founded on "
            "14 October 2016, so you turned 10 on 14 October 2026.",
            "",
        ),
        (
            {"prior_activate_credits": Decimal("200000")},
            "activate_portfolio",
            "new_or_more_credits",
            "You already received $200,000 in Activate credits, the most AWS Activate "
            "Portfolio gives.",
            "",
        ),
        (
            {"prior_activate_credits": Decimal("150000")},
            "activate_portfolio",
            "new_or_more_credits",
            "You already received $150,000 in Activate credits; AWS Activate Portfolio "
            "typically awards $100,000 and a repeat award pays only the difference, so it "
            "would add nothing.",
            "Apply only if you can justify more than $150,000 (the program gives up to "
            "$200,000); AWS would issue the difference.",
        ),
        (
            {"activate_org_id": ""},
            "activate_portfolio",
            "has_provider_org_id",
            "AWS Activate Portfolio needs an Organization ID from an Activate Provider (a VC, "
            "angel group, accelerator or incubator), and you gave none.",
            "Ask your VC, accelerator or incubator for their Activate Provider Organization ID.",
        ),
        (
            {"org_id_used_elsewhere": True},
            "activate_portfolio",
            "org_id_not_reused",
            "An Org ID works once; another startup on CloudRoute already used yours.",
            "Ask your provider for a new Organization ID or an e-mail invite of your own.",
        ),
        (
            {"aws_account_id": "12345678901"},
            "bedrock_poc",
            "valid_aws_account_id",
            "The AWS account id you gave is not valid; an account id is exactly 12 digits.",
            "Enter the 12-digit account id from the AWS console's account menu, without dashes.",
        ),
        (
            {"stage": "pre_seed"},
            "genai_accelerator",
            "ai_first_stage",
            "AWS Generative AI Accelerator takes AI-first startups from seed to Series A; "
            "you told us pre-seed.",
            "Apply once you have raised a seed round.",
        ),
    ],
    ids=["stage", "age", "had-max", "had-above-typical", "org-id", "reused", "account", "ai"],
)
def test_it_explains_in_the_founders_own_terms(changes, program, code, message, fix):
    found = reason(run(**changes), program, code)

    assert (found.passed, found.message, found.fix) == (False, message, fix)


def test_it_says_what_a_repeat_award_pays():
    found = reason(run(prior_activate_credits=Decimal("10000")), "activate_portfolio",
                   "new_or_more_credits")  # fmt: skip

    assert found.passed
    assert "$10,000" in found.message and "$90,000" in found.message


@pytest.mark.parametrize(
    ("today", "program_changes", "message", "fix"),
    [
        (
            date(2026, 8, 31),
            {},
            "The AWS Generative AI Accelerator application window is closed; it opens on "
            "1 September 2026.",
            "Apply while the window is open, from 1 September 2026 to 31 December 2026.",
        ),
        (
            date(2027, 1, 1),
            {},
            "The AWS Generative AI Accelerator application window closed on 31 December 2026.",
            "Apply in the next yearly window; this one ran from 1 September 2026 to "
            "31 December 2026.",
        ),
        (
            TODAY,
            {"window_opens_on": None, "window_closes_on": None},
            "The AWS Generative AI Accelerator application window is closed: the next one has "
            "not been announced.",
            "Apply once AWS announces the next window; CloudRoute will show its dates.",
        ),
    ],
    ids=["before", "after", "not-announced"],
)
def test_it_names_the_window_dates(today, program_changes, message, fix):
    programs = (replace(ACCELERATOR, **program_changes),)

    found = reason(run(today, programs), "genai_accelerator", "application_window_open")

    assert (found.passed, found.message, found.fix) == (False, message, fix)


def test_it_writes_a_sentence_for_every_reason_and_a_fix_for_fixable_failures():
    result = run(
        date(2027, 6, 1), website="", aws_paid_plan=False, uses_china_regions=True,
        activate_org_id="", aws_account_id="x", generative_ai=False,
    )  # fmt: skip
    fixable = {
        "has_web_presence", "aws_paid_account", "not_china_regions", "has_provider_org_id",
        "generative_ai_workload", "valid_aws_account_id", WINDOW,
    }  # fmt: skip

    for verdict in result.programs:
        for found in verdict.reasons:
            assert found.message.endswith(".") and found.message[0].isupper()
            if not found.passed and found.code in fixable:
                assert found.fix.endswith("."), found.code


@pytest.mark.parametrize(
    ("amount", "text"),
    [("10000", "$10,000"), ("1000000", "$1,000,000"), ("0.5", "$0.50"), ("99.999", "$100")],
)
def test_it_formats_dollars_for_people(amount, text):
    assert dollars(Decimal(amount)) == text


# --- shape ----------------------------------------------------------------------------------


def test_it_shapes_the_evaluation_as_design_section_5():
    data = run(projected_monthly_spend=Decimal("15000")).as_dict()

    assert json.loads(json.dumps(data)) == data  # plain JSON types only
    assert list(data) == ["programs", "recommended", "total_expected", "rule_version"]
    assert data["recommended"] == ["activate_portfolio", "bedrock_poc", "genai_accelerator"]
    assert data["total_expected"] == "130000.00"
    assert data["rule_version"] == RULE_VERSION
    poc = data["programs"][2]
    assert poc == {
        "code": "bedrock_poc",
        "name": "Bedrock proof-of-concept credits",
        "family": "partner_funding",
        "verdict": "eligible",
        "filed_by": "partner",
        "amount_min": "10000.00",
        "amount_max": "50000.00",
        "expected_amount": "30000.00",
        "reasons": [
            {
                "code": "generative_ai_workload",
                "passed": True,
                "message": "You are building with generative AI, which Bedrock "
                "proof-of-concept credits is for.",
                "fix": "",
            },
            {
                "code": "valid_aws_account_id",
                "passed": True,
                "message": "Your AWS account id has 12 digits.",
                "fix": "",
            },
        ],
        "warnings": [],
    }
    assert data["programs"][0]["expected_amount"] == "0.00"  # superseded


def test_it_never_writes_negative_zero():
    assert money_str(Decimal("-0")) == "0.00"
    assert money_str(Decimal("-0.001")) == "0.00"
    assert money_str(Decimal("1E+5")) == "100000.00"


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"stage": "series_z"}, "stage"),
        ({"prior_activate_credits": Decimal("-1")}, "prior_activate_credits"),
        ({"prior_activate_credits": Decimal("NaN")}, "prior_activate_credits"),
        ({"projected_monthly_spend": Decimal("-0.01")}, "projected_monthly_spend"),
        ({"projected_monthly_spend": "lots"}, "projected_monthly_spend"),
        ({"projected_monthly_spend": Decimal("Infinity")}, "projected_monthly_spend"),
    ],
)
def test_it_refuses_an_impossible_applicant_naming_the_field(changes, field_name):
    with pytest.raises(ValueError, match=field_name):
        replace(BASELINE, **changes)


def test_it_refuses_a_program_whose_amounts_are_out_of_order():
    with pytest.raises(ValueError, match="typical_amount"):
        replace(POC, typical_amount=Decimal("60000"))


def test_it_accepts_numbers_and_datetimes_from_callers():
    applicant = replace(
        BASELINE,
        prior_activate_credits=10000,
        founded_on=datetime(2022, 5, 1, 9, 30),  # noqa: DTZ001
    )

    result = evaluate(applicant, PROGRAMS, today=datetime(2026, 10, 15, 23, 59))  # noqa: DTZ001

    assert applicant.prior_activate_credits == Decimal("10000")
    assert by_code(result)["activate_portfolio"].expected_amount == Decimal("90000.00")


# --- properties -------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=400_000, places=2, allow_nan=False)
applicants = st.builds(
    Applicant,
    stage=st.sampled_from(STAGES),
    founded_on=st.dates(date(1995, 1, 1), date(2028, 12, 31)),
    website=st.sampled_from(["", "  ", "https://acme.ai", "linkedin.com/company/acme"]),
    aws_account_id=st.one_of(st.from_regex(r"[0-9]{12}", fullmatch=True), st.text(max_size=14)),
    aws_paid_plan=st.booleans(),
    uses_china_regions=st.booleans(),
    activate_org_id=st.sampled_from(["", " ", "ORG-1", "ORG-2"]),
    prior_activate_credits=money,
    generative_ai=st.booleans(),
    projected_monthly_spend=st.none() | money,
    org_id_used_elsewhere=st.booleans(),
)
families = st.sampled_from(["activate", "partner_funding", "accelerator"])
program_sets = (
    st.tuples(*(st.tuples(st.just(p), families, st.booleans()) for p in PROGRAMS))
    .map(
        lambda rows: tuple(
            replace(program, family=family, covers_bedrock_third_party=covers)
            for program, family, covers in rows
        )
    )
    .flatmap(st.permutations)
)
days = st.dates(date(2025, 1, 1), date(2028, 12, 31))


@settings(max_examples=300, deadline=None)
@given(applicant=applicants, programs=program_sets, today=days)
def test_it_holds_its_invariants_for_any_applicant(applicant, programs, today):
    result = evaluate(applicant, programs, today=today)
    verdicts = by_code(result)
    recommended = [verdicts[code] for code in result.recommended]

    for verdict in result.programs:
        assert verdict.verdict in VERDICTS
        assert Decimal(0) <= verdict.expected_amount <= verdict.amount_max
        passed = [reason.passed for reason in verdict.reasons]
        assert passed == sorted(passed)  # failed (False) before passed (True)
        qualifies = verdict.verdict in ("eligible", "competitive", "superseded")
        assert qualifies == all(passed)
        if verdict.verdict in ("ineligible", "superseded"):
            assert verdict.expected_amount == 0
    assert result.total_expected == sum(
        (v.expected_amount for v in recommended if v.verdict == "eligible"), Decimal(0)
    )
    assert len({v.family for v in recommended}) == len(recommended)
    assert all(v.verdict in ("eligible", "competitive") for v in recommended)
    assert verdicts["genai_accelerator"].verdict != "eligible"
    if verdicts["activate_founders"].verdict == "superseded":
        assert verdicts["activate_portfolio"].verdict == "eligible"
    json.dumps(result.as_dict())


@settings(max_examples=200, deadline=None)
@given(applicant=applicants, today=days)
def test_it_never_lets_an_eligible_program_go_unrecommended_in_distinct_families(applicant, today):
    result = evaluate(applicant, PROGRAMS, today=today)

    for verdict in result.programs:
        if verdict.verdict in ("eligible", "competitive"):
            assert verdict.code in result.recommended


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"aws_account_id": "12345678901"},
        {"aws_account_id": "abc123456789"},
        {"activate_org_id": "SECRET-ORG-42"},
        {"activate_org_id": "SECRET-ORG-42", "org_id_used_elsewhere": True},
    ],
)
def test_it_never_quotes_the_account_id_or_the_org_id(changes):
    """Partners read the reasons on a lead before they accept it (and before ACE would show
    them the customer's identifiers), so no reason may carry them."""
    applicant = replace(
        BASELINE,
        **{"aws_account_id": "210987654321", "activate_org_id": "SECRET-ORG-42", **changes},
    )
    evaluation = evaluate(applicant, PROGRAMS, today=TODAY)

    text = json.dumps(evaluation.as_dict())
    assert applicant.aws_account_id not in text
    assert "SECRET-ORG-42" not in text
