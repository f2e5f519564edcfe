"""What CloudRoute holds about one founder: the account page's summary and the JSON export.

Reads only, scoped by the founder (`user=`). A fixed number of queries whatever the number of
rows: one per kind of row (startups, workloads, intakes, snapshots, projections, leads,
applications, their events, outcomes, billing access, spend actuals, audit events), never one
per row. Money is a string to the cent, dates ISO 8601. What a partner firm wrote for itself
(lead notes, decline notes, application event notes) and commissions are the firm's, not the
founder's, and are left out."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from core.formatting import money_str
from credits.models import (
    AccountCredit,
    BedrockQuota,
    BedrockUsageDay,
    BillingAccess,
    CreditApplication,
    CreditGrant,
    CreditOutcome,
    EligibilitySnapshot,
    MonthlySpendActual,
)
from credits.timeline import event_in_words
from workloads.models import WORKLOAD_ANSWERS, AuditEvent, Startup, Workload, WorkloadProjection

from .models import Commission, Intake, Lead
from .signin import founder_may_sign_in

EXPORT_VERSION = 1


def user_is_founder(*, user) -> bool:
    """Founders only: signed in, not staff, no partner firm (one query)."""
    return user.is_authenticated and founder_may_sign_in(user)


def startups_of_founder(*, user) -> QuerySet[Startup]:
    """The founder's startups (theirs, or reached through one of their intakes), each with
    `has_history`: a lead, a credit application, a grant or a commission, which partner firms'
    history and commissions need, so deleting the account keeps it anonymised."""
    return (
        Startup.objects.filter(Q(founder=user) | Q(pk__in=_intake_startup_ids(user)))
        .annotate(
            has_history=Exists(Lead.objects.filter(startup=OuterRef("pk")))
            | Exists(CreditApplication.objects.filter(startup=OuterRef("pk")))
            | Exists(CreditGrant.objects.filter(startup=OuterRef("pk")))
            | Exists(Commission.objects.filter(application__startup=OuterRef("pk")))
        )
        .order_by("created_at", "id")
    )


def startup_has_history(startup: Startup) -> bool:
    """`has_history`, as `startups_of_founder` annotates it."""
    return bool(startup.has_history)  # type: ignore[attr-defined]


def _intake_startup_ids(user) -> QuerySet:
    return Intake.objects.filter(founder=user).values("startup_id")


def account_summary(*, user) -> dict[str, Any]:
    """What the account page lists: each startup and what deleting the account does to it,
    and how many audit events name the founder as actor (two queries)."""
    startups = list(startups_of_founder(user=user))
    return {
        "startups": startups,
        "kept": [s for s in startups if startup_has_history(s)],
        "deleted": [s for s in startups if not startup_has_history(s)],
        "audit_events": AuditEvent.objects.filter(actor=user).count(),
    }


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal | None) -> str | None:
    return money_str(value) if value is not None else None


def founder_export(*, user) -> dict[str, Any]:
    """Everything CloudRoute holds about the founder, as JSON-ready data."""
    startups = list(startups_of_founder(user=user))
    ids = [startup.pk for startup in startups]
    by_startup = _rows_by_startup(user=user, startup_ids=ids)
    return {
        "format": "cloudroute-founder-export",
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "name": user.full_name,
            "joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "startups": [
            {**_startup(startup), **{kind: rows[startup.pk] for kind, rows in by_startup.items()}}
            for startup in startups
        ],
        "audit_events": [
            {
                "action": event.action,
                "object": event.object_repr,
                "data": event.data,
                "at": _iso(event.created_at),
            }
            for event in AuditEvent.objects.filter(actor=user).order_by("created_at", "id")
        ],
    }


def _rows_by_startup(*, user, startup_ids: list[int]) -> dict[str, dict[int, Any]]:
    """Each kind of row, grouped by startup id (a list, or one row or None for one-to-ones)."""
    kinds: dict[str, dict[int, Any]] = {}
    for kind, rows in (
        ("workloads", _workloads(startup_ids)),
        ("intakes", _intakes(user, startup_ids)),
        ("eligibility_snapshots", _snapshots(startup_ids)),
        ("leads", _leads(startup_ids)),
        ("credit_applications", _applications(startup_ids)),
        ("spend_actuals", _spend_actuals(startup_ids)),
        ("account_credits", _account_credits(startup_ids)),
        ("bedrock_quotas", _bedrock_quotas(startup_ids)),
        ("bedrock_usage_days", _bedrock_usage(startup_ids)),
    ):
        grouped: dict[int, list] = defaultdict(list)
        for startup_id, row in rows:
            grouped[startup_id].append(row)
        kinds[kind] = grouped
    for kind, one in (
        ("outcome", _outcomes(startup_ids)),
        ("billing_access", _billing(startup_ids)),
    ):
        kinds[kind] = defaultdict(lambda: None, one)
    return kinds


def _startup(startup: Startup) -> dict[str, Any]:
    return {
        "id": startup.pk,
        "name": startup.name,
        "website": startup.website,
        "country": str(startup.country),
        "state": startup.state,
        "postal_code": startup.postal_code,
        "industry": startup.industry,
        "founded_on": _iso(startup.founded_on),
        "stage": startup.stage,
        "activate_org_id": startup.activate_org_id,
        "prior_activate_credits": _money(startup.prior_activate_credits),
        "aws_account_id": startup.aws_account_id,
        "aws_paid_plan": startup.aws_paid_plan,
        "uses_china_regions": startup.uses_china_regions,
        "created_at": _iso(startup.created_at),
        "updated_at": _iso(startup.updated_at),
    }


WORKLOAD_FIELDS = WORKLOAD_ANSWERS


def _workloads(startup_ids: list[int]) -> list[tuple[int, dict]]:
    """Every workload (each version the founder submitted) with its newest projection: two
    queries."""
    newest = WorkloadProjection.objects.filter(
        pk=Subquery(
            WorkloadProjection.objects.filter(workload=OuterRef("workload"))
            .order_by("-created_at", "-id")
            .values("pk")[:1]
        ),
        workload__startup_id__in=startup_ids,
    )
    projections = {p.workload_id: p for p in newest}
    rows = []
    for workload in Workload.objects.filter(startup_id__in=startup_ids).order_by("created_at"):
        projection = projections.get(workload.pk)
        row = {field: getattr(workload, field) for field in WORKLOAD_FIELDS}
        row["id"] = workload.pk
        row["created_at"] = _iso(workload.created_at)
        row["latest_projection"] = (
            {"created_at": _iso(projection.created_at), "result": projection.result}
            if projection is not None
            else None
        )
        rows.append((workload.startup_id, row))
    return rows


def _intakes(user, startup_ids: list[int]) -> list[tuple[int, dict]]:
    intakes = Intake.objects.filter(Q(founder=user) | Q(startup_id__in=startup_ids)).order_by(
        "created_at", "id"
    )
    return [
        (
            intake.startup_id,
            {
                "id": intake.pk,
                "workload_id": intake.workload_id,
                "email": intake.email,
                "founder_name": intake.founder_name,
                "status": intake.status,
                "routing_status": intake.routing_status,
                "created_at": _iso(intake.created_at),
                "processed_at": _iso(intake.processed_at),
                "confirmed_at": _iso(intake.confirmed_at),
            },
        )
        for intake in intakes
    ]


def _snapshots(startup_ids: list[int]) -> list[tuple[int, dict]]:
    snapshots = EligibilitySnapshot.objects.filter(startup_id__in=startup_ids).order_by(
        "created_at", "id"
    )
    return [
        (
            snapshot.startup_id,
            {
                "created_at": _iso(snapshot.created_at),
                "rule_version": snapshot.rule_version,
                "total_expected": _money(snapshot.total_expected),
                "result": snapshot.result,
            },
        )
        for snapshot in snapshots
    ]


def _leads(startup_ids: list[int]) -> list[tuple[int, dict]]:
    """The firms the startup was offered to (they received its details): the firm's name,
    the lead's status and dates; never what the firm noted for itself."""
    leads = (
        Lead.objects.filter(startup_id__in=startup_ids)
        .select_related("partner")
        .only("startup_id", "status", "offered_at", "accept_by", "responded_at", "partner__name")
        .order_by("offered_at", "id")
    )
    return [
        (
            lead.startup_id,
            {
                "partner": lead.partner.name,
                "status": lead.status,
                "offered_at": _iso(lead.offered_at),
                "accept_by": _iso(lead.accept_by),
                "responded_at": _iso(lead.responded_at),
            },
        )
        for lead in leads
    ]


