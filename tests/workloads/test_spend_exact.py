"""Exact money (issue 14): the spend engine against an exact Fraction reference, to the cent.

The reference below is written from docs/architecture.md#the-spend-model-contract and the
engine's module docstring, not from workloads/spend/: every input is the decimal it prints
as, requests are monthly_requests x (1 + g)^(m - 1), each month's cost and baseline cost are
rounded half up once, credits are drawn in whole cents from the grants re-sorted every
month, totals are sums of the months, tiering and caching savings are rounded once and batch
takes the rest. test_spend.py checks hand-computed cases with the same reference.
"""

import dataclasses
import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from workloads.spend import CreditGrant, SpendInput, TierPrice, project, to_cents

TIERS = ("haiku", "sonnet", "opus")
MONEY = (
    "cost",
    "baseline_cost",
    "credits_applied",
    "credits_remaining",
    "out_of_pocket",
    "credits_expired",
)


# --- the exact reference ------------------------------------------------------------------


def exact(value) -> Fraction:
    """The decimal a value prints as: 0.1 is 1/10; int, Decimal and Fraction as they are."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        return Fraction(value)
    return Fraction(str(value))


def half_up(value: Fraction) -> int:
    """To the nearest integer, halves away from zero."""
    units = math.floor(abs(value) + Fraction(1, 2))
    return units if value >= 0 else -units


def cents_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def rounded_text(value: Fraction, places: int) -> str:
    units = half_up(value * 10**places)
    sign = "-" if units < 0 else ""
    text = str(abs(units)).rjust(places + 1, "0")
    return f"{sign}{text[:-places]}.{text[-places:]}"


@dataclasses.dataclass
class RefPrice:
    input: Fraction
    output: Fraction
    cache_write: Fraction
    cache_read: Fraction
    batch_input: Fraction | None
    batch_output: Fraction | None
    caching: bool = True
    min_prefix: int = 0
    regional: bool = False


def ref_book(row: TierPrice) -> RefPrice:
    """A price-book row from its public fields; missing cache prices are 1.25x / 0.10x input."""
    given_in = exact(row.input)

    def maybe(value, default=None):
        return default if value is None else exact(value)

    return RefPrice(
        input=given_in,
        output=exact(row.output),
        cache_write=maybe(row.cache_write, Fraction(5, 4) * given_in),
        cache_read=maybe(row.cache_read, Fraction(1, 10) * given_in),
        batch_input=maybe(row.batch_input),
        batch_output=maybe(row.batch_output),
        caching=row.supports_caching,
        min_prefix=row.min_cache_prefix,
        regional=row.regional_premium,
    )


def ref_inline(given: dict) -> RefPrice:
    """Inline prices: taken as given, the rest derived; no premium, no minimum, all levers."""
    given_in, given_out = exact(given["input"]), exact(given["output"])
    derived = {
        "cache_write": Fraction(5, 4) * given_in,
        "cache_read": Fraction(1, 10) * given_in,
        "batch_input": Fraction(1, 2) * given_in,
        "batch_output": Fraction(1, 2) * given_out,
    }
    for key in derived:
        if key in given:
            derived[key] = exact(given[key])
    return RefPrice(given_in, given_out, **derived)


def per_request_costs(spec: SpendInput, prices: dict[str, RefPrice]) -> dict[str, Fraction]:
    """Exact per-request dollars: `final` (what a request costs), `baseline` (all on the
    baseline tier, no caching, no batch) and the two mixes between them."""
    prompt, prefix, out_tokens = spec.input_tokens, spec.cached_prefix_tokens, spec.output_tokens
    hit, batch_share = exact(spec.cache_hit_rate), exact(spec.batch_share)
    sonnet, opus = exact(spec.escalation_sonnet), exact(spec.escalation_opus)
    million = Fraction(10**6)

    def tier(price: RefPrice) -> tuple[Fraction, Fraction, Fraction]:
        premium = Fraction(11, 10) if spec.endpoint == "regional" and price.regional else 1
        p_in, p_out = price.input * premium, price.output * premium
        no_cache = (prompt * p_in + out_tokens * p_out) / million
        if prefix > 0 and price.caching and prefix >= price.min_prefix:
            per_token = hit * price.cache_read + (1 - hit) * price.cache_write
            prefix_part = prefix * per_token * premium
        else:
            prefix_part = prefix * p_in
        on_demand = ((prompt - prefix) * p_in + prefix_part + out_tokens * p_out) / million
        if price.batch_input is None:
            return no_cache, on_demand, on_demand
        b_in, b_out = price.batch_input * premium, price.batch_output * premium
        batch = (
            (prompt - prefix) * b_in + prefix_part * (b_in / p_in) + out_tokens * b_out
        ) / million
        return no_cache, on_demand, batch

    costs = {name: tier(prices[name]) for name in TIERS}
    weights = {"haiku": 1 - sonnet - opus, "sonnet": sonnet, "opus": opus}
    if spec.cascade:
        weights["haiku"] += sonnet + opus

    def mix(kind: int) -> Fraction:
        return sum(weights[name] * costs[name][kind] for name in TIERS)

    with_cache = mix(1)
    return {
        "tier_mix": mix(0),
        "with_cache": with_cache,
        "final": (1 - batch_share) * with_cache + batch_share * mix(2),
        "baseline": costs[spec.baseline_tier][0],
    }


def reference(spec: SpendInput, prices: dict[str, RefPrice]) -> dict:
    """The projection's JSON (without models and warnings), computed exactly."""
    unit = per_request_costs(spec, prices)
    first, growth = exact(spec.monthly_requests), 1 + exact(spec.monthly_growth)
    grants = [
        {"index": i, "start": g.start_month, "last": g.start_month + g.valid_months - 1,
         "balance": half_up(exact(g.amount) * 100)}
        for i, g in enumerate(spec.credits)
    ]  # fmt: skip
    months, all_requests = [], Fraction(0)
    for month in range(1, spec.months + 1):
        requests = first * growth ** (month - 1)
        all_requests += requests
        cost = half_up(requests * unit["final"] * 100)
        available = [g for g in grants if g["start"] <= month <= g["last"]]
        available.sort(key=lambda g: (g["last"], g["start"], g["index"]))
        due = cost
        for grant in available:
            draw = min(due, grant["balance"])
            grant["balance"] -= draw
            due -= draw
        months.append(
            {
                "month": month,
                "requests": half_up(requests),
                "cost": cost,
                "baseline_cost": half_up(requests * unit["baseline"] * 100),
                "credits_applied": cost - due,
                "credits_remaining": sum(g["balance"] for g in available),
                "out_of_pocket": due,
                "credits_expired": sum(g["balance"] for g in available if g["last"] == month),
            }
        )
    totals = {
        key: sum(row[key] for row in months)
        for key in ("cost", "baseline_cost", "credits_applied", "out_of_pocket", "credits_expired")
    }
    tiering = half_up(all_requests * (unit["baseline"] - unit["tier_mix"]) * 100)
    caching = half_up(all_requests * (unit["tier_mix"] - unit["with_cache"]) * 100)
    batch = totals["baseline_cost"] - totals["cost"] - tiering - caching
    return {
        "months": [
            {"month": row["month"], "requests": row["requests"]}
            | {key: cents_text(row[key]) for key in MONEY}
            for row in months
        ],
        "totals": {key: cents_text(value) for key, value in totals.items()},
        "savings": {
            "tiering": cents_text(tiering),
            "caching": cents_text(caching),
            "batch": cents_text(batch),
        },
        "per_request_cost": rounded_text(unit["final"], 9),
        "first_out_of_pocket_month": next(
            (row["month"] for row in months if row["out_of_pocket"] > 0), None
        ),
    }


