"""Filters of the throughput check's templates."""

from django import template

from ..throughput import SCOPE_NAMES

register = template.Library()


@register.filter
def thousands(value) -> str:
    """An integer with thousands separators ("13,888,894"); anything else as it is."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


@register.filter
def quota_scope(scope: str) -> str:
    """How a quota's scope reads: "global cross-Region", "in-Region on-demand"..."""
    return SCOPE_NAMES.get(scope, scope)
