"""The spend engine against docs/architecture.md#the-spend-model-contract: hand-computed
cases, warnings and properties, each also checked against the independent exact (Fraction)
reference of test_spend_exact.py to the cent.
"""

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workloads.spend import (
    LIFECYCLES,
    CreditGrant,
    SpendInput,
    TierPrice,
    project,
    to_cents,
)

from .test_spend_exact import (
    assert_matches_reference,
    per_request_costs,
    ref_book,
    ref_inline,
)

# Bedrock list prices, global endpoint (shared/reference/aws-facts.md).
HAIKU_45 = TierPrice(
    "anthropic.claude-haiku-4-5-20251001-v1:0", 1.00, 5.00, 1.25, 0.10, 0.50, 2.50,
    min_cache_prefix=4096, regional_premium=True,
)  # fmt: skip
HAIKU_35 = TierPrice(
    "anthropic.claude-3-5-haiku-20241022-v1:0", 0.80, 4.00, 1.00, 0.08,
    min_cache_prefix=2048,
)  # fmt: skip
HAIKU_3 = TierPrice(
    "anthropic.claude-3-haiku-20240307-v1:0", 0.25, 1.25, None, None, 0.125, 0.625,
    supports_caching=False,
)  # fmt: skip
SONNET_45 = TierPrice(
    "anthropic.claude-sonnet-4-5-20250929-v1:0", 3.00, 15.00, 3.75, 0.30, 1.50, 7.50,
    min_cache_prefix=1024, regional_premium=True,
)  # fmt: skip
OPUS_45 = TierPrice(
    "anthropic.claude-opus-4-5-20251101-v1:0", 5.00, 25.00, 6.25, 0.50, 2.50, 12.50,
    min_cache_prefix=4096, regional_premium=True,
)  # fmt: skip
OPUS_41 = TierPrice(
    "anthropic.claude-opus-4-1-20250805-v1:0", 15.00, 75.00, 18.75, 1.50,
    min_cache_prefix=1024, lifecycle="legacy", name="Claude Opus 4.1",
    end_of_life_on="2027-01-08", replacement="Claude Opus 4.8",
)  # fmt: skip

CURRENT = {"haiku": HAIKU_45, "sonnet": SONNET_45, "opus": OPUS_45}
# The brief's "representative 2026" book: Haiku 0.25/1.25, Sonnet 3/15, Opus-class 15/75.
REPRESENTATIVE = {"haiku": HAIKU_3, "sonnet": SONNET_45, "opus": OPUS_41}


# --- hand-checked cases -----------------------------------------------------------------------


def test_it_matches_the_hand_computed_representative_case():
    # Representative book, 1,000,000 requests/month, I = 1000, P = 0, O = 200, no escalation.
    # Haiku (Claude 3 Haiku, 0.25/1.25) per request: (1000*0.25 + 200*1.25)/1e6 = $0.0005
    #   -> $500.00 a month.
    # Baseline Opus 4.1 (15/75): (1000*15 + 200*75)/1e6 = $0.03 -> $30,000.00 a month.
    # Over 12 months: cost 6,000.00; baseline 360,000.00; tiering saves 354,000.00.
    spec = SpendInput(monthly_requests=1_000_000, input_tokens=1000, output_tokens=200)
    got = project(spec, REPRESENTATIVE).as_dict()
    assert got["months"][0] == {
        "month": 1,
        "requests": 1_000_000,
        "cost": "500.00",
        "baseline_cost": "30000.00",
        "credits_applied": "0.00",
        "credits_remaining": "0.00",
        "out_of_pocket": "500.00",
        "credits_expired": "0.00",
    }
    assert len(got["months"]) == 12
    assert got["totals"] == {
        "cost": "6000.00",
        "baseline_cost": "360000.00",
        "credits_applied": "0.00",
        "out_of_pocket": "6000.00",
        "credits_expired": "0.00",
    }
    assert got["savings"] == {"tiering": "354000.00", "caching": "0.00", "batch": "0.00"}
    assert got["per_request_cost"] == "0.000500000"
    assert got["first_out_of_pocket_month"] == 1
    assert got["models"] == {
        "haiku": "anthropic.claude-3-haiku-20240307-v1:0",
        "sonnet": "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "opus": "anthropic.claude-opus-4-1-20250805-v1:0",
    }
    # Opus 4.1 carries no traffic, but it is the baseline: still worth a word.
    assert got["warnings"] == [
        "Claude Opus 4.1 (the baseline) is a legacy model on Bedrock; AWS ends it on "
        "2027-01-08. Move to Claude Opus 4.8."
    ]


