"""Filters of the founder's pages."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(share: float | Decimal | None) -> str:
    """A 0-1 share as the page shows it: 0.035 -> "3.5%", 0.25 -> "25%"."""
    if share is None:
        return ""
    value = (Decimal(str(share)) * 100).quantize(Decimal("0.01")).normalize()
    return f"{value:f}%"
