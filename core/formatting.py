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


def months_from(today: dt.date, day: dt.date) -> int:
    """Whole calendar months from `today`'s month to `day`'s month (0 = the same month)."""
    return (day.year - today.year) * 12 + day.month - today.month


def month_start(today: dt.date, month: int) -> dt.date:
    """The first day of month `month` (1-based, month 1 = `today`'s month)."""
    index = today.year * 12 + today.month - 1 + month - 1
    return dt.date(index // 12, index % 12 + 1, 1)


def month_label(day: dt.date) -> str:
    """A calendar month as a founder reads it: "February 2027"."""
    return f"{_MONTHS[day.month - 1]} {day.year}"