def assert_matches_reference(spec: SpendInput, prices: dict, ref_prices: dict | None = None):
    """Engine output equals the exact reference to the cent; returns the engine's dict."""
    if ref_prices is None:
        ref_prices = {name: ref_book(row) for name, row in prices.items()}
    got = project(spec, prices).as_dict()
    expected = reference(spec, ref_prices)
    for key, value in expected.items():
        if key == "months":
            for row, expected_row in zip(got["months"], value, strict=True):
                assert row == expected_row, f"month {expected_row['month']}"
        else:
            assert got[key] == value, key
    return got


def cents(text: str) -> int:
    """A cent string as whole cents (exactly: Decimal arithmetic would round past 28 digits)."""
    return int(Fraction(text) * 100)


def assert_consistent(got: dict, spec: SpendInput) -> None:
    """The sums and bounds every projection keeps, whatever its inputs."""
    months, totals, savings = got["months"], got["totals"], got["savings"]
    for key in ("cost", "baseline_cost", "credits_applied", "out_of_pocket", "credits_expired"):
        assert cents(totals[key]) == sum(cents(row[key]) for row in months), key
    for row in months:
        assert 0 <= cents(row["credits_applied"]) <= cents(row["cost"])
        assert cents(row["out_of_pocket"]) == cents(row["cost"]) - cents(row["credits_applied"])
    granted = sum(half_up(exact(g.amount) * 100) for g in spec.credits)
    assert cents(totals["credits_applied"]) + cents(totals["credits_expired"]) <= granted
    attributed = sum(cents(value) for value in savings.values())
    assert attributed == cents(totals["baseline_cost"]) - cents(totals["cost"])


