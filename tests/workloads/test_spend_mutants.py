"""Spend engine behaviour the mutation run (tools/mutate.py, docs/testing.md) found untested.
Plain Python: no database."""

import pytest

from tests.workloads.test_spend import REPRESENTATIVE
from workloads.spend import CreditGrant, SpendInput, TierPrice, project


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("field", ["monthly_growth", "cache_hit_rate", "batch_share"])
def test_a_number_that_is_not_finite_is_refused_naming_the_field(field, value):
    """NaN or infinity in an estimate's inputs is refused with the field's name, not a crash."""
    with pytest.raises(ValueError, match=f"{field} is out of bounds"):
        SpendInput(monthly_requests=1, input_tokens=1, output_tokens=1, **{field: value})


def test_a_zero_dollar_grant_is_accepted_and_a_negative_one_refused():
    """A $0 grant (an award not yet sized) is allowed; a negative one names the field."""
    assert CreditGrant(amount=0, start_month=1, valid_months=12).amount_cents == 0
    with pytest.raises(ValueError, match="credit amount must be a number >= 0"):
        CreditGrant(amount=-0.01, start_month=1, valid_months=12)


def test_a_free_cache_read_price_is_accepted():
    """A model whose cache reads cost $0 (a promotion) is a valid price, not an error."""
    price = TierPrice("promo-model", 1, 5, cache_write=1.25, cache_read=0)

    assert price.exact_prices[3] == 0


def test_even_a_one_token_prefix_on_a_model_without_caching_is_warned_about():
    """Any cached prefix on a model that cannot cache gets the "billed as ordinary input" note."""
    spec = SpendInput(
        monthly_requests=10_000, input_tokens=4000, cached_prefix_tokens=1, output_tokens=100
    )

    warnings = project(spec, REPRESENTATIVE).warnings

    assert any("the 1-token prefix is billed as ordinary input" in line for line in warnings)
