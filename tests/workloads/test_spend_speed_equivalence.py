"""The engine's fast paths against the slow rules they replace (issues 8 and 14).

The engine reads a float by splitting its repr instead of `Fraction(str(x))`, and writes
cents with a lookup table instead of Decimal; whatever the value, they must agree.
"""

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from workloads.spend import _cents_text, _ratio, exact, to_cents

WIDE = Context(prec=1000, rounding=ROUND_HALF_UP)
finite = st.floats(allow_nan=False, allow_infinity=False)
# Values built on a half cent (the float nearest to n.nn5) and its neighbours one ulp away.
half_cents = st.integers(-(10**11), 10**11).map(lambda n: (n + 0.5) / 100)
near_ties = st.tuples(half_cents, st.sampled_from([-math.inf, math.inf])).map(
    lambda pair: math.nextafter(*pair)
)


@settings(max_examples=1000, deadline=None)
@given(value=st.one_of(finite, half_cents, near_ties))
@example(value=0.1)
@example(value=-0.0)
@example(value=1e20)  # an exponent in the repr
@example(value=1.5e-07)
@example(value=5e-324)
@example(value=951.8949999999999)
def test_a_float_is_the_decimal_it_prints_as(value):
    numerator, denominator = _ratio(value)
    assert Fraction(numerator, denominator) == Fraction(str(value)) == exact(value)


@settings(max_examples=1000, deadline=None)
@given(
    value=st.one_of(
        finite, half_cents, near_ties, st.decimals(allow_nan=False, allow_infinity=False, places=4)
    )
)
@example(value=0.125 * 3)  # 0.375: a tie, half up
@example(value=-0.005)  # a tie below zero: away from zero
@example(value=-0.001)  # never "-0.00"
@example(value=1e20)
def test_to_cents_rounds_as_the_decimal_rule_rounds(value):
    expected = Decimal(str(value)).quantize(Decimal("0.01"), context=WIDE)
    if expected.is_zero():
        expected = abs(expected)
    got = to_cents(value)
    assert got == expected
    assert str(got) == str(expected)


@settings(max_examples=1000, deadline=None)
@given(cents=st.one_of(st.integers(-(10**6), 10**6), st.integers(-(10**70), 10**70)))
@example(cents=0)
@example(cents=-1)
@example(cents=99)
@example(cents=100)
def test_cents_print_as_the_decimal_of_them_prints(cents):
    assert _cents_text(cents) == f"{Decimal(cents).scaleb(-2, context=WIDE):f}"
