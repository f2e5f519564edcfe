"""Routing a startup's lead to a partner, and what partners and operators do with leads.

Every change locks the rows it moves in a short transaction, so an accept, an expiry and an
operator's reassignment of the same lead resolve to exactly one outcome: whoever takes the
lock first wins, the others find the lead no longer offered and are refused (or skip it).
"""

from dataclasses import asdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.errors import ConflictError
from workloads.audit import audit_log

from .. import scoring, selectors
from ..models import (
    DeclineReason,
    Intake,
    Lead,
    LeadNote,
    LeadStatus,
    Partner,
    RoutingDecision,
    RoutingSettings,
    RoutingStatus,
    RoutingTrigger,
    WebhookEvent,
)
from ..tasks import email_lead_accepted as email_lead_accepted_task
from ..tasks import email_lead_offered as email_lead_offered_task
from ..tasks import email_operators_unrouted as email_operators_unrouted_task
from ..tasks import route_startup as route_startup_task
from .webhooks import lead_event_record

OTHER_NEEDS_NOTE = 'Add a note that explains the reason "other".'


class LeadActionError(ConflictError):
    """A move the lead's state does not allow (409 with the message)."""

    code = "lead_state"


def routing_weights(settings_row: RoutingSettings) -> scoring.Weights:
    """The scoring engine's weights from a settings row (saved or not)."""
    return scoring.Weights(
        competency=settings_row.competency_weight,
        stage=settings_row.stage_weight,
        industry=settings_row.industry_weight,
        track_record=settings_row.track_record_weight,
        load=settings_row.load_weight,
        tier=settings_row.tier_weight,
        margin=settings_row.fairness_margin,
    )


def _locked_intake(startup_id: int) -> Intake | None:
    """The startup's newest intake, locked: the one row every routing step serialises on."""
    return (
        Intake.objects.select_for_update(of=("self",))
        .select_related("startup", "workload")
        .filter(startup_id=startup_id)
        .order_by("-created_at")
        .first()
    )


def _lead_profile(intake: Intake, *, had_it: frozenset[int] | None = None) -> scoring.LeadProfile:
    """What routing knows of the intake's lead; `had_it` (read when not given) are the firms
    that already had it, which routing excludes."""
    startup, workload = intake.startup, intake.workload
    if had_it is None:
        had_it = frozenset(
            Lead.objects.filter(startup_id=startup.pk).values_list("partner_id", flat=True)
        )
    return scoring.LeadProfile(
        country=str(startup.country),
        region=workload.region,
        stage=startup.stage,
        industry=startup.industry,
        excluded_partner_ids=had_it,
    )


def routing_preview(
    *,
    startup_id: int,
    weights: scoring.Weights | None = None,
    partners: list[scoring.PartnerProfile] | None = None,
) -> scoring.Ranking | None:
    """Who would get the startup's lead if it were routed now, and why: the ranking
    `lead_route` (and a re-route) computes, with the settings' weights or `weights`. Reads
    only; None for a startup without an intake. `partners`: the directory, when the caller
    previews several startups and reads it once."""
    intake = (
        Intake.objects.select_related("startup", "workload")
        .filter(startup_id=startup_id)
        .order_by("-created_at")
        .first()
    )
    if intake is None:
        return None
    return scoring.rank(
        _lead_profile(intake),
        selectors.partner_profiles() if partners is None else partners,
        weights or routing_weights(RoutingSettings.load()),
        today=timezone.localdate(),
    )


def routing_settings_preview(*, weights: scoring.Weights, limit: int = 500) -> list[dict]:
    """The open (offered) leads whose firm would not win them under `weights`: for each, the
    firm now and the one the new weights would choose (None: nobody). The current firm stays
    a candidate (the others that had the lead do not). Reads only, in three queries."""
    partners = selectors.partner_profiles()
    today = timezone.localdate()
    open_leads = list(
        Lead.objects.filter(status=LeadStatus.OFFERED)
        .select_related("startup", "workload", "partner")
        .order_by("offered_at")[:limit]
    )
    had_it: dict[int, set[int]] = {}
    for startup_id, partner_id in Lead.objects.filter(
        startup_id__in=[lead.startup_id for lead in open_leads]
    ).values_list("startup_id", "partner_id"):
        had_it.setdefault(startup_id, set()).add(partner_id)
    moved = []
    for lead in open_leads:
        others = frozenset(had_it.get(lead.startup_id, set()) - {lead.partner_id})
        profile = _lead_profile(Intake(startup=lead.startup, workload=lead.workload), had_it=others)
        chosen = scoring.rank(profile, partners, weights, today=today).chosen
        if chosen is None or chosen.partner_id != lead.partner_id:
            moved.append({"lead": lead, "now": lead.partner, "would": chosen})
    return moved