# --- strategies ---------------------------------------------------------------------------

# Shares as a form sends them (floats with two decimals), as Decimals, and as odd Fractions.
percent = st.integers(0, 100)
shares = st.one_of(
    percent.map(lambda k: k / 100),
    percent.map(lambda k: Decimal(k) / 100),
    st.tuples(st.integers(0, 7), st.integers(7, 13)).map(lambda p: Fraction(*p)),
)
# Prices up to the serializer's 100,000 per 1M tokens, with up to four decimals.
dollars = st.one_of(
    st.integers(1, 10_000_000).map(lambda k: k / 100),
    st.integers(1, 10_000).map(lambda k: Decimal(k) / 10_000),
)


@st.composite
def price_rows(draw) -> tuple[TierPrice, RefPrice]:
    """A price-book row or inline prices (some with ratios such as 1/3), and its reference."""
    input_price, output_price = draw(dollars), draw(dollars)
    kind = draw(st.sampled_from(["book", "inline", "inline-odd"]))
    if kind == "inline":
        given = {"input": input_price, "output": output_price}
        for key in ("cache_write", "cache_read", "batch_input", "batch_output"):
            if draw(st.booleans()):
                given[key] = draw(dollars)
        return TierPrice.inline(**given), ref_inline(given)
    if kind == "inline-odd":
        # Batch input a third of the input: the prefix's batch discount is 1/3, which no
        # decimal holds.
        third = draw(st.integers(1, 33_333))
        given = {"input": 3 * third, "output": output_price, "batch_input": third}
        if draw(st.booleans()):
            given["cache_read"] = Fraction(given["input"], 7)
        return TierPrice.inline(**given), ref_inline(given)
    batch = draw(st.one_of(st.none(), st.tuples(dollars, dollars)))
    row = TierPrice(
        model_id="model",
        input=input_price,
        output=output_price,
        cache_write=draw(st.one_of(st.none(), dollars)),
        cache_read=draw(st.one_of(st.none(), dollars)),
        batch_input=batch and batch[0],
        batch_output=batch and batch[1],
        supports_caching=draw(st.booleans()),
        min_cache_prefix=draw(st.sampled_from([0, 1024, 2048, 4096])),
        regional_premium=draw(st.booleans()),
        lifecycle=draw(st.sampled_from(["active", "legacy", "end_of_life"])),
    )
    return row, ref_book(row)


@st.composite
def books(draw) -> tuple[dict[str, TierPrice], dict[str, RefPrice]]:
    rows = {tier: draw(price_rows()) for tier in TIERS}
    return {t: rows[t][0] for t in TIERS}, {t: rows[t][1] for t in TIERS}


@st.composite
def spend_inputs(draw) -> SpendInput:
    prompt = draw(st.one_of(st.integers(0, 20_000), st.integers(0, 1_000_000)))
    sonnet, opus = draw(shares), draw(shares)
    if exact(sonnet) + exact(opus) > 1:
        opus = exact(opus) * (1 - exact(sonnet))  # what is left, scaled
    grants = st.builds(
        CreditGrant,
        amount=st.one_of(
            st.integers(0, 10**11).map(lambda cents: Decimal(cents) / 100),  # to $1e9
            st.integers(0, 10**9).map(lambda cents: cents / 100),
        ),
        start_month=st.integers(1, 60),
        valid_months=st.integers(1, 120),
    )
    return SpendInput(
        monthly_requests=draw(
            st.one_of(
                st.integers(0, 10_000_000),
                st.integers(10**12 - 10**6, 10**12),  # near the bound
                st.integers(0, 10**12),
                st.integers(0, 10**9).map(lambda n: n / 8),  # a float with decimals
            )
        ),
        # Down to -0.5 and up to 5 (x6 a month), as floats, Decimals and thirds.
        monthly_growth=draw(
            st.one_of(
                st.integers(-50, 500).map(lambda k: k / 100),
                st.integers(-50, 500).map(lambda k: Decimal(k) / 100),
                st.integers(-1, 15).map(lambda k: Fraction(k, 3)),
            )
        ),
        input_tokens=prompt,
        cached_prefix_tokens=draw(st.integers(0, prompt)),
        output_tokens=draw(st.integers(0, 128_000)),
        cache_hit_rate=draw(shares),
        batch_share=draw(shares),
        escalation_sonnet=sonnet,
        escalation_opus=opus,
        cascade=draw(st.booleans()),
        baseline_tier=draw(st.sampled_from(TIERS)),
        months=draw(st.one_of(st.integers(1, 60), st.just(60))),
        endpoint=draw(st.sampled_from(["global", "regional"])),
        credits=tuple(draw(st.lists(grants, max_size=20))),
    )


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(spec=spend_inputs(), book=books())
def test_it_matches_the_exact_reference_in_every_month(spec, book):
    prices, ref_prices = book
    got = assert_matches_reference(spec, prices, ref_prices)
    assert_consistent(got, spec)


