"""`|money` writes what `floatformat:2|intcomma` wrote, for every kind of amount."""

from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from hypothesis import given
from hypothesis import strategies as st

from workloads.templatetags.money import money


def old(value) -> str:
    return intcomma(floatformat(value, 2))


@given(
    st.one_of(
        st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False),
        # Below a billionth floatformat gives up and echoes the float ("6e-206"); money
        # writes 0.00. No amount is that small.
        st.floats(min_value=-1e9, max_value=1e9).filter(lambda x: x == 0 or abs(x) >= 1e-9),
        st.integers(min_value=-(10**12), max_value=10**12),
    )
)
def test_it_writes_what_floatformat_and_intcomma_wrote(value):
    assert money(value) == old(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234567.5"), "1,234,567.50"),
        (Decimal("-0.005"), "-0.01"),
        (0.125, "0.13"),
        (12, "12.00"),
        ("2500.1", "2,500.10"),
        (None, ""),
        ("", ""),
        ("not a number", ""),
    ],
)
def test_it_writes_dollars_and_cents(value, text):
    assert money(value) == text
    assert money(value) == old(value)


def test_templates_load_it():
    rendered = Template("{% load money %}${{ amount|money }}").render(
        Context({"amount": Decimal("10000")})
    )

    assert rendered == "$10,000.00"