def test_it_matches_the_hand_computed_batch_and_credit_case():
    # Same workload, half of it as Batch, 3 months, one $1,000 grant for months 1-2.
    # Haiku batch: (1000*0.125 + 200*0.625)/1e6 = $0.00025.
    # Per request: 0.5*0.0005 + 0.5*0.00025 = $0.000375 -> $375.00 a month.
    # Month 1: credits pay 375, 625 left. Month 2: pay 375, 250 left, which expires.
    # Month 3: no credits; 375 out of pocket, the first out-of-pocket month.
    # Savings over 3M requests: tiering 3M*(0.03 - 0.0005) = 88,500; batch 3M*0.000125 = 375.
    spec = SpendInput(
        monthly_requests=1_000_000,
        input_tokens=1000,
        output_tokens=200,
        batch_share=0.5,
        months=3,
        credits=(CreditGrant(Decimal("1000.00"), start_month=1, valid_months=2),),
    )
    got = project(spec, REPRESENTATIVE).as_dict()
    assert [
        (row["cost"], row["credits_applied"], row["credits_remaining"], row["out_of_pocket"])
        for row in got["months"]
    ] == [
        ("375.00", "375.00", "625.00", "0.00"),
        ("375.00", "375.00", "250.00", "0.00"),
        ("375.00", "0.00", "0.00", "375.00"),
    ]
    assert got["totals"] == {
        "cost": "1125.00",
        "baseline_cost": "90000.00",
        "credits_applied": "750.00",
        "out_of_pocket": "375.00",
        "credits_expired": "250.00",
    }
    assert got["savings"] == {"tiering": "88500.00", "caching": "0.00", "batch": "375.00"}
    assert got["per_request_cost"] == "0.000375000"
    assert got["first_out_of_pocket_month"] == 3


def test_it_returns_the_design_example_shape():
    spec = SpendInput(
        monthly_requests=1_000_000,
        input_tokens=1000,
        cached_prefix_tokens=0,
        output_tokens=400,
        escalation_sonnet=0.02,
        batch_share=0.1,
        months=1,
        credits=(CreditGrant(Decimal("25000.00"), 1, 12),),
    )
    got = assert_matches_reference(spec, REPRESENTATIVE)
    assert set(got) == {
        "months",
        "totals",
        "savings",
        "per_request_cost",
        "first_out_of_pocket_month",
        "models",
        "warnings",
    }
    [month] = got["months"]
    assert list(month) == [
        "month",
        "requests",
        "cost",
        "baseline_cost",
        "credits_applied",
        "credits_remaining",
        "out_of_pocket",
        "credits_expired",
    ]
    assert month["requests"] == 1_000_000
    assert month["baseline_cost"] == "45000.00"  # Opus 4.1: 1000*15 + 400*75 per 1M
    assert month["credits_applied"] == month["cost"]
    assert Decimal(month["credits_remaining"]) == Decimal("25000.00") - Decimal(month["cost"])
    assert month["out_of_pocket"] == "0.00"
    assert set(got["totals"]) == {
        "cost",
        "baseline_cost",
        "credits_applied",
        "out_of_pocket",
        "credits_expired",
    }
    assert set(got["savings"]) == {"tiering", "caching", "batch"}
    assert len(got["per_request_cost"].split(".")[1]) == 9
    assert got["first_out_of_pocket_month"] is None
    assert all(isinstance(value, str) for value in got["totals"].values())


