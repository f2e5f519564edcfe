"""The spend engine: a workload's Bedrock cost month by month, its savings and its credits.

This is the contract of docs/architecture.md#the-spend-model-contract in plain Python (no
Django), so the API, the intake form,
the Celery projection and the benchmark all call the same function. Money is a float in
dollars inside the engine; `Projection.as_dict` rounds it to cents (ROUND_HALF_UP) at the edge.

Every per-request cost is the same in every month, so `project` computes them once and the
monthly loop only multiplies and draws credits.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

TIERS = ("haiku", "sonnet", "opus")
TIER_LABELS = {"haiku": "Haiku", "sonnet": "Sonnet", "opus": "Opus"}
ENDPOINTS = ("global", "regional")
REGIONAL_PREMIUM = 1.1  # regional endpoints cost 10% more on models flagged for it
CACHE_WRITE_MULTIPLIER = 1.25  # of the input price, 5-minute TTL
CACHE_READ_MULTIPLIER = 0.10
BATCH_MULTIPLIER = 0.5
TOKENS_PER_PRICE_UNIT = 1_000_000  # prices are per 1M tokens
MAX_MONTHLY_REQUESTS = 10**12
MAX_MONTHS = 60
SHARE_TOLERANCE = 1e-9  # float sums such as 0.7 + 0.3 may land just above 1

# Float results are snapped to 12 significant digits before rounding to cents, so float noise
# such as 951.8949999999999 for an exact 951.895 still rounds half up to 951.90.
_SNAP = Context(prec=12, rounding=ROUND_HALF_UP)
_WIDE = Context(prec=400, rounding=ROUND_HALF_UP)  # quantize never overflows the precision
_SNAP_DIGITS = 12
_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in (0, 2, 9)}


def _round(value: float | Decimal, places: int) -> Decimal:
    """Half up to `places` decimals; never "-0.00"."""
    exponent = _EXPONENTS[places]
    if isinstance(value, Decimal):
        number = value
    elif abs(value) < 10.0 ** (_SNAP_DIGITS - 1 - places):
        # 12 significant digits still keep a digit below the rounding place: snap.
        number = _SNAP.create_decimal_from_float(float(value))
    else:
        number = Decimal(value)
    rounded = number.quantize(exponent, context=_WIDE)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def to_cents(value: float | Decimal) -> Decimal:
    """Dollars rounded half up to cents, as the API and the database store them."""
    return _round(value, 2)


# `as_dict` rounds ~220 floats per projection, and the Decimal route of `_round` costs a few
# microseconds each (issue 8). A float that lies clearly between two ties of the rounding place
# needs no Decimal: the 12-digit snap moves a value by at most 5e-12 of itself and scaling it by
# 10**places adds at most 1.2e-16, so the snapped value, the exact float and its scaled copy all
# round to the same neighbour, which ".2f" formatting (correctly rounded) prints. The rest (within
# _TIE_MARGIN of an x.xx5 tie, beyond the snap range, NaN, inf) keep the Decimal route.
_TIE_MARGIN = 1e-11  # relative to the scaled value
_SNAP_LIMIT = 10.0 ** (_SNAP_DIGITS - 1)  # the snap range of `_round`, scaled


def _clear_of_tie(scaled: float) -> bool:
    """Whether |value| * 10**places is far enough from n + 0.5 that any rounding agrees."""
    # scaled % 1.0 is exact; the nearest tie is always floor(scaled) + 0.5.
    return scaled < _SNAP_LIMIT and abs(scaled % 1.0 - 0.5) > _TIE_MARGIN * scaled


def _cents(value: float) -> str:
    """`str(to_cents(value))`, without Decimal unless the value is about half a cent."""
    scaled = abs(value) * 100.0
    if not _clear_of_tie(scaled):
        return str(to_cents(value))
    # Below half a cent, ".2f" would print a tiny negative as "-0.00".
    return f"{value:.2f}" if scaled > 0.5 else "0.00"


def _whole(value: float) -> int:
    """`int(_round(value, 0))`, without Decimal unless the value is about a half."""
    scaled = abs(value)
    if not _clear_of_tie(scaled):
        return int(_round(value, 0))
    nearest = round(scaled)  # not a tie, so no half-even surprise
    return nearest if value >= 0 else -nearest


def _non_negative(name: str, value: float) -> float:
    number = float(value)
    if not number >= 0:  # also rejects NaN
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class TierPrice:
    """One model's prices in dollars per 1M tokens (global endpoint).

    cache_write/cache_read left as None derive from input (1.25x and 0.10x); batch_input and
    batch_output are both None for a model without Batch.
    """

    model_id: str
    input: float
    output: float
    cache_write: float | None = None
    cache_read: float | None = None
    batch_input: float | None = None
    batch_output: float | None = None
    supports_caching: bool = True
    min_cache_prefix: int = 0  # 0 = no minimum
    regional_premium: bool = False
    legacy: bool = False

    def __post_init__(self) -> None:
        for name in ("input", "output", "cache_write", "cache_read", "batch_input", "batch_output"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _non_negative(f"{self.model_id} {name}", value))
        if self.input <= 0:
            # The cached prefix's batch discount is batch_input / input.
            raise ValueError(f"{self.model_id} input price must be above 0")
        if (self.batch_input is None) != (self.batch_output is None):
            raise ValueError(f"{self.model_id}: give both batch prices or neither (no batch)")
        if self.min_cache_prefix < 0:
            raise ValueError(f"{self.model_id} min_cache_prefix must be >= 0")

    @classmethod
    def inline(
        cls,
        input: float,
        output: float,
        cache_write: float | None = None,
        cache_read: float | None = None,
        batch_input: float | None = None,
        batch_output: float | None = None,
        *,
        model_id: str = "inline",
    ) -> "TierPrice":
        """The API's inline `prices` override: taken as given, missing keys derived (§4).

        Inline prices have no regional premium and no minimum prefix; caching and batch are
        always supported.
        """
        input, output = float(input), float(output)
        return cls(
            model_id=model_id,
            input=input,
            output=output,
            cache_write=CACHE_WRITE_MULTIPLIER * input if cache_write is None else cache_write,
            cache_read=CACHE_READ_MULTIPLIER * input if cache_read is None else cache_read,
            batch_input=BATCH_MULTIPLIER * input if batch_input is None else batch_input,
            batch_output=BATCH_MULTIPLIER * output if batch_output is None else batch_output,
            supports_caching=True,
            min_cache_prefix=0,
            regional_premium=False,
            legacy=False,
        )

    @property
    def has_batch(self) -> bool:
        return self.batch_input is not None


@dataclass(frozen=True, slots=True)
class CreditGrant:
    """Credits usable in months start_month .. start_month + valid_months - 1 (1-based)."""

    amount: float
    start_month: int = 1
    valid_months: int = 12

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _non_negative("credit amount", self.amount))
        if self.start_month < 1:
            raise ValueError(f"start_month must be >= 1, got {self.start_month}")
        if self.valid_months < 1:
            raise ValueError(f"valid_months must be >= 1, got {self.valid_months}")

    @property
    def last_month(self) -> int:
        return self.start_month + self.valid_months - 1


_FRACTION_FIELDS = (
    "monthly_growth",
    "cache_hit_rate",
    "batch_share",
    "escalation_sonnet",
    "escalation_opus",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SpendInput:
    """One estimate's inputs (the contract's table). Raises ValueError naming the field."""

    monthly_requests: float
    monthly_growth: float = 0.0
    input_tokens: int
    cached_prefix_tokens: int = 0
    output_tokens: int
    cache_hit_rate: float = 0.0
    batch_share: float = 0.0
    escalation_sonnet: float = 0.0
    escalation_opus: float = 0.0
    cascade: bool = False
    baseline_tier: str = "opus"
    months: int = 12
    endpoint: str = "global"
    credits: tuple[CreditGrant, ...] = ()

    def __post_init__(self) -> None:
        for name in _FRACTION_FIELDS:  # Decimal or int from a form or a model -> float
            object.__setattr__(self, name, float(getattr(self, name)))
        checks = (
            ("monthly_requests", 0 <= self.monthly_requests <= MAX_MONTHLY_REQUESTS),
            ("monthly_growth", -0.5 <= self.monthly_growth <= 5),
            ("input_tokens", self.input_tokens >= 0),
            ("cached_prefix_tokens", 0 <= self.cached_prefix_tokens <= self.input_tokens),
            ("output_tokens", self.output_tokens >= 0),
            ("cache_hit_rate", 0 <= self.cache_hit_rate <= 1),
            ("batch_share", 0 <= self.batch_share <= 1),
            ("escalation_sonnet", self.escalation_sonnet >= 0),
            ("escalation_opus", self.escalation_opus >= 0),
            (
                "escalation",
                self.escalation_sonnet + self.escalation_opus <= 1 + SHARE_TOLERANCE,
            ),
            ("baseline_tier", self.baseline_tier in TIERS),
            ("months", isinstance(self.months, int) and 1 <= self.months <= MAX_MONTHS),
            ("endpoint", self.endpoint in ENDPOINTS),
        )
        for name, ok in checks:
            if not ok:
                raise ValueError(f"{name} is out of bounds (see /api/docs/)")
        object.__setattr__(self, "credits", tuple(self.credits))


@dataclass(slots=True)
class MonthRow:
    month: int
    requests: float
    cost: float
    baseline_cost: float
    credits_applied: float
    credits_remaining: float
    out_of_pocket: float
    credits_expired: float = 0.0  # what was left of grants whose last month this is


@dataclass(frozen=True, slots=True)
class Totals:
    cost: float
    baseline_cost: float
    credits_applied: float
    out_of_pocket: float
    credits_expired: float


@dataclass(frozen=True, slots=True)
class Savings:
    """Over the horizon, attributed in this order; they sum to baseline - cost."""

    tiering: float
    caching: float
    batch: float


@dataclass(frozen=True, slots=True)
class Projection:
    months: list[MonthRow]
    totals: Totals
    savings: Savings
    per_request_cost: float
    first_out_of_pocket_month: int | None
    models: dict[str, str]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the contract: money as cent strings, requests as whole numbers."""
        totals, savings = self.totals, self.savings
        return {
            "months": [
                {
                    "month": row.month,
                    "requests": _whole(row.requests),
                    "cost": _cents(row.cost),
                    "baseline_cost": _cents(row.baseline_cost),
                    "credits_applied": _cents(row.credits_applied),
                    "credits_remaining": _cents(row.credits_remaining),
                    "out_of_pocket": _cents(row.out_of_pocket),
                    "credits_expired": _cents(row.credits_expired),
                }
                for row in self.months
            ],
            "totals": {
                "cost": _cents(totals.cost),
                "baseline_cost": _cents(totals.baseline_cost),
                "credits_applied": _cents(totals.credits_applied),
                "out_of_pocket": _cents(totals.out_of_pocket),
                "credits_expired": _cents(totals.credits_expired),
            },
            "savings": {
                "tiering": _cents(savings.tiering),
                "caching": _cents(savings.caching),
                "batch": _cents(savings.batch),
            },
            "per_request_cost": str(_round(self.per_request_cost, 9)),
            "first_out_of_pocket_month": self.first_out_of_pocket_month,
            "models": dict(self.models),
            "warnings": list(self.warnings),
        }


