"""The projection: month-by-month cost and baseline, the credit burn-down, totals and
savings (`project`), and the few figures of it a what-if shows (`project_summary`)."""

import math
from collections.abc import Mapping
from decimal import Decimal

from .costs import _blend, _check_prices, _tier_costs, _weights
from .exact import Ratio, _add, _cents_of, _half_up, _multiply, _reduced, _subtract
from .inputs import TIERS, CreditGrant, SpendInput, TierPrice
from .result import MonthRow, Projection, Savings, Summary, Totals
from .warnings import _warnings


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


def _grant_schedule(
    credits: tuple[CreditGrant, ...],
) -> tuple[list[int], list[int], dict[int, list[int]]]:
    """The grants in the order they pay and expire: soonest-expiring first, ties by earlier
    start, then the order given. A grant is named by its rank in this order.

    Returns each grant's last month and balance (cents), and per month the ranks of the
    grants with money that become usable in it.
    """
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
    return lasts, balances, starting


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
    lasts, balances, starting = _grant_schedule(credits)
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
    totals = _totals(costs, baselines, out_of_pocket=total_unpaid, expired=credits_expired)
    return rows, totals, first_out_of_pocket


def _totals(costs: list[int], baselines: list[int], *, out_of_pocket: int, expired: int) -> Totals:
    """The sums of the months' rounded amounts (cents); credits paid what was not out of
    pocket."""
    total_cost = sum(costs)
    return Totals(
        cost_cents=total_cost,
        baseline_cost_cents=sum(baselines),
        credits_applied_cents=total_cost - out_of_pocket,
        out_of_pocket_cents=out_of_pocket,
        credits_expired_cents=expired,
    )


def _per_request(
    inputs: SpendInput, prices: Mapping[str, TierPrice]
) -> tuple[Ratio, Ratio, Ratio, Ratio, tuple[Ratio, Ratio, Ratio]]:
    """One request's exact cost (`per_request`), on the baseline tier, and the plain and
    cached mixes of the tiers, with each tier's share of requests."""
    _check_prices(prices)
    regional = inputs.endpoint == "regional"
    costs = [_tier_costs(prices[tier], inputs, regional, inputs._hit) for tier in TIERS]
    weights = _weights(inputs._sonnet, inputs._opus, inputs.cascade)
    mix_plain, mix_cached, mix_batch = (_blend(weights, costs, kind) for kind in range(3))
    batch_share = inputs._batch
    on_demand = (batch_share[1] - batch_share[0], batch_share[1])
    per_request = _add(_multiply(on_demand, mix_cached), _multiply(batch_share, mix_batch))
    baseline = costs[TIERS.index(inputs.baseline_tier)][0]
    return per_request, baseline, mix_plain, mix_cached, weights


def project(inputs: SpendInput, prices: Mapping[str, TierPrice]) -> Projection:
    """Project cost, baseline, savings and credit burn-down over `inputs.months` months.

    `prices` maps "haiku", "sonnet" and "opus" to the model each tier runs on. Exact, each
    amount rounded once (see the docstring of workloads.spend).
    """
    per_request, baseline, mix_plain, mix_cached, weights = _per_request(inputs, prices)
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


# The what-ifs beside every stored projection need four more projections of which they show
# four figures (issue 19: 10,000 of them a night); `project_summary` works those out alone,
# with the same rounding and the same burn-down order, without the month rows.


def project_summary(inputs: SpendInput, prices: Mapping[str, TierPrice]) -> Summary:
    """`project(inputs, prices)`'s month 1 cost, total cost, out of pocket and first month
    out of pocket, and nothing else: the same numbers, at about a third of the work."""
    per_request = _per_request(inputs, prices)[0]
    costs = _month_costs(inputs, per_request)
    out_of_pocket, first_out_of_pocket = _unpaid(costs, inputs.credits)
    return Summary(
        month_one_cost_cents=costs[0] if costs else None,
        cost_cents=sum(costs),
        out_of_pocket_cents=out_of_pocket,
        first_out_of_pocket_month=first_out_of_pocket,
    )


def _month_costs(inputs: SpendInput, per_request: Ratio) -> list[int]:
    """Each month's cost in cents, as `_monthly_amounts` rounds it: the exact value half up
    once (a rounding that does not depend on which fraction represents the value)."""
    requests_n, requests_d = inputs._requests
    cost_n, cost_d = _reduced(per_request)
    denominator = requests_d * cost_d
    cost_x200 = 200 * requests_n * cost_n
    growth_n, growth_d = inputs._growth_factor
    if growth_n == growth_d:
        return [(cost_x200 + denominator) // (2 * denominator)] * inputs.months
    costs = [0] * inputs.months
    for month in range(inputs.months):
        costs[month] = (cost_x200 + denominator) // (denominator + denominator)
        cost_x200 *= growth_n
        denominator *= growth_d
    return costs


def _unpaid(costs: list[int], credits: tuple[CreditGrant, ...]) -> tuple[int, int | None]:
    """The out-of-pocket total and first month of `_burn_down`, by the same loop without the
    rows: grants pay soonest-expiring first and what is left of a grant ends in its last
    month."""
    if not credits:
        return sum(costs), next((month for month, cost in enumerate(costs, 1) if cost), None)
    lasts, balances, starting = _grant_schedule(credits)
    usable: list[int] = []
    total_unpaid, first_out_of_pocket = 0, None
    for month, cost in enumerate(costs, 1):
        if month in starting:
            usable = sorted(usable + starting[month])
        unpaid = cost
        while unpaid and usable:
            rank = usable[0]
            balance = balances[rank]
            if balance > unpaid:
                balances[rank] = balance - unpaid
                unpaid = 0
            else:
                unpaid -= balance
                balances[rank] = 0
                del usable[0]
        while usable and lasts[usable[0]] == month:
            usable.pop(0)
        total_unpaid += unpaid
        if first_out_of_pocket is None and unpaid:
            first_out_of_pocket = month
    return total_unpaid, first_out_of_pocket
