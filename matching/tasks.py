"""Celery tasks of the intake flow: thin, take ids, safe to run twice."""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string

from credits.models import CreditOutcome

from . import services
from .models import Intake, Lead, LeadStatus, PartnerAceAccount, PartnerMembership
from .signin import signin_url

logger = logging.getLogger(__name__)
RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="matching.process_intake", **RETRY)
def process_intake(intake_id: int) -> str | None:
    intake = services.intake_process(intake_id=intake_id)
    return intake.status if intake else None


@shared_task(name="matching.email_signin_link", **RETRY)
def email_signin_link(intake_id: int) -> None:
    intake = Intake.objects.select_related("founder", "startup").filter(pk=intake_id).first()
    if intake is None:
        return
    context = {"intake": intake, "url": signin_url(user=intake.founder)}
    send_mail(
        subject=f"Your CloudRoute dashboard for {intake.startup.name}",
        message=render_to_string("matching/email/signin_link.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[intake.founder.email],
    )


@shared_task(name="matching.sweep_pending_intakes")
def sweep_pending_intakes() -> int:
    """Beat, every minute: re-enqueue intakes whose processing never ran or whose worker
    died (lease run out), and routing for processed intakes a lost enqueue left unrouted."""
    return len(services.intakes_stuck_requeue()) + len(services.intakes_unrouted_requeue())


@shared_task(name="matching.route_startup", **RETRY)
def route_startup(startup_id: int, trigger: str = "intake") -> int | None:
    decision = services.lead_route(startup_id=startup_id, trigger=trigger)
    return decision.pk if decision else None


@shared_task(name="matching.expire_leads")
def expire_leads() -> int:
    return len(services.leads_expire())


@shared_task(name="matching.sync_ace")
def sync_ace() -> dict[str, int]:
    """Beat, every 15 minutes: pull each enabled firm's changed ACE opportunities into its
    applications, then its credit allocations (Partner Central Benefits) into issued credits
    (counts prefixed "benefits_"). A firm without reachable credentials, or whose pull fails,
    is skipped (and logged); the others still sync, and the next run tries it again."""
    totals: dict[str, int] = {"partners": 0, "failed": 0}
    for account in PartnerAceAccount.objects.filter(enabled=True).order_by("pk"):
        try:
            client = services.ace_client_for(account)
            if client is None:
                logger.info("ace sync: no AWS credentials for partner %s", account.partner_id)
                continue
            counts = services.ace_sync_partner(partner_id=account.partner_id, client=client)
        except Exception:
            logger.exception("ace sync: partner %s failed", account.partner_id)
            totals["failed"] += 1
            continue
        totals["partners"] += 1
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        # Then the credits AWS issued for the firm's approved applications (same credentials).
        try:
            benefits_client = services.benefits_client_for(account)
            if benefits_client is None:
                continue
            counts = services.benefits_sync_partner(
                partner_id=account.partner_id, client=benefits_client
            )
        except Exception:
            logger.exception("benefits sync: partner %s failed", account.partner_id)
            totals["benefits_failed"] = totals.get("benefits_failed", 0) + 1
            continue
        for key, value in counts.items():
            totals[f"benefits_{key}"] = totals.get(f"benefits_{key}", 0) + value
    return totals


@shared_task(name="matching.email_lead_offered", **RETRY)
def email_lead_offered(lead_id: int) -> None:
    lead = Lead.objects.select_related("partner", "startup", "workload").filter(pk=lead_id).first()
    if lead is None or lead.status != LeadStatus.OFFERED:
        return
    recipients = list(
        PartnerMembership.objects.filter(partner=lead.partner).values_list("user__email", flat=True)
    ) or ([lead.partner.contact_email] if lead.partner.contact_email else [])
    if not recipients:
        return
    send_mail(
        subject=f"New CloudRoute lead: {lead.startup.name} (accept by {lead.accept_by:%H:%M} UTC)",
        message=render_to_string(
            "matching/email/lead_offered.txt",
            {"lead": lead, "url": settings.SITE_URL.rstrip("/") + f"/partner/leads/{lead.pk}/"},
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


@shared_task(name="matching.email_lead_accepted", **RETRY)
def email_lead_accepted(lead_id: int) -> None:
    lead = Lead.objects.select_related("partner", "startup__founder").filter(pk=lead_id).first()
    if lead is None or lead.status != LeadStatus.ACCEPTED:
        return
    send_mail(
        subject=f"{lead.partner.name} will file your AWS credit applications",
        message=render_to_string(
            "matching/email/lead_accepted.txt",
            {"lead": lead, "url": settings.SITE_URL.rstrip("/") + "/my/"},
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[lead.startup.founder.email],
    )


@shared_task(name="matching.email_operators_unrouted", **RETRY)
def email_operators_unrouted(startup_id: int) -> None:
    operators = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .values_list("email", flat=True)
    )
    if not operators:
        return
    send_mail(
        subject=f"No partner left for startup #{startup_id}",
        message=f"Routing found no partner for startup #{startup_id}. Assign one in the "
        f"admin: {settings.SITE_URL.rstrip('/')}/admin/matching/intake/?routing_status=unrouted",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=operators,
    )


@shared_task(name="matching.record_commission", **RETRY)
def record_commission(application_id: int) -> int | None:
    """Enqueued by the credits app when credits are issued on an application."""
    commission = services.commission_record(application_id=application_id)
    return commission.pk if commission else None


@shared_task(name="matching.sweep_missing_commissions")
def sweep_missing_commissions() -> int:
    """Beat, every 10 minutes: record the commissions whose task was lost on credits issue."""
    return len(services.commissions_missing_requeue())


@shared_task(name="matching.email_outcome_partner", **RETRY)
def email_outcome_partner(startup_id: int) -> None:
    """Enqueued by the credits app (by name) when a startup's $0 outcome changes: tell the
    members of the firm whose lead for the startup is accepted (or its contact address)."""
    outcome = CreditOutcome.objects.select_related("startup").filter(startup_id=startup_id).first()
    lead = (
        Lead.objects.select_related("partner")
        .filter(startup_id=startup_id, status=LeadStatus.ACCEPTED)
        .order_by("pk")
        .first()
    )
    if outcome is None or lead is None:
        return
    recipients = list(
        PartnerMembership.objects.filter(partner=lead.partner)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    ) or ([lead.partner.contact_email] if lead.partner.contact_email else [])
    if not recipients:
        return
    result = outcome.result or {}
    context = {
        "outcome": outcome,
        "startup": outcome.startup,
        "first_out_of_pocket_on": _date(result.get("first_out_of_pocket_on")),
        "covered_until": _date(result.get("covered_until")),
        "url": settings.SITE_URL.rstrip("/") + f"/partner/leads/{lead.pk}/",
    }
    send_mail(
        subject=f"{outcome.startup.name}: credit outcome now {outcome.get_status_display()}",
        message=render_to_string("matching/email/outcome_partner.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