def _tier_costs(price: TierPrice, inputs: SpendInput, regional: bool) -> tuple[float, ...]:
    """Per-request (plain, on demand with caching, batch) cost on one tier, in dollars."""
    factor = REGIONAL_PREMIUM if regional and price.regional_premium else 1.0
    prompt, prefix, output = inputs.input_tokens, inputs.cached_prefix_tokens, inputs.output_tokens
    input_price, output_price = price.input * factor, price.output * factor
    plain = (prompt * input_price + output * output_price) / TOKENS_PER_PRICE_UNIT
    if prefix > 0 and price.supports_caching and prefix >= price.min_cache_prefix:
        write = (
            CACHE_WRITE_MULTIPLIER * price.input if price.cache_write is None else price.cache_write
        )
        read = CACHE_READ_MULTIPLIER * price.input if price.cache_read is None else price.cache_read
        hit = inputs.cache_hit_rate
        prefix_cost = prefix * (hit * read + (1 - hit) * write) * factor
        cached = (
            (prompt - prefix) * input_price + prefix_cost + output * output_price
        ) / TOKENS_PER_PRICE_UNIT
    else:
        prefix_cost = prefix * input_price
        cached = plain
    batch_input, batch_output = price.batch_input, price.batch_output
    if batch_input is None or batch_output is None:  # no Batch (TierPrice gives both or neither)
        return plain, cached, cached  # its batch share runs on demand
    batch_in, batch_out = batch_input * factor, batch_output * factor
    # The cached prefix keeps its caching price, discounted like the rest of the input.
    prefix_batch = prefix_cost * (batch_input / price.input)
    batch = (
        (prompt - prefix) * batch_in + prefix_batch + output * batch_out
    ) / TOKENS_PER_PRICE_UNIT
    return plain, cached, batch


