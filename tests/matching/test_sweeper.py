"""The intake's lease and the beat sweeper (matching.tasks.sweep_pending_intakes).

`intake_process` claims an intake before it works on it, so a redelivered or duplicated task
never runs beside the one holding the claim; the sweeper re-enqueues what never ran (or whose
worker died) without piling up copies; and a decline or an expiry whose routing task never
reached the broker is routed onward by the sweeper instead of waiting forever.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from matching import services, tasks
from matching.models import (
    Intake,
    IntakeStatus,
    Lead,
    LeadStatus,
    PartnerTier,
    RoutingStatus,
    RoutingTrigger,
)
from matching.services import intake as intake_services
from matching.services import leads as lead_services
from matching.services.intake import INTAKE_LEASE, MAX_ATTEMPTS
from tests.factories import IntakeFactory
from tests.matching.routing_helpers import make_overdue, routable_partner
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

LEASE_SECONDS = int(INTAKE_LEASE.total_seconds())


def _age(intake: Intake, seconds: int) -> None:
    """Pretend the intake was last touched `seconds` ago (auto_now ignores update())."""
    Intake.objects.filter(pk=intake.pk).update(
        updated_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


@pytest.fixture
def steps(monkeypatch):
    """Count the runs of the intake's steps (the eligibility refresh is the first one)."""
    runs: list[int] = []
    real = intake_services.startup_credits_refresh

    def counting(**kwargs):
        runs.append(kwargs["startup_id"])
        return real(**kwargs)

    monkeypatch.setattr(intake_services, "startup_credits_refresh", counting)
    return runs


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing `matching.route_startup` fails, as it does when Redis is unreachable."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.route_startup, "delay", refuse)
    return monkeypatch


def test_the_lease_outlasts_the_hard_task_time_limit():
    assert dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) < INTAKE_LEASE


# --- the claim in intake_process ------------------------------------------------------------


def test_it_leaves_an_intake_processing_inside_its_lease_to_its_worker(steps):
    intake = IntakeFactory(status=IntakeStatus.PROCESSING, attempts=1)
    _age(intake, LEASE_SECONDS - 60)
    before = Intake.objects.get(pk=intake.pk)

    result = services.intake_process(intake_id=intake.pk)

    intake.refresh_from_db()
    assert result.status == IntakeStatus.PROCESSING
    assert (intake.status, intake.attempts, intake.updated_at) == (
        IntakeStatus.PROCESSING,
        1,
        before.updated_at,
    )
    assert steps == []
    assert not AuditEvent.objects.filter(action="intake.processed").exists()


def test_it_claims_an_intake_whose_lease_ran_out_and_finishes_it(steps):
    intake = IntakeFactory(status=IntakeStatus.PROCESSING, attempts=1)
    _age(intake, LEASE_SECONDS + 1)

    services.intake_process(intake_id=intake.pk)

    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.READY, 2)
    assert steps == [intake.startup_id]


def test_a_duplicate_delivery_during_a_run_does_nothing(monkeypatch):
    """Two copies of the task: the second arrives while the first is in its steps."""
    intake = IntakeFactory()
    runs: list[str] = []
    real = intake_services.startup_credits_refresh

    def first_run_steps(**kwargs):
        runs.append("step")
        if len(runs) == 1:
            duplicate = services.intake_process(intake_id=intake.pk)
            runs.append(f"duplicate saw {duplicate.status} #{duplicate.attempts}")
        return real(**kwargs)

    monkeypatch.setattr(intake_services, "startup_credits_refresh", first_run_steps)

    services.intake_process(intake_id=intake.pk)

    assert runs == ["step", "duplicate saw processing #1"]
    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.READY, 1)
    assert AuditEvent.objects.filter(action="intake.processed").count() == 1


def test_a_worker_whose_claim_was_taken_over_does_not_finish_the_intake(monkeypatch):
    intake = IntakeFactory()

    def overtaken(**kwargs):
        # Meanwhile the lease ran out and another worker claimed the intake (attempt 2).
        Intake.objects.filter(pk=intake.pk).update(attempts=2)

    monkeypatch.setattr(intake_services, "startup_credits_refresh", overtaken)

    services.intake_process(intake_id=intake.pk)

    intake.refresh_from_db()
    assert (intake.status, intake.attempts, intake.processed_at) == (
        IntakeStatus.PROCESSING,
        2,
        None,
    )
    assert not AuditEvent.objects.filter(action="intake.processed").exists()