def test_it_compounds_growth_month_over_month():
    spec = SpendInput(
        monthly_requests=200_000,
        monthly_growth=0.15,
        input_tokens=3000,
        cached_prefix_tokens=2500,
        output_tokens=500,
        cache_hit_rate=0.8,
        escalation_sonnet=0.2,
        escalation_opus=0.05,
        months=24,
    )
    got = assert_matches_reference(spec, CURRENT)
    assert got["months"][1]["requests"] == 230_000
    assert got["months"][2]["requests"] == 264_500
    assert Decimal(got["months"][23]["cost"]) > 20 * Decimal(got["months"][0]["cost"])


def test_it_charges_a_haiku_pass_first_when_cascading():
    spec = SpendInput(
        monthly_requests=500_000,
        input_tokens=1000,
        output_tokens=200,
        escalation_sonnet=0.3,
        escalation_opus=0.1,
        cascade=True,
        months=6,
    )
    got = assert_matches_reference(spec, REPRESENTATIVE)
    plain = project(dataclasses.replace(spec, cascade=False), REPRESENTATIVE).as_dict()
    # The extra Haiku pass: 40% of 500,000 requests at $0.0005 = $100.00 a month.
    assert Decimal(got["months"][0]["cost"]) - Decimal(plain["months"][0]["cost"]) == 100
    # The Opus share is Opus 4.1: legacy and carrying traffic.
    assert any("legacy" in line and "Opus tier" in line for line in got["warnings"])


def test_it_burns_grants_soonest_expiring_first_and_expires_what_is_left():
    # Haiku only at $0.0005 a request: 1,200,000 requests cost exactly $600 a month.
    spec = SpendInput(
        monthly_requests=1_200_000,
        input_tokens=1000,
        output_tokens=200,
        months=12,
        credits=(
            CreditGrant(Decimal("5000"), start_month=2, valid_months=12),  # runs past month 12
            CreditGrant(Decimal("2000"), start_month=1, valid_months=3),  # 800 left, expires m3
            CreditGrant(Decimal("1000"), start_month=1, valid_months=1),  # 400 left, expires m1
            CreditGrant(Decimal("3000"), start_month=8, valid_months=6),  # starts later
        ),
    )
    got = assert_matches_reference(spec, REPRESENTATIVE)
    applied = [row["credits_applied"] for row in got["months"]]
    remaining = [row["credits_remaining"] for row in got["months"]]
    assert applied == ["600.00"] * 12
    # m1: the 1,000 grant (last month 1) pays: 400 left + the 2,000 = 2,400; the 400 expires.
    # m2: the 2,000 grant (last month 3) pays before the 5,000 one: 1,400 + 5,000 = 6,400.
    # m3: 800 + 5,000 = 5,800; the 800 expires. m4..m7: the 5,000 grant pays: 4,400 .. 2,600.
    # m8: the 3,000 grant joins; both end in month 13, the earlier start pays: 2,000 + 3,000.
    # m11: 200 + 3,000. m12: the 5,000 grant's last 200 and 400 of the 3,000: 2,600 left,
    # still valid after the horizon, so it does not count as expired.
    assert remaining == [
        "2400.00", "6400.00", "5800.00", "4400.00", "3800.00", "3200.00",
        "2600.00", "5000.00", "4400.00", "3800.00", "3200.00", "2600.00",
    ]  # fmt: skip
    # Each month says what expired in it: the 400 in month 1, the 800 in month 3.
    expired = [row["credits_expired"] for row in got["months"]]
    assert expired == ["400.00", "0.00", "800.00"] + ["0.00"] * 9
    assert got["totals"]["credits_expired"] == "1200.00"  # 400 + 800
    assert got["totals"]["credits_applied"] == "7200.00"
    assert got["first_out_of_pocket_month"] is None


def test_it_pays_out_of_pocket_once_the_grants_run_out():
    spec = SpendInput(
        monthly_requests=1_200_000,  # $600 a month on Claude 3 Haiku
        input_tokens=1000,
        output_tokens=200,
        months=4,
        credits=(CreditGrant(100, start_month=2, valid_months=3), CreditGrant(1000, 1, 4)),
    )
    got = assert_matches_reference(spec, REPRESENTATIVE)
    # m1: 1,000 -> 400 (the later grant has not started). m2: the 1,000 grant ends in month 4,
    # the 100 grant too, earlier start first: 400 paid, then 100; 100 out of pocket.
    assert [row["credits_applied"] for row in got["months"]] == [
        "600.00",
        "500.00",
        "0.00",
        "0.00",
    ]
    assert [row["out_of_pocket"] for row in got["months"]] == [
        "0.00",
        "100.00",
        "600.00",
        "600.00",
    ]
    assert got["first_out_of_pocket_month"] == 2


