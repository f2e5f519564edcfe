"""Celery tasks of the credits app: thin, take ids, safe to run twice."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string

from . import services
from .models import BillingAccess, CreditGrant, CreditOutcome

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="credits.reevaluate_startup", **RETRY)
def reevaluate_startup(startup_id: int) -> int | None:
    snapshot = services.startup_credits_refresh(startup_id=startup_id)
    return snapshot.pk if snapshot else None


# Startups whose outcome the daily sweep refreshes per batch of ids read.
OUTCOME_BATCH_SIZE = 500


@shared_task(name="credits.refresh_outcome", **RETRY)
def refresh_outcome(startup_id: int) -> str | None:
    outcome = services.startup_outcome_refresh(startup_id=startup_id)
    return outcome.status if outcome else None


@shared_task(name="credits.refresh_all_outcomes")
def refresh_all_outcomes() -> int:
    """Beat, daily: a month turns, grants expire, workloads change; re-run every startup with
    grants. Reads ids in fixed-size batches (keyset on the id) and enqueues one task each."""
    last_id, count = 0, 0
    while True:
        batch = list(
            CreditGrant.objects.filter(startup_id__gt=last_id)
            .order_by("startup_id")
            .values_list("startup_id", flat=True)
            .distinct()[:OUTCOME_BATCH_SIZE]
        )
        if not batch:
            return count
        for startup_id in batch:
            refresh_outcome.delay(startup_id)
        count += len(batch)
        last_id = batch[-1]


@shared_task(name="credits.import_startup_spend", **RETRY)
def import_startup_spend(startup_id: int) -> int | None:
    """One startup's actual Bedrock spend from Cost Explorer, through the role it granted.
    None when it has no billing access or CloudRoute has no AWS credentials here."""
    access = BillingAccess.objects.filter(startup_id=startup_id).exclude(role_arn="").first()
    if access is None:
        return None
    client = services.ce_client_for(access)
    if client is None:
        return None
    return services.spend_actuals_import(startup_id=startup_id, ce_client=client)


@shared_task(name="credits.import_spend_actuals")
def import_spend_actuals() -> int:
    """Beat, daily: enqueue the actuals import of every startup that granted billing access."""
    ids = list(
        BillingAccess.objects.exclude(role_arn="")  # the founder has not created the role yet
        .order_by("startup_id")
        .values_list("startup_id", flat=True)
    )
    for startup_id in ids:
        import_startup_spend.delay(startup_id)
    return len(ids)


@shared_task(name="credits.email_outcome_changed", **RETRY)
def email_outcome_changed(outcome_id: int) -> None:
    """Tell the founder, and operators, that the $0 outcome moved (and warn about credits
    that would expire unused)."""
    outcome = CreditOutcome.objects.select_related("startup__founder").filter(pk=outcome_id).first()
    if outcome is None:
        return
    startup = outcome.startup
    context = {
        "outcome": outcome,
        "startup": startup,
        "first_out_of_pocket_on": _date(outcome.result.get("first_out_of_pocket_on")),
        "covered_until": _date(outcome.result.get("covered_until")),
        "url": settings.SITE_URL.rstrip("/") + "/my/",
    }
    message = render_to_string("credits/email/outcome_changed.txt", context)
    subject = f"{startup.name}: {outcome.get_status_display()}"
    if startup.founder.email:
        send_mail(
            subject=subject,
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[startup.founder.email],
        )
    operators = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .values_list("email", flat=True)
    )
    if operators:
        send_mail(
            subject=f"[ops] {subject}",
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=operators,
        )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
