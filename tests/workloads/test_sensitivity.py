"""The founder's what-ifs (`sensitivity`), the unit prices shown (`unit_prices`) and the
lifecycle warnings, against the exact reference of test_spend_exact.py."""

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workloads.spend import SpendInput, TierPrice, project, sensitivity, unit_prices

from .test_spend_exact import books, exact, half_up, per_request_costs, spend_inputs

HAIKU_45 = TierPrice(
    "anthropic.claude-haiku-4-5-20251001-v1:0", 1.00, 5.00, 1.25, 0.10, 0.50, 2.50,
    min_cache_prefix=4096, regional_premium=True, name="Claude Haiku 4.5",
)  # fmt: skip
SONNET_45 = TierPrice(
    "anthropic.claude-sonnet-4-5-20250929-v1:0", 3.00, 15.00, None, None, 1.50, 7.50,
    min_cache_prefix=1024, regional_premium=True, name="Claude Sonnet 4.5",
)  # fmt: skip
OPUS_41 = TierPrice(
    "anthropic.claude-opus-4-1-20250805-v1:0", 15.00, 75.00, 18.75, 1.50,
    min_cache_prefix=1024, lifecycle="legacy", name="Claude Opus 4.1",
    end_of_life_on="2027-01-08", replacement="Claude Opus 4.8",
)  # fmt: skip
HAIKU_3 = TierPrice(
    "anthropic.claude-3-haiku-20240307-v1:0", 0.25, 1.25, None, None, 0.125, 0.625,
    supports_caching=False, lifecycle="end_of_life", name="Claude 3 Haiku",
    end_of_life_on="2026-09-10", replacement="Claude Haiku 4.5",
)  # fmt: skip
BOOK = {"haiku": HAIKU_45, "sonnet": SONNET_45, "opus": OPUS_41}
LEVERS = ("escalation_sonnet", "escalation_opus", "cache_hit_rate")


def month_one(spec: SpendInput, ref_prices) -> Fraction:
    """The exact month-1 cost (dollars) of the reference."""
    return exact(spec.monthly_requests) * per_request_costs(spec, ref_prices)["final"]


