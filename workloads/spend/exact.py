"""Exact arithmetic for the spend engine: numbers as the decimals they print as, rationals as
plain (numerator, denominator) int pairs, and rounding half up to cents and decimal text.

See the package docstring (workloads.spend) for why the engine is exact.
"""

import math
from decimal import Decimal
from fractions import Fraction

Number = int | float | Decimal | Fraction
# An exact rational as (numerator, denominator), denominator > 0, not necessarily in lowest
# terms: adding and multiplying these is plain int arithmetic, with no gcd on every step.
Ratio = tuple[int, int]


def _ratio(value: Number, name: str = "value") -> Ratio:
    """The exact value of a number as the decimal it prints as (see the docstring of
    workloads.spend)."""
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


def _cents_of_fraction(value: Fraction) -> int:
    return _cents_of((value.numerator, value.denominator))
