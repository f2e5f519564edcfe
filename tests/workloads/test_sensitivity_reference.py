"""The what-ifs' fast path (issue 19: int pairs, share texts cached) against the Fraction
implementation it replaced, kept here verbatim as the reference: the stored JSON must not
change by a character."""

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from workloads.spend import CURVE_POINTS, SpendInput, TierPrice, _cents_text, sensitivity
from workloads.spend.costs import _check_prices, _tier_costs, _weights
from workloads.spend.exact import Ratio, _cents_of, _cents_of_fraction, _decimal_text
from workloads.spend.inputs import TIERS

from .test_sensitivity import BOOK
from .test_spend_exact import books, spend_inputs

# --- the reference: workloads/spend/whatif.py before issue 19 -------------------------------


def reference_sensitivity(inputs: SpendInput, prices: Mapping[str, TierPrice]) -> dict[str, Any]:
    _check_prices(prices)
    at_hit = _per_tier_costs(inputs, prices, inputs._hit)
    at_no_hits = _per_tier_costs(inputs, prices, (0, 1))
    at_all_hits = _per_tier_costs(inputs, prices, (1, 1))
    per_point = _per_point(inputs, at_hit, at_no_hits, at_all_hits)
    return {
        "month": 1,
        "per_point": {
            lever: _cents_text(_cents_of_fraction(change)) for lever, change in per_point.items()
        },
        "curves": _curves(inputs, at_hit, at_no_hits, at_all_hits),
    }


def _per_tier_costs(
    inputs: SpendInput, prices: Mapping[str, TierPrice], hit: Ratio
) -> list[Fraction]:
    """Each tier's per-request cost at cache hit rate `hit`, the batch share applied."""
    regional = inputs.endpoint == "regional"
    batch_share = Fraction(*inputs._batch)
    result = []
    for tier in TIERS:
        _, cached, batch = _tier_costs(prices[tier], inputs, regional, hit)
        result.append((1 - batch_share) * Fraction(*cached) + batch_share * Fraction(*batch))
    return result


def _month_one(
    requests: Fraction, weights: tuple[Ratio, Ratio, Ratio], per_tier: list[Fraction]
) -> Fraction:
    """Month 1's exact cost of `requests` with these tier shares and per-request costs."""
    return requests * sum(
        (Fraction(*weight) * cost for weight, cost in zip(weights, per_tier, strict=True)),
        Fraction(0),
    )


def _per_point(
    inputs: SpendInput,
    at_hit: list[Fraction],
    at_no_hits: list[Fraction],
    at_all_hits: list[Fraction],
) -> dict[str, Fraction]:
    """The exact change of month 1's cost for +0.01 of each lever (see `sensitivity`)."""
    requests = Fraction(*inputs._requests)
    weights = _weights(inputs._sonnet, inputs._opus, inputs.cascade)
    haiku_cost, sonnet_cost, opus_cost = at_hit
    # Without a cascade an escalated request leaves Haiku; with one it pays Haiku too.
    haiku_saved = Fraction(0) if inputs.cascade else haiku_cost
    hit_slope = sum(
        (
            Fraction(*weight) * (all_hits - no_hits)
            for weight, no_hits, all_hits in zip(weights, at_no_hits, at_all_hits, strict=True)
        ),
        Fraction(0),
    )
    point = Fraction(1, 100)
    return {
        "escalation_sonnet": requests * (sonnet_cost - haiku_saved) * point,
        "escalation_opus": requests * (opus_cost - haiku_saved) * point,
        "cache_hit_rate": requests * hit_slope * point,
    }


def _curves(
    inputs: SpendInput,
    at_hit: list[Fraction],
    at_no_hits: list[Fraction],
    at_all_hits: list[Fraction],
) -> dict[str, list[dict[str, str]]]:
    """Per lever, month 1's cost at CURVE_POINTS shares from 0 to the most the bounds allow
    with the other inputs held (see `sensitivity`)."""
    requests = Fraction(*inputs._requests)
    sonnet, opus, cascade = inputs._sonnet, inputs._opus, inputs.cascade
    weights = _weights(sonnet, opus, cascade)

    def at_hit_rate(share: Fraction) -> list[Fraction]:
        return [
            no_hits + share * (all_hits - no_hits)
            for no_hits, all_hits in zip(at_no_hits, at_all_hits, strict=True)
        ]

    return {
        "escalation_sonnet": _curve(
            1 - Fraction(*opus),
            lambda share: _month_one(requests, _weights(_pair(share), opus, cascade), at_hit),
        ),
        "escalation_opus": _curve(
            1 - Fraction(*sonnet),
            lambda share: _month_one(requests, _weights(sonnet, _pair(share), cascade), at_hit),
        ),
        "cache_hit_rate": _curve(
            Fraction(1), lambda share: _month_one(requests, weights, at_hit_rate(share))
        ),
    }


def _curve(largest: Fraction, cost_at: Callable[[Fraction], Fraction]) -> list[dict[str, str]]:
    """CURVE_POINTS evenly spaced shares from 0 to `largest`, each with month 1's cost there,
    rounded to cents once. Month 1's cost is linear in each lever inside the bounds, so the
    points between the two ends are exact interpolations: two evaluations, then integers."""
    largest = max(largest, Fraction(0))
    start, end = cost_at(Fraction(0)), cost_at(largest)
    last = CURVE_POINTS - 1
    # start + (end - start) * step / last, over one common denominator.
    denominator = start.denominator * end.denominator * last
    base = start.numerator * end.denominator * last
    rise = end.numerator * start.denominator - start.numerator * end.denominator
    return [
        {
            "share": _decimal_text(Fraction(largest.numerator * step, largest.denominator * last)),
            "monthly_cost": _cents_text(_cents_of((base + rise * step, denominator))),
        }
        for step in range(CURVE_POINTS)
    ]


def _pair(value: Fraction) -> Ratio:
    return value.numerator, value.denominator


# --- the tests ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(spec=spend_inputs(), book=books())
def test_it_answers_exactly_what_the_fraction_implementation_answered(spec, book):
    prices, _ = book
    assert sensitivity(spec, prices) == reference_sensitivity(spec, prices)


@settings(max_examples=100, deadline=None)
@given(
    sonnet=st.sampled_from([0.0, 0.05, 0.15, 1 / 3, 0.5, 0.999999999, 1.0]),
    opus=st.sampled_from([0.0, 0.02, 0.05, 0.2, 1e-9]),
    cascade=st.booleans(),
    hit=st.sampled_from([0.0, 0.5, 0.85, 1.0]),
    batch=st.sampled_from([0.0, 0.3, 1.0]),
    endpoint=st.sampled_from(["global", "regional"]),
)
@example(sonnet=0.7, opus=0.3, cascade=True, hit=0.85, batch=0.3, endpoint="regional")
def test_the_shipped_book_at_the_edges_of_each_lever(sonnet, opus, cascade, hit, batch, endpoint):
    if sonnet + opus > 1 + 1e-9:
        return
    spec = SpendInput(
        monthly_requests=400_000,
        monthly_growth=0.04,
        input_tokens=5_000,
        cached_prefix_tokens=4_200,
        output_tokens=200,
        cache_hit_rate=hit,
        batch_share=batch,
        escalation_sonnet=sonnet,
        escalation_opus=opus,
        cascade=cascade,
        endpoint=endpoint,
    )
    assert sensitivity(spec, BOOK) == reference_sensitivity(spec, BOOK)
