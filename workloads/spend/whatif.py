"""What the founder is shown besides the projection: the unit prices charged per tier
(`unit_prices`) and how month 1's cost moves with each lever (`sensitivity`)."""

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from .costs import _check_prices, _tier_costs, _weights
from .exact import Ratio, _cents_of, _cents_of_fraction, _cents_text, _decimal_text
from .inputs import _PREMIUM, ENDPOINTS, TIERS, SpendInput, TierPrice


def unit_prices(prices: Mapping[str, TierPrice], endpoint: str) -> dict[str, dict[str, Any]]:
    """Per tier, the unit prices actually charged on `endpoint`, in USD per 1M tokens: the
    regional premium included on models flagged for it, cache prices derived from input where
    the book gives none (and None when the model does not cache), batch prices None without
    Batch. Money as exact decimal strings with at least two places ("3.30", "0.275").

    `{tier: {"model_id", "name", "lifecycle", "input", "output", "cache_write", "cache_read",
    "batch_input", "batch_output"}}`
    """
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)}, got {endpoint!r}")
    premium = Fraction(*_PREMIUM)
    charged = {}
    for tier, price in prices.items():
        factor = premium if endpoint == "regional" and price.regional_premium else Fraction(1)

        def text(value: Fraction | None, factor: Fraction = factor) -> str | None:
            return None if value is None else _decimal_text(value * factor)

        input_price, output_price, write, read, batch_input, batch_output = price.exact_prices
        caching = price.supports_caching
        charged[tier] = {
            "model_id": price.model_id,
            "name": price.name,
            "lifecycle": price.lifecycle,
            "input": text(input_price),
            "output": text(output_price),
            "cache_write": text(write) if caching else None,
            "cache_read": text(read) if caching else None,
            "batch_input": text(batch_input),
            "batch_output": text(batch_output),
        }
    return charged


CURVE_POINTS = 11  # 0, 10%, ..., 100% of each lever's room


def sensitivity(inputs: SpendInput, prices: Mapping[str, TierPrice]) -> dict[str, Any]:
    """How month 1's cost moves with the Sonnet escalation share, the Opus escalation share
    and the cache hit rate, each with the other inputs held.

    Month 1's cost is linear in each of the three, so `per_point` gives the exact change of
    that cost for +0.01 of the share (as cents, rounded half up once; negative when it saves),
    and `curves` 11 evenly spaced points from 0 to the largest value the bounds allow with
    the other inputs held (Sonnet up to 1 - the Opus share, Opus up to 1 - the Sonnet share,
    the hit rate up to 1), each `monthly_cost` the exact month-1 cost there rounded once: what
    `project` gives as month 1 with that share. As in `project`, with a cascade an escalated
    request pays its Haiku attempt too (so escalating costs the Sonnet or Opus price, not the
    difference to Haiku), and a tier whose minimum cacheable prefix is above the prompt's
    prefix gains nothing from cache hits.

    `{"month": 1, "per_point": {"escalation_sonnet": "12.34", "escalation_opus": "56.78",
    "cache_hit_rate": "-1.23"}, "curves": {lever: [{"share": "0.00", "monthly_cost": "..."},
    ...]}}`
    """
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