def _offer(*, intake: Intake, partner_id: int, accept_hours: int, actor, why: str) -> Lead:

    now = timezone.now()
    lead = Lead.objects.create(
        startup=intake.startup,
        workload=intake.workload,
        partner_id=partner_id,
        offered_at=now,
        accept_by=now + timedelta(hours=accept_hours),
    )
    Partner.objects.filter(pk=partner_id).update(last_assigned_at=now)
    intake.routing_status = RoutingStatus.OFFERED
    intake.save(update_fields=["routing_status", "updated_at"])
    audit_log(
        actor=actor,
        action="lead.offered",
        subject=lead,
        data={"partner": partner_id, "accept_by": lead.accept_by.isoformat(), "why": why},
    )
    lead_event_record(lead=lead, event_type=WebhookEvent.LEAD_OFFERED)
    transaction.on_commit(lambda: email_lead_offered_task.delay(lead.pk), robust=True)
    return lead


def lead_route(
    *, startup_id: int, trigger: str = RoutingTrigger.INTAKE, actor=None
) -> RoutingDecision | None:
    """Offer the startup to the best partner it has not been offered to yet, and store why.

    Locks the startup's intake. Does nothing when a lead is already offered or accepted
    (so a redelivered task is harmless). With no candidate left the intake goes to the
    operators' queue and operators are e-mailed. Enqueues the partner's e-mail on commit.
    """

    with transaction.atomic():
        intake = _locked_intake(startup_id)
        if intake is None:
            return None
        if Lead.objects.filter(startup_id=startup_id, status__in=Lead.LIVE_STATUSES).exists():
            return None
        settings_row = RoutingSettings.load()
        weights = routing_weights(settings_row)
        startup = intake.startup
        ranking = scoring.rank(
            _lead_profile(intake), selectors.partner_profiles(), weights, today=timezone.localdate()
        )
        decision = RoutingDecision(
            startup=startup,
            trigger=trigger,
            actor=actor,
            why=ranking.why,
            ranking=ranking.as_dict(),
            weights=asdict(weights),
        )
        if ranking.chosen is not None:
            decision.chosen_id = ranking.chosen.partner_id
            decision.lead = _offer(
                intake=intake,
                partner_id=ranking.chosen.partner_id,
                accept_hours=settings_row.accept_hours,
                actor=actor,
                why=ranking.why,
            )
        else:
            intake.routing_status = RoutingStatus.UNROUTED
            intake.save(update_fields=["routing_status", "updated_at"])
            audit_log(actor=actor, action="lead.unrouted", subject=startup, data={})
            transaction.on_commit(
                lambda: email_operators_unrouted_task.delay(startup_id), robust=True
            )
        decision.save()
    return decision


def _locked_lead(*, lead_id: int, partner: Partner | None = None) -> Lead:
    leads = Lead.objects.select_for_update().filter(pk=lead_id)
    if partner is not None:
        leads = leads.filter(partner=partner)
    lead = leads.first()
    if lead is None:
        raise Lead.DoesNotExist(lead_id)
    return lead


def _locked_intake_then_lead(*, lead_id: int, partner: Partner | None = None) -> Lead:
    """Lock the lead's startup's intake, then the lead. The caller is in a transaction.

    The same lock order as routing and the operators' actions (intake, then lead): locking
    the lead first deadlocks against a reassignment holding the intake and waiting for it.
    """
    leads = Lead.objects.filter(pk=lead_id)
    if partner is not None:
        leads = leads.filter(partner=partner)
    startup_id = leads.values_list("startup_id", flat=True).first()
    if startup_id is None:
        raise Lead.DoesNotExist(lead_id)
    _locked_intake(startup_id)
    return _locked_lead(lead_id=lead_id, partner=partner)


