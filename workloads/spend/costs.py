"""Per-request costs: what one request costs on each tier (plain, on demand with caching,
batch), the share of requests each tier serves, and their blend. Shared by the projection
and the what-ifs."""

from collections.abc import Mapping

from .exact import Ratio, _add, _multiply
from .inputs import _PREMIUM, TIERS, SpendInput, TierPrice

TierCosts = tuple[Ratio, Ratio, Ratio]  # per request: plain, on demand with caching, batch


def prefix_cached(price: TierPrice, prefix: int) -> bool:
    """Whether Bedrock caches a prefix of this many tokens on this model."""
    return prefix > 0 and price.supports_caching and prefix >= price.min_cache_prefix


def _tier_costs(price: TierPrice, inputs: SpendInput, regional: bool, hit: Ratio) -> TierCosts:
    """Per-request (plain, on demand with caching, batch) cost on one tier in dollars, exact,
    at cache hit rate `hit`."""
    unit, p_in, p_out, write, read, b_in, b_out = price._scaled  # each price = value / unit
    prompt, prefix, output = inputs.input_tokens, inputs.cached_prefix_tokens, inputs.output_tokens
    hit_n, hit_d = hit
    plain = prompt * p_in + output * p_out  # / unit
    rest = (prompt - prefix) * p_in + output * p_out  # what is not the prefix, / unit
    if prefix_cached(price, prefix):
        prefix_cost = prefix * (hit_n * read + (hit_d - hit_n) * write)  # / (unit * hit_d)
    else:
        prefix_cost = prefix * p_in * hit_d
    cached = (rest * hit_d + prefix_cost, unit * hit_d)
    if b_in is None or b_out is None:  # no Batch (TierPrice gives both or neither)
        batch = cached  # its batch share runs on demand
    else:
        # The cached prefix keeps its caching price, discounted like the rest of the input
        # (by batch_input / input).
        batch_rest = (prompt - prefix) * b_in + output * b_out  # / unit
        batch = (batch_rest * hit_d * p_in + prefix_cost * b_in, unit * hit_d * p_in)
    if regional and price.regional_premium:
        up, down = _PREMIUM
        return (
            (plain * up, unit * down),
            (cached[0] * up, cached[1] * down),
            (batch[0] * up, batch[1] * down),
        )
    return (plain, unit), cached, batch


def _weights(sonnet: Ratio, opus: Ratio, cascade: bool) -> tuple[Ratio, Ratio, Ratio]:
    """The share of requests each tier serves (haiku, sonnet, opus). With a cascade every
    request tries Haiku first, so the escalated ones pay both tiers."""
    escalated = _add(sonnet, opus)
    within = escalated[0] <= escalated[1]  # escalated <= 1; SHARE_TOLERANCE lets it pass 1
    if cascade:
        haiku = (1, 1) if within else escalated
    else:
        haiku = (escalated[1] - escalated[0], escalated[1]) if within else (0, 1)
    return haiku, sonnet, opus


def _blend(weights: tuple[Ratio, Ratio, Ratio], costs: list[TierCosts], kind: int) -> Ratio:
    """Σ weight x cost of one kind (0 plain, 1 cached, 2 batch) over the tiers."""
    total: Ratio = (0, 1)
    for weight, tier_costs in zip(weights, costs, strict=True):
        if weight[0]:
            total = _add(total, _multiply(weight, tier_costs[kind]))
    return total


def _check_prices(prices: Mapping[str, TierPrice]) -> None:
    missing = [tier for tier in TIERS if tier not in prices]
    if missing:
        raise ValueError(f"prices has no entry for {', '.join(missing)}")
