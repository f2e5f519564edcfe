"""Accept vs expiry vs an operator's reassignment of the same lead, on PostgreSQL (issue 5, #8).

Each round offers a fresh startup to one partner with an accept-by time a few milliseconds
after the moment three threads are released together: the partner accepts, the beat task
expires overdue offers, and an operator assigns the startup to another partner. Depending on
who takes the locks first and which side of the accept-by time each one reads the clock, any
of the three can win; whichever does, the lead ends in exactly one state, the losers are
refused (or skip it), and the startup never has two live leads.
"""

import datetime as dt
import random
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from cloudroute.celery import app as celery_app
from matching.models import Intake, Lead, LeadStatus, RoutingStatus
from matching.services import LeadActionError, lead_accept, lead_assign, leads_expire
from tests.conftest import require_services
from tests.factories import IntakeFactory, LeadFactory, PartnerFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROUNDS = 20
THREADS = ("accept", "expire", "reassign")


@pytest.fixture
def routing_inline():
    """The routing an expiry enqueues runs in the expiring thread, right after its commit
    (a fourth contender for the startup's row), instead of going to a shared Redis queue."""
    celery_app.conf.task_always_eager = True
    # The autouse fixture in tests/conftest.py restores the configured value afterwards.


def _partner(slug: str, **extra):
    today = timezone.localdate()
    return PartnerFactory(
        slug=slug,
        name=slug.title(),
        capacity=1000,
        vetted_on=today - dt.timedelta(days=30),
        vetting_expires_on=today + dt.timedelta(days=300),
        **extra,
    )


def _race(actions: dict[str, Callable[[], object]], *, lead_id: int) -> dict[str, tuple]:
    """Run the actions in threads released together; each thread's connection is warm
    before the release and closed at the end. The accept-by time is set just before the
    release, 1 to 20 ms after it, so each thread may read the clock on either side."""
    go = threading.Barrier(len(actions) + 1, timeout=30)
    results: dict[str, tuple] = {}

    def run(name: str, action: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            go.wait()
            time.sleep(random.uniform(0, 0.003))  # noqa: S311 - jitter, not security
            results[name] = ("ok", action())
        except LeadActionError as exc:
            results[name] = ("refused", str(exc))
        except Exception as exc:  # noqa: BLE001 - anything else (IntegrityError, deadlock) fails
            results[name] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item, name=item[0]) for item in actions.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while go.n_waiting < len(actions) and time.monotonic() < deadline:
        time.sleep(0.001)
    offset = dt.timedelta(microseconds=random.randint(1000, 20000))  # noqa: S311
    Lead.objects.filter(pk=lead_id).update(accept_by=timezone.now() + offset)
    go.wait()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), f"{thread.name} is stuck (a deadlock?)"
    return results


def test_it_resolves_accept_expiry_and_reassignment_to_exactly_one_outcome(routing_inline):
    require_services()
    offered_to = _partner("offered-to")
    # Paused, so routing after an expiry never picks it: only the operator's assignment does.
    assignee = _partner("assignee", accepting_leads=False)
    _partner("fallback")  # where routing sends the startup after an expiry
    operator = UserFactory(email="operator@example.com", is_staff=True)
    outcomes = Counter()

    for round_number in range(ROUNDS):
        intake = IntakeFactory(routing_status=RoutingStatus.OFFERED)
        startup_id = intake.startup_id
        lead = LeadFactory(
            workload=intake.workload,
            partner=offered_to,
            offered_at=timezone.now() - dt.timedelta(hours=4),
        )
        expired_ids: list[int] = []

        def expire(expired_ids=expired_ids):
            expired_ids.extend(leads_expire())
            return expired_ids

        results = _race(
            {
                "accept": lambda lead=lead: lead_accept(
                    lead_id=lead.pk, partner=offered_to, actor=None
                ),
                "expire": expire,
                "reassign": lambda startup_id=startup_id: lead_assign(
                    startup_id=startup_id, partner_id=assignee.pk, actor=operator
                ),
            },
            lead_id=lead.pk,
        )

        context = f"round {round_number}: {results}"
        assert set(results) == set(THREADS), context
        assert not [name for name, (kind, _) in results.items() if kind == "error"], context
        lead.refresh_from_db()
        accepted = results["accept"][0] == "ok"
        expired = lead.pk in expired_ids
        withdrawn = lead.status == LeadStatus.WITHDRAWN
        # Exactly one outcome, and the lead's state is that outcome's.
        assert accepted + expired + withdrawn == 1, context
        assert lead.status == (
            LeadStatus.ACCEPTED
            if accepted
            else LeadStatus.EXPIRED
            if expired
            else LeadStatus.WITHDRAWN
        ), context
        # The losers were refused: nobody reassigns an accepted lead, nobody accepts a lead
        # that expired or was taken back.
        assert (results["reassign"][0] == "refused") == accepted, context
        if not accepted:
            assert results["accept"][0] == "refused", context
        live = list(
            Lead.objects.filter(startup_id=startup_id, status__in=Lead.LIVE_STATUSES)
            .order_by("id")
            .values_list("partner_id", "status")
        )
        if accepted:
            assert live == [(offered_to.pk, LeadStatus.ACCEPTED)], context
        else:
            # The operator's choice stands, whether it came before or after the expiry.
            assert live == [(assignee.pk, LeadStatus.OFFERED)], context
        routing_status = Intake.objects.get(pk=intake.pk).routing_status
        assert routing_status == (RoutingStatus.ACCEPTED if accepted else RoutingStatus.OFFERED), (
            context
        )
        outcomes[lead.status] += 1

    print(f"outcomes over {ROUNDS} rounds: {dict(outcomes)}")
    assert sum(outcomes.values()) == ROUNDS
