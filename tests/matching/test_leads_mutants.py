"""Lead behaviour the mutation run (tools/mutate.py, docs/testing.md) found untested: the
accept-by boundary, and an expiry sweep that meets leads changed while it waited for locks."""

import datetime as dt

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from matching import tasks
from matching.models import IntakeStatus, Lead, LeadNote, LeadStatus, PartnerTier, RoutingStatus
from matching.services import (
    LeadActionError,
    lead_accept,
    lead_decline,
    lead_note_add,
    lead_route,
    leads_expire,
)
from matching.services import leads as lead_services
from tests.factories import IntakeFactory
from tests.matching.routing_helpers import make_overdue, routable_partner
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def _offered_lead() -> Lead:
    routable_partner(tier=PartnerTier.PREMIER)
    intake = IntakeFactory(status=IntakeStatus.READY)
    return lead_route(startup_id=intake.startup_id).lead


def _overdue_leads(count: int) -> list[Lead]:
    """`count` offered leads of different startups, each past its accept-by time, oldest first."""
    leads = []
    for age in range(count, 0, -1):
        lead = _offered_lead()
        make_overdue(lead)
        now = timezone.now()
        Lead.objects.filter(pk=lead.pk).update(accept_by=now - dt.timedelta(minutes=age))
        leads.append(lead)
    return leads


def test_it_accepts_a_lead_at_exactly_its_accept_by_time(monkeypatch):
    """A partner clicking accept at the very second the countdown ends still gets the lead."""
    lead = _offered_lead()
    monkeypatch.setattr(lead_services.timezone, "now", lambda: lead.accept_by)

    accepted = lead_accept(lead_id=lead.pk, partner=lead.partner, actor=None)

    assert accepted.status == LeadStatus.ACCEPTED
    assert accepted.responded_at == lead.accept_by


def test_the_sweep_expires_the_rest_after_a_lead_accepted_while_it_waited(monkeypatch):
    """A lead accepted during the expiry sweep stays accepted, and the overdue leads after it
    still expire and move on to the next partner."""
    accepted, overdue = _overdue_leads(2)
    real = lead_services._locked_intake_then_lead

    def accepted_meanwhile(*, lead_id, partner=None):
        if lead_id == accepted.pk:  # the partner's accept took the locks first
            Lead.objects.filter(pk=lead_id).update(status=LeadStatus.ACCEPTED)
        return real(lead_id=lead_id, partner=partner)

    monkeypatch.setattr(lead_services, "_locked_intake_then_lead", accepted_meanwhile)

    assert leads_expire() == [overdue.pk]
    accepted.refresh_from_db()
    overdue.refresh_from_db()
    assert (accepted.status, overdue.status) == (LeadStatus.ACCEPTED, LeadStatus.EXPIRED)


def test_the_sweep_expires_the_rest_after_a_lead_deleted_while_it_waited(monkeypatch):
    """An overdue lead whose startup was deleted during the sweep does not stop the sweep."""
    gone, overdue = _overdue_leads(2)
    real = lead_services._locked_intake_then_lead

    def deleted_meanwhile(*, lead_id, partner=None):
        if lead_id == gone.pk:
            Lead.objects.filter(pk=lead_id).delete()
        return real(lead_id=lead_id, partner=partner)

    monkeypatch.setattr(lead_services, "_locked_intake_then_lead", deleted_meanwhile)

    assert leads_expire() == [overdue.pk]


def test_the_sweep_expires_the_longest_overdue_leads_first_up_to_its_limit():
    """A sweep capped at N expires the N leads whose accept-by time passed longest ago."""
    oldest, middle, newest = _overdue_leads(3)

    assert leads_expire(limit=2) == [oldest.pk, middle.pk]
    newest.refresh_from_db()
    assert newest.status == LeadStatus.OFFERED


@pytest.fixture
def broker_down(monkeypatch):
    """Every e-mail and routing task of the lead flow fails to reach the broker."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    for task in (
        tasks.email_lead_offered,
        tasks.email_lead_accepted,
        tasks.email_operators_unrouted,
        tasks.route_startup,
    ):
        monkeypatch.setattr(task, "delay", refuse)


def test_a_broker_outage_does_not_undo_an_offer_or_an_accept(
    broker_down, django_capture_on_commit_callbacks
):
    """With the broker down the partner still gets the offer and the accept still stands;
    only the e-mails wait."""
    routable_partner()
    intake = IntakeFactory(status=IntakeStatus.READY)

    with django_capture_on_commit_callbacks(execute=True):
        lead = lead_route(startup_id=intake.startup_id).lead
    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=lead.pk, partner=lead.partner, actor=None)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED


def test_a_broker_outage_does_not_undo_a_decline_an_expiry_or_an_unrouted_queue(
    broker_down, django_capture_on_commit_callbacks
):
    """With the broker down a decline, an expiry and "no partner fits" are still recorded;
    the sweeper routes the startups later."""
    declined, expired = _offered_lead(), _offered_lead()
    make_overdue(expired)
    nobody = IntakeFactory(status=IntakeStatus.READY, workload__region="eu-central-1")

    with django_capture_on_commit_callbacks(execute=True):
        lead_decline(lead_id=declined.pk, partner=declined.partner, actor=None, reason="not_a_fit")
    with django_capture_on_commit_callbacks(execute=True):
        assert leads_expire() == [expired.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert lead_route(startup_id=nobody.startup_id).lead is None

    assert [Lead.objects.get(pk=lead.pk).status for lead in (declined, expired)] == [
        LeadStatus.DECLINED,
        LeadStatus.EXPIRED,
    ]
    nobody.refresh_from_db()
    assert nobody.routing_status == RoutingStatus.UNROUTED


@pytest.mark.parametrize("end", ["accepted", "expired"])
def test_a_partner_cannot_decline_a_lead_already_accepted_or_expired(end):
    """Declining a lead that is no longer open is refused and leaves the lead as it was."""
    lead = _offered_lead()
    if end == "accepted":
        lead_accept(lead_id=lead.pk, partner=lead.partner, actor=None)
    else:
        make_overdue(lead)
        leads_expire()

    with pytest.raises(LeadActionError, match="no longer open"):
        lead_decline(lead_id=lead.pk, partner=lead.partner, actor=None, reason="not_a_fit")

    lead.refresh_from_db()
    assert lead.status == end


@pytest.mark.parametrize("body", ["", "   \n"], ids=["empty", "blank"])
def test_a_blank_note_is_refused_and_not_stored(body):
    """A partner saving an empty note is asked to write something; no note appears."""
    lead = _offered_lead()

    with pytest.raises(LeadActionError, match="Write something in the note."):
        lead_note_add(lead_id=lead.pk, partner=lead.partner, actor=None, body=body)

    assert not LeadNote.objects.filter(lead=lead).exists()


def test_a_note_is_stored_trimmed_and_shows_in_the_audit_trail():
    """A partner's note is kept without surrounding blanks, and operators see it was added."""
    lead = _offered_lead()

    note = lead_note_add(lead_id=lead.pk, partner=lead.partner, actor=None, body="  Call Tue. ")

    assert LeadNote.objects.get(lead=lead).body == "Call Tue."
    event = AuditEvent.objects.get(action="lead.noted")
    assert event.data == {"note": note.pk}


def test_an_expired_lead_shows_in_the_audit_trail():
    """Operators see in the audit trail that the sweep expired the offer."""
    (lead,) = _overdue_leads(1)

    leads_expire()

    assert AuditEvent.objects.filter(action="lead.expired", actor=None).count() == 1
