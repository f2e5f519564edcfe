"""Partners and leads for the routing tests."""

import datetime as dt

import factory
from django.utils import timezone

from matching.models import Lead, Partner
from tests.factories import PartnerFactory


def routable_partner(**overrides) -> Partner:
    """A firm that passes every hard filter for the default intake (US, us-west-2, seed)."""
    today = timezone.localdate()
    fields = {
        "vetted_on": today - dt.timedelta(days=30),
        "vetting_expires_on": today + dt.timedelta(days=300),
        "capacity": 10,
        "contact_email": factory.LazyAttribute(lambda partner: f"leads@{partner.slug}.test"),
        **overrides,
    }
    return PartnerFactory(**fields)


def make_overdue(lead: Lead) -> None:
    """Move the offer into the past (the check constraint wants accept_by after offered_at)."""
    now = timezone.now()
    Lead.objects.filter(pk=lead.pk).update(
        offered_at=now - dt.timedelta(hours=5), accept_by=now - dt.timedelta(hours=1)
    )
