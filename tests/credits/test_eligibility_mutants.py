"""Eligibility behaviour the mutation run (tools/mutate.py, docs/testing.md) found untested:
what a founder reads at the edges of the rules. Plain Python: no database."""

from dataclasses import replace
from datetime import date

import pytest

from tests.credits.test_eligibility import ACCELERATOR, TODAY, reason, run


def test_a_founder_without_an_org_id_is_not_told_nobody_else_used_it():
    """A founder who gave no Org ID reads that there is none to check, not that it is unused."""
    found = reason(run(activate_org_id=""), "activate_portfolio", "org_id_not_reused")

    assert (found.passed, found.message) == (
        True,
        "No Org ID given, so there is none to check for reuse.",
    )


def test_a_founder_with_an_unused_org_id_is_told_nobody_else_used_it():
    """A founder whose Org ID no other startup used reads exactly that."""
    found = reason(run(), "activate_portfolio", "org_id_not_reused")

    assert (found.passed, found.message) == (
        True,
        "No other startup on CloudRoute has used your Org ID.",
    )


@pytest.mark.parametrize(
    ("website", "shown"),
    [
        ("https://acme.ai/" + "a" * 24, "https://acme.ai/" + "a" * 24),  # 40 characters
        ("https://acme.ai/" + "a" * 25, "https://acme.ai/" + "a" * 23 + "…"),  # 41
    ],
    ids=["40-shown-whole", "41-cut-to-40"],
)
def test_a_long_website_is_quoted_whole_up_to_40_characters_then_cut(website, shown):
    """The founder's website is quoted in full up to 40 characters, longer ones end in '…'."""
    found = reason(run(website=website), "activate_founders", "has_web_presence")

    assert found.message == f"You have a website or public profile: “{shown}”."


ANNOUNCE = "Apply once AWS announces the next window; CloudRoute will show its dates."


@pytest.mark.parametrize(
    ("dates", "message", "fix"),
    [
        (
            {"window_opens_on": date(2026, 9, 1), "window_closes_on": None},
            "The AWS Generative AI Accelerator application window opened on 1 September 2026, "
            "but its closing date is not announced, so CloudRoute does not count it as open yet.",
            ANNOUNCE,
        ),
        (
            {"window_opens_on": None, "window_closes_on": date(2026, 12, 31)},
            "The AWS Generative AI Accelerator application window closes on 31 December 2026, "
            "but its opening date is not announced, so CloudRoute does not count it as open yet.",
            ANNOUNCE,
        ),
        (
            {"window_opens_on": date(2026, 11, 1), "window_closes_on": None},
            "The AWS Generative AI Accelerator application window is closed; it opens on "
            "1 November 2026.",
            "Apply once the window opens on 1 November 2026.",
        ),
    ],
    ids=["opened-no-close", "closes-no-open", "opens-later-no-close"],
)
def test_a_window_with_one_date_is_not_counted_and_says_which_is_missing(dates, message, fix):
    """A founder reads which date AWS has not announced, not that there is no window at all."""
    programs = (replace(ACCELERATOR, **dates),)

    found = reason(run(TODAY, programs), "genai_accelerator", "application_window_open")

    assert (found.passed, found.message, found.fix) == (False, message, fix)


def test_an_open_window_names_its_closing_date():
    """Inside the window the founder reads until when they can apply."""
    found = reason(run(), "genai_accelerator", "application_window_open")

    assert (found.passed, found.message) == (
        True,
        "The AWS Generative AI Accelerator application window is open until 31 December 2026.",
    )


def test_a_program_built_from_float_amounts_reads_them_as_dollars():
    """Terms read from JSON (floats) give the same verdicts and amounts as Decimals."""
    floats = replace(ACCELERATOR, amount_min=0.0, amount_max=1_000_000.0, typical_amount=1e6)

    assert run(TODAY, (floats,)) == run(TODAY, (ACCELERATOR,))
