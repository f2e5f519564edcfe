"""Celery tasks of the intake flow: thin, take ids, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string

from . import services
from .models import Intake, Lead, LeadStatus, PartnerMembership
from .signin import signin_url

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
