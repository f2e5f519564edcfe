"""The credits app's e-mails, composed here and sent by the thin tasks."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model

from core.mail import send_email
from workloads.models import Workload

from .. import selectors
from ..models import CreditOutcome


def outcome_changed_email_send(*, outcome_id: int) -> None:
    """Tell the founder, and operators, that the $0 outcome moved (and warn about credits
    that would expire unused). Nothing when the outcome is gone."""
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
    template = "credits/email/outcome_changed"
    # No typed text (the company's name) in a subject: only our own words.
    subject = f"Your CloudRoute credit outcome: {outcome.get_status_display()}"
    if startup.founder is not None and startup.founder.email:
        send_email(subject=subject, template=template, context=context, to=[startup.founder.email])
    operators = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .values_list("email", flat=True)
    )
    if operators:
        ops_subject = f"[ops] Startup #{startup.pk}: {outcome.get_status_display()}"
        send_email(subject=ops_subject, template=template, context=context, to=operators)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def usage_overspent_email_send(*, startup_id: int, workload_id: int) -> None:
    """Tell the founder that the spend measured on their Bedrock account runs more than 20%
    above the projection, with the measured-vs-assumed figures. Nothing when the workload is
    gone, is no longer the newest, or no longer runs over."""
    workload = Workload.objects.select_related("startup__founder").filter(pk=workload_id).first()
    if workload is None or workload.startup_id != startup_id:
        return
    if workload.startup.workloads.order_by("-created_at", "-pk").first() != workload:
        return
    found = selectors.usage_calibration(workload=workload)
    founder = workload.startup.founder
    if found is None or not found.over_threshold or founder is None or not founder.email:
        return
    send_email(
        subject="Your measured Bedrock spend runs above your CloudRoute projection",
        template="credits/email/usage_overspent",
        context={
            "startup": workload.startup,
            "calibration": found,
            "url": settings.SITE_URL.rstrip("/") + "/my/#measured-usage",
        },
        to=[founder.email],
    )
