"""Reads of credit programs, eligibility snapshots and applications, shared by the API, tasks
and pages."""

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from workloads.models import Startup

from . import eligibility
from .models import (
    AccountCredit,
    ApplicationEvent,
    BillingAccess,
    CreditApplication,
    CreditProgram,
    EligibilitySnapshot,
    MonthlySpendActual,
)


def programs_current(*, on: dt.date | None = None) -> list[CreditProgram]:
    """Each program's latest terms effective on `on` (today), in a stable order; a program
    whose latest terms are inactive is left out (it does not fall back to older terms)."""
    on = on or timezone.localdate()
    rows = CreditProgram.objects.filter(effective_from__lte=on).order_by("code", "-effective_from")
    latest: dict[str, CreditProgram] = {}
    for row in rows:
        latest.setdefault(row.code, row)
    order = {code: index for index, code in enumerate(PROGRAM_ORDER)}
    active = [row for row in latest.values() if row.is_active]
    return sorted(active, key=lambda row: (order.get(row.code, len(order)), row.code))


# The order founders read the cards in: their own programs first, then partner-filed, then the
# competitive accelerator. Programs operators add go last, alphabetically.
PROGRAM_ORDER = ("activate_portfolio", "activate_founders", "bedrock_poc", "genai_accelerator")


def program_terms(program: CreditProgram) -> eligibility.Program:
    return eligibility.Program(
        code=program.code,
        name=program.name,
        family=program.family,
        filed_by=program.filed_by,
        amount_min=program.amount_min,
        amount_max=program.amount_max,
        typical_amount=program.typical_amount,
        validity_months=program.validity_months,
        covers_bedrock_third_party=program.covers_bedrock_third_party,
        window_opens_on=program.window_opens_on,
        window_closes_on=program.window_closes_on,
    )


def org_id_used_elsewhere(*, org_id: str, startup: Startup | None = None) -> bool:
    """Whether another founder's startup on CloudRoute already gave this Activate Org ID.

    For a saved startup only earlier ones count (lower id: intakes giving the same Org ID
    are saved one after another, see `intake_submit`), so the first founder to claim an Org
    ID keeps it however often either side is re-evaluated, and two founders racing for it
    never both pass nor both fail.
    """
    org_id = org_id.strip()
    if not org_id:
        return False
    others = Startup.objects.filter(activate_org_id__iexact=org_id)
    if startup is not None:
        if startup.founder_id is not None:  # none yet: an intake not confirmed
            others = others.exclude(founder_id=startup.founder_id)
        if startup.pk is not None:
            others = others.filter(pk__lt=startup.pk)
    return others.exists()


def billing_access_for_startup(*, startup_id: int) -> BillingAccess | None:
    """The startup's billing access, or None before the founder asked to connect the bill."""
    return BillingAccess.objects.filter(startup_id=startup_id).first()


def account_credits_for_startup(*, startup_id: int) -> list[AccountCredit]:
    """The credits on the startup's AWS account as AWS's billing ledger last showed them
    (AccountCredit, read daily through the founder's role), soonest expiry first."""
    return list(
        AccountCredit.objects.filter(startup_id=startup_id).order_by("expires_on", "credit_id")
    )


def snapshot_latest(*, startup_id: int) -> EligibilitySnapshot | None:
    return EligibilitySnapshot.objects.filter(startup_id=startup_id).first()


def application_with_events(*, application_id: int) -> CreditApplication | None:
    """The application with its startup, program and grant (if issued), and its events
    oldest first with their actors; two queries. None when there is no such application.
    Callers scope by owner first (a partner firm sees only its own startups' applications)."""
    return (
        CreditApplication.objects.select_related("startup", "program", "grant")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ApplicationEvent.objects.select_related("actor").order_by(
                    "created_at", "id"
                ),
            )
        )
        .filter(pk=application_id)
        .first()
    )


def applications_for_startup(*, startup_id: int) -> list[CreditApplication]:
    """The startup's applications, newest first, each with its program and grant (if issued)
    and its events oldest first: two queries (one when there is no application)."""
    return list(
        CreditApplication.objects.filter(startup_id=startup_id)
        .select_related("program", "grant")
        .prefetch_related(
            Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id"))
        )
        .order_by("-created_at", "-id")
    )


def spend_actuals_by_month_number(*, startup_id: int, first_month: dt.date) -> dict[int, Decimal]:
    """The startup's imported Bedrock cost keyed by month number, month 1 being
    `first_month`'s month (a projection's month 1); earlier months are left out. One query."""
    start = first_month.replace(day=1)
    rows = MonthlySpendActual.objects.filter(startup_id=startup_id, month__gte=start).values_list(
        "month", "bedrock_cost"
    )
    return {
        (month.year - start.year) * 12 + month.month - start.month + 1: cost for month, cost in rows
    }
