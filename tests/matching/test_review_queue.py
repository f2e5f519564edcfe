"""The operators' review queue at its edges (matching.selectors.review_queue_conditions): what
makes an intake lapsed, an SLA breach or unrouted, the same in the admin index's counts
(ops_queue_counts) as in the intake list's `?queue=` filter (issue 19 rewrote both)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import selectors
from matching.models import DeclineReason, Intake, LeadStatus, RoutingStatus
from tests.factories import IntakeFactory, LeadFactory, PartnerFactory, UserFactory, WorkloadFactory
from tests.matching.routing_helpers import make_overdue

pytestmark = [pytest.mark.django_db]

INTAKES = reverse("admin:matching_intake_changelist")
LABELS = {  # the ops_queue_counts rows, by the queue each opens
    "unrouted": "Unrouted: no partner left",
    "lapsed": "Lapsed: latest offer expired or declined, nothing live",
    "sla": "SLA breaches: offers past their accept-by time",
}


def lead(intake: Intake, status: str = LeadStatus.OFFERED, **fields):
    if status == LeadStatus.DECLINED:
        fields.setdefault("decline_reason", DeclineReason.NOT_A_FIT)
    return LeadFactory(workload=intake.workload, partner=PartnerFactory(), status=status, **fields)


def in_queue(name: str) -> set[int]:
    conditions = selectors.review_queue_conditions()
    return set(Intake.objects.filter(conditions[name]).values_list("pk", flat=True))


def counts() -> dict[str, int]:
    by_label = {row["label"]: row["count"] for row in selectors.ops_queue_counts()}
    return {name: by_label[label] for name, label in LABELS.items()}


@pytest.fixture
def edges():
    """Intakes on each side of each queue's line."""
    made = {name: IntakeFactory(routing_status=RoutingStatus.OFFERED) for name in (
        "expired_then_offered", "declined_then_accepted", "expired_only", "declined_only",
        "withdrawn_only", "expired_and_withdrawn", "no_lead", "offered_in_time",
        "offered_overdue", "expired_overdue", "accepted_overdue", "withdrawn_overdue",
    )}  # fmt: skip
    lead(made["expired_then_offered"], LeadStatus.EXPIRED)
    lead(made["expired_then_offered"], LeadStatus.OFFERED)
    lead(made["declined_then_accepted"], LeadStatus.DECLINED)
    lead(made["declined_then_accepted"], LeadStatus.ACCEPTED)
    lead(made["expired_only"], LeadStatus.EXPIRED)
    lead(made["declined_only"], LeadStatus.DECLINED)
    lead(made["withdrawn_only"], LeadStatus.WITHDRAWN)
    lead(made["expired_and_withdrawn"], LeadStatus.EXPIRED)
    lead(made["expired_and_withdrawn"], LeadStatus.WITHDRAWN)
    lead(made["offered_in_time"], LeadStatus.OFFERED)
    make_overdue(lead(made["offered_overdue"], LeadStatus.OFFERED))
    for name, status in [
        ("expired_overdue", LeadStatus.EXPIRED),
        ("accepted_overdue", LeadStatus.ACCEPTED),
        ("withdrawn_overdue", LeadStatus.WITHDRAWN),
    ]:
        make_overdue(lead(made[name], status))
    # Unrouted: no partner left, after one declined (so lapsed as well).
    made["unrouted_declined"] = IntakeFactory(routing_status=RoutingStatus.UNROUTED)
    lead(made["unrouted_declined"], LeadStatus.DECLINED)
    made["unrouted_fresh"] = IntakeFactory(routing_status=RoutingStatus.UNROUTED)
    return made


def ids(edges, *names) -> set[int]:
    return {edges[name].pk for name in names}


def test_lapsed_is_an_ended_lead_and_nothing_live(edges):
    assert in_queue("lapsed") == ids(
        edges, "expired_only", "declined_only", "expired_and_withdrawn", "expired_overdue",
        "unrouted_declined",
    )  # fmt: skip


def test_an_sla_breach_is_an_offer_past_its_accept_by_time(edges):
    assert in_queue("sla") == ids(edges, "offered_overdue")


def test_unrouted_is_the_routing_status_alone(edges):
    assert in_queue("unrouted") == ids(edges, "unrouted_declined", "unrouted_fresh")


def test_the_counts_are_the_lists_sizes(edges):
    assert counts() == {"unrouted": 2, "lapsed": 5, "sla": 1}


def test_one_startups_live_lead_does_not_hide_anothers_lapse():
    lapsed = IntakeFactory()
    lead(lapsed, LeadStatus.EXPIRED)
    live = IntakeFactory()
    lead(live, LeadStatus.EXPIRED)
    lead(live, LeadStatus.ACCEPTED)

    assert in_queue("lapsed") == {lapsed.pk}


def test_every_intake_of_a_lapsed_startup_is_counted():
    """Queues are per intake, as before the rewrite: a startup's two versions count twice."""
    first = IntakeFactory()
    again = IntakeFactory(workload=WorkloadFactory(startup=first.startup))
    lead(first, LeadStatus.DECLINED)

    assert in_queue("lapsed") == {first.pk, again.pk}
    assert counts()["lapsed"] == 2


def test_an_offer_becomes_a_breach_only_once_its_time_is_up():
    intake = IntakeFactory(routing_status=RoutingStatus.OFFERED)
    now = timezone.now()
    lead(intake, offered_at=now - dt.timedelta(hours=3), accept_by=now + dt.timedelta(minutes=1))

    assert in_queue("sla") == set()
    assert counts()["sla"] == 0


def test_the_admin_filter_lists_each_queue_once(client, edges):
    client.force_login(UserFactory(email="olive@cloudroute.test", is_staff=True, is_superuser=True))
    expected = {
        "lapsed": ids(
            edges, "expired_only", "declined_only", "expired_and_withdrawn", "expired_overdue",
            "unrouted_declined",
        ),
        "sla": ids(edges, "offered_overdue"),
        "unrouted": ids(edges, "unrouted_declined", "unrouted_fresh"),
    }  # fmt: skip
    expected["all"] = set().union(*expected.values())
    for queue, wanted in expected.items():
        response = client.get(INTAKES, {"queue": queue})
        listed = [row.pk for row in response.context["cl"].result_list]
        assert sorted(listed) == sorted(wanted), queue  # each once: no join repeats a row
        assert response.context["cl"].result_count == len(wanted), queue


def test_a_queue_has_no_date_hierarchy_and_the_full_list_keeps_it(client, edges):
    """A queue is worked as a whole: its page skips the hierarchy's two queries over the
    queue's filter (matching.admin.intakes.IntakeChangeList); the plain list keeps it."""
    client.force_login(UserFactory(email="olive@cloudroute.test", is_staff=True, is_superuser=True))
    queue = client.get(INTAKES, {"queue": "all"})
    full = client.get(INTAKES)
    assert queue.status_code == full.status_code == 200
    assert queue.context["cl"].date_hierarchy is None
    assert full.context["cl"].date_hierarchy == "created_at"
    assert b'<nav class="toplinks">' in full.content
    assert b'<nav class="toplinks">' not in queue.content
    # A date chosen on the full list still filters it.
    year = timezone.now().year
    dated = client.get(INTAKES, {"created_at__year": year})
    assert dated.status_code == 200 and dated.context["cl"].result_count == len(edges)