def _mark_not_routed(*, startup_id: int, now) -> None:
    """The startup has no live lead until the routing task runs: say so on its intake, so
    the beat sweeper routes it if that task never reaches the broker. The caller holds the
    intake's lock."""
    Intake.objects.filter(startup_id=startup_id).update(
        routing_status=RoutingStatus.NOT_ROUTED, updated_at=now
    )


def _require_offered(lead: Lead) -> None:
    if lead.status != LeadStatus.OFFERED:
        raise LeadActionError(f"This lead is no longer open: it is {lead.get_status_display()}.")


def lead_accept(*, lead_id: int, partner: Partner, actor) -> Lead:
    """The partner takes the lead. Locks the startup's intake, then the lead; refused once it
    is not offered any more or its accept-by time has passed. Enqueues the founder's e-mail
    on commit."""

    with transaction.atomic():
        lead = _locked_intake_then_lead(lead_id=lead_id, partner=partner)
        _require_offered(lead)
        now = timezone.now()
        if now > lead.accept_by:
            raise LeadActionError(
                "The accept-by time has passed; the lead moves to the next partner."
            )
        lead.status = LeadStatus.ACCEPTED
        lead.responded_at = now
        lead.save(update_fields=["status", "responded_at"])
        Intake.objects.filter(startup_id=lead.startup_id).update(
            routing_status=RoutingStatus.ACCEPTED, updated_at=now
        )
        audit_log(actor=actor, action="lead.accepted", subject=lead, data={})
        lead_event_record(lead=lead, event_type=WebhookEvent.LEAD_ACCEPTED)
        transaction.on_commit(lambda: email_lead_accepted_task.delay(lead.pk), robust=True)
    return lead


def lead_decline(*, lead_id: int, partner: Partner, actor, reason: str, note: str = "") -> Lead:
    """The partner passes, with a reason from the fixed list (and a note for "other").

    Locks the startup's intake, then the lead (as accept does). Sets the intake's routing
    status to `not_routed` and enqueues routing to the next partner on commit; if that
    enqueue is lost, the beat sweeper (`intakes_unrouted_requeue`) routes it later."""

    if reason not in DeclineReason.values:
        raise LeadActionError(
            f"Unknown reason {reason!r}; use one of: {', '.join(DeclineReason.values)}."
        )
    if reason == DeclineReason.OTHER and not note.strip():
        raise LeadActionError(OTHER_NEEDS_NOTE)
    with transaction.atomic():
        lead = _locked_intake_then_lead(lead_id=lead_id, partner=partner)
        _require_offered(lead)
        lead.status = LeadStatus.DECLINED
        lead.responded_at = timezone.now()
        lead.decline_reason = reason
        lead.decline_note = note.strip()
        lead.save(update_fields=["status", "responded_at", "decline_reason", "decline_note"])
        startup_id = lead.startup_id
        _mark_not_routed(startup_id=startup_id, now=lead.responded_at)
        audit_log(actor=actor, action="lead.declined", subject=lead, data={"reason": reason})
        transaction.on_commit(
            lambda: route_startup_task.delay(startup_id, RoutingTrigger.DECLINED), robust=True
        )
    return lead


def lead_note_add(*, lead_id: int, partner: Partner, actor, body: str) -> LeadNote:
    body = body.strip()
    if not body:
        raise LeadActionError("Write something in the note.")
    with transaction.atomic():
        lead = _locked_lead(lead_id=lead_id, partner=partner)
        note = LeadNote.objects.create(lead=lead, author=actor, body=body[:4000])
        audit_log(actor=actor, action="lead.noted", subject=lead, data={"note": note.pk})
    return note


