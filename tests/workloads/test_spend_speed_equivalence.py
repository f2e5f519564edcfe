"""The fast rounding in `Projection.as_dict` against the Decimal rule it replaces (issue 8).

`_cents` and `_whole` skip Decimal when a float is clearly not near a tie; whatever the
float, they must print exactly what `str(to_cents(value))` and `int(_round(value, 0))` give.
"""

import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from workloads.spend import _cents, _round, _whole, to_cents

finite = st.floats(allow_nan=False, allow_infinity=False)
# Money-sized values, and values built on a half cent (the float nearest to n.nn5) and its
# neighbours one ulp away: where the 12-digit snap and plain float rounding disagree.
half_cents = st.integers(-(10**11), 10**11).map(lambda n: (n + 0.5) / 100)
near_ties = st.tuples(half_cents, st.sampled_from([-math.inf, None, math.inf])).map(
    lambda pair: pair[0] if pair[1] is None else math.nextafter(pair[0], pair[1])
)
money = st.one_of(finite, st.floats(-1e10, 1e10), half_cents, near_ties)


@settings(max_examples=2000, deadline=None)
@given(value=money)
@example(value=951.8949999999999)  # float noise just under a half cent: snaps up to 951.90
@example(value=0.125 * 3)
@example(value=-0.001)  # never "-0.00"
@example(value=-0.0)
@example(value=1e9)  # the edge of the snap range
@example(value=math.nextafter(1e9, 0))
@example(value=1e20)
@example(value=5e-324)
def test_cents_prints_what_the_decimal_rule_prints(value):
    assert _cents(value) == str(to_cents(value))


@settings(max_examples=2000, deadline=None)
@given(value=st.one_of(finite, half_cents.map(lambda cents: cents * 100), near_ties))
@example(value=2.5)  # a tie: half up, not half even
@example(value=math.nextafter(2.5, 0))
@example(value=123456789.49999999)
@example(value=1e11)
def test_whole_rounds_as_the_decimal_rule_rounds(value):
    got = _whole(value)
    assert type(got) is int
    assert got == int(_round(value, 0))