def test_it_does_not_cache_a_prefix_below_the_models_minimum():
    # 2,000-token prefix: under Haiku 4.5's 4,096 minimum, over Sonnet 4.5's 1,024.
    spec = SpendInput(
        monthly_requests=1_000_000,
        input_tokens=5000,
        cached_prefix_tokens=2000,
        output_tokens=300,
        cache_hit_rate=0.9,
        escalation_sonnet=0.2,
        months=3,
    )
    got = assert_matches_reference(spec, CURRENT)
    assert got["warnings"] == [
        "The 2,000-token prefix is below the 4,096-token minimum cacheable prefix of "
        "anthropic.claude-haiku-4-5-20251001-v1:0 (Haiku tier), so Bedrock does not cache "
        "it on that tier."
    ]
    # Only Sonnet's 20% caches. Per request the prefix costs 2000*3.00 uncached and
    # 2000*(0.9*0.30 + 0.1*3.75) = 2000*0.645 cached (per 1M tokens): 0.2*2000*2.355 = $942
    # saved per 1M requests, 3 months of 1M requests: $2,826.00.
    assert got["savings"]["caching"] == "2826.00"


def test_it_caches_a_prefix_exactly_at_the_minimum():
    # Everything on Sonnet 4.5 (minimum 1,024 tokens), every request a cache hit.
    spec = SpendInput(
        monthly_requests=1_000_000,
        input_tokens=2000,
        cached_prefix_tokens=1024,
        output_tokens=0,
        cache_hit_rate=1,
        escalation_sonnet=1,
        months=1,
    )
    at_minimum = assert_matches_reference(spec, CURRENT)
    # 976*3.00 + 1024*0.30 = 2928 + 307.20 per 1M requests.
    assert at_minimum["months"][0]["cost"] == "3235.20"
    assert at_minimum["warnings"] == []
    below = assert_matches_reference(dataclasses.replace(spec, cached_prefix_tokens=1023), CURRENT)
    assert below["months"][0]["cost"] == "6000.00"  # 2000*3.00, nothing cached
    assert "below the 1,024-token minimum" in below["warnings"][0]


def test_it_warns_about_a_model_without_caching_only_when_a_prefix_is_given():
    spec = SpendInput(
        monthly_requests=10_000, input_tokens=4000, cached_prefix_tokens=3000, output_tokens=100
    )
    got = assert_matches_reference(spec, REPRESENTATIVE)
    assert any("does not support prompt caching" in line for line in got["warnings"])
    no_prefix = project(dataclasses.replace(spec, cached_prefix_tokens=0), REPRESENTATIVE)
    assert not any("caching" in line for line in no_prefix.warnings)


def test_it_runs_the_batch_share_on_demand_for_a_model_without_batch():
    spec = SpendInput(
        monthly_requests=100_000,
        input_tokens=2000,
        output_tokens=500,
        escalation_sonnet=0.1,
        escalation_opus=0.2,
        batch_share=0.6,
        months=2,
    )
    got = assert_matches_reference(spec, REPRESENTATIVE)
    assert (
        "anthropic.claude-opus-4-1-20250805-v1:0 (Opus tier) has no Batch pricing, so its batch "
        "share runs on demand." in got["warnings"]
    )
    # Batch halves Haiku's and Sonnet's share only. Per 1M requests Haiku costs
    # 2000*0.25 + 500*1.25 = $1,125 and Sonnet 2000*3 + 500*15 = $13,500:
    # 0.6 * (0.7*1125 + 0.1*13500) / 2 = $641.25 per 1M; 100k requests x 2 months: $128.25
    # exactly. But a month costs $1,499.625, shown as 1,499.63, so the totals differ by
    # 13,500.00 - 2,999.26 = 10,500.74; tiering is 10,372.50 and batch the rest: 128.24.
    assert got["savings"] == {"tiering": "10372.50", "caching": "0.00", "batch": "128.24"}