def cents_text(value: Fraction) -> str:
    cents = half_up(value * 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


# --- sensitivity ----------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(spec=spend_inputs(), book=books(), lever=st.sampled_from(LEVERS))
def test_a_slope_is_the_exact_change_of_month_one_for_a_point(spec, book, lever):
    prices, ref_prices = book
    got = sensitivity(spec, prices)
    assert got["month"] == 1
    # Month 1 is linear in each lever, so the exact difference of any two values 0.01 apart
    # is the slope; 0 and 0.01 are always within the engine's formula, not always within the
    # bounds, so the reference is asked directly.
    if lever == "escalation_sonnet" and exact(spec.escalation_opus) > Fraction(99, 100):
        return  # no room for +0.01 of Sonnet within the bounds (the input would be refused)
    if lever == "escalation_opus" and exact(spec.escalation_sonnet) > Fraction(99, 100):
        return
    low = dataclasses.replace(spec, **{lever: Fraction(0)})
    high = dataclasses.replace(spec, **{lever: Fraction(1, 100)})
    change = month_one(high, ref_prices) - month_one(low, ref_prices)
    assert got["per_point"][lever] == cents_text(change)


@settings(max_examples=100, deadline=None)
@given(spec=spend_inputs(), book=books())
def test_every_curve_point_is_what_project_says_for_month_one(spec, book):
    prices, _ = book
    got = sensitivity(spec, prices)
    largest = {
        "escalation_sonnet": 1 - exact(spec.escalation_opus),
        "escalation_opus": 1 - exact(spec.escalation_sonnet),
        "cache_hit_rate": Fraction(1),
    }
    for lever, points in got["curves"].items():
        assert len(points) == 11
        assert points[0]["share"] == "0.00"
        for step in (0, 3, 10):  # both ends and one between
            share = largest[lever] * step / 10
            at_share = dataclasses.replace(spec, **{lever: share})
            expected = project(at_share, prices).as_dict()["months"][0]["cost"]
            assert points[step]["monthly_cost"] == expected, (lever, step)
            assert Fraction(points[step]["share"]) == pytest.approx(share, abs=1e-9)


def test_it_gives_hand_checked_slopes_and_curves():
    # 1M requests a month, 2,000 input tokens (1,500 a cached prefix), 500 output, global.
    # Haiku 4.5 does not cache 1,500 tokens (minimum 4,096); Sonnet 4.5 does (1,024).
    # Per request: Haiku (2000*1 + 500*5)/1e6 = 0.0045, whatever the hit rate.
    #   Sonnet at hit rate 0.5: (500*3 + 1500*(0.5*0.30 + 0.5*3.75) + 500*15)/1e6 = 0.0120375.
    #   Opus 4.1, prefix above its 1,024 minimum:
    #   (500*15 + 1500*(0.5*1.50 + 0.5*18.75) + 500*75)/1e6 = 0.0601875.
    spec = SpendInput(
        monthly_requests=1_000_000,
        input_tokens=2000,
        cached_prefix_tokens=1500,
        output_tokens=500,
        cache_hit_rate=0.5,
        escalation_sonnet=0.2,
        escalation_opus=0.1,
    )
    got = sensitivity(spec, BOOK)
    # +0.01 Sonnet: 10,000 requests move from Haiku: 10,000 * (0.0120375 - 0.0045) = $75.375.
    # +0.01 Opus: 10,000 * (0.0601875 - 0.0045) = $556.875.
    # +0.01 hit rate: Sonnet's 20% and Opus's 10% save on the prefix; Haiku does not cache:
    #   1M * 0.01 * 1500/1e6 * (0.2*(0.30 - 3.75) + 0.1*(1.50 - 18.75)) = -$36.225.
    assert got["per_point"] == {
        "escalation_sonnet": "75.38",
        "escalation_opus": "556.88",
        "cache_hit_rate": "-36.23",
    }
    # Month 1 as entered: 0.7*4500 + 0.2*12037.50 + 0.1*60187.50 = $11,576.25.
    assert project(spec, BOOK).as_dict()["months"][0]["cost"] == "11576.25"
    sonnet = got["curves"]["escalation_sonnet"]
    # Sonnet from 0 to 0.9 (the Opus share held at 0.1), in steps of 0.09.
    assert [point["share"] for point in sonnet] == [
        "0.00", "0.09", "0.18", "0.27", "0.36", "0.45", "0.54", "0.63", "0.72", "0.81", "0.90",
    ]  # fmt: skip
    # At 0: 0.9*4500 + 0.1*60187.50 = 10,068.75; at 0.9: 0.9*12037.50 + 6018.75 = 16,852.50.
    assert (sonnet[0]["monthly_cost"], sonnet[-1]["monthly_cost"]) == ("10068.75", "16852.50")
    hits = got["curves"]["cache_hit_rate"]
    assert [point["share"] for point in hits][:3] == ["0.00", "0.10", "0.20"]
    # Every 0.1 of hit rate saves $362.25.
    costs = [Decimal(point["monthly_cost"]) for point in hits]
    assert {a - b for a, b in zip(costs, costs[1:], strict=False)} == {Decimal("362.25")}


def test_a_cascade_charges_escalated_requests_the_haiku_attempt_too():
    spec = SpendInput(
        monthly_requests=1_000_000,
        input_tokens=2000,
        output_tokens=500,
        escalation_sonnet=0.2,
        cascade=True,
    )
    got = sensitivity(spec, BOOK)
    # Every request pays Haiku's 0.0045; +0.01 Sonnet adds 10,000 * (2000*3 + 500*15)/1e6 =
    # $135.00, not 135 - 45. Without a cascade it is $90.00.
    assert got["per_point"]["escalation_sonnet"] == "135.00"
    plain = sensitivity(dataclasses.replace(spec, cascade=False), BOOK)
    assert plain["per_point"]["escalation_sonnet"] == "90.00"
    sonnet = got["curves"]["escalation_sonnet"]
    assert sonnet[-1]["share"] == "1.00"
    # All escalated, all through Haiku first: 4,500 + 13,500.
    assert sonnet[-1]["monthly_cost"] == "18000.00"


def test_a_prefix_below_every_minimum_gains_nothing_from_hits():
    spec = SpendInput(
        monthly_requests=1_000_000,
        input_tokens=2000,
        cached_prefix_tokens=1000,  # below Haiku 4.5's 4,096, Sonnet's and Opus's 1,024
        output_tokens=500,
        escalation_sonnet=0.3,
        escalation_opus=0.2,
    )
    got = sensitivity(spec, BOOK)
    assert got["per_point"]["cache_hit_rate"] == "0.00"
    assert len({point["monthly_cost"] for point in got["curves"]["cache_hit_rate"]}) == 1


def test_it_writes_an_odd_room_exactly_or_to_nine_places():
    spec = SpendInput(
        monthly_requests=1000,
        input_tokens=10,
        output_tokens=10,
        escalation_sonnet=Fraction(1, 3),
    )
    opus = sensitivity(spec, BOOK)["curves"]["escalation_opus"]
    assert opus[1]["share"] == "0.066666667"  # (2/3) / 10, rounded half up at 9 places
    assert opus[-1]["share"] == "0.666666667"


# --- unit prices ----------------------------------------------------------------------------


def test_unit_prices_include_the_regional_premium_on_flagged_models_only():
    got = unit_prices(BOOK, "regional")
    assert got["sonnet"] == {
        "model_id": "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "name": "Claude Sonnet 4.5",
        "lifecycle": "active",
        "input": "3.30",
        "output": "16.50",
        "cache_write": "4.125",  # derived: 1.25 x 3.00, then the premium
        "cache_read": "0.33",
        "batch_input": "1.65",
        "batch_output": "8.25",
    }
    assert got["opus"]["input"] == "15.00"  # no premium on Opus 4.1
    assert got["opus"]["batch_input"] is None  # no Batch
    assert got["opus"]["lifecycle"] == "legacy"
    assert unit_prices(BOOK, "global")["sonnet"]["input"] == "3.00"
    assert unit_prices(BOOK, "global")["sonnet"]["cache_write"] == "3.75"


def test_unit_prices_show_no_cache_price_for_a_model_without_caching():
    got = unit_prices({"haiku": HAIKU_3}, "global")["haiku"]
    assert (got["cache_write"], got["cache_read"]) == (None, None)
    assert (got["input"], got["batch_input"]) == ("0.25", "0.125")
    with pytest.raises(ValueError, match="endpoint"):
        unit_prices(BOOK, "moon")


# --- lifecycle warnings ---------------------------------------------------------------------


def test_it_warns_about_legacy_and_end_of_life_models_by_name():
    book = {"haiku": HAIKU_3, "sonnet": SONNET_45, "opus": OPUS_41}
    spec = SpendInput(
        monthly_requests=1000, input_tokens=100, output_tokens=10, escalation_opus=0.1
    )
    assert project(spec, book).warnings == [
        "Claude 3 Haiku (the Haiku tier) reached end of life on Bedrock on 2026-09-10: "
        "requests to it fail, so these figures are illustrative only. Move to Claude Haiku 4.5.",
        "Claude Opus 4.1 (the Opus tier) is a legacy model on Bedrock; AWS ends it on "
        "2027-01-08. Move to Claude Opus 4.8.",
    ]


def test_it_leaves_out_what_it_does_not_know_and_falls_back_to_the_model_id():
    unnamed = TierPrice("anthropic.claude-old", 1, 5, lifecycle="legacy")
    gone = TierPrice("anthropic.claude-older", 1, 5, lifecycle="end_of_life")
    spec = SpendInput(
        monthly_requests=1000, input_tokens=100, output_tokens=10, escalation_sonnet=0.5
    )
    book = {"haiku": gone, "sonnet": unnamed, "opus": OPUS_41}
    assert project(spec, book).warnings == [
        "anthropic.claude-older (the Haiku tier) reached end of life on Bedrock: requests to "
        "it fail, so these figures are illustrative only.",
        "anthropic.claude-old (the Sonnet tier) is a legacy model on Bedrock.",
        "Claude Opus 4.1 (the baseline) is a legacy model on Bedrock; AWS ends it on "
        "2027-01-08. Move to Claude Opus 4.8.",
    ]
    assert unnamed.legacy and gone.legacy and not HAIKU_45.legacy
    with pytest.raises(ValueError, match="lifecycle"):
        TierPrice("m", 1, 5, lifecycle="retired")


def test_a_tier_without_traffic_that_is_not_the_baseline_is_not_mentioned():
    spec = SpendInput(
        monthly_requests=1000, input_tokens=100, output_tokens=10, baseline_tier="sonnet"
    )
    assert project(spec, BOOK).warnings == []
