"""What the founder is shown besides the projection: the unit prices charged per tier
(`unit_prices`) and how month 1's cost moves with each lever (`sensitivity`)."""

import functools
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from .costs import _check_prices, _tier_costs, _weights
from .exact import (
    Ratio,
    _add,
    _cents_of,
    _cents_text,
    _decimal_text,
    _multiply,
    _reduced,
    _subtract,
)
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
        "per_point": {lever: _cents_text(_cents_of(change)) for lever, change in per_point.items()},
        "curves": _curves(inputs, at_hit, at_no_hits, at_all_hits),
    }


# The what-ifs run for every stored projection (the nightly re-projection makes 10,000 in a
# row, issue 19), so they compute as `project` does: exact rationals as plain (numerator,
# denominator) int pairs, denominators positive, reduced only where the integers would grow.
# Every published amount is the exact value rounded once, whatever pair represents it.


def _per_tier_costs(inputs: SpendInput, prices: Mapping[str, TierPrice], hit: Ratio) -> list[Ratio]:
    """Each tier's per-request cost at cache hit rate `hit`, the batch share applied."""
    regional = inputs.endpoint == "regional"
    batch_n, batch_d = inputs._batch
    result = []
    for tier in TIERS:
        _, (cached_n, cached_d), (batch_cost_n, batch_cost_d) = _tier_costs(
            prices[tier], inputs, regional, hit
        )
        # (1 - batch share) x cached + batch share x batch
        result.append(
            _reduced(
                (
                    (batch_d - batch_n) * cached_n * batch_cost_d
                    + batch_n * batch_cost_n * cached_d,
                    batch_d * cached_d * batch_cost_d,
                )
            )
        )
    return result


def _month_one(
    requests: Ratio, weights: tuple[Ratio, Ratio, Ratio], per_tier: list[Ratio]
) -> Ratio:
    """Month 1's exact cost of `requests` with these tier shares and per-request costs."""
    total: Ratio = (0, 1)
    for weight, cost in zip(weights, per_tier, strict=True):
        if weight[0]:
            total = _add(total, _multiply(weight, cost))
    return _multiply(requests, total)


def _per_point(
    inputs: SpendInput,
    at_hit: list[Ratio],
    at_no_hits: list[Ratio],
    at_all_hits: list[Ratio],
) -> dict[str, Ratio]:
    """The exact change of month 1's cost for +0.01 of each lever (see `sensitivity`)."""
    requests = inputs._requests
    weights = _weights(inputs._sonnet, inputs._opus, inputs.cascade)
    haiku_cost, sonnet_cost, opus_cost = at_hit
    # Without a cascade an escalated request leaves Haiku; with one it pays Haiku too.
    haiku_saved = (0, 1) if inputs.cascade else haiku_cost
    hit_slope: Ratio = (0, 1)
    for weight, no_hits, all_hits in zip(weights, at_no_hits, at_all_hits, strict=True):
        hit_slope = _add(hit_slope, _multiply(weight, _subtract(all_hits, no_hits)))
    point = (requests[0], requests[1] * 100)  # requests x 0.01
    return {
        "escalation_sonnet": _multiply(point, _subtract(sonnet_cost, haiku_saved)),
        "escalation_opus": _multiply(point, _subtract(opus_cost, haiku_saved)),
        "cache_hit_rate": _multiply(point, hit_slope),
    }


def _curves(
    inputs: SpendInput,
    at_hit: list[Ratio],
    at_no_hits: list[Ratio],
    at_all_hits: list[Ratio],
) -> dict[str, list[dict[str, str]]]:
    """Per lever, month 1's cost at CURVE_POINTS shares from 0 to the most the bounds allow
    with the other inputs held (see `sensitivity`). Month 1's cost is linear in each lever,
    so only the two ends are worked out: the hit rate's are the costs at no hits and at all
    hits."""
    requests = inputs._requests
    sonnet, opus, cascade = inputs._sonnet, inputs._opus, inputs.cascade
    weights = _weights(sonnet, opus, cascade)
    room_sonnet = (opus[1] - opus[0], opus[1])  # 1 - the Opus share
    room_opus = (sonnet[1] - sonnet[0], sonnet[1])
    return {
        "escalation_sonnet": _curve(
            room_sonnet,
            _month_one(requests, _weights((0, 1), opus, cascade), at_hit),
            lambda room: _month_one(requests, _weights(room, opus, cascade), at_hit),
        ),
        "escalation_opus": _curve(
            room_opus,
            _month_one(requests, _weights(sonnet, (0, 1), cascade), at_hit),
            lambda room: _month_one(requests, _weights(sonnet, room, cascade), at_hit),
        ),
        "cache_hit_rate": _curve(
            (1, 1),
            _month_one(requests, weights, at_no_hits),
            lambda room: _month_one(requests, weights, at_all_hits),
        ),
    }


def _curve(largest: Ratio, start: Ratio, cost_at: Callable[[Ratio], Ratio]) -> list[dict[str, str]]:
    """CURVE_POINTS evenly spaced shares from 0 to `largest`, each with month 1's cost there,
    rounded to cents once; `start` is the cost at 0 and `cost_at(largest)` the cost at the
    other end. Month 1's cost is linear in each lever inside the bounds, so the points
    between the two ends are exact interpolations: two evaluations, then integers."""
    if largest[0] < 0:
        largest = (0, 1)
    end = cost_at(largest)
    last = CURVE_POINTS - 1
    # start + (end - start) * step / last, over one common denominator.
    denominator = start[1] * end[1] * last
    base = start[0] * end[1] * last
    rise = end[0] * start[1] - start[0] * end[1]
    return [
        {"share": share, "monthly_cost": _cents_text(_cents_of((base + rise * step, denominator)))}
        for step, share in enumerate(_share_texts(*_reduced(largest)))
    ]


@functools.lru_cache(maxsize=4096)
def _share_texts(numerator: int, denominator: int) -> tuple[str, ...]:
    """The CURVE_POINTS shares from 0 to numerator/denominator (in lowest terms, the cache's
    key) as decimal text: the same few rooms come back for workload after workload."""
    last = CURVE_POINTS - 1
    return tuple(
        _decimal_text(Fraction(numerator * step, denominator * last))
        for step in range(CURVE_POINTS)
    )
