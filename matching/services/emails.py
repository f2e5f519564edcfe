"""The e-mails of the matching app: composed and sent here, enqueued by the services through
the thin tasks in `matching.tasks`. Each reads fresh rows by id and sends nothing when the row
is gone or has moved on (so a retried task never e-mails twice about a stale state)."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model

from core.mail import send_email
from credits import selectors as credit_selectors
from credits.models import CreditOutcome
from workloads.selectors import workload_latest_for_startup

from ..models import Lead, LeadStatus, Partner, PartnerInvitation, PartnerMembership


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _partner_recipients(partner: Partner) -> list[str]:
    """The firm's members' addresses, else its contact address, else nobody."""
    members = list(
        PartnerMembership.objects.filter(partner=partner)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return members or ([partner.contact_email] if partner.contact_email else [])


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def partner_invitation_email_send(*, invitation_id: int) -> None:
    """E-mail an invitation's link (while it is still open)."""
    from .team import invitation_for_token, invitation_token

    invitation = (
        PartnerInvitation.objects.select_related("partner", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation_for_token(invitation_token(invitation)) is None:
        return
    send_email(
        subject=f"Join {invitation.partner.name} on CloudRoute",
        template="matching/email/partner_invitation",
        context={
            "invitation": invitation,
            "url": _site(f"/partner/invitations/{invitation_token(invitation)}/"),
        },
        to=[invitation.email],
    )


def lead_offered_email_send(*, lead_id: int) -> None:
    """Tell the firm a lead waits for its answer (while it is still offered)."""
    lead = Lead.objects.select_related("partner", "startup", "workload").filter(pk=lead_id).first()
    if lead is None or lead.status != LeadStatus.OFFERED:
        return
    recipients = _partner_recipients(lead.partner)
    if not recipients:
        return
    send_email(
        subject=f"New CloudRoute lead: {lead.startup.name} (accept by {lead.accept_by:%H:%M} UTC)",
        template="matching/email/lead_offered",
        context={"lead": lead, "url": _site(f"/partner/leads/{lead.pk}/")},
        to=recipients,
    )


def lead_accepted_email_send(*, lead_id: int) -> None:
    """Tell the founder which firm accepted (while the lead is still accepted)."""
    lead = Lead.objects.select_related("partner", "startup__founder").filter(pk=lead_id).first()
    if lead is None or lead.status != LeadStatus.ACCEPTED:
        return
    founder = lead.startup.founder
    if founder is None or not founder.email:
        return
    send_email(
        subject=f"{lead.partner.name} will file your AWS credit applications",
        template="matching/email/lead_accepted",
        context={"lead": lead, "url": _site("/my/")},
        to=[founder.email],
    )


def operators_unrouted_email_send(*, startup_id: int) -> None:
    """Tell the operators that routing found no partner left for the startup."""
    operators = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .values_list("email", flat=True)
    )
    if not operators:
        return
    send_email(
        subject=f"No partner left for startup #{startup_id}",
        template="matching/email/operators_unrouted",
        context={
            "startup_id": startup_id,
            "url": _site("/admin/matching/intake/?routing_status=unrouted"),
        },
        to=operators,
    )


def outcome_partner_email_send(*, startup_id: int) -> None:
    """Tell the members of the firm whose lead for the startup is accepted (or its contact
    address) that the startup's $0 outcome changed."""
    outcome = CreditOutcome.objects.select_related("startup").filter(startup_id=startup_id).first()
    lead = (
        Lead.objects.select_related("partner")
        .filter(startup_id=startup_id, status=LeadStatus.ACCEPTED)
        .order_by("pk")
        .first()
    )
    if outcome is None or lead is None:
        return
    recipients = _partner_recipients(lead.partner)
    if not recipients:
        return
    result = outcome.result or {}
    context = {
        "outcome": outcome,
        "startup": outcome.startup,
        "first_out_of_pocket_on": _date(result.get("first_out_of_pocket_on")),
        "covered_until": _date(result.get("covered_until")),
        "url": _site(f"/partner/leads/{lead.pk}/"),
    }
    send_email(
        subject=f"{outcome.startup.name}: credit outcome now {outcome.get_status_display()}",
        template="matching/email/outcome_partner",
        context=context,
        to=recipients,
    )


def overspend_partner_email_send(*, startup_id: int, workload_id: int) -> None:
    """Tell the firm whose lead for the startup is accepted that the spend measured on the
    startup's Bedrock account runs more than 20% above the projection. Nothing when the
    workload is no longer the newest or no longer runs over."""
    lead = (
        Lead.objects.select_related("partner", "startup")
        .filter(startup_id=startup_id, status=LeadStatus.ACCEPTED)
        .order_by("pk")
        .first()
    )
    workload = workload_latest_for_startup(startup_id=startup_id)
    if lead is None or workload is None or workload.pk != workload_id:
        return
    found = credit_selectors.usage_calibration(workload=workload)
    recipients = _partner_recipients(lead.partner)
    if found is None or not found.over_threshold or not recipients:
        return
    send_email(
        subject="A lead's measured Bedrock spend runs above its projection",
        template="matching/email/overspend_partner",
        context={
            "startup": lead.startup,
            "calibration": found,
            "url": _site(f"/partner/leads/{lead.pk}/"),
        },
        to=recipients,
    )
