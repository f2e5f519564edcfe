"""The operators' home on the admin index: the queues that need a person, as links."""

from django import template
from django.urls import reverse

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def ops_queues(context) -> list[dict]:
    """Each queue with its count and its admin list; none for a user who may not see
    intakes (the counts are about them)."""
    request = context.get("request")
    if request is None or not request.user.has_perm("matching.view_intake"):
        return []
    base = reverse("admin:index")
    return [{**row, "url": base + row["path"]} for row in selectors.ops_queue_counts()]
