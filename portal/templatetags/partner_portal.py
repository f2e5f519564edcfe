"""Template helpers of the partner portal: the nav link, accept-by countdowns, rates."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def in_partner_portal(request) -> bool:
    """Whether the nav shows the partner portal link. Reads what is already loaded (the firm
    `partner_required` found, or the flag the partner sign-in stored in the session), so it
    costs no query; a reverse OneToOne lookup would add one to every page, and raise when the
    user has no membership."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return getattr(request, "partner", None) is not None or bool(
        request.session.get("partner_portal")
    )


def seconds_left(deadline: datetime | None) -> int:
    if deadline is None:
        return 0
    return max(0, int((deadline - timezone.now()).total_seconds()))


@register.filter
def countdown_seconds(deadline: datetime | None) -> int:
    return seconds_left(deadline)


@register.filter
def countdown(deadline: datetime | None) -> str:
    """Time left as static/js/countdown.js writes it: "3h 05m 09s left", "time is up"."""
    left = seconds_left(deadline)
    if left <= 0:
        return "time is up"
    hours, rest = divmod(left, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {seconds:02d}s left"
    return f"{minutes}m {seconds:02d}s left"


@register.filter
def percent(rate: float | None) -> str:
    """0.8333 -> "83%"; None (no history yet) -> "–"."""
    return "–" if rate is None else f"{round(rate * 100)}%"


# The portal says so this many days before the firm's vetting runs out.
VETTING_WARNING_DAYS = 30


@register.simple_tag
def vetting_notice(partner) -> dict | None:
    """What the portal tells the firm about its vetting: expired (or never done: routing's
    `vetting_expired` filter offers it no new leads) or running out soon; None when fine.
    Reads the firm `partner_required` already loaded, so it costs no query."""
    today = timezone.localdate()
    expires_on = getattr(partner, "vetting_expires_on", None)
    if expires_on is None or expires_on < today:
        return {"state": "expired", "on": expires_on}
    days = (expires_on - today).days
    if days <= VETTING_WARNING_DAYS:
        return {"state": "soon", "on": expires_on, "days": days}
    return None