def _applications(startup_ids: list[int]) -> list[tuple[int, dict]]:
    """Applications with their program, grant and events (two queries)."""
    applications = (
        CreditApplication.objects.filter(startup_id__in=startup_ids)
        .select_related("program", "grant")
        .prefetch_related("events")
        .order_by("created_at", "id")
    )
    return [(app.startup_id, _application(app)) for app in applications]


def _application(app: CreditApplication) -> dict[str, Any]:
    grant = getattr(app, "grant", None)
    return {
        "program": app.program.code,
        "program_name": app.program.name,
        "status": app.status,
        "requested_amount": _money(app.requested_amount),
        "approved_amount": _money(app.approved_amount),
        "issued_amount": _money(app.issued_amount),
        "ace_opportunity_id": app.ace_opportunity_id,
        "target_close_date": _iso(app.target_close_date),
        "created_at": _iso(app.created_at),
        "updated_at": _iso(app.updated_at),
        "events": [
            {
                "from_status": event.from_status,
                "to_status": event.to_status,
                "in_words": event_in_words(event, app),
                "at": _iso(event.created_at),
            }
            for event in app.events.all()  # oldest first (the model's ordering)
        ],
        "grant": {
            "amount": _money(grant.amount),
            "issued_on": _iso(grant.issued_on),
            "expires_on": _iso(grant.expires_on),
            "covers_bedrock_third_party": grant.covers_bedrock_third_party,
        }
        if grant is not None
        else None,
    }


