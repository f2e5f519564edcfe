"""What credits announces to the apps above it (credits/signals.py): sent once the change
commits, never for a change rolled back, with the documented keyword arguments; and
matching's receivers enqueue matching's own tasks."""

import datetime as dt
import pathlib
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from credits.models import ApplicationStatus, CreditApplication, CreditOutcome
from credits.services import application_transition, startup_outcome_refresh
from credits.signals import credits_issued, outcome_changed
from matching import tasks as matching_tasks
from tests.factories import (
    CreditApplicationFactory,
    CreditProgramFactory,
    StartupFactory,
    WorkloadFactory,
)
from workloads.services import workload_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Every credits_issued / outcome_changed sent, as (signal name, sender, kwargs)."""
    calls = []

    def listen(name):
        def receiver(sender, signal, **kwargs):
            calls.append((name, sender, kwargs))

        return receiver

    receivers = {"credits_issued": listen("credits_issued"), "outcome_changed": listen("outcome")}
    credits_issued.connect(receivers["credits_issued"], weak=False)
    outcome_changed.connect(receivers["outcome_changed"], weak=False)
    yield calls
    credits_issued.disconnect(receivers["credits_issued"])
    outcome_changed.disconnect(receivers["outcome_changed"])


def _approved() -> CreditApplication:
    startup = StartupFactory()
    WorkloadFactory(startup=startup)
    return CreditApplicationFactory(
        startup=startup,
        program=CreditProgramFactory(),
        status=ApplicationStatus.APPROVED,
        ace_opportunity_id="O100",
        approved_amount=Decimal("20000"),
    )


def _issue(application: CreditApplication) -> None:
    application_transition(
        application_id=application.pk,
        to=ApplicationStatus.CREDITS_ISSUED,
        actor=None,
        issued_amount=Decimal("15000"),
        expires_on=timezone.localdate() + dt.timedelta(days=365),
    )


def test_credits_issued_is_sent_on_commit_with_its_ids(
    heard, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(matching_tasks.record_commission, "delay", lambda application_id: None)
    application = _approved()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _issue(application)
        assert heard == []  # not inside the transaction
    for callback in callbacks:
        callback()

    issued = [call for call in heard if call[0] == "credits_issued"]
    assert issued == [
        (
            "credits_issued",
            CreditApplication,
            {"application_id": application.pk, "startup_id": application.startup_id},
        )
    ]


def test_nothing_is_announced_for_a_change_rolled_back(heard):
    application = _approved()

    with pytest.raises(RuntimeError), transaction.atomic():
        _issue(application)
        raise RuntimeError("rolled back")

    assert heard == []
    assert CreditApplication.objects.get(pk=application.pk).status == ApplicationStatus.APPROVED


def test_the_matching_receivers_enqueue_matching_tasks(monkeypatch):
    enqueued = []
    monkeypatch.setattr(
        matching_tasks.record_commission, "delay", lambda *args: enqueued.append(("c", *args))
    )
    monkeypatch.setattr(
        matching_tasks.email_outcome_partner, "delay", lambda *args: enqueued.append(("e", *args))
    )

    credits_issued.send(sender=CreditApplication, application_id=7, startup_id=3)
    outcome_changed.send(sender=CreditOutcome, startup_id=3, outcome_id=9)

    assert enqueued == [("c", 7), ("e", 3)]


def test_a_changed_outcome_is_announced_once(heard, django_capture_on_commit_callbacks):
    application = _approved()
    workload_project(workload_id=application.startup.workloads.get().pk)
    with django_capture_on_commit_callbacks(execute=True):
        _issue(application)
    heard.clear()

    with django_capture_on_commit_callbacks(execute=True):
        startup_outcome_refresh(startup_id=application.startup_id)  # nothing changed
    assert [call for call in heard if call[0] == "outcome"] == []

    CreditOutcome.objects.filter(startup_id=application.startup_id).update(status="no_credits")
    with django_capture_on_commit_callbacks(execute=True):
        startup_outcome_refresh(startup_id=application.startup_id)
    outcome = CreditOutcome.objects.get(startup_id=application.startup_id)
    assert [call for call in heard if call[0] == "outcome"] == [
        ("outcome", CreditOutcome, {"startup_id": application.startup_id, "outcome_id": outcome.pk})
    ]


def test_no_app_enqueues_another_apps_task_by_name():
    root = pathlib.Path(__file__).resolve().parents[2]
    by_name = [
        str(path.relative_to(root))
        for package in ("core", "workloads", "credits", "matching", "api", "portal", "founders")
        for path in (root / package).rglob("*.py")
        if "signature(" in path.read_text() or "send_task(" in path.read_text()
    ]
    assert by_name == []
