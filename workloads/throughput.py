"""Quota feasibility: the peak load a workload puts on each model, next to its Bedrock quotas.

Pure Python (no Django), like the spend engine. From a workload's month-1 traffic, the
on-demand requests of each tier (Batch runs under its own job quotas, so the batch share is
left out) spread evenly over a 30-day month and multiplied by the peak-to-average factor
give the peak requests per minute; times the tokens per request, the peak input and output
tokens per minute. Against the tokens-per-minute quota Bedrock counts a request's input
tokens except those read from the prompt cache, the tokens written to the cache, and its
output tokens times the model's burndown rate (5 for most Claude 4-class models, more for
the newest). Sources and dates: docs/quotas.md and `workloads.quota_data`.
"""

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import quota_data
from .spend import SpendInput, TierPrice, prefix_cached
from .spend.exact import Number

MINUTES_PER_MONTH = 30 * 24 * 60  # the month the per-minute averages are taken over
DEFAULT_PEAK_FACTOR = 4
MAX_PEAK_FACTOR = 100
TIERS = ("haiku", "sonnet", "opus")
ZERO = Fraction(0)
SCOPE_NAMES = {
    "global": "global cross-Region",
    "cross_region": "cross-Region (geographic)",
    "on_demand": "in-Region on-demand",
}


@dataclass(frozen=True)
class Quota:
    """One model's requests- and tokens-per-minute quotas for one way of calling it."""

    scope: str  # "global", "cross_region" or "on_demand"
    rpm: int | None
    tpm: int | None
    source: str  # "account": read from the account's Service Quotas; "default": the table
    read_on: str  # ISO date: when the account was read, or the table's date
    reference: str = ""  # the account's quota names, or the table's source

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "requests_per_minute": self.rpm,
            "tokens_per_minute": self.tpm,
            "source": self.source,
            "read_on": self.read_on,
            "reference": self.reference,
        }


@dataclass(frozen=True)
class TierLoad:
    """The peak one tier's model carries, and the quota it runs under (None: not known)."""

    tier: str
    model_id: str
    name: str
    share: Fraction  # of all requests, on demand
    peak_rpm: int
    peak_input_tpm: int
    peak_output_tpm: int  # tokens as billed
    burndown: int  # output tokens count this many times against the TPM quota
    quota: Quota | None
    peak_cache_read_tpm: int = 0  # input tokens read from the cache: not counted

    @property
    def peak_quota_tpm(self) -> int:
        """What the peak minute takes from the tokens-per-minute quota."""
        return self.peak_input_tpm - self.peak_cache_read_tpm + self.burndown * self.peak_output_tpm

    @property
    def rpm_used(self) -> Fraction | None:
        return _used(self.peak_rpm, self.quota.rpm if self.quota else None)

    @property
    def tpm_used(self) -> Fraction | None:
        return _used(self.peak_quota_tpm, self.quota.tpm if self.quota else None)

    def shortfalls(self) -> list[str]:
        """One sentence per quota the peak exceeds, naming the increase to request."""
        if self.quota is None:
            return []
        scope = SCOPE_NAMES.get(self.quota.scope, self.quota.scope)
        where = "the account's" if self.quota.source == "account" else "AWS's default"
        found = []
        if self.quota.rpm is not None and self.peak_rpm > self.quota.rpm:
            found.append(
                f"{self.name} ({self.tier}) peaks at {self.peak_rpm:,} requests a minute; "
                f"{where} {scope} quota is {self.quota.rpm:,}: request an increase to at "
                f"least {self.peak_rpm:,} requests per minute."
            )
        if self.quota.tpm is not None and self.peak_quota_tpm > self.quota.tpm:
            found.append(
                f"{self.name} ({self.tier}) peaks at {self.peak_quota_tpm:,} quota tokens a "
                f"minute (uncached input plus output x{self.burndown}); {where} {scope} quota is "
                f"{self.quota.tpm:,}: request an increase to at least "
                f"{self.peak_quota_tpm:,} tokens per minute."
            )
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "model_id": self.model_id,
            "name": self.name,
            "share": f"{float(self.share):.4f}",
            "peak_rpm": self.peak_rpm,
            "peak_input_tpm": self.peak_input_tpm,
            "peak_output_tpm": self.peak_output_tpm,
            "peak_cache_read_tpm": self.peak_cache_read_tpm,
            "output_burndown": self.burndown,
            "peak_quota_tpm": self.peak_quota_tpm,
            "quota": self.quota.as_dict() if self.quota else None,
            "rpm_used": _percent(self.rpm_used),
            "tpm_used": _percent(self.tpm_used),
            "shortfalls": self.shortfalls(),
        }


def _used(peak: int, quota: int | None) -> Fraction | None:
    if quota is None:
        return None
    return Fraction(peak, quota) if quota > 0 else Fraction(1 if peak == 0 else 10**9)


def _percent(used: Fraction | None) -> str | None:
    """A share of the quota as a percentage string with one decimal ("37.5")."""
    return None if used is None else f"{used.numerator * 100 / used.denominator:.1f}"


def tier_shares(
    *, escalation_sonnet: Fraction, escalation_opus: Fraction, cascade: bool
) -> dict[str, Fraction]:
    """Each tier's share of requests: Haiku takes what is not escalated, or every request
    when escalated ones try Haiku first (cascade)."""
    haiku = max(ZERO, 1 - escalation_sonnet - escalation_opus)
    if cascade:
        haiku += escalation_sonnet + escalation_opus
    return {"haiku": haiku, "sonnet": escalation_sonnet, "opus": escalation_opus}


