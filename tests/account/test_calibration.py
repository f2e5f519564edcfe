"""What the measured Bedrock counts say each workload parameter is (credits/calibration.py
`measure`): pure math over per-model totals, no database. The property tests hold every
measured value to the bounds a Workload row takes (workloads/models/startups.py), since
`workload_calibrate` saves them as a new version."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credits.calibration import ModelTotals, measure
from tests.bedrock_account import HAIKU, OPUS, SONNET


def _totals(
    model_id: str,
    tier: str | None,
    invocations: int,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read: int = 0,
    cache_write: int = 0,
) -> ModelTotals:
    return ModelTotals(
        model_id=model_id,
        tier=tier,
        invocations=invocations,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
    )


def _tiers(haiku: int, sonnet: int = 0, opus: int = 0, **tokens) -> list[ModelTotals]:
    """One row per tier with these invocations (tokens on the Haiku row)."""
    return [
        _totals(HAIKU, "haiku", haiku, **tokens),
        _totals(SONNET, "sonnet", sonnet),
        _totals(OPUS, "opus", opus),
    ]


# --- requests and shares ----------------------------------------------------------------------


def test_without_cascade_requests_are_every_tiers_invocations():
    found = measure(_tiers(800, 150, 50), days=10, cascade=False)
    assert found.monthly_requests == 3_000  # 1,000 over 10 days, times 30
    assert (found.escalation_sonnet, found.escalation_opus) == (0.15, 0.05)
    assert found.invocations == {"haiku": 800, "sonnet": 150, "opus": 50}


def test_with_cascade_requests_are_the_haiku_invocations_and_shares_relative_to_them():
    """Every request tries Haiku first: escalations are extra invocations, not requests."""
    found = measure(_tiers(1_000, 200, 50), days=10, cascade=True)
    assert found.monthly_requests == 3_000
    assert (found.escalation_sonnet, found.escalation_opus) == (0.2, 0.05)


def test_the_month_scales_the_days_covered_to_thirty():
    assert measure(_tiers(70), days=7, cascade=False).monthly_requests == 300
    assert measure(_tiers(1), days=30, cascade=False).monthly_requests == 1
    assert measure(_tiers(10), days=3, cascade=False).monthly_requests == 100


def test_shares_are_rounded_to_four_places():
    found = measure(_tiers(1, 1, 1), days=1, cascade=False)
    assert (found.escalation_sonnet, found.escalation_opus) == (0.3333, 0.3333)


def test_rounding_keeps_sonnet_plus_opus_at_most_one():
    """1/20000 rounds up to 0.0001 and 19999/20000 to 1.0: Opus gives way."""
    found = measure(_tiers(0, 19_999, 1), days=1, cascade=False)
    assert found.escalation_sonnet == 1.0
    assert found.escalation_opus == 0.0
    assert found.escalation_sonnet + found.escalation_opus <= 1


def test_unknown_models_are_reported_and_not_counted():
    totals = [
        *_tiers(100, input_tokens=100 * 500, output_tokens=100 * 50),
        _totals("anthropic.claude-instant-v1", None, 10_000, input_tokens=10**9, output_tokens=9),
        _totals("anthropic.claude-2", None, 5),
    ]
    found = measure(totals, days=1, cascade=False)
    assert found.monthly_requests == 3_000
    assert (found.input_tokens, found.output_tokens) == (500, 50)
    assert found.unknown_models == ("anthropic.claude-2", "anthropic.claude-instant-v1")
    assert "unknown" not in found.invocations


@pytest.mark.parametrize("cascade", [False, True])
def test_no_request_of_a_known_tier_measures_nothing(cascade):
    assert measure([], days=30, cascade=cascade) is None
    assert measure(_tiers(0), days=30, cascade=cascade) is None
    assert measure([_totals(HAIKU, None, 1_000)], days=30, cascade=cascade) is None


def test_a_cascade_without_haiku_invocations_counts_the_escalated_calls_as_the_requests():
    """No Haiku call at all: the account does not cascade, so Sonnet and Opus calls are the
    requests (a floor), never a division by zero or shares above 1."""
    found = measure(_tiers(0, 500, 10), days=30, cascade=True)
    assert found is not None
    assert found.monthly_requests == 510
    assert (found.escalation_sonnet, found.escalation_opus) == (0.9804, 0.0196)


def test_zero_days_measures_nothing():
    assert measure(_tiers(100), days=0, cascade=False) is None


# --- tokens and the cache ---------------------------------------------------------------------


def test_tokens_per_call_count_the_cached_prefix_that_input_tokens_leave_out():
    """Bedrock's InputTokenCount leaves out what the prompt cache read or wrote."""
    found = measure(
        _tiers(
            100,
            input_tokens=100 * 600,
            output_tokens=100 * 80,
            cache_read=75 * 1_200,
            cache_write=25 * 1_200,
        ),
        days=1,
        cascade=False,
    )
    assert found.input_tokens == 1_800  # 600 uncached + 1,200 prefix
    assert found.cached_prefix_tokens == 1_200
    assert found.output_tokens == 80
    assert found.cache_hit_rate == 0.75


