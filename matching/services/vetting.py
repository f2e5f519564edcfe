"""Re-vetting reminders: a firm whose vetting runs out gets told, and so do the operators,
REVETTING_REMINDER_DAYS before (30, then 7), once each. An expired firm stops receiving leads
through routing's `vetting_expired` filter and its portal says why (portal/_nav.html)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.mail import send_email

from ..models import Partner
from ..tasks import email_revetting_reminder as email_revetting_reminder_task
from .emails import _partner_recipients, _site

REVETTING_REMINDER_DAYS = (30, 7)


def revetting_reminders_send() -> list[int]:
    """E-mail each active firm whose vetting ends within a reminder's window and that was
    not yet reminded for it; returns the firms' ids. Safe to run again the same day (the
    firm's row is locked and stamped with the reminder's day)."""
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=max(REVETTING_REMINDER_DAYS))
    reminded = []
    candidates = Partner.objects.filter(
        is_active=True, vetting_expires_on__gte=today, vetting_expires_on__lte=horizon
    ).values_list("pk", flat=True)
    for partner_id in list(candidates):
        with transaction.atomic():
            partner = Partner.objects.select_for_update().get(pk=partner_id)
            if not _due(partner, today):
                continue
            partner.revetting_reminded_on = today
            partner.save(update_fields=["revetting_reminded_on"])

            # The id is bound now (a default argument); the task retries a failed send.
            def enqueue(partner_id: int = partner.pk) -> None:
                email_revetting_reminder_task.delay(partner_id)

            transaction.on_commit(enqueue, robust=True)
        reminded.append(partner_id)
    return reminded


def _due(partner: Partner, today: dt.date) -> bool:
    """Whether a reminder is owed: the latest window the firm is in, not yet reminded."""
    expires_on = partner.vetting_expires_on
    if expires_on is None:
        return False
    days_left = (expires_on - today).days
    windows = [days for days in REVETTING_REMINDER_DAYS if days_left <= days]
    if not windows:
        return False
    window_start = expires_on - dt.timedelta(days=min(windows))
    last = partner.revetting_reminded_on
    return last is None or last < window_start


def revetting_reminder_email_send(*, partner_id: int) -> None:
    """The reminder to the firm's people, and a separate one to the operators (neither sees
    the other's addresses)."""
    partner = Partner.objects.filter(pk=partner_id, vetting_expires_on__isnull=False).first()
    if partner is None:
        return
    subject = f"{partner.name}: vetting runs out on {partner.vetting_expires_on:%Y-%m-%d}"
    context = {
        "partner": partner,
        "url": _site("/partner/profile/"),
        "link_text": "Your firm's profile",
    }
    firm = _partner_recipients(partner)
    if firm:
        send_email(
            subject=subject, template="matching/email/revetting_reminder", context=context, to=firm
        )
    operators = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .values_list("email", flat=True)
    )
    if operators:
        send_email(
            subject=subject,
            template="matching/email/revetting_reminder",
            context={
                **context,
                "url": _site(f"/admin/matching/partner/{partner.pk}/change/"),
                "link_text": "The firm in the admin",
            },
            to=operators,
        )