def scope_for(endpoint: str) -> str:
    """The quota a call uses: global profiles on the global endpoint, geographic
    cross-Region profiles on the regional one (newer Claude models are served in-Region only
    through them)."""
    return "global" if endpoint == "global" else "cross_region"


_DEFAULTS: dict[tuple[str, str], Quota] = {
    (row["model_id"], row["scope"]): Quota(
        scope=row["scope"],
        rpm=row["rpm"],
        tpm=row["tpm"],
        source="default",
        read_on=quota_data.QUOTAS_READ_ON.isoformat(),
        reference=quota_data.QUOTAS_CITATION,
    )
    for row in quota_data.DEFAULT_QUOTAS
    if row["rpm"] is not None or row["tpm"] is not None
}


def default_quota(model_id: str, scope: str) -> Quota | None:
    """The dated default of `workloads.quota_data` for a model and scope, or None."""
    return _DEFAULTS.get((model_id, scope))


def burndown_of(model_id: str) -> int:
    """How many quota tokens one output token takes: the table's figure; for a Claude model
    the table does not list yet, 5 (AWS's rate for Claude 4-class models, the most common);
    1 for any other model."""
    default = 5 if model_id.startswith("anthropic.") else 1
    return quota_data.OUTPUT_BURNDOWN.get(model_id, default)


def peak_load(
    *,
    monthly_requests: Number | str,
    input_tokens: int,
    output_tokens: int,
    batch_share: Number | str,
    shares: dict[str, Fraction],
    models: dict[str, tuple[str, str]],
    quotas: dict[str, Quota | None],
    peak_factor: int | float | str = DEFAULT_PEAK_FACTOR,
    cache_read_tokens: dict[str, Fraction] | None = None,
) -> list[TierLoad]:
    """The peak load of each tier that carries on-demand traffic, in TIERS order.

    `models` maps a tier to its (model id, name); `quotas` a model id to its quota (None or
    missing: unknown); `cache_read_tokens` a tier to the prompt tokens an average request
    reads from the cache there (0 where the prefix is not cached). Numbers are read as the
    decimals they print as (like the spend engine); peaks are rounded up to whole requests
    and tokens."""
    factor = Fraction(str(peak_factor))
    if not 1 <= factor <= MAX_PEAK_FACTOR:
        raise ValueError(f"peak_factor: enter a factor from 1 to {MAX_PEAK_FACTOR}.")
    on_demand = Fraction(str(monthly_requests)) * (1 - Fraction(str(batch_share)))
    per_minute = on_demand * factor / MINUTES_PER_MONTH
    loads = []
    for tier in TIERS:
        share = shares.get(tier, ZERO)
        if share <= 0 or tier not in models:
            continue
        model_id, name = models[tier]
        # rpm = per_minute * share, exactly, as one integer ratio: the estimate runs this on
        # every keystroke, and integer products cost a fraction of Fraction arithmetic.
        top = per_minute.numerator * share.numerator
        bottom = per_minute.denominator * share.denominator
        cached = (cache_read_tokens or {}).get(tier, ZERO)
        loads.append(
            TierLoad(
                tier=tier,
                model_id=model_id,
                name=name or model_id,
                share=share,
                peak_rpm=-(-top // bottom),
                peak_input_tpm=-(-top * input_tokens // bottom),
                peak_output_tpm=-(-top * output_tokens // bottom),
                burndown=burndown_of(model_id),
                quota=quotas.get(model_id),
                peak_cache_read_tpm=top * cached.numerator // (bottom * cached.denominator),
            )
        )
    return loads


def check(
    inputs: SpendInput,
    prices: dict[str, TierPrice],
    *,
    account_quotas: dict[str, Quota] | None = None,
    peak_factor: int | float | str = DEFAULT_PEAK_FACTOR,
) -> list[TierLoad]:
    """The peak load of an estimate's (or a workload's) tiers, priced models and all: each
    model against `account_quotas` (by model id) where given, else the dated default for the
    endpoint's scope. Cache reads are counted where the tier's model caches the prefix."""
    scope = scope_for(inputs.endpoint)
    shares = tier_shares(
        escalation_sonnet=Fraction(str(inputs.escalation_sonnet)),
        escalation_opus=Fraction(str(inputs.escalation_opus)),
        cascade=inputs.cascade,
    )
    models = {tier: (prices[tier].model_id, prices[tier].name) for tier in TIERS}
    quotas = {
        model_id: (account_quotas or {}).get(model_id) or default_quota(model_id, scope)
        for model_id, _ in models.values()
    }
    prefix = inputs.cached_prefix_tokens
    hit = Fraction(str(inputs.cache_hit_rate))
    cache_reads = {
        tier: prefix * hit if prefix_cached(prices[tier], prefix) else ZERO for tier in TIERS
    }
    return peak_load(
        monthly_requests=inputs.monthly_requests,
        input_tokens=inputs.input_tokens,
        output_tokens=inputs.output_tokens,
        batch_share=inputs.batch_share,
        shares=shares,
        models=models,
        quotas=quotas,
        peak_factor=peak_factor,
        cache_read_tokens=cache_reads,
    )


def as_dict(loads: list[TierLoad], *, peak_factor: int | float | str) -> dict[str, Any]:
    """The `throughput` member of the estimate response."""
    return {
        "peak_factor": str(peak_factor),
        "month": 1,
        "models": [load.as_dict() for load in loads],
    }
