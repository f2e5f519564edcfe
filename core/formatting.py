"""Money and dates as CloudRoute writes them, for the API and for people. Pure Python."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def money_str(value: Decimal) -> str:
    """Dollars as the API writes them: "1000.00" (half up to cents), never "-0.00"."""
    cents = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{cents.copy_abs() if cents.is_zero() else cents:f}"


def dollars(value: Decimal | None) -> str:
    """Money as a founder reads it: "$10,000", or "$10,000.50" when there are cents (half up);
    "$—" for an amount not known yet."""
    if value is None:
        return "$—"
    cents = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"${cents:,.0f}" if cents == cents.to_integral_value() else f"${cents:,.2f}"


def long_date(value: dt.date) -> str:
    """ "1 December 2026": the day, the month's English name, the year."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
