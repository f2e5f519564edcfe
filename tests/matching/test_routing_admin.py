"""The operators' side of routing in the admin: the review queue, the actions (which call the
services), "why this partner / why not the others", the routing log on a lead, the settings
row, and changelists that read a fixed number of queries."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.forms import MultiWidget
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from zeal import zeal_ignore

from matching import scoring
from matching.models import (
    DeclineReason,
    IdempotencyKey,
    Intake,
    IntakeStatus,
    Lead,
    LeadNote,
    LeadStatus,
    Partner,
    PartnerTier,
    RoutingDecision,
    RoutingSettings,
    RoutingStatus,
    RoutingTrigger,
)
from matching.services import lead_accept, lead_assign, lead_decline, lead_route
from tests.factories import (
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)
from tests.matching.routing_helpers import make_overdue, routable_partner
from workloads.models import AuditEvent, Startup, Workload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

INTAKES = reverse("admin:matching_intake_changelist")
# Re-routing audits the withdrawn lead and the new one, each named after its firm: two single
# reads of Lead.partner in one request, which zeal cannot tell from a loop.
OLD_AND_NEW_LEAD_AUDITED = [{"model": "matching.Lead", "field": "partner"}]
PARTNERS = reverse("admin:matching_partner_changelist")


@pytest.fixture
def operator():
    return UserFactory(email="olive@cloudroute.test", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _listed(response) -> set[int]:
    return {row.pk for row in response.context["cl"].result_list}


# --- the review queue ---------------------------------------------------------------------


@pytest.fixture
def queue():
    """One intake in each state an operator cares about, and two nobody needs to look at."""
    partner = routable_partner()
    unrouted = IntakeFactory(routing_status=RoutingStatus.UNROUTED)
    lapsed = IntakeFactory(routing_status=RoutingStatus.OFFERED)  # routing never followed
    LeadFactory(workload=lapsed.workload, partner=partner, status=LeadStatus.EXPIRED)
    declined = IntakeFactory(routing_status=RoutingStatus.OFFERED)
    LeadFactory(
        workload=declined.workload,
        partner=partner,
        status=LeadStatus.DECLINED,
        decline_reason=DeclineReason.NOT_A_FIT,
    )
    overdue = IntakeFactory(routing_status=RoutingStatus.OFFERED)
    make_overdue(LeadFactory(workload=overdue.workload, partner=partner))
    healthy = IntakeFactory(routing_status=RoutingStatus.OFFERED)
    LeadFactory(workload=healthy.workload, partner=partner)
    accepted = IntakeFactory(routing_status=RoutingStatus.ACCEPTED)
    LeadFactory(workload=accepted.workload, partner=partner, status=LeadStatus.ACCEPTED)
    return {
        "unrouted": unrouted,
        "lapsed": lapsed,
        "declined": declined,
        "overdue": overdue,
        "healthy": healthy,
        "accepted": accepted,
    }


@pytest.mark.parametrize(
    ("queue_name", "expected"),
    [
        ("all", {"unrouted", "lapsed", "declined", "overdue"}),
        ("unrouted", {"unrouted"}),
        ("lapsed", {"lapsed", "declined"}),
        ("sla", {"overdue"}),
    ],
)
def test_it_lists_the_intakes_that_need_an_operator(operator_client, queue, queue_name, expected):
    response = operator_client.get(INTAKES, {"queue": queue_name})

    assert response.status_code == 200
    assert _listed(response) == {queue[name].pk for name in expected}
    assert "review queue" in response.content.decode()


def test_it_opens_the_link_in_the_operators_email(operator_client, queue):
    response = operator_client.get(INTAKES, {"routing_status": "unrouted"})

    assert _listed(response) == {queue["unrouted"].pk}


# --- actions ------------------------------------------------------------------------------


def run_action(client, url: str, data: dict, capture) -> str:
    """Post an admin action that starts a background job (run on commit, inline here) and
    return the job page's text once it is done."""
    with capture(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302 and "/admin/matching/bulkjob/" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


def test_it_reroutes_selected_intakes_through_the_service(
    operator_client, operator, django_capture_on_commit_callbacks
):
    first = routable_partner(tier=PartnerTier.PREMIER)
    second = routable_partner(tier=PartnerTier.SELECT)
    intake = IntakeFactory()
    lead = lead_route(startup_id=intake.startup_id).lead
    assert lead.partner == first

    with zeal_ignore(OLD_AND_NEW_LEAD_AUDITED):
        page = run_action(
            operator_client,
            INTAKES,
            {"action": "reroute_now", "_selected_action": [intake.pk]},
            django_capture_on_commit_callbacks,
        )

    lead.refresh_from_db()
    assert lead.status == LeadStatus.WITHDRAWN
    decision = RoutingDecision.objects.filter(startup=intake.startup).first()
    assert (decision.trigger, decision.actor, decision.chosen) == (
        RoutingTrigger.OPERATOR,
        operator,
        second,
    )
    assert "Re-routed: 1 of 1." in page
    assert 'data-testid="job-count">1 of 1<' in page


def test_it_reports_which_reroutes_failed(operator_client, django_capture_on_commit_callbacks):
    partner = routable_partner()
    routable_partner()
    accepted, unrouted = IntakeFactory(), IntakeFactory(workload__startup__country="DE")
    lead = lead_route(startup_id=accepted.startup_id).lead
    lead_accept(lead_id=lead.pk, partner=partner, actor=None)

    page = run_action(
        operator_client,
        INTAKES,
        {"action": "reroute_now", "_selected_action": [accepted.pk, unrouted.pk]},
        django_capture_on_commit_callbacks,
    )

    assert "2 of 2 failed." in page
    assert f"{partner} already accepted this lead." in page
    assert "no partner passes the filters" in page
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED


def test_it_assigns_through_an_intermediate_page(operator_client, operator):
    routable_partner(name="Scored Firm", tier=PartnerTier.PREMIER)
    chosen = routable_partner(name="Hand Picked", accepting_leads=False)
    intake = IntakeFactory()
    lead = lead_route(startup_id=intake.startup_id).lead

    page = operator_client.post(
        INTAKES, {"action": "assign_partner", "_selected_action": [intake.pk]}
    )

    assert page.status_code == 200
    assert "matching/admin/assign_partner.html" in [t.name for t in page.templates]
    html = page.content.decode()
    # Paused, so routing skips it, but an operator may still pick it by hand.
    assert (
        f'<input type="radio" name="partner" value="{chosen.pk}" id="partner-{chosen.pk}">' in html
    )
    assert f'name="_selected_action" value="{intake.pk}"' in html
    assert Lead.objects.filter(startup=intake.startup).count() == 1  # nothing changed yet

    with zeal_ignore(OLD_AND_NEW_LEAD_AUDITED):
        response = operator_client.post(
            INTAKES,
            {
                "action": "assign_partner",
                "_selected_action": [intake.pk],
                "apply": "Offer to this partner",
                "partner": chosen.pk,
            },
            follow=True,
        )

    lead.refresh_from_db()
    assert lead.status == LeadStatus.WITHDRAWN
    decision = RoutingDecision.objects.filter(startup=intake.startup).first()
    assert (decision.trigger, decision.chosen, decision.actor) == (
        RoutingTrigger.ASSIGNED,
        chosen,
        operator,
    )
    assert decision.lead.status == LeadStatus.OFFERED
    assert "Offered to Hand Picked: 1 of 1." in _messages(response)


def test_the_assign_page_scores_every_firm_and_disables_one_that_had_the_lead(operator_client):
    best = routable_partner(name="Best Fit", tier=PartnerTier.PREMIER)
    german = routable_partner(name="Only Germany", countries=["DE"])
    intake = IntakeFactory()
    lead = lead_route(startup_id=intake.startup_id).lead
    lead_decline(lead_id=lead.pk, partner=best, actor=None, reason="no_capacity")
    runner = routable_partner(name="Runner Up")

    page = operator_client.post(
        INTAKES, {"action": "assign_partner", "_selected_action": [intake.pk]}
    )
    html = page.content.decode()

    firms = page.context["rows"]
    assert [row["name"] for row in firms][0] == "Runner Up"  # the only candidate left
    runner_cell = firms[0]["per_intake"][0]
    assert set(runner_cell["breakdown"]) == set(scoring.FACTORS)
    assert f'value="{best.pk}" id="partner-{best.pk}" disabled' in html
    assert "Best Fit already had this lead" in html
    assert f'value="{german.pk}" id="partner-{german.pk}">' in html  # fails a filter: shown
    assert "country_not_served" in html
    assert f'value="{runner.pk}" id="partner-{runner.pk}">' in html

    refused = operator_client.post(
        INTAKES,
        {"action": "assign_partner", "_selected_action": [intake.pk], "apply": "1",
         "partner": best.pk},
    )  # fmt: skip
    assert refused.status_code == 200
    assert "Best Fit already had this lead" in refused.content.decode()
    assert Lead.objects.filter(startup=intake.startup).count() == 1


def test_simulating_shows_who_would_get_it_and_changes_nothing(operator_client, settings):
    best = routable_partner(name="Best Fit", tier=PartnerTier.PREMIER)
    routable_partner(name="Only Germany", countries=["DE"])
    intake = IntakeFactory()

    def counts() -> tuple[int, ...]:
        return tuple(model.objects.count() for model in (Lead, RoutingDecision, AuditEvent))

    before = counts()

    page = operator_client.get(f"{INTAKES}{intake.pk}/simulate/")

    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["ranking"].chosen.partner_id == best.pk
    assert 'data-testid="decision-chosen"' in html and "Best Fit" in html
    assert "country_not_served" in html
    assert (
        Lead.objects.count(),
        RoutingDecision.objects.count(),
        AuditEvent.objects.count(),
    ) == before
    # The intake page links to it.
    change = operator_client.get(f"{INTAKES}{intake.pk}/change/").content.decode()
    assert f"{INTAKES}{intake.pk}/simulate/" in change


def test_it_asks_again_for_a_partner_when_none_was_picked(operator_client):
    intake = IntakeFactory()

    page = operator_client.post(
        INTAKES,
        {"action": "assign_partner", "_selected_action": [intake.pk], "apply": "1"},
    )

    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    assert not RoutingDecision.objects.exists()


def test_it_pauses_and_resumes_partners_through_the_service(
    operator_client, operator, django_capture_on_commit_callbacks
):
    partners = [routable_partner(), routable_partner()]
    ids = [partner.pk for partner in partners]
    capture = django_capture_on_commit_callbacks

    paused = run_action(
        operator_client, PARTNERS, {"action": "pause_partners", "_selected_action": ids}, capture
    )
    paused_flags = set(Partner.objects.values_list("accepting_leads", flat=True))
    resumed = run_action(
        operator_client,
        PARTNERS,
        {"action": "resume_partners", "_selected_action": ids[:1]},
        capture,
    )

    assert paused_flags == {False}
    assert "Paused: 2 of 2." in paused
    assert "Resumed: 1 of 1." in resumed
    assert dict(Partner.objects.values_list("pk", "accepting_leads")) == {
        ids[0]: True,
        ids[1]: False,
    }
    decision = lead_route(startup_id=IntakeFactory().startup_id)
    assert decision.chosen_id == ids[0]


# --- why this partner / why not the others ------------------------------------------------


def test_it_explains_a_decision_chosen_others_and_rejected(operator_client):
    chosen = routable_partner(
        name="Chosen Firm",
        tier=PartnerTier.PREMIER,
        competencies=["generative_ai", "machine_learning"],
    )
    routable_partner(name="Close Second", tier=PartnerTier.PREMIER)
    routable_partner(name="Far Behind", tier=PartnerTier.SELECT, stages=["series_b"])
    routable_partner(name="Germany Only", countries=["DE"])
    routable_partner(name="On Break", accepting_leads=False, regions=["eu-west-1"])
    decision = lead_route(startup_id=IntakeFactory().startup_id)
    assert decision.chosen == chosen

    response = operator_client.get(
        reverse("admin:matching_routingdecision_change", args=[decision.pk])
    )

    assert response.status_code == 200
    html = response.content.decode()
    explanation = response.context["explanation"]
    assert explanation["chosen"]["name"] == "Chosen Firm"
    assert [factor["name"] for factor in explanation["chosen"]["factors"]] == [
        "competency",
        "stage",
        "industry",
        "track record",
        "load",
        "tier",
    ]
    assert [other["name"] for other in explanation["others"]] == ["Close Second", "Far Behind"]
    assert "below Chosen Firm" in explanation["others"][0]["why_not"]
    assert [row["name"] for row in explanation["rejected"]] == ["Germany Only", "On Break"]
    for text in [
        "Why this partner",
        "Why not the other candidates",
        "Rejected by the hard filters",
        "Chosen Firm",
        "Far Behind",
        "<code>country_not_served</code>",
        "<code>paused</code>,",
        "<code>region_not_served</code>",
        "Does not serve the startup&#x27;s country (US).",
        "paused: 1 · country_not_served: 1 · region_not_served: 1",  # in the filters' order
        "competency 3 · stage 2 · industry 1 · track_record 3 · load 2 · tier 1 · margin 0.05",
        decision.why.split(" — ")[0],
    ]:
        assert text in html, text
    assert 'name="_save"' not in html  # read-only


def test_it_explains_a_tie_by_the_rotation(operator_client):
    routable_partner(name="Twin A")
    routable_partner(name="Twin B")
    decision = lead_route(startup_id=IntakeFactory().startup_id)

    response = operator_client.get(
        reverse("admin:matching_routingdecision_change", args=[decision.pk])
    )

    (other,) = response.context["explanation"]["others"]
    assert other["name"] == "Twin B"
    assert "assigned less recently (fair rotation)" in other["why_not"]


def test_it_explains_an_unrouted_decision(operator_client):
    routable_partner(name="Germany Only", countries=["DE"])
    decision = lead_route(startup_id=IntakeFactory().startup_id)

    html = operator_client.get(
        reverse("admin:matching_routingdecision_change", args=[decision.pk])
    ).content.decode()

    assert "Nobody was chosen" in html
    assert "Germany Only" in html


def test_it_explains_an_assignment_as_unscored(operator_client, operator):
    partner = routable_partner()
    decision = lead_assign(
        startup_id=IntakeFactory().startup_id, partner_id=partner.pk, actor=operator
    )

    html = operator_client.get(
        reverse("admin:matching_routingdecision_change", args=[decision.pk])
    ).content.decode()

    assert "An operator chose this partner by hand" in html


def test_it_keeps_routing_decisions_read_only(operator_client):
    routable_partner()
    decision = lead_route(startup_id=IntakeFactory().startup_id)
    change = reverse("admin:matching_routingdecision_change", args=[decision.pk])

    assert operator_client.get(reverse("admin:matching_routingdecision_add")).status_code == 403
    assert operator_client.post(change, {"why": "edited"}).status_code == 403
    delete = reverse("admin:matching_routingdecision_delete", args=[decision.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    decision.refresh_from_db()
    assert decision.why != "edited"


def test_it_shows_the_routing_log_and_notes_on_a_lead(operator_client):
    first = routable_partner(name="First Firm", tier=PartnerTier.PREMIER)
    routable_partner(name="Second Firm", tier=PartnerTier.SELECT)
    intake = IntakeFactory()
    declined = lead_route(startup_id=intake.startup_id).lead
    LeadNote.objects.create(lead=declined, body="Called them; not a fit for us.")
    lead_decline(lead_id=declined.pk, partner=first, actor=None, reason="not_a_fit")
    lead_route(startup_id=intake.startup_id, trigger=RoutingTrigger.DECLINED)

    response = operator_client.get(reverse("admin:matching_lead_change", args=[declined.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="routing-log"' in html
    assert html.count("/admin/matching/routingdecision/") >= 2
    assert "New intake" in html and "Previous partner declined" in html
    assert "Second Firm" in html
    assert "Called them; not a fit for us." in html


# --- state moves only through the services -------------------------------------------------


def _change_form_data(response) -> dict:
    """What the change page would post back unchanged: its form's values, as the widgets
    split them, and empty inline formsets (the test rows have no inline rows)."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            parts = field.widget.decompress(value)
            data.update({f"{name}_{n}": part for n, part in enumerate(parts) if part is not None})
        elif value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management[name].html_name: 0 for name in ("TOTAL_FORMS", "INITIAL_FORMS")})
    return data


def test_it_shows_a_leads_state_but_never_changes_it(operator_client):
    lead = LeadFactory(decline_note="")
    other_partner = PartnerFactory(name="Other Firm")
    before = Lead.objects.values().get(pk=lead.pk)
    change = reverse("admin:matching_lead_change", args=[lead.pk])
    page = operator_client.get(change)
    data = _change_form_data(page)

    response = operator_client.post(
        change,
        {
            **data,
            "status": LeadStatus.ACCEPTED,
            "partner": other_partner.pk,
            "responded_at_0": "2026-03-02",
            "responded_at_1": "10:00:00",
            "decline_reason": DeclineReason.NOT_A_FIT,
            "decline_note": "Edited by an operator.",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    lead.refresh_from_db()
    assert lead.decline_note == "Edited by an operator."  # the save went through...
    after = Lead.objects.values().get(pk=lead.pk)
    assert {**after, "decline_note": ""} == before  # ...and changed nothing else
    assert lead.partner.name in page.content.decode()  # shown, read-only


def test_it_never_adds_a_lead_by_hand(operator_client):
    add = reverse("admin:matching_lead_add")

    assert operator_client.get(add).status_code == 403
    assert operator_client.post(add, {}).status_code == 403
    changelist = operator_client.get(reverse("admin:matching_lead_changelist")).content.decode()
    assert add not in changelist


def test_it_never_changes_an_intakes_statuses_by_hand(operator_client):
    intake = IntakeFactory(routing_status=RoutingStatus.UNROUTED)
    change = reverse("admin:matching_intake_change", args=[intake.pk])
    page = operator_client.get(change)

    response = operator_client.post(
        change,
        {
            **_change_form_data(page),
            "status": IntakeStatus.READY,
            "routing_status": RoutingStatus.ACCEPTED,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    refreshed = Intake.objects.get(pk=intake.pk)
    assert (refreshed.status, refreshed.routing_status) == (intake.status, intake.routing_status)


def test_it_keeps_idempotency_keys_read_only_and_shows_no_secret(
    operator_client, api_client, payload
):
    created = api_client.post(
        "/api/v1/intakes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="retry-1"
    )
    token = created.json()["token"]
    record = IdempotencyKey.objects.get()
    assert "token" not in record.response_body  # the stored response never holds it
    change = reverse("admin:matching_idempotencykey_change", args=[record.pk])

    page = operator_client.get(change)
    listed = operator_client.get(reverse("admin:matching_idempotencykey_changelist"))

    assert page.status_code == listed.status_code == 200
    for shown in (page.content.decode(), listed.content.decode()):
        assert token not in shown
        assert "retry-1" not in shown  # only the key's hash is kept
        assert record.secret_seed not in shown
    assert operator_client.post(change, {"key": "edited"}).status_code == 403
    add = reverse("admin:matching_idempotencykey_add")
    assert operator_client.get(add).status_code == 403
    key = record.key
    record.refresh_from_db()
    assert record.key == key


def test_it_reads_a_leads_note_authors_in_one_query(operator_client, django_assert_num_queries):
    lead = LeadFactory()
    change = reverse("admin:matching_lead_change", args=[lead.pk])
    LeadNote.objects.create(lead=lead, author=UserFactory(), body="First.")
    with CaptureQueriesContext(connection) as one_note:
        operator_client.get(change)
    LeadNote.objects.bulk_create(
        LeadNote(lead=lead, author=UserFactory(), body=f"Note {n}.") for n in range(5)
    )

    # The notes come with their authors (one join), however many there are.
    with django_assert_num_queries(len(one_note)):
        response = operator_client.get(change)

    assert response.content.decode().count("Note ") >= 5


# --- the settings row ---------------------------------------------------------------------


def test_it_opens_the_single_settings_row_from_the_changelist(operator_client):
    response = operator_client.get(reverse("admin:matching_routingsettings_changelist"))

    assert response.status_code == 302
    assert response.url == reverse("admin:matching_routingsettings_change", args=[1])
    assert RoutingSettings.objects.count() == 1


def test_it_edits_the_settings_but_never_adds_or_deletes_a_second_row(operator_client):
    settings_row = RoutingSettings.load()
    change = reverse("admin:matching_routingsettings_change", args=[settings_row.pk])
    page = operator_client.get(change)
    form = page.context["adminform"].form
    data = {name: form.initial[name] for name in form.fields}

    response = operator_client.post(change, {**data, "accept_hours": 8})

    assert response.status_code == 302
    settings_row.refresh_from_db()
    assert settings_row.accept_hours == 8
    assert operator_client.get(reverse("admin:matching_routingsettings_add")).status_code == 403
    delete = reverse("admin:matching_routingsettings_delete", args=[settings_row.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert RoutingSettings.objects.count() == 1


def test_it_refuses_weights_outside_the_allowed_range(operator_client):
    change = reverse("admin:matching_routingsettings_change", args=[RoutingSettings.load().pk])
    form = operator_client.get(change).context["adminform"].form
    data = {name: form.initial[name] for name in form.fields}

    response = operator_client.post(change, {**data, "tier_weight": -1, "accept_hours": 0})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"tier_weight", "accept_hours"}


# --- query counts -------------------------------------------------------------------------


def _bulk_startups(count: int) -> list[Workload]:
    founder = UserFactory()
    startups = Startup.objects.bulk_create(
        StartupFactory.build(founder=founder, name=f"Bulk {n}") for n in range(count)
    )
    return Workload.objects.bulk_create(
        WorkloadFactory.build(startup=startup) for startup in startups
    )


def _bulk_leads_and_decisions(count: int) -> None:
    """`count` leads over three firms, each with its routing decision, in a few queries."""
    partners = [PartnerFactory() for _ in range(3)]
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        Lead(
            startup=workload.startup,
            workload=workload,
            partner=partners[n % 3],
            offered_at=now - dt.timedelta(minutes=n),
            accept_by=now + dt.timedelta(hours=4),
        )
        for n, workload in enumerate(_bulk_startups(count))
    )
    RoutingDecision.objects.bulk_create(
        RoutingDecision(
            startup=lead.startup,
            lead=lead,
            chosen=lead.partner,
            trigger=RoutingTrigger.INTAKE,
            actor=None,
            why="Chosen: the best score.",
            ranking={},
            weights={},
        )
        for lead in leads
    )


@pytest.mark.parametrize("count", [10, 100])
def test_it_lists_leads_in_a_fixed_number_of_queries(
    operator_client, django_assert_num_queries, count
):
    _bulk_leads_and_decisions(count)
    url = reverse("admin:matching_lead_changelist")

    # 1. the session
    # 2. the signed-in operator
    # 3. the partners for the "partner" filter
    # 4. the count of the leads matching the filters
    # 5. the count of all leads ("of N total")
    # 6. one page of leads with their startup and partner (one join)
    # 7. the date hierarchy's first and last day
    # 8. the date hierarchy's distinct days
    with django_assert_num_queries(8):
        response = operator_client.get(url)

    assert response.context["cl"].result_count == count


@pytest.mark.parametrize("count", [10, 100])
def test_it_lists_routing_decisions_in_a_fixed_number_of_queries(
    operator_client, django_assert_num_queries, count
):
    _bulk_leads_and_decisions(count)
    url = reverse("admin:matching_routingdecision_changelist")

    # 1. the session
    # 2. the signed-in operator
    # 3. the partners for the "chosen" filter
    # 4. the count of the decisions matching the filters
    # 5. the count of all decisions ("of N total")
    # 6. one page of decisions with their startup, chosen firm, lead and actor (one join)
    # 7. the date hierarchy's first and last day
    # 8. the date hierarchy's distinct days
    with django_assert_num_queries(8):
        response = operator_client.get(url)

    assert response.context["cl"].result_count == count


def test_previewing_settings_lists_the_open_leads_that_would_go_elsewhere(operator_client):
    premier = routable_partner(
        name="Premier One Skill", tier=PartnerTier.PREMIER, competencies=["generative_ai"]
    )
    skilled = routable_partner(
        name="Select Skilled",
        tier=PartnerTier.SELECT,
        competencies=["generative_ai", "machine_learning"],
    )
    settings_row = RoutingSettings.load()
    for name in ("competency", "stage", "industry", "track_record", "load"):
        setattr(settings_row, f"{name}_weight", 0)
    settings_row.tier_weight = 100
    settings_row.save()
    intake = IntakeFactory()
    lead = lead_route(startup_id=intake.startup_id).lead
    assert lead.partner == premier
    change = reverse("admin:matching_routingsettings_change", args=[settings_row.pk])
    form = operator_client.get(change).context["adminform"].form
    data = {name: form.initial[name] for name in form.fields}
    preview = reverse("admin:matching_routingsettings_preview", args=[settings_row.pk])
    before = RoutingSettings.objects.values().get()

    kept = operator_client.post(preview, data)
    moved = operator_client.post(preview, {**data, "tier_weight": 0, "competency_weight": 100})

    assert kept.status_code == 200 and kept.context["moved"] == []
    assert "0 open leads would now go elsewhere" in kept.content.decode()
    [row] = moved.context["moved"]
    assert (row["lead"], row["now"], row["would"].partner_id) == (lead, premier, skilled.pk)
    assert "1 open lead would now go elsewhere" in moved.content.decode()
    assert RoutingSettings.objects.values().get() == before  # nothing saved
    assert Lead.objects.get(pk=lead.pk).partner == premier
    assert 'data-testid="settings-preview"' in operator_client.get(change).content.decode()


def test_a_read_only_operator_may_simulate_but_not_preview_settings(client):
    viewer = UserFactory(email="vic@cloudroute.test", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(viewer)
    settings_row = RoutingSettings.load()
    preview = reverse("admin:matching_routingsettings_preview", args=[settings_row.pk])

    assert client.post(preview, {"tier_weight": 0}).status_code == 403
    # A dry run changes nothing: reading intakes is enough for it.
    intake = IntakeFactory()
    assert client.get(f"{INTAKES}{intake.pk}/simulate/").status_code == 200
    change = client.get(reverse("admin:matching_routingsettings_change", args=[settings_row.pk]))
    assert 'data-testid="settings-preview"' not in change.content.decode()
