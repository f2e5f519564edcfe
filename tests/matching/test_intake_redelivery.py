"""A task redelivered after its worker was killed takes over its own lease (issue 18).

The claim records the Celery task id (`Intake.claimed_by`). With acks_late and
reject_on_worker_lost, a killed worker's message goes back on the queue with the same id, so
that id finding its own live lease means its previous run is gone: it claims again at once
instead of waiting out `INTAKE_LEASE` and a sweep. Any other task still respects the lease,
and every claim counts toward `MAX_ATTEMPTS`.
"""

import pytest

from matching import services, tasks
from matching.models import Intake, IntakeStatus, Lead
from matching.services import intake as intake_services
from matching.services.intake import MAX_ATTEMPTS
from tests.factories import IntakeFactory
from tests.matching.routing_helpers import routable_partner
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

TASK_ID = "5f0c2a4e-0d7e-4b61-9d55-3f1a7c9e2b10"


class WorkerKilled(BaseException):
    """The worker process dying mid-step: no `except Exception` runs, the claim stays."""


@pytest.fixture
def steps(monkeypatch):
    """Count the steps' runs; `steps.kill` makes the next runs die like a SIGKILLed child."""

    class Steps(list):
        kill = 0

    runs = Steps()
    real = intake_services.startup_credits_refresh

    def counting(**kwargs):
        runs.append(kwargs["startup_id"])
        if runs.kill:
            runs.kill -= 1
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(intake_services, "startup_credits_refresh", counting)
    return runs


def _killed_mid_task(intake: Intake, task_id: str = TASK_ID) -> None:
    """Run the task until its worker dies after the claim: the intake is left `processing`
    with a fresh (live) lease held by `task_id`."""
    with pytest.raises(WorkerKilled):
        services.intake_process(intake_id=intake.pk, task_id=task_id)


def test_a_claim_records_the_task_id(steps):
    intake = IntakeFactory()

    services.intake_process(intake_id=intake.pk, task_id=TASK_ID)

    intake.refresh_from_db()
    assert (intake.status, intake.attempts, intake.claimed_by) == (
        IntakeStatus.READY,
        1,
        TASK_ID,
    )


def test_the_same_task_redelivered_takes_over_its_live_lease_and_routes(steps):
    routable_partner()
    intake = IntakeFactory()
    steps.kill = 1
    _killed_mid_task(intake)
    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.PROCESSING, 1)  # a live lease

    result = services.intake_process(intake_id=intake.pk, task_id=TASK_ID)  # the redelivery

    assert result.status == IntakeStatus.READY
    intake.refresh_from_db()
    assert (intake.status, intake.attempts, intake.claimed_by) == (
        IntakeStatus.READY,
        2,
        TASK_ID,
    )
    assert steps == [intake.startup_id, intake.startup_id]
    assert Lead.objects.filter(startup=intake.startup).count() == 1
    assert AuditEvent.objects.filter(action="intake.processed").count() == 1


@pytest.mark.parametrize("other", ["another-task-id", ""], ids=["other-task", "no-task-id"])
def test_another_task_leaves_the_live_lease_alone(steps, other):
    intake = IntakeFactory()
    steps.kill = 1
    _killed_mid_task(intake)
    before = Intake.objects.get(pk=intake.pk)

    result = services.intake_process(intake_id=intake.pk, task_id=other)

    assert result.status == IntakeStatus.PROCESSING
    intake.refresh_from_db()
    assert (intake.status, intake.attempts, intake.claimed_by, intake.updated_at) == (
        IntakeStatus.PROCESSING,
        1,
        TASK_ID,
        before.updated_at,
    )
    assert len(steps) == 1  # only the killed run's
    assert not AuditEvent.objects.filter(action="intake.processed").exists()


def test_an_intake_that_kills_its_worker_every_time_fails_after_max_attempts(steps):
    intake = IntakeFactory()
    steps.kill = MAX_ATTEMPTS + 10  # every run dies

    for _ in range(MAX_ATTEMPTS):  # the message, then its redeliveries
        _killed_mid_task(intake)
    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.PROCESSING, MAX_ATTEMPTS)

    result = services.intake_process(intake_id=intake.pk, task_id=TASK_ID)  # runs nothing

    assert result.status == IntakeStatus.FAILED
    intake.refresh_from_db()
    assert (intake.status, intake.attempts) == (IntakeStatus.FAILED, MAX_ATTEMPTS)
    assert len(steps) == MAX_ATTEMPTS
    assert AuditEvent.objects.filter(action="intake.failed").count() == 1
    # Failed is for the operators: a further redelivery of the same task leaves it alone.
    assert services.intake_process(intake_id=intake.pk, task_id=TASK_ID).status == (
        IntakeStatus.FAILED
    )
    assert len(steps) == MAX_ATTEMPTS


def test_the_celery_task_claims_under_its_own_request_id(steps):
    intake = IntakeFactory()
    steps.kill = 1
    _killed_mid_task(intake)

    # Another task's message (a duplicate) leaves the lease alone; the same id takes it over.
    assert tasks.process_intake.apply((intake.pk,), task_id="a-duplicate").get() == (
        IntakeStatus.PROCESSING
    )
    assert tasks.process_intake.apply((intake.pk,), task_id=TASK_ID).get() == IntakeStatus.READY

    intake.refresh_from_db()
    assert (intake.attempts, intake.claimed_by) == (2, TASK_ID)