def _spend_actuals(startup_ids: list[int]) -> list[tuple[int, dict]]:
    actuals = MonthlySpendActual.objects.filter(startup_id__in=startup_ids).order_by("month")
    return [
        (
            actual.startup_id,
            {
                "month": _iso(actual.month),
                "bedrock_cost": _money(actual.bedrock_cost),
                "credits_applied": _money(actual.credits_applied),
            },
        )
        for actual in actuals
    ]


def _account_credits(startup_ids: list[int]) -> list[tuple[int, dict]]:
    credits = AccountCredit.objects.filter(startup_id__in=startup_ids).order_by("expires_on")
    return [
        (
            credit.startup_id,
            {
                "credit_id": credit.credit_id,
                "description": credit.description,
                "initial_amount": _money(credit.initial_amount),
                "remaining_amount": _money(credit.remaining_amount),
                "currency": credit.currency,
                "expires_on": _iso(credit.expires_on),
                "read_at": _iso(credit.read_at),
            },
        )
        for credit in credits
    ]


def _bedrock_quotas(startup_ids: list[int]) -> list[tuple[int, dict]]:
    quotas = BedrockQuota.objects.filter(startup_id__in=startup_ids).order_by("region", "name")
    return [
        (
            quota.startup_id,
            {
                "region": quota.region,
                "quota_code": quota.quota_code,
                "name": quota.name,
                "value": quota.value,
                "read_at": _iso(quota.read_at),
            },
        )
        for quota in quotas
    ]


def _bedrock_usage(startup_ids: list[int]) -> list[tuple[int, dict]]:
    days = BedrockUsageDay.objects.filter(startup_id__in=startup_ids).order_by("day", "dimension")
    return [
        (
            day.startup_id,
            {
                "day": _iso(day.day),
                "dimension": day.dimension,
                "model_id": day.model_id,
                "invocations": day.invocations,
                "input_tokens": day.input_tokens,
                "output_tokens": day.output_tokens,
                "cache_read_tokens": day.cache_read_tokens,
                "cache_write_tokens": day.cache_write_tokens,
            },
        )
        for day in days
    ]


def _outcomes(startup_ids: list[int]) -> dict[int, dict]:
    return {
        outcome.startup_id: {
            "status": outcome.status,
            "first_out_of_pocket_month": outcome.first_out_of_pocket_month,
            "out_of_pocket_until_expiry": _money(outcome.out_of_pocket_until_expiry),
            "credits_expiring_unused": _money(outcome.credits_expiring_unused),
            "result": outcome.result,
            "computed_at": _iso(outcome.computed_at),
        }
        for outcome in CreditOutcome.objects.filter(startup_id__in=startup_ids)
    }


def _billing(startup_ids: list[int]) -> dict[int, dict]:
    return {
        access.startup_id: {
            "role_arn": access.role_arn,
            "external_id": access.external_id,
            "created_at": _iso(access.created_at),
            "last_synced_at": _iso(access.last_synced_at),
        }
        for access in BillingAccess.objects.filter(startup_id__in=startup_ids)
    }
