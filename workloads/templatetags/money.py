"""`{{ value|money }}`: an amount in dollars with two decimals and thousands separators,
"1,234.50", exactly as `floatformat:2|intcomma` writes it (a test holds the two together).

One filter instead of two: a projection's month table writes ~200 amounts per page, and the
pair cost a third of the partner lead page's rendering (docs/performance.md)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return ""
    try:
        # floatformat's reading of a float: its repr, then half up at the cent.
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
        return f"{cents if cents else abs(cents):,}"  # never "-0.00"
    except (InvalidOperation, TypeError, ValueError):
        return ""