def leads_expire(*, limit: int = 500) -> list[int]:
    """Expire offered leads past their accept-by time and route each startup onward.

    One short transaction per lead, locking the startup's intake and then the lead (the
    order every routing step and accept use, so it cannot deadlock with them). A lead
    accepted, declined or withdrawn while this waited for the locks is skipped. Sets the
    intake's routing status to `not_routed` and enqueues one routing task per expired lead
    on commit; if that enqueue is lost, the beat sweeper (`intakes_unrouted_requeue`)
    routes the startup later.
    """

    now = timezone.now()
    overdue = list(
        Lead.objects.filter(status=LeadStatus.OFFERED, accept_by__lt=now)
        .order_by("accept_by")
        .values_list("pk", flat=True)[:limit]
    )
    expired: list[int] = []
    for lead_id in overdue:
        with transaction.atomic():
            try:
                lead = _locked_intake_then_lead(lead_id=lead_id)
            except Lead.DoesNotExist:
                continue
            if lead.status != LeadStatus.OFFERED or lead.accept_by >= now:
                continue
            lead.status = LeadStatus.EXPIRED
            lead.save(update_fields=["status"])
            _mark_not_routed(startup_id=lead.startup_id, now=timezone.now())
            audit_log(actor=None, action="lead.expired", subject=lead, data={})
            lead_event_record(lead=lead, event_type=WebhookEvent.LEAD_EXPIRED)

            # The id is bound now (a default argument) and enqueued on commit.
            def route_again(startup_id: int = lead.startup_id) -> None:
                route_startup_task.delay(startup_id, RoutingTrigger.EXPIRED)

            transaction.on_commit(route_again, robust=True)
            expired.append(lead.pk)
    return expired


def _withdraw_offer(*, intake: Intake, actor) -> None:
    """Take back an offered (not accepted) lead. The caller holds the intake lock."""
    lead = (
        Lead.objects.select_for_update()
        .filter(startup_id=intake.startup_id, status__in=Lead.LIVE_STATUSES)
        .first()
    )
    if lead is None:
        return
    if lead.status == LeadStatus.ACCEPTED:
        raise LeadActionError(f"{lead.partner} already accepted this lead.")
    lead.status = LeadStatus.WITHDRAWN
    lead.responded_at = timezone.now()
    lead.save(update_fields=["status", "responded_at"])
    audit_log(actor=actor, action="lead.withdrawn", subject=lead, data={})


def lead_reroute(*, startup_id: int, actor) -> RoutingDecision | None:
    """Operators: withdraw the current offer (if any) and route to the next partner now."""
    with transaction.atomic():
        intake = _locked_intake(startup_id)
        if intake is None:
            raise LeadActionError("This startup has no intake to route.")
        _withdraw_offer(intake=intake, actor=actor)
        return lead_route(startup_id=startup_id, trigger=RoutingTrigger.OPERATOR, actor=actor)


def lead_assign(*, startup_id: int, partner_id: int, actor) -> RoutingDecision:
    """Operators: offer the startup to a chosen partner, past the scoring (but never to a
    partner that already had it). Withdraws the current offer. Locks the intake."""
    with transaction.atomic():
        intake = _locked_intake(startup_id)
        if intake is None:
            raise LeadActionError("This startup has no intake to route.")
        partner = Partner.objects.filter(pk=partner_id).first()
        if partner is None:
            raise LeadActionError("No such partner.")
        if Lead.objects.filter(startup_id=startup_id, partner_id=partner_id).exists():
            raise LeadActionError(f"{partner} already had this lead; a partner gets it once.")
        _withdraw_offer(intake=intake, actor=actor)
        settings_row = RoutingSettings.load()
        why = f"Assigned to {partner} by {actor or 'an operator'}."
        lead = _offer(
            intake=intake,
            partner_id=partner_id,
            accept_hours=settings_row.accept_hours,
            actor=actor,
            why=why,
        )
        return RoutingDecision.objects.create(
            startup=intake.startup,
            lead=lead,
            chosen=partner,
            trigger=RoutingTrigger.ASSIGNED,
            actor=actor,
            why=why,
            ranking={},
            weights=asdict(routing_weights(settings_row)),
        )


def partner_pause(*, partner_id: int, actor, paused: bool = True) -> Partner:
    """Operators: stop (or resume) offering leads to a partner."""
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner_id)
        partner.accepting_leads = not paused
        partner.save(update_fields=["accepting_leads"])
        audit_log(
            actor=actor,
            action="partner.paused" if paused else "partner.resumed",
            subject=partner,
            data={},
        )
    return partner