@settings(max_examples=60, deadline=None)
@given(spec=spend_inputs(), book=books())
def test_it_keeps_the_dataclass_amounts_and_the_json_in_step(spec, book):
    prices, _ = book
    result = project(spec, prices)
    got = result.as_dict()
    for row, shown in zip(result.months, got["months"], strict=True):
        assert row.requests == shown["requests"]
        for key in MONEY:
            assert getattr(row, key) == Decimal(shown[key]), key
    for key, value in got["totals"].items():
        assert getattr(result.totals, key) == Decimal(value), key
    for key, value in got["savings"].items():
        assert getattr(result.savings, key) == Decimal(value), key
    assert f"{result.per_request_cost:f}" == got["per_request_cost"]


# --- examples -----------------------------------------------------------------------------


def flat(**given) -> tuple[dict[str, TierPrice], dict[str, RefPrice]]:
    """Every tier on the same inline prices, and their reference."""
    return dict.fromkeys(TIERS, TierPrice.inline(**given)), dict.fromkeys(TIERS, ref_inline(given))


def test_it_rounds_a_cost_just_below_half_a_cent_down():
    # 631,910 x (4340 x 55.55 + 3758 x 43.41) / 1e6 = 255,431.7849998 exactly. The old float
    # engine snapped it to 12 significant digits (255,431.785000) and said 255,431.79.
    spec = SpendInput(monthly_requests=631_910, input_tokens=4340, output_tokens=3758, months=1)
    got = assert_matches_reference(spec, *flat(input=55.55, output=43.41))
    assert got["months"][0]["cost"] == "255431.78"
    assert got["totals"]["cost"] == "255431.78"
    assert got["per_request_cost"] == "0.404221780"  # (4340 x 55.55 + 3758 x 43.41) / 1e6


def test_it_never_applies_more_credits_than_were_granted_above_a_billion():
    # Three grants worth $77,724,553,727.76 against months of ~$1e12: the old float engine
    # applied $77,724,553,727.77, a cent more than it had.
    grants = (
        CreditGrant(Decimal("25053942405.50"), 1, 1),
        CreditGrant(Decimal("32303494004.06"), 2, 3),
        CreditGrant(Decimal("20367117318.20"), 1, 2),
    )
    spec = SpendInput(
        monthly_requests=946_632_481,
        monthly_growth=0.48,
        input_tokens=14_431,
        output_tokens=144,
        months=6,
        credits=grants,
    )
    got = assert_matches_reference(spec, *flat(input=90408.34, output=56548.34))
    assert got["totals"]["credits_applied"] == "77724553727.76"
    assert got["totals"]["credits_expired"] == "0.00"
    assert_consistent(got, spec)


def test_it_grows_requests_exactly_and_rounds_each_month_half_up():
    # 3 requests growing 50% a month: 3, 4.5, 6.75, 10.125 -> 3, 5, 7, 10 shown, and at $0.001
    # a request (1000 input tokens at $1 per 1M): 0.3 cents, 0.45, 0.675, 1.0125.
    spec = SpendInput(monthly_requests=3, monthly_growth=0.5, input_tokens=1000, output_tokens=0)
    got = assert_matches_reference(dataclasses.replace(spec, months=4), *flat(input=1, output=1))
    assert [row["requests"] for row in got["months"]] == [3, 5, 7, 10]
    assert [row["cost"] for row in got["months"]] == ["0.00", "0.00", "0.01", "0.01"]


