"""Services of the intake flow (intake_submit, intake_process, intakes_stuck_requeue) and the
database constraints of matching's models that those services rely on."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from matching import services, tasks
from matching.models import DeclineReason, IdempotencyKey, Intake, IntakeStatus, Lead, LeadStatus
from matching.services.intake import INTAKE_LEASE
from tests.factories import (
    INTAKE_PAYLOAD,
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    UserFactory,
)
from workloads.models import AuditEvent, Startup, Workload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def _age(intake, seconds: int) -> None:
    """Pretend the intake was last touched `seconds` ago (auto_now ignores update())."""
    Intake.objects.filter(pk=intake.pk).update(
        updated_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


# --- intake_submit -------------------------------------------------------------------------


def _workload_values() -> dict:
    workload = dict(INTAKE_PAYLOAD["workload"])
    escalation = workload.pop("escalation")
    return {
        **workload,
        "escalation_sonnet": escalation["sonnet"],
        "escalation_opus": escalation["opus"],
    }


def _company_values() -> dict:
    return {**INTAKE_PAYLOAD["company"], "founded_on": dt.date(2023, 5, 10)}


def test_it_saves_the_intake_with_the_typed_address_and_no_account():
    intake, token = services.intake_submit(
        company=_company_values(),
        founder_name="Sam Service",
        founder_email="  Sam@Example.COM ",
        workload=_workload_values(),
    )

    assert (intake.founder, intake.confirmed_at) == (None, None)
    assert intake.startup.founder is None
    assert (intake.email, intake.founder_name) == ("sam@example.com", "Sam Service")
    assert not UserFactory._meta.model.objects.filter(email__iexact="sam@example.com").exists()
    assert intake.access_token_hash == services.intake_token_hash(token)
    assert intake.status == IntakeStatus.RECEIVED


def test_it_creates_a_new_founder_account_with_an_unusable_password_on_confirmation():
    intake, _ = services.intake_submit(
        company=_company_values(),
        founder_name="Sam Service",
        founder_email="  Sam@Example.COM ",
        workload=_workload_values(),
    )

    confirmed = services.intake_confirm(intake_id=intake.pk, email=intake.email)

    founder = confirmed.founder
    assert (founder.email, founder.full_name) == ("sam@example.com", "Sam Service")
    assert not founder.has_usable_password()
    assert confirmed.confirmed_at is not None
    assert Startup.objects.get(pk=intake.startup_id).founder == founder


def test_it_saves_nothing_of_an_intake_when_one_row_fails(monkeypatch):
    def broken_create(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Intake.objects, "create", broken_create)
    before = (Startup.objects.count(), Workload.objects.count(), AuditEvent.objects.count())

    with pytest.raises(RuntimeError):
        services.intake_submit(
            company=_company_values(),
            founder_name="Sam Service",
            founder_email="sam@example.com",
            workload=_workload_values(),
        )

    after = (Startup.objects.count(), Workload.objects.count(), AuditEvent.objects.count())
    assert after == before
    assert not UserFactory._meta.model.objects.filter(email="sam@example.com").exists()


def test_it_hashes_tokens_with_a_stable_sha256_hex_digest():
    assert services.intake_token_hash("abc") == services.intake_token_hash("abc")
    assert services.intake_token_hash("abc") != services.intake_token_hash("abd")
    assert len(services.intake_token_hash("abc")) == 64


# --- intake_process ------------------------------------------------------------------------


def test_it_processes_a_received_intake_to_ready():
    intake = IntakeFactory()

    result = services.intake_process(intake_id=intake.pk)

    intake.refresh_from_db()
    assert result.pk == intake.pk
    assert intake.status == IntakeStatus.READY
    assert intake.attempts == 1
    assert intake.processed_at is not None
    event = AuditEvent.objects.get(action="intake.processed")
    assert event.actor is None
    assert event.subject == intake


def test_it_processes_an_intake_only_once():
    intake = IntakeFactory()
    services.intake_process(intake_id=intake.pk)
    intake.refresh_from_db()
    first = (intake.status, intake.attempts, intake.processed_at, intake.updated_at)

    again = services.intake_process(intake_id=intake.pk)

    intake.refresh_from_db()
    assert (intake.status, intake.attempts, intake.processed_at, intake.updated_at) == first
    assert intake.attempts == 1
    assert again.status == IntakeStatus.READY
    assert AuditEvent.objects.filter(action="intake.processed").count() == 1


def test_it_resumes_an_intake_left_processing_once_its_lease_ran_out():
    intake = IntakeFactory(status=IntakeStatus.PROCESSING, attempts=1)
    _age(intake, int(INTAKE_LEASE.total_seconds()) + 60)

    services.intake_process(intake_id=intake.pk)

    intake.refresh_from_db()
    assert intake.status == IntakeStatus.READY
    assert intake.attempts == 2


def test_it_leaves_a_failed_intake_to_an_operator():
    intake = IntakeFactory(status=IntakeStatus.FAILED, attempts=5)

    result = services.intake_process(intake_id=intake.pk)

    intake.refresh_from_db()
    assert result.status == IntakeStatus.FAILED
    assert (intake.status, intake.attempts, intake.processed_at) == (IntakeStatus.FAILED, 5, None)
    assert not AuditEvent.objects.filter(action="intake.processed").exists()


def test_it_processes_an_unknown_intake_to_none():
    assert services.intake_process(intake_id=987_654) is None


def test_it_reports_the_status_from_the_process_task():
    intake = IntakeFactory()

    assert tasks.process_intake.delay(intake.pk).get() == IntakeStatus.READY
    assert tasks.process_intake.delay(987_654).get() is None


def test_it_emails_nobody_for_an_unknown_intake(mailoutbox):
    tasks.email_intake_confirmation.delay(987_654)

    assert mailoutbox == []


# --- intakes_stuck_requeue --------------------------------------------------------------------


def test_it_requeues_only_stale_pending_intakes(
    django_capture_on_commit_callbacks,
):
    stale_received = IntakeFactory(status=IntakeStatus.RECEIVED)
    stale_processing = IntakeFactory(status=IntakeStatus.PROCESSING)
    fresh_received = IntakeFactory(status=IntakeStatus.RECEIVED)
    stale_ready = IntakeFactory(status=IntakeStatus.READY)
    stale_failed = IntakeFactory(status=IntakeStatus.FAILED)
    for intake in (stale_received, stale_processing, stale_ready, stale_failed):
        _age(intake, 600)
    _age(fresh_received, 30)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = services.intakes_stuck_requeue(older_than_seconds=120)

    assert sorted(ids) == sorted([stale_received.pk, stale_processing.pk])
    assert len(callbacks) == 2


def test_it_processes_requeued_intakes_after_commit(
    django_capture_on_commit_callbacks,
):
    stale = IntakeFactory(status=IntakeStatus.RECEIVED)
    fresh = IntakeFactory(status=IntakeStatus.RECEIVED)
    _age(stale, 600)

    with django_capture_on_commit_callbacks(execute=True):
        ids = services.intakes_stuck_requeue(older_than_seconds=120)

    assert ids == [stale.pk]
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == IntakeStatus.READY
    assert fresh.status == IntakeStatus.RECEIVED


def test_it_requeues_the_oldest_first_up_to_the_limit():
    intakes = [IntakeFactory() for _ in range(4)]
    for age, intake in zip([900, 300, 700, 500], intakes, strict=True):
        _age(intake, age)

    ids = services.intakes_stuck_requeue(older_than_seconds=120, limit=3)

    assert ids == [intakes[0].pk, intakes[2].pk, intakes[3].pk]


def test_it_requeues_nothing_when_nothing_is_stuck():
    IntakeFactory()  # just received

    assert services.intakes_stuck_requeue(older_than_seconds=120) == []


def test_it_counts_what_the_sweeper_task_requeued():
    _age(IntakeFactory(), 600)
    IntakeFactory()

    assert tasks.sweep_pending_intakes.delay().get() == 1


# --- Matching's database constraints (the routing and intake services rely on them) ----------


def _refused_by_the_database(factory, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**values)


def test_it_refuses_a_declined_lead_without_a_reason():
    _refused_by_the_database(LeadFactory, status=LeadStatus.DECLINED, decline_reason="")

    assert not Lead.objects.exists()


def test_it_accepts_a_declined_lead_with_a_reason():
    lead = LeadFactory(status=LeadStatus.DECLINED, decline_reason=DeclineReason.NO_CAPACITY)

    assert Lead.objects.get(pk=lead.pk).decline_reason == "no_capacity"


@pytest.mark.parametrize("first_status", list(LeadStatus))
def test_it_never_offers_one_startup_to_one_partner_twice(first_status):
    reason = DeclineReason.NOT_A_FIT if first_status == LeadStatus.DECLINED else ""
    first = LeadFactory(status=first_status, decline_reason=reason)

    _refused_by_the_database(
        LeadFactory,
        workload=first.workload,
        partner=first.partner,
        status=LeadStatus.EXPIRED,
    )

    assert Lead.objects.count() == 1


@pytest.mark.parametrize("live", [LeadStatus.OFFERED, LeadStatus.ACCEPTED])
def test_it_refuses_two_live_leads_for_one_startup(live):
    first = LeadFactory(status=live)

    _refused_by_the_database(LeadFactory, workload=first.workload, status=LeadStatus.OFFERED)

    assert Lead.objects.count() == 1


@pytest.mark.parametrize("closed", [LeadStatus.DECLINED, LeadStatus.EXPIRED, LeadStatus.WITHDRAWN])
def test_it_lets_another_partner_have_the_startup_after_a_closed_lead(closed):
    reason = DeclineReason.NOT_A_FIT if closed == LeadStatus.DECLINED else ""
    first = LeadFactory(status=closed, decline_reason=reason)

    second = LeadFactory(workload=first.workload)

    assert second.partner != first.partner
    assert Lead.objects.filter(startup=first.startup).count() == 2


def test_it_refuses_a_lead_whose_deadline_is_not_after_the_offer():
    now = timezone.now()

    _refused_by_the_database(LeadFactory, offered_at=now, accept_by=now)
    _refused_by_the_database(LeadFactory, offered_at=now, accept_by=now - dt.timedelta(hours=1))


@pytest.mark.parametrize("rate", [Decimal("-0.01"), Decimal("1.01")])
def test_it_refuses_a_commission_outside_zero_to_one(rate):
    _refused_by_the_database(PartnerFactory, commission_rate=rate)


def test_it_refuses_vetting_that_expires_before_it_happened():
    _refused_by_the_database(
        PartnerFactory, vetted_on=dt.date(2025, 6, 1), vetting_expires_on=dt.date(2025, 5, 31)
    )


def test_it_refuses_two_partners_with_one_slug():
    PartnerFactory(slug="northwind")

    _refused_by_the_database(PartnerFactory, slug="northwind")


def test_it_puts_a_user_in_one_partner_firm_only():
    membership = PartnerMembershipFactory()

    _refused_by_the_database(PartnerMembershipFactory, user=membership.user)


def test_it_refuses_one_idempotency_key_twice_in_a_scope():
    values = {"request_fingerprint": "f", "response_status": 201, "response_body": {}}
    IdempotencyKey.objects.create(scope="intake.create", key="k1", **values)
    IdempotencyKey.objects.create(scope="other.scope", key="k1", **values)

    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyKey.objects.create(scope="intake.create", key="k1", **values)


def test_it_refuses_two_intakes_with_one_token_hash():
    first = IntakeFactory()

    _refused_by_the_database(IntakeFactory, access_token_hash=first.access_token_hash)


def test_it_refuses_two_intakes_for_one_workload():
    first = IntakeFactory()

    _refused_by_the_database(IntakeFactory, workload=first.workload)
