"""Two actors on the same row at the same moment, on PostgreSQL (issue 7 §6).

- Two partner users move the same credit application (to different states, or to the same
  one): the row lock lets exactly one move through; the other is refused with the service's
  conflict error, and the application has one new event and a state matching the winner.
- Two founders submit intakes with the same Activate Org ID: both intakes are saved (an Org
  ID belongs to the provider, and a refusal would tell an anonymous caller that the Org ID is
  in use), and exactly one of the two startups, the first saved, passes `org_id_not_reused`;
  re-evaluating either later gives the same answer.

An accept racing an expiry (and an operator's reassignment) is tests/integration/
test_lead_races.py. Each round releases its threads together from a barrier; each thread's
connection is opened before the release and closed at the end.
"""

import datetime as dt
import random
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from zeal import zeal_ignore

from cloudroute.celery import app as celery_app
from credits.models import ApplicationEvent, ApplicationStatus, CreditGrant
from credits.services import (
    ApplicationTransitionError,
    application_transition,
    eligibility_evaluate,
)
from matching.models import Intake, IntakeStatus
from tests.conftest import require_services
from tests.factories import (
    CreditApplicationFactory,
    CreditProgramFactory,
    PartnerMembershipFactory,
    intake_payload,
)
from workloads.models import AuditEvent, Startup

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROUNDS = 8
S = ApplicationStatus


@pytest.fixture(autouse=True)
def _rows_one_by_one():
    """Each round makes and checks its rows one at a time; N+1 queries are not the point."""
    with zeal_ignore():
        yield


@pytest.fixture
def tasks_inline():
    """What a commit enqueues (intake processing, a grant's commission) runs in the thread
    that committed, racing the other thread, instead of going to a shared Redis queue."""
    celery_app.conf.task_always_eager = True
    # The autouse fixture in tests/conftest.py restores the configured value afterwards.


def _race(actions: dict[str, Callable[[], object]], *, refused: type[Exception] = Exception):
    """Run the actions in threads released together. Each result is ("ok", value),
    ("refused", message) for `refused`, or ("error", repr) for anything else."""
    go = threading.Barrier(len(actions), timeout=30)
    results: dict[str, tuple] = {}

    def run(name: str, action: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            go.wait()
            time.sleep(random.uniform(0, 0.002))  # noqa: S311 - jitter, not security
            results[name] = ("ok", action())
        except refused as exc:
            results[name] = ("refused", str(exc))
        except Exception as exc:  # noqa: BLE001 - IntegrityError, deadlock...: the test fails
            results[name] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item, name=item[0]) for item in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), f"{thread.name} is stuck (a deadlock?)"
    return results


# --- Two moves of one credit application --------------------------------------------------


@pytest.mark.parametrize(
    ("start", "moves"),
    [
        pytest.param(S.SUBMITTED, (S.REJECTED, S.CANCELED), id="reject-vs-cancel"),
        pytest.param(S.SUBMITTED, (S.IN_REVIEW, S.IN_REVIEW), id="both-to-review"),
        pytest.param(S.APPROVED, (S.CREDITS_ISSUED, S.CREDITS_ISSUED), id="both-issue-credits"),
        pytest.param(S.APPROVED, (S.CREDITS_ISSUED, S.CANCELED), id="issue-vs-cancel"),
    ],
)
def test_it_lets_exactly_one_of_two_moves_of_an_application_through(tasks_inline, start, moves):
    require_services()
    program = CreditProgramFactory(code="race_program", amount_max=Decimal("50000"))
    ana = PartnerMembershipFactory(user__email="ana@northwind.test").user
    bo = PartnerMembershipFactory(partner=ana.partner_membership.partner).user
    # Neither move is allowed after the other, so whichever commits first is the outcome.
    values = {
        "issued_amount": Decimal("20000.00"),
        "expires_on": timezone.localdate() + dt.timedelta(days=365),
    }

    for round_number in range(ROUNDS):
        application = CreditApplicationFactory(
            program=program,
            status=start,
            approved_amount=Decimal("20000.00") if start == S.APPROVED else None,
            ace_opportunity_id=f"O{round_number + 1}",
        )
        actors = {"ana": (ana, moves[0]), "bo": (bo, moves[1])}
        results = _race(
            {
                name: lambda actor=actor, to=to, application_id=application.pk: (
                    application_transition(
                        application_id=application_id, to=to, actor=actor, **values
                    ).status
                )
                for name, (actor, to) in actors.items()
            },
            refused=ApplicationTransitionError,
        )

        context = f"round {round_number}: {results}"
        assert sorted(kind for kind, _ in results.values()) == ["ok", "refused"], context
        winner = next(name for name, (kind, _) in results.items() if kind == "ok")
        winner_actor, winner_to = actors[winner]
        application.refresh_from_db()
        assert application.status == winner_to, context
        events = ApplicationEvent.objects.filter(application=application)
        assert list(events.values_list("actor", "from_status", "to_status")) == [
            (winner_actor.pk, start, winner_to)
        ], context
        audited = AuditEvent.objects.filter(
            object_id=str(application.pk), action__in=[f"application.{to}" for to in moves]
        )
        assert list(audited.values_list("actor", "action")) == [
            (winner_actor.pk, f"application.{winner_to}")
        ], context
        grants = CreditGrant.objects.filter(application=application).count()
        assert grants == (1 if winner_to == S.CREDITS_ISSUED else 0), context


# --- Two founders, one Activate Org ID ----------------------------------------------------


def _submit(body: dict) -> tuple[int, dict]:
    response = APIClient().post("/api/v1/intakes/", body, format="json")
    return response.status_code, response.json()


def _org_id_reason_passed(startup: Startup) -> bool:
    snapshot = startup.eligibility_snapshots.first()
    portfolio = next(p for p in snapshot.result["programs"] if p["code"] == "activate_portfolio")
    return next(r for r in portfolio["reasons"] if r["code"] == "org_id_not_reused")["passed"]


def test_it_gives_a_contested_org_id_to_exactly_one_founder(tasks_inline):
    require_services()

    for round_number in range(ROUNDS):
        org_id = f"VC-ORG-{uuid.uuid4().hex[:8]}"
        bodies = {}
        for name in ("ana", "bo"):
            body = intake_payload(email=f"{name}-{round_number}@founders.test")
            body["company"]["activate_org_id"] = org_id if name == "ana" else org_id.lower()
            bodies[name] = body
        results = _race({name: lambda body=body: _submit(body) for name, body in bodies.items()})

        context = f"round {round_number}: {results}"
        assert [results[name][0] for name in bodies] == ["ok", "ok"], context
        assert [results[name][1][0] for name in bodies] == [201, 201], context
        startups = list(Startup.objects.filter(activate_org_id__iexact=org_id).order_by("pk"))
        assert len(startups) == 2, context
        assert (
            Intake.objects.filter(startup__in=startups, status=IntakeStatus.READY).count() == 2
        ), context
        # The first saved keeps the Org ID; the later one is told it is used elsewhere.
        assert [_org_id_reason_passed(startup) for startup in startups] == [True, False], context
        for startup in startups:  # an operator's re-evaluation changes nothing
            eligibility_evaluate(startup_id=startup.pk)
        assert [_org_id_reason_passed(startup) for startup in startups] == [True, False], context