def _warnings(
    inputs: SpendInput, prices: Mapping[str, TierPrice], shares: Mapping[str, float]
) -> list[str]:
    """A sentence for every lever the chosen models silently drop, on tiers that carry traffic."""
    notes = []
    prefix = inputs.cached_prefix_tokens
    for tier in TIERS:
        if shares[tier] <= 0:
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
        if inputs.batch_share > 0 and not price.has_batch:
            notes.append(
                f"{price.model_id} ({label} tier) has no Batch pricing, so its batch share "
                "runs on demand."
            )
    for tier in TIERS:
        carries = shares[tier] > 0 or tier == inputs.baseline_tier
        if carries and prices[tier].legacy:
            role = "the baseline" if shares[tier] <= 0 else f"the {TIER_LABELS[tier]} tier"
            notes.append(
                f"{prices[tier].model_id} ({role}) is a legacy model; AWS may retire it, so "
                "plan a move to a current model."
            )
    return notes


def _burn_down(
    requests: list[float],
    per_request: float,
    baseline_per_request: float,
    credits: tuple[CreditGrant, ...],
) -> tuple[list[MonthRow], Totals, int | None]:
    """The monthly rows: cost paid from available grants, soonest-expiring first.

    Each month walks only the `usable` grants: started, not expired, money left. Any other
    grant would add 0.0 to `remaining` and `credits_expired`, so skipping it changes no sum,
    and most months then touch one grant or none (issue 8: this loop is the engine's cost).
    """
    # Ties: earlier start, then the order given. A grant is named by its rank in this order.
    grants = sorted(
        (grant.last_month, grant.start_month, index, grant.amount)
        for index, grant in enumerate(credits)
    )
    lasts = [grant[0] for grant in grants]
    balances = [grant[3] for grant in grants]
    starting: dict[int, list[int]] = {}  # month -> ranks of the grants that become usable
    for rank, (_, start, _, amount) in enumerate(grants):
        if amount > 0.0:
            starting.setdefault(start, []).append(rank)
    usable: list[int] = []  # ranks, so soonest-expiring first
    rows: list[MonthRow] = []
    append = rows.append
    first_out_of_pocket = None
    total_cost = total_baseline = total_unpaid = credits_expired = 0.0
    for month, month_requests in enumerate(requests, 1):
        cost = month_requests * per_request
        baseline = month_requests * baseline_per_request
        unpaid = cost
        remaining = expired = 0.0
        if month in starting:
            usable = sorted(usable + starting[month])
        for rank in usable:
            balance = balances[rank]
            if unpaid > 0.0:
                if balance >= unpaid:
                    balance -= unpaid
                    unpaid = 0.0
                else:
                    unpaid -= balance
                    balance = 0.0
                balances[rank] = balance
            remaining += balance
            if lasts[rank] == month:  # what is left now expires
                expired += balance
        # Grants are paid and expire in list order, so the drained and expired ones lead it.
        while usable and (balances[usable[0]] == 0.0 or lasts[usable[0]] == month):
            del usable[0]
        append(
            MonthRow(
                month, month_requests, cost, baseline, cost - unpaid, remaining, unpaid, expired
            )
        )
        credits_expired += expired
        total_cost += cost
        total_baseline += baseline
        total_unpaid += unpaid
        # The first month that shows a non-zero out-of-pocket amount once rounded to cents
        # (`_cents` rather than `to_cents`: the same rounding, mostly without Decimal).
        if first_out_of_pocket is None and unpaid >= 0.004 and _cents(unpaid) != "0.00":
            first_out_of_pocket = month
    totals = Totals(
        cost=total_cost,
        baseline_cost=total_baseline,
        credits_applied=total_cost - total_unpaid,
        out_of_pocket=total_unpaid,
        credits_expired=credits_expired,
    )
    return rows, totals, first_out_of_pocket


