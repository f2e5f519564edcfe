"""Measured usage against the founder's assumptions: what the last 30 days of Bedrock metrics
say each workload parameter really is.

Pure Python: `credits.selectors.usage_calibration` sums the stored days per model and calls
`measure`. How each parameter is read from CloudWatch's counts (Bedrock's InputTokenCount
leaves out the tokens read from or written to the prompt cache):

- requests a month: invocations per day of the window since the first call, times 30 (and
  scaled for Batch, below); with `cascade`, the Haiku tier's
  invocations (every request tries Haiku first; at least the Sonnet and Opus calls), else
  every tier's;
- input tokens: (input + cache read + cache write) per request; the cached prefix:
  (cache read + cache write) per request; output tokens: output per request;
- cache hit rate: cache read / (cache read + cache write), the share of prefixes read;
- Sonnet and Opus shares: their invocations over the requests.

Batch jobs are not in CloudWatch's Invocations (it counts Converse, ConverseStream,
InvokeModel and InvokeModelWithResponseStream calls), so the measured requests are the
on-demand ones: with an assumed batch share b, the month's requests are the on-demand ones
divided by (1 - b). The batch share itself is not measured and stays as assumed.
"""

from dataclasses import dataclass, field
from fractions import Fraction

DAYS_PER_MONTH = 30
WINDOW_DAYS = 30


@dataclass(frozen=True)
class ModelTotals:
    """One model's summed counts over the window; `tier` None for a model the book lacks."""

    model_id: str
    tier: str | None
    invocations: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int


@dataclass(frozen=True)
class Measured:
    days: int
    monthly_requests: int
    input_tokens: int
    cached_prefix_tokens: int
    output_tokens: int
    cache_hit_rate: float
    escalation_sonnet: float
    escalation_opus: float
    invocations: dict[str, int] = field(default_factory=dict)  # per tier
    unknown_models: tuple[str, ...] = ()

    def workload_values(self) -> dict[str, int | float]:
        """The measured values as workload answers (a new version's fields)."""
        return {
            "monthly_requests": self.monthly_requests,
            "input_tokens": self.input_tokens,
            "cached_prefix_tokens": self.cached_prefix_tokens,
            "output_tokens": self.output_tokens,
            "cache_hit_rate": self.cache_hit_rate,
            "escalation_sonnet": self.escalation_sonnet,
            "escalation_opus": self.escalation_opus,
        }


def _share(part: int, whole: int) -> float:
    return round(float(Fraction(part, whole)), 4) if whole else 0.0


def measure(
    totals: list[ModelTotals], *, days: int, cascade: bool, batch_share: float = 0.0
) -> Measured | None:
    """The measured parameters, or None when no request of a known tier was counted.
    `batch_share` (assumed) scales the on-demand requests CloudWatch counts up to all
    requests; a workload that batches everything is left unscaled."""
    known = [row for row in totals if row.tier is not None]
    per_tier = {tier: 0 for tier in ("haiku", "sonnet", "opus")}
    for row in known:
        tier = row.tier or ""
        per_tier[tier] = per_tier.get(tier, 0) + row.invocations
    escalated = per_tier["sonnet"] + per_tier["opus"]
    # With cascade every request tries Haiku first, so Haiku's calls are the requests; an
    # account that calls Sonnet or Opus more often than Haiku (another app, direct calls) is
    # not cascade-shaped, and its escalated calls are the floor.
    requests = max(per_tier["haiku"], escalated) if cascade else sum(per_tier.values())
    if requests <= 0 or days <= 0:
        return None
    calls = sum(row.invocations for row in known)
    read = sum(row.cache_read_tokens for row in known)
    write = sum(row.cache_write_tokens for row in known)
    uncached = sum(row.input_tokens for row in known)
    output = sum(row.output_tokens for row in known)
    sonnet, opus = _share(per_tier["sonnet"], requests), _share(per_tier["opus"], requests)
    if sonnet + opus > 1:  # rounding: keep the pair a valid workload
        opus = max(0.0, round(1 - sonnet, 4))
    prefix = round((read + write) / calls)
    batch = Fraction(str(batch_share))
    on_demand = 1 - batch if batch < 1 else Fraction(1)
    return Measured(
        days=days,
        monthly_requests=round(Fraction(requests * DAYS_PER_MONTH, days) / on_demand),
        input_tokens=max(prefix, round((uncached + read + write) / calls)),
        cached_prefix_tokens=prefix,
        output_tokens=round(output / calls),
        cache_hit_rate=_share(read, read + write),
        escalation_sonnet=sonnet,
        escalation_opus=opus,
        invocations=per_tier,
        unknown_models=tuple(sorted(row.model_id for row in totals if row.tier is None)),
    )
