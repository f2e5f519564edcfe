"""Routing a startup's lead to a partner, and what partners and operators do with it
(matching.services.leads): every hard filter end to end, expiry, decline, accept, re-route,
assign and pause. Celery runs inline here; on-commit callbacks run where a test executes them.
"""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from matching.models import (
    DeclineReason,
    Intake,
    IntakeStatus,
    Lead,
    LeadStatus,
    Partner,
    PartnerTier,
    RoutingDecision,
    RoutingSettings,
    RoutingStatus,
    RoutingTrigger,
)
from matching.services import (
    LeadActionError,
    intake_process,
    lead_accept,
    lead_assign,
    lead_decline,
    lead_reroute,
    lead_route,
    leads_expire,
    partner_pause,
)
from tests.factories import (
    IntakeFactory,
    LeadFactory,
    PartnerMembershipFactory,
    UserFactory,
    WorkloadFactory,
)
from tests.matching.routing_helpers import make_overdue, routable_partner
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


@pytest.fixture
def intake():
    return IntakeFactory(status=IntakeStatus.READY)


@pytest.fixture
def operator():
    return UserFactory(email="olive@cloudroute.test", is_staff=True)


# --- lead_route ---------------------------------------------------------------------------


def test_it_offers_the_best_candidate_and_stores_why(intake, django_capture_on_commit_callbacks):
    best = routable_partner(
        name="Best Fit",
        tier=PartnerTier.PREMIER,
        competencies=["generative_ai", "machine_learning"],
    )
    runner_up = routable_partner(name="Runner Up", tier=PartnerTier.SELECT, stages=["series_b"])
    german = routable_partner(name="Only Germany", countries=["DE"])

    with django_capture_on_commit_callbacks(execute=True):
        decision = lead_route(startup_id=intake.startup_id)

    decision.refresh_from_db()
    assert decision.chosen == best
    assert decision.trigger == RoutingTrigger.INTAKE
    assert decision.why.startswith("Chosen: Best Fit")
    lead = decision.lead
    assert (lead.partner, lead.status) == (best, LeadStatus.OFFERED)
    assert lead.accept_by - lead.offered_at == dt.timedelta(hours=4)
    ranking = decision.ranking
    assert ranking["chosen"]["partner_id"] == best.pk
    assert [row["partner_id"] for row in ranking["candidates"]] == [best.pk, runner_up.pk]
    assert ranking["candidates"][0]["score"] > ranking["candidates"][1]["score"]
    assert set(ranking["candidates"][0]["breakdown"]) == {
        "competency",
        "stage",
        "industry",
        "track_record",
        "load",
        "tier",
    }
    assert ranking["rejected"] == [
        {
            "partner_id": german.pk,
            "name": "Only Germany",
            "failed": ["country_not_served"],
            "messages": ["Does not serve the startup's country (US)."],
        }
    ]
    assert decision.weights["competency"] == RoutingSettings.load().competency_weight
    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.OFFERED
    best.refresh_from_db()
    runner_up.refresh_from_db()
    assert best.last_assigned_at == lead.offered_at
    assert runner_up.last_assigned_at is None
    # The chosen firm is told, with the accept-by time.
    assert [message.to for message in mail.outbox] == [[best.contact_email]]
    assert "accept by" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="lead.offered", object_id=str(lead.pk)).exists()


def test_it_emails_the_firms_members_rather_than_its_contact_address(
    intake, django_capture_on_commit_callbacks
):
    partner = routable_partner()
    member = PartnerMembershipFactory(partner=partner, user__email="pat@firm.test")

    with django_capture_on_commit_callbacks(execute=True):
        lead_route(startup_id=intake.startup_id)

    assert [message.to for message in mail.outbox] == [[member.user.email]]


