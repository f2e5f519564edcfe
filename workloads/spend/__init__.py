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

The package, in the order a projection uses it:

- `exact`: exact numbers (`exact`, `to_cents`) and the int-pair arithmetic and rounding;
- `inputs`: the contract's constants, `TierPrice`, `CreditGrant` and `SpendInput`;
- `costs`: per-request costs on each tier and the tiers' shares of requests;
- `engine`: `project`, the monthly amounts and the credit burn-down, and `project_summary`;
- `result`: what `project` returns (`Projection`, `MonthRow`, `Totals`, `Savings`) and
  `project_summary` (`Summary`);
- `warnings`: the sentences a projection carries about the chosen models;
- `whatif`: `unit_prices` and `sensitivity`, shown beside a projection.

Callers import from here (`from workloads import spend`, `from workloads.spend import ...`);
the names below are the package's public surface, as they were when it was one module.
"""

from .costs import prefix_cached
from .engine import project, project_summary
from .exact import Number, Ratio, _cents_text, _ratio, exact, to_cents
from .inputs import (
    BATCH_MULTIPLIER,
    CACHE_READ_MULTIPLIER,
    CACHE_WRITE_MULTIPLIER,
    ENDPOINTS,
    LIFECYCLES,
    MAX_MONTHLY_REQUESTS,
    MAX_MONTHS,
    REGIONAL_PREMIUM,
    SHARE_TOLERANCE,
    TIER_LABELS,
    TIERS,
    TOKENS_PER_PRICE_UNIT,
    CreditGrant,
    Scaled,
    SpendInput,
    TierPrice,
)
from .result import MonthRow, Projection, Savings, Summary, Totals
from .whatif import CURVE_POINTS, sensitivity, unit_prices

__all__ = [
    "prefix_cached",
    "BATCH_MULTIPLIER",
    "CACHE_READ_MULTIPLIER",
    "CACHE_WRITE_MULTIPLIER",
    "CURVE_POINTS",
    "ENDPOINTS",
    "LIFECYCLES",
    "MAX_MONTHLY_REQUESTS",
    "MAX_MONTHS",
    "REGIONAL_PREMIUM",
    "SHARE_TOLERANCE",
    "TIER_LABELS",
    "TIERS",
    "TOKENS_PER_PRICE_UNIT",
    "CreditGrant",
    "MonthRow",
    "Number",
    "Projection",
    "Ratio",
    "Savings",
    "Scaled",
    "SpendInput",
    "Summary",
    "TierPrice",
    "Totals",
    "exact",
    "project",
    "project_summary",
    "sensitivity",
    "to_cents",
    "unit_prices",
    # Private, but the speed-equivalence tests check them against a Decimal reference.
    "_cents_text",
    "_ratio",
]
