"""Celery tasks of the intake flow: thin, take ids, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from . import services
from .models import Intake
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
    return len(services.intakes_stuck_requeue())