def test_it_attributes_the_rounding_left_over_to_batch():
    # 3 months of 1 request, baseline Opus at $0.015 a request (15/1M x 1000 tokens), all on
    # Haiku at 0.005 with caching and batch. Each month rounds; batch takes what is left.
    given = {
        "haiku": {"input": 5, "output": 25},
        "sonnet": {"input": 3, "output": 15},
        "opus": {"input": 15, "output": 75},
    }
    prices = {tier: TierPrice.inline(**values) for tier, values in given.items()}
    ref_prices = {tier: ref_inline(values) for tier, values in given.items()}
    spec = SpendInput(
        monthly_requests=1,
        input_tokens=1000,
        cached_prefix_tokens=500,
        cache_hit_rate=0.5,
        output_tokens=0,
        batch_share=0.5,
        months=3,
    )
    got = assert_matches_reference(spec, prices, ref_prices)
    assert_consistent(got, spec)


def test_it_prices_a_non_terminating_batch_discount_exactly():
    # Input 3, batch input 1: the cached prefix's batch price is its caching price / 3.
    # Per request: half on demand, half batch; prefix 3000 tokens, all hits at 0.30 (0.1 x 3):
    #   on demand: (1000 x 3 + 3000 x 0.30) / 1e6 = 0.0039
    #   batch:     (1000 x 1 + 3000 x 0.30 / 3) / 1e6 = 0.0013
    # 0.5 x 0.0039 + 0.5 x 0.0013 = 0.0026 -> 3,000,000 requests: $7,800.00.
    prices, ref_prices = flat(input=3, output=15, batch_input=1)
    spec = SpendInput(
        monthly_requests=3_000_000,
        input_tokens=4000,
        cached_prefix_tokens=3000,
        cache_hit_rate=1,
        output_tokens=0,
        batch_share=0.5,
        months=1,
    )
    got = assert_matches_reference(spec, prices, ref_prices)
    assert got["months"][0]["cost"] == "7800.00"
    # With a third of the requests at a hit rate of 1/3 the per-request cost no longer
    # terminates; it still rounds once.
    odd = dataclasses.replace(spec, cache_hit_rate=Fraction(1, 3), monthly_requests=7)
    assert_matches_reference(odd, prices, ref_prices)


def test_it_takes_every_number_as_the_decimal_it_prints_as():
    assert to_cents(951.8949999999999) == Decimal("951.89")  # its str(), not snapped up
    assert to_cents(0.125 * 3) == Decimal("0.38")  # 0.375, a tie: half up
    assert to_cents(Decimal("2.675")) == Decimal("2.68")  # the float 2.675 is below it
    assert to_cents(2.675) == Decimal("2.68")  # ... but prints as 2.675
    assert to_cents(Fraction(1, 3)) == Decimal("0.33")
    assert to_cents(-0.005) == Decimal("-0.01")  # away from zero
    assert str(to_cents(-0.001)) == "0.00"  # never "-0.00"
    assert str(to_cents(1e20)) == "100000000000000000000.00"
    assert str(to_cents(10**30 + 0.5)) == "1000000000000000000000000000000.00"  # a float
    # Float, Decimal and Fraction inputs of the same decimal project alike.
    as_float = SpendInput(
        monthly_requests=1_234_567,
        monthly_growth=0.07,
        input_tokens=1000,
        output_tokens=333,
        cache_hit_rate=0.3,
        escalation_sonnet=0.1,
        months=24,
    )
    as_decimal = dataclasses.replace(
        as_float, monthly_growth=Decimal("0.07"), escalation_sonnet=Decimal("0.1")
    )
    as_fraction = dataclasses.replace(
        as_float, monthly_growth=Fraction(7, 100), escalation_sonnet=Fraction(1, 10)
    )
    book, _ = flat(input=0.07, output=0.35)
    expected = project(as_float, book).as_dict()
    assert project(as_decimal, book).as_dict() == expected
    assert project(as_fraction, book).as_dict() == expected


def test_it_projects_the_largest_volumes_at_the_fastest_growth():
    spec = SpendInput(
        monthly_requests=10**12,
        monthly_growth=5,
        input_tokens=1_000_000,
        cached_prefix_tokens=999_999,
        cache_hit_rate=0.37,
        output_tokens=128_000,
        escalation_opus=0.33,
        batch_share=0.49,
        months=60,
        credits=tuple(CreditGrant(Decimal("999999999.99"), m, 7) for m in range(1, 61, 3)),
    )
    got = assert_matches_reference(spec, *flat(input=100_000, output=99_999.99))
    assert_consistent(got, spec)
    assert got["months"][-1]["requests"] == 10**12 * 6**59