def test_tokens_are_per_invocation_of_every_known_tier():
    totals = [
        _totals(HAIKU, "haiku", 300, input_tokens=300 * 100, output_tokens=300 * 10),
        _totals(SONNET, "sonnet", 100, input_tokens=100 * 500, output_tokens=100 * 50),
    ]
    found = measure(totals, days=1, cascade=True)
    assert (found.input_tokens, found.output_tokens) == (200, 20)  # 80,000 / 400 and 8,000 / 400


def test_without_cache_traffic_the_hit_rate_and_prefix_are_zero():
    found = measure(_tiers(10, input_tokens=1_000, output_tokens=100), days=1, cascade=False)
    assert (found.cached_prefix_tokens, found.cache_hit_rate) == (0, 0.0)


def test_workload_values_are_the_seven_calibrated_answers():
    found = measure(_tiers(10, 2, 1, input_tokens=1_000), days=1, cascade=False)
    assert set(found.workload_values()) == {
        "monthly_requests",
        "input_tokens",
        "cached_prefix_tokens",
        "output_tokens",
        "cache_hit_rate",
        "escalation_sonnet",
        "escalation_opus",
    }
    assert "batch_share" not in found.workload_values()  # not measured: stays as assumed


# --- properties -------------------------------------------------------------------------------

invocations = st.integers(min_value=1, max_value=10**9)
tokens = st.integers(min_value=1, max_value=10**12)


@st.composite
def tier_totals(draw) -> list[ModelTotals]:
    """Positive invocations and token counts on each of the three tiers."""
    return [
        _totals(
            model_id,
            tier,
            draw(invocations),
            input_tokens=draw(tokens),
            output_tokens=draw(tokens),
            cache_read=draw(tokens),
            cache_write=draw(tokens),
        )
        for model_id, tier in ((HAIKU, "haiku"), (SONNET, "sonnet"), (OPUS, "opus"))
    ]


def _assert_a_valid_workload(found) -> None:
    assert found is not None
    values = found.workload_values()
    for share in ("cache_hit_rate", "escalation_sonnet", "escalation_opus"):
        assert 0 <= values[share] <= 1, (share, values[share])
    assert values["escalation_sonnet"] + values["escalation_opus"] <= 1
    assert 0 <= values["cached_prefix_tokens"] <= values["input_tokens"]
    assert values["output_tokens"] >= 0
    assert values["monthly_requests"] >= 1


@settings(max_examples=300, deadline=None)
@given(totals=tier_totals(), days=st.integers(min_value=1, max_value=30))
def test_measured_values_are_a_valid_workload_without_cascade(totals, days):
    _assert_a_valid_workload(measure(totals, days=days, cascade=False))


@settings(max_examples=300, deadline=None)
@given(totals=tier_totals(), days=st.integers(min_value=1, max_value=30))
def test_measured_values_are_a_valid_workload_with_cascade_when_haiku_sees_every_request(
    totals, days
):
    """The cascade as designed: every request tries Haiku first, so at least as many Haiku
    invocations as escalations."""
    haiku, sonnet, opus = totals
    haiku = _totals(
        HAIKU,
        "haiku",
        haiku.invocations + sonnet.invocations + opus.invocations,
        input_tokens=haiku.input_tokens,
        output_tokens=haiku.output_tokens,
        cache_read=haiku.cache_read_tokens,
        cache_write=haiku.cache_write_tokens,
    )
    _assert_a_valid_workload(measure([haiku, sonnet, opus], days=days, cascade=True))


@settings(max_examples=300, deadline=None)
@given(totals=tier_totals(), days=st.integers(min_value=1, max_value=30))
def test_measured_values_are_a_valid_workload_with_cascade_for_any_positive_counts(totals, days):
    _assert_a_valid_workload(measure(totals, days=days, cascade=True))


def test_a_cascade_account_calling_sonnet_directly_still_measures_valid_shares():
    """An account whose Sonnet traffic does not all go through Haiku first (another app, or
    direct calls): 1 Haiku invocation, 5 Sonnet ones. Before the fix: sonnet 5.0, opus -4.0,
    which the Workload's CHECK constraints reject when the founder applies them."""
    found = measure(_tiers(1, 5, 0), days=1, cascade=True)
    assert 0 <= found.escalation_sonnet <= 1
    assert 0 <= found.escalation_opus <= 1 - found.escalation_sonnet
