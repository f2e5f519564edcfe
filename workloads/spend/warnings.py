"""The sentences a projection carries besides its figures: levers the chosen models drop, and
legacy or end-of-life models."""

from collections.abc import Mapping

from .exact import Ratio
from .inputs import TIER_LABELS, TIERS, SpendInput, TierPrice


def _lifecycle_warning(price: TierPrice, role: str) -> str:
    """The sentence for a legacy or end-of-life model; `role` is "the Opus tier" or similar."""
    move = f" Move to {price.replacement}." if price.replacement else ""
    if price.lifecycle == "end_of_life":
        when = f" on {price.end_of_life_on}" if price.end_of_life_on else ""
        return (
            f"{price.display_name} ({role}) reached end of life on Bedrock{when}: requests to "
            f"it fail, so these figures are illustrative only.{move}"
        )
    when = f"; AWS ends it on {price.end_of_life_on}" if price.end_of_life_on else ""
    return f"{price.display_name} ({role}) is a legacy model on Bedrock{when}.{move}"


def _warnings(
    inputs: SpendInput, prices: Mapping[str, TierPrice], shares: Mapping[str, Ratio]
) -> list[str]:
    """A sentence for every lever the chosen models silently drop, on tiers that carry traffic,
    then one for every legacy or end-of-life model that carries traffic or is the baseline."""
    notes = []
    prefix = inputs.cached_prefix_tokens
    for tier in TIERS:
        if shares[tier][0] <= 0:
            continue
        price, label = prices[tier], TIER_LABELS[tier]
        if prefix > 0 and not price.supports_caching:
            notes.append(
                f"{price.model_id} ({label} tier) does not support prompt caching, so the "
                f"{prefix:,}-token prefix is billed as ordinary input on that tier."
            )
        elif prefix > 0 and prefix < price.min_cache_prefix:
            notes.append(
                f"The {prefix:,}-token prefix is below the {price.min_cache_prefix:,}-token "
                f"minimum cacheable prefix of {price.model_id} ({label} tier), so Bedrock does "
                "not cache it on that tier."
            )
        if inputs._batch[0] > 0 and not price.has_batch:
            notes.append(
                f"{price.model_id} ({label} tier) has no Batch pricing, so its batch share "
                "runs on demand."
            )
    for tier in TIERS:
        carries = shares[tier][0] > 0
        if (carries or tier == inputs.baseline_tier) and prices[tier].legacy:
            role = f"the {TIER_LABELS[tier]} tier" if carries else "the baseline"
            notes.append(_lifecycle_warning(prices[tier], role))
    return notes