def test_it_does_nothing_when_the_startup_already_has_a_live_lead(intake):
    routable_partner()
    routable_partner()
    first = lead_route(startup_id=intake.startup_id)

    again = lead_route(startup_id=intake.startup_id)

    assert first is not None and again is None
    assert Lead.objects.get(startup=intake.startup) == first.lead
    assert RoutingDecision.objects.count() == 1


def test_it_routes_nothing_for_a_startup_without_an_intake():
    routable_partner()
    workload = WorkloadFactory()  # a startup with a workload but no intake

    assert lead_route(startup_id=workload.startup_id) is None
    assert not RoutingDecision.objects.exists()


def test_it_queues_a_startup_no_partner_can_take_and_emails_the_operators(
    intake, operator, django_capture_on_commit_callbacks
):
    german = routable_partner(countries=["DE"])

    with django_capture_on_commit_callbacks(execute=True):
        decision = lead_route(startup_id=intake.startup_id)

    assert decision.chosen is None and decision.lead is None
    assert decision.why.startswith("No partner chosen")
    assert decision.ranking["rejected"][0]["partner_id"] == german.pk
    assert not Lead.objects.exists()
    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.UNROUTED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [operator.email]
    assert "No partner left" in mail.outbox[0].subject
    assert "routing_status=unrouted" in mail.outbox[0].body


def _capacity_used_elsewhere(partner: Partner, intake: Intake) -> None:
    LeadFactory(partner=partner)  # another startup's live lead fills its one slot


def _offered_before(partner: Partner, intake: Intake) -> None:
    LeadFactory(
        partner=partner,
        workload=intake.workload,
        status=LeadStatus.DECLINED,
        decline_reason=DeclineReason.NOT_A_FIT,
    )


DAY = dt.timedelta(days=1)
# code, the firm's fields (a callable gets today's date), a setup(partner, intake) step
HARD_FILTERS = [
    ("inactive", {"is_active": False}, None),
    (
        "vetting_expired",
        {"vetted_on": dt.date(2024, 1, 1), "vetting_expires_on": lambda today: today - DAY},
        None,
    ),
    ("paused", {"accepting_leads": False}, None),
    ("away", {"away_until": lambda today: today + 3 * DAY}, None),
    ("at_capacity", {"capacity": 1}, _capacity_used_elsewhere),
    ("country_not_served", {"countries": ["DE", "FR"]}, None),
    ("region_not_served", {"regions": ["eu-west-1"]}, None),
    ("missing_competency", {"competencies": ["devops", "migration"]}, None),
    ("already_offered", {}, _offered_before),
]


@pytest.mark.parametrize(
    ("code", "overrides", "setup"), HARD_FILTERS, ids=[case[0] for case in HARD_FILTERS]
)
def test_it_records_every_hard_filter_a_partner_fails(intake, code, overrides, setup):
    today = timezone.localdate()
    overrides = {
        key: value(today) if callable(value) else value for key, value in overrides.items()
    }
    # Premier and a perfect fit: it would win if it were not filtered out.
    filtered = routable_partner(
        **{
            "name": "Filtered Firm",
            "tier": PartnerTier.PREMIER,
            "competencies": ["generative_ai", "machine_learning"],
            **overrides,
        }
    )
    fallback = routable_partner(name="Fallback Firm", tier=PartnerTier.SELECT)
    if setup is not None:
        setup(filtered, intake)

    decision = lead_route(startup_id=intake.startup_id)

    assert decision.chosen == fallback
    assert [row["partner_id"] for row in decision.ranking["candidates"]] == [fallback.pk]
    (rejection,) = decision.ranking["rejected"]
    assert rejection["partner_id"] == filtered.pk
    assert rejection["failed"] == [code]  # this filter and no other
    assert rejection["messages"] and all(rejection["messages"])
    assert decision.ranking["failed_counts"] == {code: 1}
    assert not Lead.objects.filter(
        startup=intake.startup, partner=filtered, status="offered"
    ).exists()


