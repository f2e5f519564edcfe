"""`project_summary`, the what-ifs' short projection (issue 19), against `project`: the same
month 1 cost, total, out of pocket and first month out of pocket, whatever the inputs."""

import dataclasses

from hypothesis import example, given, settings

from workloads.spend import CreditGrant, SpendInput, project, project_summary

from .test_sensitivity import BOOK
from .test_spend_exact import books, spend_inputs

SHAPE = SpendInput(
    monthly_requests=400_000,
    monthly_growth=0.04,
    input_tokens=1_800,
    cached_prefix_tokens=1_200,
    output_tokens=200,
    cache_hit_rate=0.85,
    batch_share=0.3,
    escalation_sonnet=0.05,
    months=24,
)


def figures(inputs, prices) -> tuple:
    full = project(inputs, prices)
    return (
        full.months[0].cost_cents,
        full.totals.cost_cents,
        full.totals.out_of_pocket_cents,
        full.first_out_of_pocket_month,
    )


def summary(inputs, prices) -> tuple:
    short = project_summary(inputs, prices)
    return (
        short.month_one_cost_cents,
        short.cost_cents,
        short.out_of_pocket_cents,
        short.first_out_of_pocket_month,
    )


@settings(max_examples=500, deadline=None)
@given(spec=spend_inputs(), book=books())
def test_it_says_what_the_full_projection_says(spec, book):
    prices, _ = book
    assert summary(spec, prices) == figures(spec, prices)


@example(grants=())
@example(grants=(CreditGrant(0, 1, 12),))  # a grant of nothing
@example(grants=(CreditGrant(500, 3, 2), CreditGrant(100_000, 1, 36)))  # covers, then not
@example(grants=(CreditGrant(2_000, 5, 1), CreditGrant(2_000, 5, 1), CreditGrant(9, 30, 1)))
@example(grants=(CreditGrant(1e9, 1, 120),))  # never out of pocket
@given(grants=spend_inputs().map(lambda spec: spec.credits))
@settings(max_examples=200, deadline=None)
def test_it_draws_credits_in_the_same_order_and_lets_them_expire_alike(grants):
    for months in (1, 24, 60):
        for growth in (0.0, 0.04, -0.3):
            spec = dataclasses.replace(SHAPE, months=months, monthly_growth=growth, credits=grants)
            assert summary(spec, BOOK) == figures(spec, BOOK)
