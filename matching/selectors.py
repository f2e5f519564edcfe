"""Reads shared by the founder's pages and the API, scoped by their owner."""

import hmac
from collections.abc import Mapping
from decimal import Decimal
from statistics import median
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from core.api import CountedRows
from core.errors import NotFoundError
from credits.models import (
    ApplicationEvent,
    ApplicationStatus,
    CreditApplication,
    CreditOutcome,
    OutcomeStatus,
)
from workloads.models import PriceBook, WorkloadProjection
from workloads.selectors import workload_projection_latest

from .models import (
    Commission,
    CommissionStatus,
    Intake,
    IntakeStatus,
    Lead,
    LeadStatus,
    Partner,
    PartnerAceAccount,
    PartnerInvitation,
    PartnerMembership,
    RoutingStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from .scoring import PartnerProfile
from .tokens import intake_token_hash

if TYPE_CHECKING:  # django_stubs_ext comes with django-stubs, a development dependency
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class _AcceptedLeadId(TypedDict):
        lead_id: int

    # A CreditApplication read through applications_for_partner, with its `lead_id`.
    PartnerApplication = WithAnnotations[CreditApplication, _AcceptedLeadId]


def review_queue_conditions() -> dict[str, Q]:
    """What puts an intake in front of an operator, by queue. A lead condition is `startup_id
    IN (startup ids read from Lead alone, on partial indexes)`: PostgreSQL reads the set once
    and probes a hash per intake, where an EXISTS correlated with the intake ran once per
    intake in the counts' FILTERs and in an OR, with JIT on (issue 19, bench/review_queue.py)."""
    live = Lead.objects.filter(startup_id=OuterRef("startup_id"), status__in=Lead.LIVE_STATUSES)
    # Declined or expired, nothing live: lead_ended_startup_idx anti-joined to the live ones.
    lapsed = Lead.objects.filter(
        ~Exists(live), status__in=[LeadStatus.EXPIRED, LeadStatus.DECLINED]
    )
    # Past its accept-by time but not expired yet: the beat task is late or not running.
    sla_breach = Lead.objects.filter(status=LeadStatus.OFFERED, accept_by__lt=timezone.now())
    return {
        "unrouted": Q(routing_status=RoutingStatus.UNROUTED),
        "lapsed": Q(startup_id__in=lapsed.values("startup_id")),
        "sla": Q(startup_id__in=sla_breach.values("startup_id")),
    }


def ops_queue_counts() -> list[dict]:
    """The operators' home: each queue that needs a person, with its count and the admin
    list it opens (three queries: the intakes' queues in one aggregate, outcomes, books)."""
    queue = review_queue_conditions()
    intakes = Intake.objects.order_by().aggregate(
        unrouted=Count("id", filter=queue["unrouted"]),
        lapsed=Count("id", filter=queue["lapsed"]),
        sla=Count("id", filter=queue["sla"]),
        failed=Count("id", filter=Q(status=IntakeStatus.FAILED)),
    )
    at_risk = CreditOutcome.objects.filter(status=OutcomeStatus.AT_RISK).count()
    unconfirmed = PriceBook.objects.exclude(refresh_note="").count()
    rows = [
        ("Unrouted: no partner left", intakes["unrouted"], "matching/intake/?queue=unrouted"),
        ("Lapsed: latest offer expired or declined, nothing live", intakes["lapsed"],
         "matching/intake/?queue=lapsed"),
        ("SLA breaches: offers past their accept-by time", intakes["sla"],
         "matching/intake/?queue=sla"),
        ("Failed intakes", intakes["failed"],
         f"matching/intake/?status__exact={IntakeStatus.FAILED}"),
        ("At-risk $0 outcomes", at_risk,
         f"workloads/startup/?outcome__status__exact={OutcomeStatus.AT_RISK}"),
        ("Price books the last AWS refresh could not confirm (unpriced models)", unconfirmed,
         "workloads/pricebook/?unconfirmed=1"),
    ]  # fmt: skip
    return [{"label": label, "count": count, "path": path} for label, count, path in rows]


def intakes_pending_counts() -> dict[str, int]:
    """Intakes not yet through matching, by status: {"received": n, "processing": m}. One
    grouped count on the (status, updated_at) index, for the /metrics scrape."""
    pending = (IntakeStatus.RECEIVED, IntakeStatus.PROCESSING)
    counts = dict.fromkeys((str(status) for status in pending), 0)
    rows = (
        Intake.objects.filter(status__in=pending)
        .order_by()
        .values_list("status")
        .annotate(count=Count("id"))
    )
    counts.update({status: count for status, count in rows})
    return counts


def intakes_for_founder(*, founder) -> QuerySet[Intake]:
    """The founder's confirmed intakes, newest first."""
    return (
        Intake.objects.filter(founder=founder)
        .select_related("startup", "workload")
        .order_by("-created_at", "-id")
    )


def intakes_visible(*, user, session_intake_ids: list[int] | None) -> QuerySet[Intake] | None:
    """The intakes a founder's page may show: the signed-in founder's, and the unconfirmed
    ones this browser submitted (their ids kept in its session). Once confirmed, an intake is
    its account's alone: the browser that typed it sees it only signed in as that account.
    None when it may see none."""
    unconfirmed = Q(pk__in=session_intake_ids or [], founder__isnull=True)
    if user.is_authenticated:
        return (
            Intake.objects.filter(Q(founder=user) | unconfirmed)
            .select_related("startup", "workload", "founder")
            .order_by("-created_at", "-id")
        )
    if session_intake_ids:
        return (
            Intake.objects.filter(unconfirmed)
            .select_related("startup", "workload")
            .order_by("-created_at", "-id")
        )
    return None


def intake_for_confirm_link(*, intake_id: int, email: str) -> Intake | None:
    """The intake a confirmation link names (its id and address), with its startup and
    workload; None when there is none. A confirmed one is returned too (the page says so)."""
    return (
        Intake.objects.select_related("startup", "workload")
        .filter(pk=intake_id, email=email)
        .first()
    )


def intake_for_reader_or_404(*, intake_id: int, user, token: str) -> Intake:
    """One intake for the API: read with its access token (`token`) while it is not confirmed,
    or by its founder signed in. Once confirmed it is its account's alone: whoever typed it
    (perhaps not the address's owner) holds the token, so the token stops working. Anyone
    else's intake is a NotFoundError, exactly like a missing one."""
    intake = (
        Intake.objects.select_related("startup", "workload", "founder").filter(pk=intake_id).first()
    )
    if intake is not None:
        if (
            token
            and intake.founder_id is None
            and hmac.compare_digest(intake_token_hash(token), intake.access_token_hash)
        ):
            return intake
        if not token and user.is_authenticated and user.pk == intake.founder_id:
            return intake
    raise NotFoundError("No intake with this id.")


def projection_for_intake(*, intake: Intake) -> WorkloadProjection | None:
    """The newest projection of the intake's workload (the one the dashboard shows)."""
    return workload_projection_latest(workload_id=intake.workload_id)


def projection_get_for_intakes(
    *, intakes: QuerySet[Intake], projection_id: int
) -> WorkloadProjection | None:
    """One projection by id, only if it belongs to one of `intakes` (the viewer's own)."""
    return (
        WorkloadProjection.objects.filter(
            pk=projection_id, workload__intake__in=intakes.values("pk")
        )
        .select_related("workload__startup")
        .first()
    )


# --- Partners and leads --------------------------------------------------------------


PROFILE_FIELDS = (
    "id", "name", "tier", "competencies", "countries", "regions", "stages", "industries",
    "capacity", "is_active", "accepting_leads", "away_until", "away_from",
    "vetting_expires_on", "last_assigned_at",
)  # fmt: skip


def partner_profiles(*, partner_id: int | None = None) -> list[PartnerProfile]:
    """Every partner (or one) as the scoring engine sees it, with its track record derived
    from its leads and the applications it filed. A constant number of queries for any number
    of partners (one per aggregate)."""
    partners = Partner.objects.all()
    leads = Lead.objects.all()
    if partner_id is not None:
        partners = partners.filter(pk=partner_id)
        leads = leads.filter(partner_id=partner_id)
    live = Count("id", filter=Q(status__in=Lead.LIVE_STATUSES))
    answered = Count(
        "id", filter=Q(status__in=[LeadStatus.ACCEPTED, LeadStatus.DECLINED, LeadStatus.EXPIRED])
    )
    accepted = Count("id", filter=Q(status=LeadStatus.ACCEPTED))
    in_time = Count(
        "id",
        filter=Q(status__in=[LeadStatus.ACCEPTED, LeadStatus.DECLINED])
        & Q(responded_at__lte=F("accept_by")),
    )
    lead_stats: dict[int, Mapping[str, Any]] = {
        row["partner_id"]: row
        for row in leads.values("partner_id").annotate(
            live=live, answered=answered, accepted=accepted, in_time=in_time
        )
    }
    filed = application_stats_by_partner(partner_id=partner_id)
    profiles = []
    # Only the columns the engine reads, as rows: at 10,000 partners full model instances
    # were two thirds of a routing's CPU (docs/performance.md, "Routing").
    for partner in partners.values(*PROFILE_FIELDS):
        pk = partner["id"]
        stats = lead_stats.get(pk, {})
        answered_count = stats.get("answered", 0)
        applications = filed.get(pk, {})
        profiles.append(
            PartnerProfile(
                id=pk,
                name=partner["name"],
                tier=partner["tier"],
                competencies=frozenset(partner["competencies"]),
                countries=frozenset(partner["countries"]),
                regions=frozenset(partner["regions"]),
                stages=frozenset(partner["stages"]),
                industries=frozenset(partner["industries"]),
                capacity=partner["capacity"],
                open_leads=stats.get("live", 0),
                is_active=partner["is_active"],
                accepting_leads=partner["accepting_leads"],
                away_until=partner["away_until"],
                away_from=partner["away_from"],
                vetting_expires_on=partner["vetting_expires_on"],
                acceptance_rate=stats["accepted"] / answered_count if answered_count else None,
                sla_hit_rate=stats["in_time"] / answered_count if answered_count else None,
                approval_rate=applications.get("approval_rate"),
                median_days_to_credits=applications.get("median_days_to_credits"),
                last_assigned_at=partner["last_assigned_at"],
            )
        )
    return profiles


def application_stats_by_partner(*, partner_id: int | None = None) -> dict[int, dict]:
    """Approval rate and median days from draft to credits issued of the applications each
    partner filed (the firm whose lead for the startup was accepted)."""
    decided = {
        ApplicationStatus.APPROVED,
        ApplicationStatus.CREDITS_ISSUED,
        ApplicationStatus.REJECTED,
    }
    approved = {ApplicationStatus.APPROVED, ApplicationStatus.CREDITS_ISSUED}
    # One filter() call, so both conditions apply to the same lead (the accepted one).
    accepted_lead: dict[str, object] = {"startup__leads__status": LeadStatus.ACCEPTED}
    if partner_id is not None:
        accepted_lead["startup__leads__partner_id"] = partner_id
    rows = CreditApplication.objects.filter(status__in=decided, **accepted_lead).values_list(
        "startup__leads__partner_id", "status", "created_at", "updated_at"
    )
    by_partner: dict[int, list] = {}
    for partner_id, status, created_at, updated_at in rows:
        by_partner.setdefault(partner_id, []).append((status, created_at, updated_at))
    stats = {}
    for partner_id, applications in by_partner.items():
        issued_days = [
            (updated - created).total_seconds() / 86400
            for status, created, updated in applications
            if status == ApplicationStatus.CREDITS_ISSUED
        ]
        stats[partner_id] = {
            "approval_rate": sum(status in approved for status, _, _ in applications)
            / len(applications),
            "median_days_to_credits": median(issued_days) if issued_days else None,
        }
    return stats


def partner_scorecard(*, partner: Partner) -> dict:
    """The firm's own track record, as the portal shows it and routing scores it."""
    profile = next(iter(partner_profiles(partner_id=partner.pk)), None)
    accept_hours = [
        (responded - offered).total_seconds() / 3600
        for offered, responded in Lead.objects.filter(
            partner=partner, status=LeadStatus.ACCEPTED, responded_at__isnull=False
        ).values_list("offered_at", "responded_at")
        if responded is not None  # always, by the query; narrows the nullable column's type
    ]
    counts = dict(
        Lead.objects.filter(partner=partner)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "profile": profile,
        "counts": counts,
        "median_hours_to_accept": median(accept_hours) if accept_hours else None,
    }


def leads_for_partner(
    *, partner: Partner, status: str | None = None, owner_id: int | None = None
) -> QuerySet[Lead]:
    leads = Lead.objects.filter(partner=partner).select_related(
        "startup", "workload", "startup__founder", "owner"
    )
    if status:
        leads = leads.filter(status=status)
    if owner_id is not None:
        leads = leads.filter(owner_id=owner_id)
    return leads.order_by("-offered_at", "-id")


# What the partner inbox shows of a lead (matching.lead_shapes.lead_summary): loading only
# these columns keeps a page of 50 leads from dragging each startup's and founder's full rows.
INBOX_FIELDS = (
    "id", "status", "offered_at", "accept_by", "responded_at",
    "startup__name", "startup__stage", "startup__industry", "startup__country",
    "startup__website", "startup__aws_account_id",
    "startup__founder__email", "startup__founder__full_name",
    "workload__use_case", "workload__region", "workload__monthly_requests",
    "workload__input_tokens", "workload__output_tokens",
    "workload__escalation_sonnet", "workload__escalation_opus",
    "owner__email", "owner__full_name",
)  # fmt: skip


def lead_inbox_for_partner(
    *, partner: Partner, status: str | None = None, owner_id: int | None = None
) -> QuerySet[Lead]:
    """The firm's leads, newest first, with only the columns the inbox shows (`owner_id`:
    only those a teammate owns, the inbox's "mine")."""
    return leads_for_partner(partner=partner, status=status, owner_id=owner_id).only(*INBOX_FIELDS)


def lead_inbox_rows_for_partner(*, partner: Partner, status: str | None = None) -> CountedRows:
    """The partner API's inbox: the same leads as plain rows (`.values()` of INBOX_FIELDS,
    for matching.lead_shapes.lead_summary_row), no model instances; counted without joins."""
    leads = Lead.objects.filter(partner=partner, **({"status": status} if status else {}))
    return CountedRows(leads.order_by("-offered_at", "-id").values(*INBOX_FIELDS), leads)


def lead_counts_for_partner(*, partner: Partner) -> dict[str, int]:
    """The firm's leads counted by status (one grouped query), for the inbox's filters."""
    return dict(
        leads_for_partner(partner=partner)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def team_members(*, partner: Partner) -> list[PartnerMembership]:
    """The firm's members with their users, admins first, then by e-mail."""
    return list(
        PartnerMembership.objects.filter(partner=partner)
        .select_related("user")
        .order_by("role", "user__email")
    )


def team_invitations_open(*, partner: Partner) -> list[PartnerInvitation]:
    """The firm's invitations neither accepted, revoked nor expired, newest first."""
    return list(
        PartnerInvitation.objects.filter(
            partner=partner,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gte=timezone.now(),
        ).select_related("invited_by")
    )


def partner_ace_account(*, partner: Partner) -> PartnerAceAccount | None:
    """The firm's ACE account (enabled or not), or None when it has none."""
    return PartnerAceAccount.objects.filter(partner=partner).first()


def partner_files_with_ace(*, partner: Partner) -> bool:
    """Whether CloudRoute files this firm's applications in ACE (an enabled ACE account)."""
    return PartnerAceAccount.objects.filter(partner=partner, enabled=True).exists()


def lead_get_for_partner(*, partner: Partner, lead_id: int) -> Lead | None:
    """One lead, only if it is this firm's (another firm's lead looks like a missing one),
    with `lead.partner` set to `partner` (it is the lead's firm: no query to read it)."""
    lead = leads_for_partner(partner=partner).filter(pk=lead_id).first()
    if lead is not None:
        lead.partner = partner
    return lead


def lead_for_partner_or_404(*, partner: Partner | None, lead_id: int) -> Lead:
    """The firm's lead, for its pages and its API. A missing lead, another firm's, and a
    caller who belongs to no firm (`partner` None) are the same NotFoundError."""
    lead = lead_get_for_partner(partner=partner, lead_id=lead_id) if partner else None
    if lead is None:
        raise NotFoundError("No lead with this id.")
    return lead


def partner_for_user(user) -> Partner | None:
    """The user's firm, or None. No query when the user was loaded with it (the API token's
    lookup, api.tokens.ExpiringTokenAuthentication)."""
    if not user.is_authenticated:
        return None
    if get_user_model().partner_membership.related.is_cached(user):
        membership = getattr(user, "partner_membership", None)  # None: cached as missing
        return membership.partner if membership else None
    membership = PartnerMembership.objects.select_related("partner").filter(user_id=user.pk).first()
    return membership.partner if membership else None


def lead_accepted_for_startup(*, startup_id: int) -> Lead | None:
    return (
        Lead.objects.filter(startup_id=startup_id, status=LeadStatus.ACCEPTED)
        .select_related("partner")
        .first()
    )


def lead_live_for_startup(*, startup_id: int) -> Lead | None:
    """The startup's offered or accepted lead with its partner (at most one: a constraint)."""
    return (
        Lead.objects.filter(startup_id=startup_id, status__in=Lead.LIVE_STATUSES)
        .select_related("partner")
        .first()
    )


# --- A firm's credit applications ------------------------------------------------------


def applications_for_partner(*, partner: Partner) -> "QuerySet[PartnerApplication]":
    """The applications of the startups whose lead this firm accepted, newest first, each
    with `lead_id` (that accepted lead), its ACE filing (if any) and its events (with their
    actors) prefetched."""
    # One filter() call, so both conditions apply to the same lead; the annotation reuses
    # that join, so `lead_id` is the accepted lead of this firm.
    return (
        CreditApplication.objects.filter(
            startup__leads__partner=partner, startup__leads__status=LeadStatus.ACCEPTED
        )
        .annotate(lead_id=F("startup__leads__id"))
        .select_related("startup", "program", "ace_filing")
        .prefetch_related(
            Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor"))
        )
        .order_by("-created_at", "-id")
    )


# What the partner API's application list shows (api/partner/applications.py,
# application_summary): plain rows, no model instances.
APPLICATION_LIST_FIELDS = (
    "id", "status", "program__code", "program__name", "requested_amount", "approved_amount",
    "issued_amount", "ace_opportunity_id", "lead_id", "startup__name", "created_at",
    "updated_at",
)  # fmt: skip
APPLICATION_EVENT_FIELDS = (
    "application_id", "from_status", "to_status", "created_at", "note", "actor_email",
)  # fmt: skip


def application_rows_for_partner(*, partner: Partner) -> CountedRows:
    """`applications_for_partner` as `.values()` rows of APPLICATION_LIST_FIELDS (events:
    `application_event_rows`)."""
    applications = CreditApplication.objects.filter(
        startup__leads__partner=partner, startup__leads__status=LeadStatus.ACCEPTED
    )
    rows = applications.annotate(lead_id=F("startup__leads__id")).order_by("-created_at", "-id")
    return CountedRows(rows.values(*APPLICATION_LIST_FIELDS), applications)


def application_event_rows(*, application_ids: list[int]) -> dict[int, list[dict]]:
    """The events of these applications as rows of APPLICATION_EVENT_FIELDS, oldest first,
    by application id (one query)."""
    events: dict[int, list[dict]] = {pk: [] for pk in application_ids}
    # The actor's address by its primary key, per event: a join let the planner hash every
    # user to find the few actors (7 of the page's 9 ms of PostgreSQL at 10,000 users).
    users = get_user_model().objects.filter(pk=OuterRef("actor_id"))
    actor_email = Subquery(users.values("email")[:1])
    rows = (
        ApplicationEvent.objects.filter(application_id__in=application_ids)
        .annotate(actor_email=actor_email)
        .order_by("created_at", "id")
        .values(*APPLICATION_EVENT_FIELDS)
    )
    for row in rows:
        events[row["application_id"]].append(row)
    return events


def application_get_for_partner(
    *, partner: Partner, application_id: int
) -> "PartnerApplication | None":
    """One application, only if it is this firm's (another firm's looks like a missing one)."""
    return applications_for_partner(partner=partner).filter(pk=application_id).first()


def application_for_partner_or_404(
    *, partner: Partner | None, application_id: int
) -> "PartnerApplication":
    """The firm's application (see `applications_for_partner`), for its pages and its API;
    else NotFoundError, alike for a missing one, another firm's and a caller without a firm."""
    application = (
        application_get_for_partner(partner=partner, application_id=application_id)
        if partner
        else None
    )
    if application is None:
        raise NotFoundError("No application with this id.")
    return application


def partner_earnings_by_month(*, partner: Partner) -> list[dict]:
    """The firm's commissions per calendar month of recording, newest first (one query):
    count, credits issued, and the amounts due, invoiced and paid."""
    zero = Decimal("0")
    rows = (
        Commission.objects.filter(partner=partner)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            count=Count("id"),
            credits=Coalesce(Sum("credits_issued"), zero),
            due=Coalesce(Sum("amount", filter=Q(status=CommissionStatus.DUE)), zero),
            invoiced=Coalesce(Sum("amount", filter=Q(status=CommissionStatus.INVOICED)), zero),
            paid=Coalesce(Sum("amount", filter=Q(status=CommissionStatus.PAID)), zero),
        )
        .order_by("-month")
    )
    return [dict(row) for row in rows]


def partner_commissions(*, partner: Partner) -> QuerySet[Commission]:
    """The firm's commissions, newest first, with their application's startup and program."""
    return (
        Commission.objects.filter(partner=partner)
        .select_related("application__startup", "application__program")
        .order_by("-created_at", "-id")
    )


def webhooks_for_partner(*, partner: Partner) -> QuerySet[WebhookEndpoint]:
    """The firm's webhook endpoints, oldest first, each with `delivered`, `failed` and
    `pending` counts of its deliveries (one query)."""
    return WebhookEndpoint.objects.filter(partner=partner).annotate(
        delivered=Count("deliveries", filter=Q(deliveries__delivered_at__isnull=False)),
        failed=Count("deliveries", filter=Q(deliveries__failed_at__isnull=False)),
        pending=Count("deliveries", filter=Q(deliveries__next_attempt_at__isnull=False)),
    )


def webhook_for_partner_or_404(*, partner: Partner, webhook_id: int) -> WebhookEndpoint:
    """The firm's endpoint; NotFoundError alike for a missing one and another firm's."""
    endpoint = webhooks_for_partner(partner=partner).filter(pk=webhook_id).first()
    if endpoint is None:
        raise NotFoundError("No webhook with this id.")
    return endpoint


def webhook_deliveries(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first (their bodies deferred: a page lists tries)."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).defer("payload")


def webhook_deliveries_recent(*, partner: Partner, limit: int = 50) -> QuerySet[WebhookDelivery]:
    """The firm's latest deliveries over all its endpoints (their bodies deferred)."""
    return (
        WebhookDelivery.objects.filter(endpoint__partner=partner)
        .select_related("endpoint")
        .defer("payload")[:limit]
    )