def test_it_rotates_equally_scored_partners_by_least_recently_assigned():
    first = routable_partner()
    second = routable_partner()

    chosen = [lead_route(startup_id=IntakeFactory().startup_id).chosen for _ in range(4)]

    assert chosen == [first, second, first, second]


def test_it_gives_the_partner_the_configured_accept_window(intake):
    RoutingSettings.objects.update_or_create(pk=1, defaults={"accept_hours": 24})
    routable_partner()

    lead = lead_route(startup_id=intake.startup_id).lead

    assert lead.accept_by - lead.offered_at == dt.timedelta(hours=24)


def test_it_ends_the_intake_pipeline_with_an_offered_lead(django_capture_on_commit_callbacks):
    partner = routable_partner()
    intake = IntakeFactory(status=IntakeStatus.RECEIVED)

    with django_capture_on_commit_callbacks(execute=True):
        intake_process(intake_id=intake.pk)

    intake.refresh_from_db()
    assert intake.status == IntakeStatus.READY
    assert intake.routing_status == RoutingStatus.OFFERED
    lead = Lead.objects.get(startup=intake.startup)
    assert (lead.partner, lead.status) == (partner, LeadStatus.OFFERED)
    assert lead.decision.trigger == RoutingTrigger.INTAKE


# --- expiry -------------------------------------------------------------------------------


def test_it_expires_an_overdue_offer_and_offers_the_next_partner(
    intake, django_capture_on_commit_callbacks
):
    first = routable_partner(tier=PartnerTier.PREMIER)
    second = routable_partner(tier=PartnerTier.SELECT)
    lead = lead_route(startup_id=intake.startup_id).lead
    assert lead.partner == first
    make_overdue(lead)

    with django_capture_on_commit_callbacks(execute=True):
        expired = leads_expire()

    assert expired == [lead.pk]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.EXPIRED
    onward = Lead.objects.get(startup=intake.startup, status=LeadStatus.OFFERED)
    assert onward.partner == second
    assert onward.decision.trigger == RoutingTrigger.EXPIRED
    rejected = {row["partner_id"]: row["failed"] for row in onward.decision.ranking["rejected"]}
    assert rejected == {first.pk: ["already_offered"]}
    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.OFFERED


def test_it_leaves_offers_within_their_time_alone(intake):
    routable_partner()
    lead = lead_route(startup_id=intake.startup_id).lead

    assert leads_expire() == []
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED


def test_it_never_offers_a_startup_again_to_a_firm_that_declined_or_let_it_expire(
    intake, operator, django_capture_on_commit_callbacks
):
    partners = [routable_partner() for _ in range(4)]
    offered_to = []

    lead = lead_route(startup_id=intake.startup_id).lead
    while lead is not None:
        offered_to.append(lead.partner_id)
        with django_capture_on_commit_callbacks(execute=True):
            if len(offered_to) % 2:
                make_overdue(lead)
                leads_expire()
            else:
                lead_decline(
                    lead_id=lead.pk,
                    partner=lead.partner,
                    actor=None,
                    reason=DeclineReason.NO_CAPACITY,
                )
        lead = Lead.objects.filter(startup=intake.startup, status=LeadStatus.OFFERED).first()
        assert len(offered_to) <= len(partners), "offered to a firm twice"

    assert sorted(offered_to) == sorted(partner.pk for partner in partners)
    statuses = list(Lead.objects.filter(startup=intake.startup).values_list("status", flat=True))
    assert sorted(statuses) == ["declined", "declined", "expired", "expired"]
    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.UNROUTED
    last = RoutingDecision.objects.filter(startup=intake.startup).first()
    assert last.chosen is None
    assert {tuple(row["failed"]) for row in last.ranking["rejected"]} == {("already_offered",)}


# --- accept and decline -------------------------------------------------------------------