def test_a_failed_step_gives_the_claim_back_for_the_retry(monkeypatch):
    intake = IntakeFactory()
    real = intake_services.startup_credits_refresh
    calls: list[int] = []

    def fails_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("eligibility service hiccup")
        return real(**kwargs)

    monkeypatch.setattr(intake_services, "startup_credits_refresh", fails_once)

    with pytest.raises(RuntimeError, match="hiccup"):
        services.intake_process(intake_id=intake.pk)
    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.RECEIVED, 1)

    services.intake_process(intake_id=intake.pk)  # Celery's retry, seconds later
    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.READY, 2)


def test_it_fails_an_intake_claimed_max_attempts_times(steps):
    intake = IntakeFactory(status=IntakeStatus.PROCESSING, attempts=MAX_ATTEMPTS)
    _age(intake, LEASE_SECONDS + 1)

    result = services.intake_process(intake_id=intake.pk)

    intake.refresh_from_db()
    assert result.status == IntakeStatus.FAILED
    assert (intake.status, intake.attempts, intake.processed_at) == (
        IntakeStatus.FAILED,
        MAX_ATTEMPTS,
        None,
    )
    assert steps == []
    event = AuditEvent.objects.get(action="intake.failed")
    assert (event.subject, event.actor, event.data) == (intake, None, {"attempts": MAX_ATTEMPTS})
    # Failed is for the operators: neither a task nor the sweeper touches it again.
    assert services.intake_process(intake_id=intake.pk).status == IntakeStatus.FAILED
    _age(intake, 10 * LEASE_SECONDS)
    assert services.intakes_stuck_requeue() == []


def test_an_intake_whose_steps_always_fail_ends_failed_after_five_attempts(monkeypatch):
    intake = IntakeFactory()

    def broken(**kwargs):
        raise RuntimeError("always broken")

    monkeypatch.setattr(intake_services, "startup_credits_refresh", broken)

    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(RuntimeError):
            services.intake_process(intake_id=intake.pk)
    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.RECEIVED, MAX_ATTEMPTS)

    services.intake_process(intake_id=intake.pk)  # the sixth delivery runs nothing

    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.FAILED, MAX_ATTEMPTS)
    assert AuditEvent.objects.filter(action="intake.failed").count() == 1


# --- intakes_stuck_requeue ------------------------------------------------------------------


def test_the_sweeper_leaves_an_intake_processing_inside_its_lease_alone(
    django_capture_on_commit_callbacks,
):
    intake = IntakeFactory(status=IntakeStatus.PROCESSING, attempts=1)
    _age(intake, LEASE_SECONDS - 60)  # well past the 120 s cutoff for received intakes

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = services.intakes_stuck_requeue(older_than_seconds=120)

    assert ids == [] and callbacks == []
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.PROCESSING


def test_the_sweeper_requeues_an_intake_whose_lease_ran_out_and_it_gets_processed(
    django_capture_on_commit_callbacks, steps
):
    intake = IntakeFactory(status=IntakeStatus.PROCESSING, attempts=1)
    _age(intake, LEASE_SECONDS + 1)

    with django_capture_on_commit_callbacks(execute=True):
        ids = services.intakes_stuck_requeue(older_than_seconds=120)

    assert ids == [intake.pk]
    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.READY, 2)
    assert steps == [intake.startup_id]


@pytest.mark.parametrize(
    ("status", "age"),
    [(IntakeStatus.RECEIVED, 600), (IntakeStatus.PROCESSING, LEASE_SECONDS + 1)],
)
def test_the_sweeper_does_not_requeue_a_row_whose_task_is_still_queued(
    django_capture_on_commit_callbacks, status, age
):
    intake = IntakeFactory(status=status, attempts=1)
    _age(intake, age)
    started = timezone.now()

    with django_capture_on_commit_callbacks(execute=False) as first:  # the task waits in Redis
        first_ids = services.intakes_stuck_requeue(older_than_seconds=120)
    with django_capture_on_commit_callbacks(execute=False) as second:  # a minute later
        second_ids = services.intakes_stuck_requeue(older_than_seconds=120)

    assert (first_ids, len(first)) == ([intake.pk], 1)
    assert (second_ids, second) == ([], [])
    intake.refresh_from_db()
    # Back to received with a fresh timestamp: the queued task can claim it, and the sweeper
    # comes back to it only if it is still waiting after the cutoff.
    assert intake.status == IntakeStatus.RECEIVED
    assert intake.updated_at >= started
    _age(intake, 600)
    assert services.intakes_stuck_requeue(older_than_seconds=120) == [intake.pk]


