"""The engine's inputs: the constants of the contract, one model's prices (`TierPrice`), a
credit grant (`CreditGrant`) and one estimate's inputs (`SpendInput`), each checked and
turned into exact values once, when it is built."""

import math
from dataclasses import dataclass, field
from fractions import Fraction

from .exact import Number, Ratio, _cents_of, _non_negative, _ratio, _reduced, _whole_number, exact

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

# A model's prices as integers over one denominator: (denominator x 1M tokens, input, output,
# cache_write, cache_read, batch_input, batch_output), batch None without Batch.
Scaled = tuple[int, int, int, int, int, int | None, int | None]

_PREMIUM = _ratio(REGIONAL_PREMIUM)  # 11/10
_CACHE_WRITE = exact(CACHE_WRITE_MULTIPLIER)  # 5/4
_CACHE_READ = exact(CACHE_READ_MULTIPLIER)  # 1/10
_BATCH = exact(BATCH_MULTIPLIER)  # 1/2
_TOLERANCE_N, _TOLERANCE_D = _ratio(SHARE_TOLERANCE)
_MOST_ESCALATED = (_TOLERANCE_D + _TOLERANCE_N, _TOLERANCE_D)  # 1 + SHARE_TOLERANCE


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
            name="Inline prices",
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