def test_it_accepts_within_time_and_emails_the_founder(intake, django_capture_on_commit_callbacks):
    partner = routable_partner(name="Northwind Cloud")
    lead = lead_route(startup_id=intake.startup_id).lead
    member = PartnerMembershipFactory(partner=partner)

    with django_capture_on_commit_callbacks(execute=True):
        accepted = lead_accept(lead_id=lead.pk, partner=partner, actor=member.user)

    assert accepted.status == LeadStatus.ACCEPTED
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED and lead.responded_at is not None
    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.ACCEPTED
    assert [message.to for message in mail.outbox] == [[intake.founder.email]]
    assert "Northwind Cloud" in mail.outbox[0].subject
    event = AuditEvent.objects.get(action="lead.accepted")
    assert event.actor == member.user


def test_it_refuses_an_accept_after_the_accept_by_time(intake):
    partner = routable_partner()
    lead = lead_route(startup_id=intake.startup_id).lead
    make_overdue(lead)

    with pytest.raises(LeadActionError, match="accept-by time has passed"):
        lead_accept(lead_id=lead.pk, partner=partner, actor=None)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED  # the beat task expires it and moves it on


def test_it_refuses_an_accept_of_a_lead_no_longer_offered(intake):
    partner = routable_partner()
    lead = lead_route(startup_id=intake.startup_id).lead
    lead_decline(lead_id=lead.pk, partner=partner, actor=None, reason=DeclineReason.NOT_A_FIT)

    with pytest.raises(LeadActionError, match="no longer open"):
        lead_accept(lead_id=lead.pk, partner=partner, actor=None)


def test_it_hides_another_firms_lead_from_accept_and_decline(intake):
    routable_partner()
    lead = lead_route(startup_id=intake.startup_id).lead
    stranger = routable_partner()

    with pytest.raises(Lead.DoesNotExist):
        lead_accept(lead_id=lead.pk, partner=stranger, actor=None)
    with pytest.raises(Lead.DoesNotExist):
        lead_decline(lead_id=lead.pk, partner=stranger, actor=None, reason="not_a_fit")


@pytest.mark.parametrize(
    ("reason", "note", "message"),
    [
        ("", "", "Unknown reason ''"),
        ("too_busy", "", "Unknown reason 'too_busy'; use one of: no_capacity"),
        ("other", "  ", 'a note that explains the reason "other"'),
    ],
)
def test_it_refuses_a_decline_without_a_valid_reason(intake, reason, note, message):
    partner = routable_partner()
    lead = lead_route(startup_id=intake.startup_id).lead

    with pytest.raises(LeadActionError, match=message):
        lead_decline(lead_id=lead.pk, partner=partner, actor=None, reason=reason, note=note)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED


def test_it_declines_with_a_reason_and_routes_onward(intake, django_capture_on_commit_callbacks):
    first = routable_partner(tier=PartnerTier.PREMIER)
    second = routable_partner(tier=PartnerTier.SELECT)
    lead = lead_route(startup_id=intake.startup_id).lead

    with django_capture_on_commit_callbacks(execute=True):
        lead_decline(
            lead_id=lead.pk, partner=first, actor=None, reason="other", note=" Only fintech. "
        )

    lead.refresh_from_db()
    assert (lead.status, lead.decline_reason, lead.decline_note) == (
        LeadStatus.DECLINED,
        "other",
        "Only fintech.",
    )
    onward = Lead.objects.get(startup=intake.startup, status=LeadStatus.OFFERED)
    assert onward.partner == second
    assert onward.decision.trigger == RoutingTrigger.DECLINED


# --- the operators' moves -----------------------------------------------------------------


def test_it_reroutes_by_withdrawing_the_offer_and_offering_the_next_partner(intake, operator):
    first = routable_partner(tier=PartnerTier.PREMIER)
    second = routable_partner(tier=PartnerTier.SELECT)
    lead = lead_route(startup_id=intake.startup_id).lead

    decision = lead_reroute(startup_id=intake.startup_id, actor=operator)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.WITHDRAWN
    assert (decision.chosen, decision.trigger, decision.actor) == (
        second,
        RoutingTrigger.OPERATOR,
        operator,
    )
    assert decision.lead.partner == second
    assert {row["partner_id"] for row in decision.ranking["rejected"]} == {first.pk}
    assert AuditEvent.objects.filter(action="lead.withdrawn", actor=operator).exists()


