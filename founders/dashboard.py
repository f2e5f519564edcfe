"""What the founder's dashboard shows, gathered from the selectors in one place.

One truth: the badge, the chart, the "you start paying" sentence and the expiry note all read
the one projection the page shows (`workloads.reports.projection_report`), which runs against
the credits AWS issued once there are any (credits.services.outcome stores it)."""

import json
from dataclasses import dataclass

from django.utils import timezone

from credits import selectors as credit_selectors
from credits.models import ApplicationStatus
from credits.timeline import event_in_words, projection_badge
from matching import selectors
from matching.models import Intake, LeadStatus, RoutingStatus
from workloads import selectors as workload_selectors
from workloads.reports import ProjectionReport, projection_report
from workloads.throughput import DEFAULT_PEAK_FACTOR

S = ApplicationStatus
FILED = {S.SUBMITTED, S.IN_REVIEW, S.ACTION_REQUIRED, S.APPROVED, S.CREDITS_ISSUED}
IN_REVIEW = {S.IN_REVIEW, S.ACTION_REQUIRED, S.APPROVED, S.CREDITS_ISSUED}


@dataclass(frozen=True)
class Step:
    key: str
    text: str
    state: str  # "done", "active" or "" (still to come)


# Each step, and what the founder reads under "What happens next" while it is the one in
# progress.
STEPS = (
    ("received", "We received your intake", ""),
    (
        "checked",
        "We check every AWS credit program and model your Bedrock spend",
        "The checks take a few seconds; this page updates by itself.",
    ),
    (
        "confirmed",
        "You confirm your e-mail address",
        "Open the link we e-mailed you and press the button. Until then no partner sees your "
        "intake. No e-mail? Ask for a new link below.",
    ),
    (
        "offered",
        "We offer your lead to the best-fitting vetted AWS partner",
        "We are choosing a partner; you get an e-mail as soon as one accepts.",
    ),
    (
        "accepted",
        "A partner accepts and contacts you",
        "A vetted partner has your lead and a few hours to accept it; if they don't, we offer "
        "it to the next one.",
    ),
    (
        "filed",
        "Your partner files the credit application with AWS",
        "Your partner prepares the application with you; each step shows below.",
    ),
    (
        "in_review",
        "AWS reviews the application",
        "AWS is reviewing the application. Reviews usually take a few weeks.",
    ),
    (
        "issued",
        "AWS issues the credits: you pay $0 while they last",
        "AWS is about to issue the credits.",
    ),
)


def _reached(latest: Intake, lead, applications) -> set[str]:
    statuses = {application.status for application, _ in applications}
    reached = {"received"}
    if latest.is_confirmed:
        reached.add("confirmed")
    if not latest.is_pending:
        reached.add("checked")
    if lead is not None or latest.routing_status in (RoutingStatus.OFFERED, RoutingStatus.ACCEPTED):
        reached.add("offered")
    if latest.routing_status == RoutingStatus.ACCEPTED or (
        lead is not None and lead.status == LeadStatus.ACCEPTED
    ):
        reached.add("accepted")
    if statuses & FILED:
        reached.add("filed")
    if statuses & IN_REVIEW:
        reached.add("in_review")
    if S.CREDITS_ISSUED in statuses:
        reached.add("issued")
    # A later step implies the earlier ones (credits issued: the lead was accepted, say,
    # even after the lead has closed).
    # (Only from the partner's steps on: an intake may be confirmed while still checked.)
    keys = [key for key, _, _ in STEPS]
    later = [keys.index(key) for key in reached if keys.index(key) >= keys.index("offered")]
    return reached | set(keys[: max(later) + 1]) if later else reached


def progress(latest: Intake, lead, applications) -> tuple[list[Step], str]:
    """The steps as they really stand, and what happens next (empty once credits are
    issued and the founder pays $0)."""
    reached = _reached(latest, lead, applications)
    steps, upcoming = [], ""
    for key, text, next_text in STEPS:
        if key in reached:
            state = "done"
        elif not upcoming:
            state, upcoming = "active", next_text
            if key == "offered" and latest.routing_status == RoutingStatus.UNROUTED:
                upcoming = "No partner in our network fits yet; our team is finding one by hand."
        else:
            state = ""
        steps.append(Step(key, text, state))
    return steps, upcoming


def _report(latest: Intake) -> ProjectionReport | None:
    projection = selectors.projection_for_intake(intake=latest)
    if projection is None:
        return None
    # What AWS actually billed, next to the projection (month 1 = the projection's month).
    actuals = credit_selectors.spend_actuals_by_month_number(
        startup_id=latest.startup_id, first_month=timezone.localdate(projection.created_at)
    )
    return projection_report(projection=projection, actuals=actuals)


def dashboard_context(latest: Intake) -> dict:
    """Everything /my/ shows about the newest intake's startup."""
    startup_id = latest.startup_id
    lead = selectors.lead_live_for_startup(startup_id=startup_id) if latest.is_confirmed else None
    applications = [
        (app, [(event, event_in_words(event, app)) for event in app.events.all()])
        for app in credit_selectors.applications_for_startup(startup_id=startup_id)
    ]
    report = _report(latest)
    steps, upcoming = progress(latest, lead, applications)
    context: dict[str, object] = {
        "partner_lead": lead,
        "applications": applications,
        "report": report,
        "outcome_badge": projection_badge(report),
        "steps": steps,
        "what_next": upcoming,
    }
    snapshot = credit_selectors.snapshot_latest(startup_id=startup_id)
    if snapshot is not None:
        context["eligibility"] = snapshot.result
        context["checked_at"] = snapshot.created_at
        context["has_competitive"] = any(
            p["verdict"] == "competitive" for p in snapshot.result["programs"]
        )
    return context


def account_context(latest: Intake, *, peak_form, access=None) -> dict:
    """The Bedrock setup kit and the quota headroom of the newest workload, against the
    account's stored quotas once `access` (the founder's BillingAccess) is connected. `peak_form`
    (PeakFactorForm) sets the peak-to-average factor; an invalid one shows its error and
    the default is used."""
    workload = latest.workload
    valid = peak_form.is_bound and peak_form.is_valid() and peak_form.cleaned_data["peak"]
    peak_factor = (
        format(peak_form.cleaned_data["peak"].normalize(), "f") if valid else DEFAULT_PEAK_FACTOR
    )
    try:
        kit = workload_selectors.setup_kit_for(
            workload=workload, account_id=latest.startup.aws_account_id
        )
        loads = credit_selectors.throughput_for_startup(
            workload=workload,
            peak_factor=peak_factor,
            # Once connected, whatever quotas the sync stored (the partner's lead page reads
            # the same rows): the quota import runs before, and apart from, the metrics.
            account_read=access is not None and bool(access.role_arn),
        )
    except workload_selectors.PriceBookMissingError:
        return {}  # no tier models to name until an operator sets up a book
    return {
        "setup_kit": kit,
        "setup_kit_policy": json.dumps(kit["iam_policy"], indent=2),
        "throughput": [load.as_dict() for load in loads],
        "peak_factor": peak_factor,
        "peak_form": peak_form,
    }


def usage_context(latest: Intake, *, access) -> dict:
    """Measured vs assumed, for the signed-in founder whose account is connected."""
    found = (
        credit_selectors.usage_calibration(workload=latest.workload)
        if access is not None and access.usage_synced_at is not None
        else None
    )
    return {
        "calibration": found,
        "account_connected": access is not None and bool(access.role_arn),
    }
