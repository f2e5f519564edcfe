"""What `project` returns: the month rows, the totals, the savings and the JSON shape of the
contract (`Projection.as_dict`).

Money is kept in whole cents (the `*_cents` fields); the properties without the suffix give
it as Decimal dollars, as the rest of the code base handles money.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .exact import _cents_text, _dollars


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
class Summary:
    """What a what-if shows of a projection (`project_summary`): month 1's cost, the total
    cost, what is paid out of pocket and the first month that is, exactly as `project`'s
    `months[0]`, `totals` and `first_out_of_pocket_month` say (whole cents)."""

    month_one_cost_cents: int | None  # None with no months (the engine always has one)
    cost_cents: int
    out_of_pocket_cents: int
    first_out_of_pocket_month: int | None


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
