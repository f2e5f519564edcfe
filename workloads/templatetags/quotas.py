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


SHARE_FIELDS = ("cache_hit_rate", "escalation_sonnet", "escalation_opus", "batch_share")


@register.filter
def share_percent(value) -> str:
    """A share (0.8, or "0.8000") as a percentage: "80%", "2.5%"."""
    try:
        percent = round(float(value) * 100, 1)
    except (TypeError, ValueError):
        return str(value)
    return f"{percent:g}%"


@register.filter
def workload_value(value, field: str) -> str:
    """A workload answer as the founder reads it: shares in percent, counts with separators."""
    if field in SHARE_FIELDS:
        return share_percent(value)
    return thousands(value)