# --- a lost routing enqueue after a decline or an expiry --------------------------------------


@pytest.fixture
def offered():
    """A processed intake offered to the first of two partners."""
    first = routable_partner(tier=PartnerTier.PREMIER)
    second = routable_partner(tier=PartnerTier.SELECT)
    intake = IntakeFactory(status=IntakeStatus.READY)
    lead = services.lead_route(startup_id=intake.startup_id).lead
    assert lead.partner == first
    return intake, lead, second


def _decline(lead: Lead) -> None:
    services.lead_decline(lead_id=lead.pk, partner=lead.partner, actor=None, reason="no_capacity")


def _expire(lead: Lead) -> None:
    make_overdue(lead)
    assert services.leads_expire() == [lead.pk]


@pytest.mark.parametrize(
    ("end_offer", "trigger"),
    [(_decline, RoutingTrigger.DECLINED), (_expire, RoutingTrigger.EXPIRED)],
    ids=["decline", "expiry"],
)
def test_a_lost_routing_enqueue_is_routed_onward_by_the_sweeper(
    offered, broker_down, django_capture_on_commit_callbacks, end_offer, trigger
):
    intake, lead, second = offered

    with django_capture_on_commit_callbacks(execute=True):
        end_offer(lead)  # its on-commit enqueue of route_startup raises, and is swallowed

    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.NOT_ROUTED
    assert not Lead.objects.filter(startup=intake.startup, status__in=Lead.LIVE_STATUSES).exists()

    broker_down.undo()  # Redis is back
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_pending_intakes.delay().get() == 0  # too early: the task may be queued
    _age(intake, 600)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_pending_intakes.delay().get() == 1

    onward = Lead.objects.get(startup=intake.startup, status=LeadStatus.OFFERED)
    assert onward.partner == second
    assert onward.decision.trigger == trigger
    intake.refresh_from_db()
    assert intake.routing_status == RoutingStatus.OFFERED


def test_the_unrouted_sweep_picks_only_stale_processed_unrouted_intakes(
    django_capture_on_commit_callbacks,
):
    stale = IntakeFactory(status=IntakeStatus.READY)
    fresh = IntakeFactory(status=IntakeStatus.READY)
    still_processing = IntakeFactory(status=IntakeStatus.PROCESSING)
    others = [
        IntakeFactory(status=IntakeStatus.READY, routing_status=status)
        for status in (RoutingStatus.OFFERED, RoutingStatus.ACCEPTED, RoutingStatus.UNROUTED)
    ]
    for intake in (stale, still_processing, *others):
        _age(intake, 600)
    _age(fresh, 30)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = services.intakes_unrouted_requeue(older_than_seconds=120)
    with django_capture_on_commit_callbacks(execute=False) as again:
        ids_again = services.intakes_unrouted_requeue(older_than_seconds=120)

    assert (ids, len(callbacks)) == ([stale.pk], 1)
    assert (ids_again, again) == ([], [])  # its updated_at was bumped


def test_routing_a_startup_twice_from_the_sweeper_is_harmless(
    offered, django_capture_on_commit_callbacks
):
    intake, lead, _ = offered
    Intake.objects.filter(pk=intake.pk).update(routing_status=RoutingStatus.NOT_ROUTED)
    _age(intake, 600)

    with django_capture_on_commit_callbacks(execute=True):
        services.intakes_unrouted_requeue(older_than_seconds=120)

    assert list(Lead.objects.filter(startup=intake.startup)) == [lead]


# --- lock order ---------------------------------------------------------------------------


@pytest.mark.parametrize("end_offer", [_decline, _expire], ids=["decline", "expiry"])
def test_decline_and_expiry_lock_the_intake_before_the_lead(offered, monkeypatch, end_offer):
    """The order routing and the operators' actions use; the lead first would deadlock
    against a reassignment holding the intake."""
    _, lead, _ = offered
    order: list[str] = []
    locked_intake, locked_lead = lead_services._locked_intake, lead_services._locked_lead

    def intake_spy(*args, **kwargs):
        order.append("intake")
        return locked_intake(*args, **kwargs)

    def lead_spy(*args, **kwargs):
        order.append("lead")
        return locked_lead(*args, **kwargs)

    monkeypatch.setattr(lead_services, "_locked_intake", intake_spy)
    monkeypatch.setattr(lead_services, "_locked_lead", lead_spy)

    end_offer(lead)

    assert order == ["intake", "lead"]