def test_it_adds_the_regional_premium_only_to_flagged_models():
    spec = SpendInput(
        monthly_requests=1_000_000,
        input_tokens=6000,
        cached_prefix_tokens=5000,
        output_tokens=400,
        cache_hit_rate=0.75,
        escalation_sonnet=0.25,
        escalation_opus=0.05,
        batch_share=0.2,
        endpoint="regional",
    )
    book = {"haiku": HAIKU_45, "sonnet": SONNET_45, "opus": OPUS_41}
    regional = assert_matches_reference(spec, book)
    global_ = project(dataclasses.replace(spec, endpoint="global"), book).as_dict()
    # Opus 4.1 is older (one price) and is the baseline: the baseline does not move.
    assert regional["months"][0]["baseline_cost"] == global_["months"][0]["baseline_cost"]
    # Without the Opus share every request runs on a flagged model: exactly 1.1x.
    all_flagged = dataclasses.replace(spec, escalation_opus=0)
    at_home = dataclasses.replace(all_flagged, endpoint="global")
    ref_prices = {tier: ref_book(row) for tier, row in book.items()}
    regional_exact = per_request_costs(all_flagged, ref_prices)["final"]
    assert regional_exact == Fraction(11, 10) * per_request_costs(at_home, ref_prices)["final"]
    regional_cost = project(all_flagged, book).per_request_cost
    home_cost = project(at_home, book).per_request_cost
    assert abs(regional_cost - Decimal("1.1") * home_cost) <= Decimal("1e-9")


def test_it_derives_missing_inline_prices():
    haiku = TierPrice.inline(0.25, 1.25)
    # Derived exactly: 0.10 x 0.25 is 1/40, not the float 0.025 (a hair above it).
    assert (haiku.cache_write, haiku.cache_read) == (Fraction("0.3125"), Fraction("0.025"))
    assert (haiku.batch_input, haiku.batch_output) == (Fraction("0.125"), Fraction("0.625"))
    assert TierPrice.inline(3, 15).cache_read == Fraction(3, 10)  # 0.1 * 3 is 0.30000000000000004
    assert haiku.supports_caching and haiku.has_batch
    assert (haiku.min_cache_prefix, haiku.regional_premium, haiku.lifecycle) == (0, False, "active")
    assert not haiku.legacy
    given = {
        "haiku": {"input": 0.25, "output": 1.25},
        "sonnet": {"input": 3, "output": 15, "cache_read": 0.2, "batch_output": 9},
        "opus": {"input": 15, "output": 75, "cache_write": 30},
    }
    prices = {name: TierPrice.inline(**values) for name, values in given.items()}
    spec = SpendInput(
        monthly_requests=750_000,
        monthly_growth=0.05,
        input_tokens=1500,
        cached_prefix_tokens=100,  # inline prices have no minimum prefix
        output_tokens=250,
        cache_hit_rate=0.6,
        batch_share=0.4,
        escalation_sonnet=0.15,
        escalation_opus=0.05,
        endpoint="regional",  # and no regional premium
        months=6,
    )
    got = assert_matches_reference(
        spec, prices, {name: ref_inline(values) for name, values in given.items()}
    )
    assert got["warnings"] == []
    assert got["models"] == {"haiku": "inline", "sonnet": "inline", "opus": "inline"}


def test_it_rounds_half_a_cent_up_as_the_value_prints():
    assert to_cents(0.125 * 3) == Decimal("0.38")
    # The old engine snapped floats to 12 digits and said 951.90; the value as given is
    # below half a cent (the engine no longer makes such floats: it computes exactly).
    assert to_cents(951.8949999999999) == Decimal("951.89")
    assert to_cents(Decimal("951.895")) == Decimal("951.90")
    assert to_cents(-0.001) == Decimal("0.00")
    assert str(to_cents(-0.001)) == "0.00"
    assert str(to_cents(1e20)) == "100000000000000000000.00"