def project(inputs: SpendInput, prices: Mapping[str, TierPrice]) -> Projection:
    """Project cost, baseline, savings and credit burn-down over `inputs.months` months.

    `prices` maps "haiku", "sonnet" and "opus" to the model each tier runs on.
    """
    missing = [tier for tier in TIERS if tier not in prices]
    if missing:
        raise ValueError(f"prices has no entry for {', '.join(missing)}")
    regional = inputs.endpoint == "regional"
    haiku = _tier_costs(prices["haiku"], inputs, regional)
    sonnet = _tier_costs(prices["sonnet"], inputs, regional)
    opus = _tier_costs(prices["opus"], inputs, regional)
    sonnet_share, opus_share = float(inputs.escalation_sonnet), float(inputs.escalation_opus)
    escalated = sonnet_share + opus_share
    haiku_share = max(0.0, 1.0 - escalated) + (escalated if inputs.cascade else 0.0)

    def blend(kind: int) -> float:
        return haiku_share * haiku[kind] + sonnet_share * sonnet[kind] + opus_share * opus[kind]

    mix_plain, mix_cached, mix_batch = blend(0), blend(1), blend(2)
    batch_share = float(inputs.batch_share)
    per_request = (1 - batch_share) * mix_cached + batch_share * mix_batch
    baseline_per_request = {"haiku": haiku, "sonnet": sonnet, "opus": opus}[inputs.baseline_tier][0]

    growth = 1.0 + float(inputs.monthly_growth)
    first_requests = float(inputs.monthly_requests)
    requests = [first_requests * growth**m for m in range(inputs.months)]
    rows, totals, first_out_of_pocket = _burn_down(
        requests, per_request, baseline_per_request, inputs.credits
    )
    total_requests = sum(requests)
    savings = Savings(
        tiering=total_requests * (baseline_per_request - mix_plain),
        caching=total_requests * (mix_plain - mix_cached),
        batch=total_requests * (mix_cached - per_request),
    )
    shares = {"haiku": haiku_share, "sonnet": sonnet_share, "opus": opus_share}
    return Projection(
        months=rows,
        totals=totals,
        savings=savings,
        per_request_cost=per_request,
        first_out_of_pocket_month=first_out_of_pocket,
        models={tier: prices[tier].model_id for tier in TIERS},
        warnings=_warnings(inputs, prices, shares),
    )
