"""The spend engine: a workload's Bedrock cost month by month, its savings and its credits.

This is the contract of docs/architecture.md#the-spend-model-contract in plain Python (no
Django), so the API, the intake form, the Celery projection and the benchmark all call the
same function.

Exact money (issue 14). Every number is taken as the decimal it prints as: a float by its
`str()` (0.1 is 1/10, not the nearest binary fraction), an int, Decimal or Fraction exactly.
From there the engine computes with exact rationals and rounds each published amount half up
(away from zero) once, with no rounding before it:

- a month's requests are monthly_requests x (1 + monthly_growth)^(month - 1), and the row
  shows them rounded to a whole number; its cost and baseline cost are that exact count times
  the exact per-request cost, rounded to cents;
- the credit burn-down then works on those rounded month costs in whole cents (each grant's
  amount rounded to cents first): credits applied never exceed a month's cost, applied plus
  expired never exceed the grants, out of pocket is cost minus applied;
- totals are the sums of the rounded months;
- savings: `tiering` and `caching` are the exact horizon amounts rounded once; `batch` is
  what is left of (baseline total - cost total), so the three always add up to the
  difference of the two totals shown;
- per_request_cost is rounded to 9 decimals.

The per-request cost is the same in every month, so `project` computes it once (with plain
integer numerator/denominator pairs: Fraction's normalising is too slow for the intake form's
every keystroke); the monthly loop only multiplies by the growth factor's numerator and
denominator and draws credits in integer cents.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

TIERS = ("haiku", "sonnet", "opus")
TIER_LABELS = {"haiku": "Haiku", "sonnet": "Sonnet", "opus": "Opus"}
ENDPOINTS = ("global", "regional")
LIFECYCLES = ("active", "legacy", "end_of_life")
REGIONAL_PREMIUM = 1.1  # regional endpoints cost 10% more on models flagged for it
CACHE_WRITE_MULTIPLIER = 1.25  # of the input price, 5-minute TTL
CACHE_READ_MULTIPLIER = 0.10
BATCH_MULTIPLIER = 0.5
TOKENS_PER_PRICE_UNIT = 1_000_000  # prices are per 1M tokens
MAX_MONTHLY_REQUESTS = 10**12
MAX_MONTHS = 60
SHARE_TOLERANCE = 1e-9  # float sums such as 0.7 + 0.3 may land just above 1

Number = int | float | Decimal | Fraction
# An exact rational as (numerator, denominator), denominator > 0, not necessarily in lowest
# terms: adding and multiplying these is plain int arithmetic, with no gcd on every step.
Ratio = tuple[int, int]
# A model's prices as integers over one denominator: (denominator x 1M tokens, input, output,
# cache_write, cache_read, batch_input, batch_output), batch None without Batch.
Scaled = tuple[int, int, int, int, int, int | None, int | None]


# --- exact numbers --------------------------------------------------------------------------


def _ratio(value: Number, name: str = "value") -> Ratio:
    """The exact value of a number as the decimal it prints as (see the module docstring)."""
    if isinstance(value, int):  # bool too, as 0 and 1
        return int(value), 1
    if isinstance(value, float):
        text = repr(value)  # the shortest decimal that reads back as this float
        if "e" not in text and "n" not in text:  # plain "123.45": no exponent, nan or inf
            whole, _, decimals = text.partition(".")
            return int(whole + decimals), 10 ** len(decimals)
        value = Decimal(text)
    if isinstance(value, Decimal) and value.is_finite():
        return value.as_integer_ratio()
    if isinstance(value, Fraction):
        return value.numerator, value.denominator
    raise ValueError(f"{name} must be a finite number, got {value!r}")


def exact(value: Number) -> Fraction:
    """A number as the exact Fraction the engine computes with: 0.1 -> 1/10."""
    return Fraction(*_ratio(value))


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, halves away from zero."""
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((denominator - 2 * numerator) // (2 * denominator))


def _add(a: Ratio, b: Ratio) -> Ratio:
    return a[0] * b[1] + b[0] * a[1], a[1] * b[1]


def _subtract(a: Ratio, b: Ratio) -> Ratio:
    return a[0] * b[1] - b[0] * a[1], a[1] * b[1]


def _multiply(a: Ratio, b: Ratio) -> Ratio:
    return a[0] * b[0], a[1] * b[1]


def _reduced(a: Ratio) -> Ratio:
    """In lowest terms, which keeps the monthly loop's integers small."""
    divisor = math.gcd(*a)
    return (a[0] // divisor, a[1] // divisor) if divisor > 1 else a


def _cents_of(amount: Ratio) -> int:
    """An exact dollar amount in whole cents, half up."""
    return _half_up(100 * amount[0], amount[1])


def _fixed(units: int, places: int) -> str:
    """units / 10**places written with exactly `places` decimals; never "-0.00"."""
    sign = "-" if units < 0 else ""
    text = str(abs(units)).rjust(places + 1, "0")
    return f"{sign}{text[:-places]}.{text[-places:]}" if places else sign + text


_TWO_DIGITS = [f"{cents:02d}" for cents in range(100)]


def _cents_text(cents: int) -> str:
    """Whole cents as the API writes them: 12345 -> "123.45", -5 -> "-0.05" (`_fixed(cents,
    2)`, twice as fast: `as_dict` writes ~220 of them)."""
    if cents >= 0:
        return f"{cents // 100}.{_TWO_DIGITS[cents % 100]}"
    return "-" + _cents_text(-cents)


def _decimal_text(value: Fraction, *, at_least: int = 2, at_most: int = 9) -> str:
    """An exact decimal with at least `at_least` places ("3.30", "0.275"); a value that needs
    more than `at_most` places (only a Fraction such as 1/3 can) is rounded half up there."""
    places = at_least
    while places < at_most and (value.numerator * 10**places) % value.denominator:
        places += 1
    return _fixed(_half_up(value.numerator * 10**places, value.denominator), places)


def _dollars(cents: int) -> Decimal:
    return Decimal(f"{cents}E-2")  # a string converts exactly, whatever the context's precision


def to_cents(value: Number) -> Decimal:
    """Dollars rounded half up to cents, as the API and the database store them.

    Exact for the value as given: a float by its str() (951.8949999999999 -> 951.89), an int,
    Decimal or Fraction as it is. Never "-0.00".
    """
    return _dollars(_cents_of(_ratio(value)))


def _non_negative(name: str, value: Number) -> Ratio:
    ratio = _ratio(value, name)
    if ratio[0] < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return ratio


def _whole_number(name: str, value: int) -> int:
    """Token counts and months: an int, or a float/Decimal with nothing after the point."""
    if isinstance(value, int):
        return int(value)
    numerator, denominator = _ratio(value, name)
    if numerator % denominator:
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return numerator // denominator


_PREMIUM = _ratio(REGIONAL_PREMIUM)  # 11/10
_CACHE_WRITE = exact(CACHE_WRITE_MULTIPLIER)  # 5/4
_CACHE_READ = exact(CACHE_READ_MULTIPLIER)  # 1/10
_BATCH = exact(BATCH_MULTIPLIER)  # 1/2
_TOLERANCE_N, _TOLERANCE_D = _ratio(SHARE_TOLERANCE)
_MOST_ESCALATED = (_TOLERANCE_D + _TOLERANCE_N, _TOLERANCE_D)  # 1 + SHARE_TOLERANCE


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TierPrice:
    """One model's prices in dollars per 1M tokens (global endpoint).

    cache_write/cache_read left as None derive from input (1.25x and 0.10x); batch_input and
    batch_output are both None for a model without Batch. `lifecycle` is "active", "legacy"
    (AWS will end it; `end_of_life_on`, an ISO date, says when if known) or "end_of_life"
    (requests to it fail); `replacement` names the model to move to, `name` is the display
    name ("Claude Sonnet 4.5"); warnings fall back to the model id without it.
    """

    model_id: str
    input: Number
    output: Number
    cache_write: Number | None = None
    cache_read: Number | None = None
    batch_input: Number | None = None
    batch_output: Number | None = None
    supports_caching: bool = True
    min_cache_prefix: int = 0  # 0 = no minimum
    regional_premium: bool = False
    lifecycle: str = "active"
    name: str = ""
    end_of_life_on: str | None = None
    replacement: str | None = None
    # Worked out once here, not on every projection: the six prices as exact Fractions
    # (input, output, cache_write, cache_read, batch_input, batch_output; cache prices derived
    # when not given, batch None without Batch) ...
    exact_prices: tuple[Fraction | None, ...] = field(init=False, repr=False, compare=False)
    # ... and as integers over one common denominator (Scaled), for `project`.
    _scaled: Scaled = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        given: dict[str, Fraction | None] = {}
        for key in ("input", "output", "cache_write", "cache_read", "batch_input", "batch_output"):
            value = getattr(self, key)
            if value is not None:
                value = Fraction(*_non_negative(f"{self.model_id} {key}", value))
            given[key] = value
        input_price, output_price = given["input"], given["output"]
        if input_price is None or input_price == 0:
            # The cached prefix's batch discount is batch_input / input.
            raise ValueError(f"{self.model_id} input price must be above 0")
        if output_price is None:
            raise ValueError(f"{self.model_id} output price is missing")
        if (self.batch_input is None) != (self.batch_output is None):
            raise ValueError(f"{self.model_id}: give both batch prices or neither (no batch)")
        if self.min_cache_prefix < 0:
            raise ValueError(f"{self.model_id} min_cache_prefix must be >= 0")
        if self.lifecycle not in LIFECYCLES:
            raise ValueError(
                f"{self.model_id} lifecycle must be one of {', '.join(LIFECYCLES)}, "
                f"got {self.lifecycle!r}"
            )
        write, read = given["cache_write"], given["cache_read"]
        write = _CACHE_WRITE * input_price if write is None else write
        read = _CACHE_READ * input_price if read is None else read
        batch_input, batch_output = given["batch_input"], given["batch_output"]
        prices = (input_price, output_price, write, read, batch_input, batch_output)
        common = math.lcm(*(price.denominator for price in prices if price is not None))

        def scaled(price: Fraction) -> int:
            return price.numerator * (common // price.denominator)

        object.__setattr__(self, "exact_prices", prices)
        object.__setattr__(
            self,
            "_scaled",
            (
                common * TOKENS_PER_PRICE_UNIT,
                *map(scaled, (input_price, output_price, write, read)),
                None if batch_input is None else scaled(batch_input),
                None if batch_output is None else scaled(batch_output),
            ),
        )

    @classmethod
    def inline(
        cls,
        input: Number,
        output: Number,
        cache_write: Number | None = None,
        cache_read: Number | None = None,
        batch_input: Number | None = None,
        batch_output: Number | None = None,
        *,
        model_id: str = "inline",
    ) -> "TierPrice":
        """The API's inline `prices` override: taken as given, missing keys derived (§4),
        exactly (as Fractions: 0.1 x 3 is 3/10, not 0.30000000000000004).

        Inline prices have no regional premium and no minimum prefix; caching and batch are
        always supported.
        """
        given_input, given_output = exact(input), exact(output)
        return cls(
            model_id=model_id,
            input=input,
            output=output,
            cache_write=_CACHE_WRITE * given_input if cache_write is None else cache_write,
            cache_read=_CACHE_READ * given_input if cache_read is None else cache_read,
            batch_input=_BATCH * given_input if batch_input is None else batch_input,
            batch_output=_BATCH * given_output if batch_output is None else batch_output,
            supports_caching=True,
            min_cache_prefix=0,
            regional_premium=False,
        )

    @property
    def has_batch(self) -> bool:
        return self.batch_input is not None

    @property
    def legacy(self) -> bool:
        """Not an active model: legacy or end of life."""
        return self.lifecycle != "active"

    @property
    def display_name(self) -> str:
        return self.name or self.model_id


@dataclass(frozen=True, slots=True)
class CreditGrant:
    """Credits usable in months start_month .. start_month + valid_months - 1 (1-based).

    `amount_cents` is the amount rounded half up to whole cents, what the burn-down draws.
    """

    amount: Number
    start_month: int = 1
    valid_months: int = 12
    amount_cents: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "amount_cents", _cents_of(_non_negative("credit amount", self.amount))
        )
        if self.start_month < 1:
            raise ValueError(f"start_month must be >= 1, got {self.start_month}")
        if self.valid_months < 1:
            raise ValueError(f"valid_months must be >= 1, got {self.valid_months}")

    @property
    def last_month(self) -> int:
        return self.start_month + self.valid_months - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class SpendInput:
    """One estimate's inputs (the contract's table). Raises ValueError naming the field.

    Numbers are kept as given; their exact values (`_ratio`) are worked out once here.
    """

    monthly_requests: Number
    monthly_growth: Number = 0.0
    input_tokens: int
    cached_prefix_tokens: int = 0
    output_tokens: int
    cache_hit_rate: Number = 0.0
    batch_share: Number = 0.0
    escalation_sonnet: Number = 0.0
    escalation_opus: Number = 0.0
    cascade: bool = False
    baseline_tier: str = "opus"
    months: int = 12
    endpoint: str = "global"
    credits: tuple[CreditGrant, ...] = ()
    # Exact values, set by __post_init__ (a replace() works them out again).
    _requests: Ratio = field(init=False, repr=False, compare=False)
    _growth_factor: Ratio = field(init=False, repr=False, compare=False)  # 1 + monthly_growth
    _hit: Ratio = field(init=False, repr=False, compare=False)
    _batch: Ratio = field(init=False, repr=False, compare=False)
    _sonnet: Ratio = field(init=False, repr=False, compare=False)
    _opus: Ratio = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        exact_values = {}
        for name in (
            "monthly_requests",
            "monthly_growth",
            "cache_hit_rate",
            "batch_share",
            "escalation_sonnet",
            "escalation_opus",
        ):
            try:
                exact_values[name] = _ratio(getattr(self, name), name)
            except ValueError:
                raise ValueError(f"{name} is out of bounds (see /api/docs/)") from None
        for name in ("input_tokens", "cached_prefix_tokens", "output_tokens"):
            object.__setattr__(self, name, _whole_number(name, getattr(self, name)))

        def within(name: str, low: Ratio, high: Ratio) -> bool:
            """low <= the value <= high, exactly (int cross-multiplication: Fraction
            comparisons would triple the cost of building an input)."""
            numerator, denominator = exact_values[name]
            return low[0] * denominator <= numerator * low[1] and within_ratio(
                (numerator, denominator), high
            )

        def within_ratio(value: Ratio, high: Ratio) -> bool:  # value <= high
            return value[0] * high[1] <= high[0] * value[1]

        sonnet_n, sonnet_d = exact_values["escalation_sonnet"]
        opus_n, opus_d = exact_values["escalation_opus"]
        escalated = (sonnet_n * opus_d + opus_n * sonnet_d, sonnet_d * opus_d)
        checks = (
            ("monthly_requests", within("monthly_requests", (0, 1), (MAX_MONTHLY_REQUESTS, 1))),
            ("monthly_growth", within("monthly_growth", (-1, 2), (5, 1))),
            ("input_tokens", self.input_tokens >= 0),
            ("cached_prefix_tokens", 0 <= self.cached_prefix_tokens <= self.input_tokens),
            ("output_tokens", self.output_tokens >= 0),
            ("cache_hit_rate", within("cache_hit_rate", (0, 1), (1, 1))),
            ("batch_share", within("batch_share", (0, 1), (1, 1))),
            ("escalation_sonnet", sonnet_n >= 0),
            ("escalation_opus", opus_n >= 0),
            ("escalation", within_ratio(escalated, _MOST_ESCALATED)),
            ("baseline_tier", self.baseline_tier in TIERS),
            ("months", isinstance(self.months, int) and 1 <= self.months <= MAX_MONTHS),
            ("endpoint", self.endpoint in ENDPOINTS),
        )
        for name, ok in checks:
            if not ok:
                raise ValueError(f"{name} is out of bounds (see /api/docs/)")
        growth, denominator = exact_values["monthly_growth"]
        object.__setattr__(self, "credits", tuple(self.credits))
        object.__setattr__(self, "_requests", exact_values["monthly_requests"])
        object.__setattr__(self, "_growth_factor", _reduced((denominator + growth, denominator)))
        object.__setattr__(self, "_hit", exact_values["cache_hit_rate"])
        object.__setattr__(self, "_batch", exact_values["batch_share"])
        object.__setattr__(self, "_sonnet", exact_values["escalation_sonnet"])
        object.__setattr__(self, "_opus", exact_values["escalation_opus"])


# --- the result -----------------------------------------------------------------------------
# Money is kept in whole cents (the `*_cents` fields); the properties without the suffix give
# it as Decimal dollars, as the rest of the code base handles money.


@dataclass(slots=True)
class MonthRow:
    month: int
    requests: int  # the exact count, rounded half up
    cost_cents: int
    baseline_cost_cents: int
    credits_applied_cents: int
    credits_remaining_cents: int
    out_of_pocket_cents: int
    credits_expired_cents: int = 0  # what was left of grants whose last month this is

    @property
    def cost(self) -> Decimal:
        return _dollars(self.cost_cents)

    @property
    def baseline_cost(self) -> Decimal:
        return _dollars(self.baseline_cost_cents)

    @property
    def credits_applied(self) -> Decimal:
        return _dollars(self.credits_applied_cents)

    @property
    def credits_remaining(self) -> Decimal:
        return _dollars(self.credits_remaining_cents)

    @property
    def out_of_pocket(self) -> Decimal:
        return _dollars(self.out_of_pocket_cents)

    @property
    def credits_expired(self) -> Decimal:
        return _dollars(self.credits_expired_cents)


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums of the months' rounded amounts."""

    cost_cents: int
    baseline_cost_cents: int
    credits_applied_cents: int
    out_of_pocket_cents: int
    credits_expired_cents: int

    @property
    def cost(self) -> Decimal:
        return _dollars(self.cost_cents)

    @property
    def baseline_cost(self) -> Decimal:
        return _dollars(self.baseline_cost_cents)

    @property
    def credits_applied(self) -> Decimal:
        return _dollars(self.credits_applied_cents)

    @property
    def out_of_pocket(self) -> Decimal:
        return _dollars(self.out_of_pocket_cents)

    @property
    def credits_expired(self) -> Decimal:
        return _dollars(self.credits_expired_cents)


@dataclass(frozen=True, slots=True)
class Savings:
    """Over the horizon, attributed in this order; they sum to the baseline total minus the
    cost total exactly (`batch` takes what the rounding of the other two leaves)."""

    tiering_cents: int
    caching_cents: int
    batch_cents: int

    @property
    def tiering(self) -> Decimal:
        return _dollars(self.tiering_cents)

    @property
    def caching(self) -> Decimal:
        return _dollars(self.caching_cents)

    @property
    def batch(self) -> Decimal:
        return _dollars(self.batch_cents)


@dataclass(frozen=True, slots=True)
class Projection:
    months: list[MonthRow]
    totals: Totals
    savings: Savings
    per_request_cost: Decimal  # rounded half up to 9 decimals
    first_out_of_pocket_month: int | None
    models: dict[str, str]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the contract: money as cent strings, requests as whole numbers."""
        totals, savings, cents = self.totals, self.savings, _cents_text
        return {
            "months": [
                {
                    "month": row.month,
                    "requests": row.requests,
                    "cost": cents(row.cost_cents),
                    "baseline_cost": cents(row.baseline_cost_cents),
                    "credits_applied": cents(row.credits_applied_cents),
                    "credits_remaining": cents(row.credits_remaining_cents),
                    "out_of_pocket": cents(row.out_of_pocket_cents),
                    "credits_expired": cents(row.credits_expired_cents),
                }
                for row in self.months
            ],
            "totals": {
                "cost": cents(totals.cost_cents),
                "baseline_cost": cents(totals.baseline_cost_cents),
                "credits_applied": cents(totals.credits_applied_cents),
                "out_of_pocket": cents(totals.out_of_pocket_cents),
                "credits_expired": cents(totals.credits_expired_cents),
            },
            "savings": {
                "tiering": cents(savings.tiering_cents),
                "caching": cents(savings.caching_cents),
                "batch": cents(savings.batch_cents),
            },
            "per_request_cost": f"{self.per_request_cost:f}",  # never "5E-9"
            "first_out_of_pocket_month": self.first_out_of_pocket_month,
            "models": dict(self.models),
            "warnings": list(self.warnings),
        }


# --- per-request costs ----------------------------------------------------------------------

TierCosts = tuple[Ratio, Ratio, Ratio]  # per request: plain, on demand with caching, batch


def _caches(price: TierPrice, prefix: int) -> bool:
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
    if _caches(price, prefix):
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


# --- warnings -------------------------------------------------------------------------------


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


# --- the projection -------------------------------------------------------------------------


def _monthly_amounts(
    inputs: SpendInput, per_request: Ratio, baseline: Ratio
) -> tuple[list[int], list[int], list[int]]:
    """Each month's requests (whole) and its cost and baseline cost (cents), each the exact
    value rounded half up once."""
    requests_n, requests_d = inputs._requests
    cost_n, cost_d = _reduced(per_request)
    baseline_n, baseline_d = _reduced(baseline)
    # Month 1 over one denominator: requests = requests_n * common / denominator, and so on.
    common = math.lcm(cost_d, baseline_d)
    denominator = requests_d * common
    # x/d rounds half up to (2x + d) // 2d: keep 2x (200x for cents) as the numerators.
    requests_x2 = 2 * requests_n * common
    cost_x200 = 200 * requests_n * cost_n * (common // cost_d)
    baseline_x200 = 200 * requests_n * baseline_n * (common // baseline_d)
    months = inputs.months
    growth_n, growth_d = inputs._growth_factor
    if growth_n == growth_d:  # no growth: every month is month 1
        twice = 2 * denominator
        return (
            [(requests_x2 + denominator) // twice] * months,
            [(cost_x200 + denominator) // twice] * months,
            [(baseline_x200 + denominator) // twice] * months,
        )
    requests, costs, baselines = [0] * months, [0] * months, [0] * months
    for month in range(months):
        twice = denominator + denominator
        requests[month] = (requests_x2 + denominator) // twice
        costs[month] = (cost_x200 + denominator) // twice
        baselines[month] = (baseline_x200 + denominator) // twice
        # Next month: x (1 + growth) exactly.
        requests_x2 *= growth_n
        cost_x200 *= growth_n
        baseline_x200 *= growth_n
        denominator *= growth_d
    return requests, costs, baselines


def _total_requests(inputs: SpendInput) -> Ratio:
    """The exact requests over the horizon: R + Rg + ... + Rg^(n-1) = R (g^n - 1) / (g - 1)."""
    requests_n, requests_d = inputs._requests
    growth_n, growth_d = inputs._growth_factor
    months = inputs.months
    if growth_n == growth_d:
        return requests_n * months, requests_d
    numerator = requests_n * (growth_n**months - growth_d**months)
    denominator = requests_d * growth_d ** (months - 1) * (growth_n - growth_d)
    return (-numerator, -denominator) if denominator < 0 else (numerator, denominator)


def _burn_down(
    requests: list[int],
    costs: list[int],
    baselines: list[int],
    credits: tuple[CreditGrant, ...],
) -> tuple[list[MonthRow], Totals, int | None]:
    """The monthly rows: each month's cost (cents) paid from available grants (cents),
    soonest-expiring first.

    `usable` holds only the grants started, not expired and with money left, in the order
    they pay and expire, and `remaining` their balance together: a month pays from the front
    of the list and drops the grants it drains or that end, so it touches one grant or two
    however many there are (issue 8: this loop is the engine's cost).
    """
    # Ties: earlier start, then the order given. A grant is named by its rank in this order.
    grants = sorted(
        (grant.last_month, grant.start_month, index, grant.amount_cents)
        for index, grant in enumerate(credits)
    )
    lasts = [grant[0] for grant in grants]
    balances = [grant[3] for grant in grants]
    starting: dict[int, list[int]] = {}  # month -> ranks of the grants that become usable
    for rank, (_, start, _, amount) in enumerate(grants):
        if amount > 0:
            starting.setdefault(start, []).append(rank)
    usable: list[int] = []  # ranks, so soonest-expiring first
    remaining = 0  # the balance of the usable grants
    rows: list[MonthRow] = []
    append = rows.append
    first_out_of_pocket = None
    total_unpaid = credits_expired = 0
    for month, (month_requests, cost, baseline) in enumerate(
        zip(requests, costs, baselines, strict=True), 1
    ):
        if month in starting:
            usable = sorted(usable + starting[month])
            remaining += sum(balances[rank] for rank in starting[month])
        unpaid = cost
        while unpaid and usable:
            rank = usable[0]
            balance = balances[rank]
            if balance > unpaid:
                balances[rank] = balance - unpaid
                unpaid = 0
            else:  # drained
                unpaid -= balance
                balances[rank] = 0
                del usable[0]
        remaining -= cost - unpaid
        shown_remaining = remaining  # before this month's expiries, which it still holds
        # What is left of grants whose last month this is expires; they lead the list, as
        # the grants that ended before them are gone already.
        expired = 0
        while usable and lasts[usable[0]] == month:
            expired += balances[usable.pop(0)]
        remaining -= expired
        append(
            MonthRow(
                month,
                month_requests,
                cost,
                baseline,
                cost - unpaid,
                shown_remaining,
                unpaid,
                expired,
            )
        )
        credits_expired += expired
        total_unpaid += unpaid
        if first_out_of_pocket is None and unpaid:
            first_out_of_pocket = month
    total_cost = sum(costs)
    totals = Totals(
        cost_cents=total_cost,
        baseline_cost_cents=sum(baselines),
        credits_applied_cents=total_cost - total_unpaid,
        out_of_pocket_cents=total_unpaid,
        credits_expired_cents=credits_expired,
    )
    return rows, totals, first_out_of_pocket


def project(inputs: SpendInput, prices: Mapping[str, TierPrice]) -> Projection:
    """Project cost, baseline, savings and credit burn-down over `inputs.months` months.

    `prices` maps "haiku", "sonnet" and "opus" to the model each tier runs on. Exact, each
    amount rounded once (see the module docstring).
    """
    _check_prices(prices)
    regional = inputs.endpoint == "regional"
    costs = [_tier_costs(prices[tier], inputs, regional, inputs._hit) for tier in TIERS]
    weights = _weights(inputs._sonnet, inputs._opus, inputs.cascade)
    mix_plain, mix_cached, mix_batch = (_blend(weights, costs, kind) for kind in range(3))
    batch_share = inputs._batch
    on_demand = (batch_share[1] - batch_share[0], batch_share[1])
    per_request = _add(_multiply(on_demand, mix_cached), _multiply(batch_share, mix_batch))
    baseline = costs[TIERS.index(inputs.baseline_tier)][0]

    requests, month_costs, month_baselines = _monthly_amounts(inputs, per_request, baseline)
    rows, totals, first_out_of_pocket = _burn_down(
        requests, month_costs, month_baselines, inputs.credits
    )
    total_requests = _total_requests(inputs)
    tiering = _cents_of(_multiply(total_requests, _subtract(baseline, mix_plain)))
    caching = _cents_of(_multiply(total_requests, _subtract(mix_plain, mix_cached)))
    saved = totals.baseline_cost_cents - totals.cost_cents
    per_request_units = _half_up(10**9 * per_request[0], per_request[1])
    return Projection(
        months=rows,
        totals=totals,
        savings=Savings(tiering, caching, saved - tiering - caching),
        per_request_cost=Decimal(f"{per_request_units}E-9"),
        first_out_of_pocket_month=first_out_of_pocket,
        models={tier: prices[tier].model_id for tier in TIERS},
        warnings=_warnings(inputs, prices, dict(zip(TIERS, weights, strict=True))),
    )


# --- what the founder is shown besides ------------------------------------------------------


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
    regional = inputs.endpoint == "regional"
    requests = Fraction(*inputs._requests)
    batch_share = Fraction(*inputs._batch)

    def finals(hit: Ratio) -> list[Fraction]:
        """Each tier's per-request cost at this hit rate, batch share applied."""
        result = []
        for tier in TIERS:
            _, cached, batch = _tier_costs(prices[tier], inputs, regional, hit)
            result.append((1 - batch_share) * Fraction(*cached) + batch_share * Fraction(*batch))
        return result

    def month_one(weights: tuple[Ratio, Ratio, Ratio], per_tier: list[Fraction]) -> Fraction:
        return requests * sum(
            (Fraction(*weight) * cost for weight, cost in zip(weights, per_tier, strict=True)),
            Fraction(0),
        )

    at_hit = finals(inputs._hit)
    sonnet, opus, cascade = inputs._sonnet, inputs._opus, inputs.cascade
    weights = _weights(sonnet, opus, cascade)
    haiku_cost, sonnet_cost, opus_cost = at_hit
    haiku_saved = Fraction(0) if cascade else haiku_cost  # an escalated request leaves Haiku
    at_no_hits, at_all_hits = finals((0, 1)), finals((1, 1))
    hit_slope = sum(
        (
            Fraction(*weight) * (all_hits - no_hits)
            for weight, no_hits, all_hits in zip(weights, at_no_hits, at_all_hits, strict=True)
        ),
        Fraction(0),
    )
    point = Fraction(1, 100)
    per_point = {
        "escalation_sonnet": requests * (sonnet_cost - haiku_saved) * point,
        "escalation_opus": requests * (opus_cost - haiku_saved) * point,
        "cache_hit_rate": requests * hit_slope * point,
    }

    def curve(largest: Fraction, cost_at: Callable[[Fraction], Fraction]) -> list[dict[str, str]]:
        largest = max(largest, Fraction(0))
        shares = [largest * step / (CURVE_POINTS - 1) for step in range(CURVE_POINTS)]
        return [
            {"share": _decimal_text(share), "monthly_cost": _cents_text(_cents_of_fraction(cost))}
            for share, cost in ((share, cost_at(share)) for share in shares)
        ]

    def pair(value: Fraction) -> Ratio:
        return value.numerator, value.denominator

    sonnet_share, opus_share = Fraction(*sonnet), Fraction(*opus)
    curves = {
        "escalation_sonnet": curve(
            1 - opus_share,
            lambda share: month_one(_weights(pair(share), opus, cascade), at_hit),
        ),
        "escalation_opus": curve(
            1 - sonnet_share,
            lambda share: month_one(_weights(sonnet, pair(share), cascade), at_hit),
        ),
        "cache_hit_rate": curve(
            Fraction(1),
            lambda share: month_one(
                weights,
                [
                    no_hits + share * (all_hits - no_hits)
                    for no_hits, all_hits in zip(at_no_hits, at_all_hits, strict=True)
                ],
            ),
        ),
    }
    return {
        "month": 1,
        "per_point": {
            lever: _cents_text(_cents_of_fraction(change)) for lever, change in per_point.items()
        },
        "curves": curves,
    }


def _cents_of_fraction(value: Fraction) -> int:
    return _cents_of((value.numerator, value.denominator))