def test_it_rejects_out_of_bounds_inputs_naming_the_field():
    with pytest.raises(ValueError, match="cached_prefix_tokens"):
        SpendInput(monthly_requests=1, input_tokens=10, cached_prefix_tokens=11, output_tokens=1)
    with pytest.raises(ValueError, match="escalation"):
        SpendInput(
            monthly_requests=1,
            input_tokens=1,
            output_tokens=1,
            escalation_sonnet=0.7,
            escalation_opus=0.4,
        )
    with pytest.raises(ValueError, match="months"):
        SpendInput(monthly_requests=1, input_tokens=1, output_tokens=1, months=61)
    with pytest.raises(ValueError, match="batch"):
        TierPrice("m", 1, 5, batch_input=0.5)
    with pytest.raises(ValueError, match="prices has no entry for opus"):
        project(
            SpendInput(monthly_requests=1, input_tokens=1, output_tokens=1),
            {"haiku": HAIKU_45, "sonnet": SONNET_45},
        )


# --- properties -------------------------------------------------------------------------------

shares = st.integers(0, 100).map(lambda k: k / 100)


@st.composite
def price_rows(draw, *, read_at_most_write: bool = False) -> TierPrice:
    cents = st.integers(1, 10_000).map(lambda k: k / 100)  # $0.01 .. $100 per 1M tokens
    input_price, output_price = draw(cents), draw(cents)
    if draw(st.booleans()):
        return TierPrice.inline(input_price, output_price)
    write, read = draw(st.one_of(st.none(), cents)), draw(st.one_of(st.none(), cents))
    if read_at_most_write:
        write = 1.25 * input_price if write is None else write
        read = min(0.10 * input_price if read is None else read, write)
    batch = draw(st.one_of(st.none(), st.tuples(cents, cents)))
    return TierPrice(
        model_id=draw(st.sampled_from(["model-a", "model-b"])),
        input=input_price,
        output=output_price,
        cache_write=write,
        cache_read=read,
        batch_input=batch and batch[0],
        batch_output=batch and batch[1],
        supports_caching=draw(st.booleans()),
        min_cache_prefix=draw(st.sampled_from([0, 1024, 2048, 4096])),
        regional_premium=draw(st.booleans()),
        lifecycle=draw(st.sampled_from(LIFECYCLES)),
    )


def price_books(**kwargs):
    return st.fixed_dictionaries(
        {tier: price_rows(**kwargs) for tier in ("haiku", "sonnet", "opus")}
    )


@st.composite
def spend_inputs(draw, *, max_requests: int = 10_000_000) -> SpendInput:
    prompt = draw(st.integers(0, 20_000))
    sonnet = draw(shares)
    grants = st.builds(
        CreditGrant,
        amount=st.integers(0, 5_000_000).map(lambda cents: Decimal(cents) / 100),
        start_month=st.integers(1, 40),
        valid_months=st.integers(1, 24),
    )
    return SpendInput(
        monthly_requests=draw(st.integers(0, max_requests)),
        monthly_growth=draw(st.integers(-50, 30).map(lambda k: k / 100)),
        input_tokens=prompt,
        cached_prefix_tokens=draw(st.integers(0, prompt)),
        output_tokens=draw(st.integers(0, 4_000)),
        cache_hit_rate=draw(shares),
        batch_share=draw(shares),
        escalation_sonnet=sonnet,
        escalation_opus=draw(st.integers(0, round((1 - sonnet) * 100)).map(lambda k: k / 100)),
        cascade=draw(st.booleans()),
        baseline_tier=draw(st.sampled_from(["haiku", "sonnet", "opus"])),
        months=draw(st.integers(1, 36)),
        endpoint=draw(st.sampled_from(["global", "regional"])),
        credits=tuple(draw(st.lists(grants, max_size=4))),
    )


@settings(max_examples=200, deadline=None)
@given(spec=spend_inputs(), prices=price_books())
def test_it_attributes_savings_that_sum_to_baseline_minus_cost(spec, prices):
    result = project(spec, prices)
    attributed = result.savings.tiering + result.savings.caching + result.savings.batch
    assert attributed == result.totals.baseline_cost - result.totals.cost  # to the cent


