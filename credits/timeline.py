"""An application's events and the $0 outcome in the founder's plain words."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core.formatting import dollars

from .models import (
    ApplicationEvent,
    ApplicationStatus,
    CreditApplication,
    OutcomeStatus,
)
from .services.outcome import outcome_status_of

S = ApplicationStatus


def event_in_words(event: ApplicationEvent, application: CreditApplication) -> str:
    grant = getattr(application, "grant", None) if application.status == S.CREDITS_ISSUED else None
    if event.from_status and event.from_status == event.to_status:
        # A change within a state: the partner corrected details for ACE (the note says which).
        return event.note or "Your partner updated the application"
    match event.to_status:
        case S.DRAFT:
            return f"Your partner started an application for {application.program.name}"
        case S.SUBMITTED:
            return "Your partner submitted the application to AWS"
        case S.IN_REVIEW:
            return "AWS is reviewing the application"
        case S.ACTION_REQUIRED:
            return "AWS asked for more information; your partner is on it"
        case S.APPROVED:
            return f"AWS approved {dollars(application.approved_amount)}"
        case S.CREDITS_ISSUED:
            amount = grant.amount if grant else application.issued_amount
            expiry = f", expiring on {grant.expires_on:%-d %B %Y}" if grant else ""
            return f"AWS issued {dollars(amount)} in credits{expiry}"
        case S.REJECTED:
            return "AWS declined the application"
        case S.CANCELED:
            return "The application was withdrawn"
    return event.get_to_status_display()


@dataclass(frozen=True)
class Badge:
    status: str
    text: str
    expiring_unused: Decimal


def projection_badge(report) -> Badge:
    """The $0 outcome as the dashboard shows it, read off the projection it shows (a
    `workloads.reports.ProjectionReport`, or None): the badge, the chart and the sentence
    under it are then one computation. Before AWS issues credits there is no outcome yet."""
    if report is None or report.credits_basis != "issued":
        return Badge(OutcomeStatus.NO_CREDITS, "No credits issued yet", Decimal("0"))
    inputs, result = report.projection.inputs, report.projection.result
    status, _ = outcome_status_of(result=result, inputs=inputs)
    paid_from = report.first_out_of_pocket_on
    if status == OutcomeStatus.AT_RISK:
        month = f"{paid_from:%B %Y}" if paid_from else "the first month"
        text = f"At risk: you start paying in {month}"
    elif paid_from:
        last_free = paid_from - dt.timedelta(days=1)
        text = (
            f"$0 out of pocket until {last_free:%-d %B %Y}; you start paying in {paid_from:%B %Y}"
        )
    else:
        text = f"$0 out of pocket through {report.last_month_label}"
    return Badge(status, text, report.credits_expired)