def test_it_refuses_to_reroute_an_accepted_lead(intake, operator):
    partner = routable_partner()
    routable_partner()
    lead = lead_route(startup_id=intake.startup_id).lead
    lead_accept(lead_id=lead.pk, partner=partner, actor=None)

    with pytest.raises(LeadActionError, match="already accepted"):
        lead_reroute(startup_id=intake.startup_id, actor=operator)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED
    assert Lead.objects.filter(startup=intake.startup).count() == 1


def test_it_reroutes_an_unrouted_startup_once_a_partner_fits(intake, operator):
    lead_route(startup_id=intake.startup_id)
    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.UNROUTED
    partner = routable_partner()

    decision = lead_reroute(startup_id=intake.startup_id, actor=operator)

    assert decision.chosen == partner
    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.OFFERED


def test_it_assigns_a_chosen_partner_past_the_scoring(intake, operator):
    routable_partner(tier=PartnerTier.PREMIER)
    paused = routable_partner(accepting_leads=False)  # the scoring would never pick it
    lead = lead_route(startup_id=intake.startup_id).lead

    decision = lead_assign(startup_id=intake.startup_id, partner_id=paused.pk, actor=operator)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.WITHDRAWN
    assert (decision.chosen, decision.trigger, decision.ranking) == (
        paused,
        RoutingTrigger.ASSIGNED,
        {},
    )
    assert decision.lead.partner == paused and decision.lead.status == LeadStatus.OFFERED
    assert str(operator) in decision.why


@pytest.mark.parametrize("earlier", [LeadStatus.OFFERED, LeadStatus.DECLINED])
def test_it_refuses_to_assign_a_partner_that_already_had_the_lead(intake, operator, earlier):
    partner = routable_partner()
    lead = lead_route(startup_id=intake.startup_id).lead
    if earlier == LeadStatus.DECLINED:
        lead_decline(lead_id=lead.pk, partner=partner, actor=None, reason="no_capacity")

    with pytest.raises(LeadActionError, match="already had this lead"):
        lead_assign(startup_id=intake.startup_id, partner_id=partner.pk, actor=operator)

    lead.refresh_from_db()
    assert lead.status == earlier
    assert Lead.objects.filter(startup=intake.startup).count() == 1


def test_it_refuses_to_assign_an_unknown_partner_or_a_startup_without_intake(intake, operator):
    with pytest.raises(LeadActionError, match="No such partner"):
        lead_assign(startup_id=intake.startup_id, partner_id=987654, actor=operator)
    with pytest.raises(LeadActionError, match="no intake"):
        lead_assign(startup_id=987654, partner_id=routable_partner().pk, actor=operator)


def test_it_stops_routing_to_a_paused_partner_until_resumed(operator):
    favourite = routable_partner(tier=PartnerTier.PREMIER)
    other = routable_partner(tier=PartnerTier.SELECT)

    partner_pause(partner_id=favourite.pk, actor=operator)
    paused_decision = lead_route(startup_id=IntakeFactory().startup_id)
    partner_pause(partner_id=favourite.pk, actor=operator, paused=False)
    resumed_decision = lead_route(startup_id=IntakeFactory().startup_id)

    assert paused_decision.chosen == other
    rejected = {row["partner_id"]: row["failed"] for row in paused_decision.ranking["rejected"]}
    assert rejected == {favourite.pk: ["paused"]}
    assert resumed_decision.chosen == favourite
    actions = list(
        AuditEvent.objects.filter(object_id=str(favourite.pk), actor=operator)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["partner.paused", "partner.resumed"]