@settings(max_examples=200, deadline=None)
@given(
    spec=spend_inputs(),
    prices=price_books(read_at_most_write=True),
    hit_rates=st.tuples(shares, shares),
)
def test_it_never_costs_more_with_more_cache_hits(spec, prices, hit_rates):
    fewer, more = sorted(hit_rates)
    cost_fewer = project(dataclasses.replace(spec, cache_hit_rate=fewer), prices).totals.cost
    cost_more = project(dataclasses.replace(spec, cache_hit_rate=more), prices).totals.cost
    assert cost_more <= cost_fewer  # exact month costs, and rounding keeps their order


@settings(max_examples=200, deadline=None)
@given(spec=spend_inputs(), prices=price_books())
def test_it_costs_nothing_for_zero_requests(spec, prices):
    result = project(dataclasses.replace(spec, monthly_requests=0), prices)
    assert all(row.cost == 0 and row.baseline_cost == 0 for row in result.months)
    assert result.totals.cost == result.totals.out_of_pocket == result.totals.credits_applied == 0
    assert result.first_out_of_pocket_month is None
    # Untouched grants: a grant with a last month in the horizon expires whole.
    assert result.totals.credits_expired == sum(
        to_cents(g.amount) for g in spec.credits if g.last_month <= spec.months
    )


@settings(max_examples=200, deadline=None)
@given(spec=spend_inputs(), prices=price_books())
def test_it_never_lets_credits_or_out_of_pocket_go_negative(spec, prices):
    result = project(spec, prices)
    for row in result.months:
        assert row.credits_remaining >= 0
        assert 0 <= row.credits_applied <= row.cost
        assert row.out_of_pocket >= 0
    assert result.totals.credits_expired >= 0
    assert 0 <= result.totals.credits_applied <= result.totals.cost
    assert result.totals.out_of_pocket >= 0


@settings(max_examples=200, deadline=None)
@given(spec=spend_inputs(), prices=price_books())
def test_it_agrees_with_the_exact_reference_to_the_cent(spec, prices):
    assert_matches_reference(spec, prices)


def test_it_accepts_decimals_as_forms_and_the_price_book_give_them():
    as_floats = SpendInput(
        monthly_requests=1_000_000,
        monthly_growth=0.05,
        input_tokens=1000,
        output_tokens=200,
        batch_share=0.5,
        escalation_sonnet=0.1,
        months=3,
    )
    as_decimals = dataclasses.replace(
        as_floats,
        monthly_growth=Decimal("0.05"),
        batch_share=Decimal("0.5"),
        escalation_sonnet=Decimal("0.1"),
    )
    book = {
        "haiku": dataclasses.replace(HAIKU_3, input=Decimal("0.25"), output=Decimal("1.25")),
        "sonnet": TierPrice.inline(Decimal("3.00"), Decimal("15.00")),
        "opus": OPUS_41,
    }
    assert project(as_decimals, book).as_dict() == project(as_floats, book).as_dict()


def test_it_warns_only_about_tiers_that_carry_traffic():
    # Claude 3.5 Haiku has no Batch; with everything escalated to Sonnet it carries nothing.
    book = {"haiku": HAIKU_35, "sonnet": SONNET_45, "opus": OPUS_45}
    spec = SpendInput(
        monthly_requests=1000,
        input_tokens=3000,
        cached_prefix_tokens=1500,  # below Haiku 3.5's 2,048 and Opus 4.5's 4,096
        output_tokens=100,
        batch_share=0.5,
        escalation_sonnet=1,
    )
    assert project(spec, book).warnings == []
    # A cascade sends every request through Haiku first: now its dropped levers matter.
    cascading = assert_matches_reference(dataclasses.replace(spec, cascade=True), book)
    assert cascading["warnings"] == [
        "The 1,500-token prefix is below the 2,048-token minimum cacheable prefix of "
        "anthropic.claude-3-5-haiku-20241022-v1:0 (Haiku tier), so Bedrock does not cache it "
        "on that tier.",
        "anthropic.claude-3-5-haiku-20241022-v1:0 (Haiku tier) has no Batch pricing, so its "
        "batch share runs on demand.",
    ]
