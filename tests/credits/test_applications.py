"""Credit applications: creation, ACE's pre-submission check, every legal and illegal move,
each step's requirements, the event trail and the grant written when credits are issued."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from credits import selectors
from credits.models import ApplicationEvent, ApplicationStatus, CreditApplication, CreditGrant
from credits.services import (
    TRANSITIONS,
    ApplicationInputError,
    ApplicationTransitionError,
    application_create,
    application_precheck,
    application_transition,
)
from tests.factories import CreditApplicationFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import AuditEvent, WorkloadProjection
from workloads.services import workload_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

TODAY = timezone.localdate
LEGAL = sorted((source, to) for source, targets in TRANSITIONS.items() for to in targets)
ILLEGAL = sorted(
    (source, to)
    for source, to in itertools.product(TRANSITIONS, TRANSITIONS)
    if to not in TRANSITIONS[source]
)


def _program(code: str = "bedrock_poc"):
    return next(p for p in selectors.programs_current() if p.code == code)


def _ready_startup(**values):
    """A startup ACE would accept: a described workload with a projection of non-zero spend."""
    startup = StartupFactory(**values)
    workload = WorkloadFactory(startup=startup)
    workload_project(workload_id=workload.pk)
    return startup


# What each state implies was recorded on the way there.
STATE_FIELDS = {
    "submitted": {"ace_opportunity_id": "O100"},
    "in_review": {"ace_opportunity_id": "O100"},
    "action_required": {"ace_opportunity_id": "O100"},
    "approved": {"ace_opportunity_id": "O100", "approved_amount": Decimal("20000")},
    "credits_issued": {
        "ace_opportunity_id": "O100",
        "approved_amount": Decimal("20000"),
        "issued_amount": Decimal("20000"),
    },
}


def _application_in(status: str, **values) -> CreditApplication:
    fields = {"startup": _ready_startup(), "program": _program(), **STATE_FIELDS.get(status, {})}
    return CreditApplicationFactory(status=status, **fields | values)


def _step_values(to: str) -> dict:
    """What the step to `to` needs, all valid."""
    return {
        "submitted": {"ace_opportunity_id": "O1234567"},
        "approved": {"approved_amount": Decimal("20000")},
        "credits_issued": {
            "issued_amount": Decimal("15000"),
            "expires_on": TODAY() + dt.timedelta(days=365),
        },
    }.get(to, {})


def _snapshot(application: CreditApplication) -> tuple:
    row = CreditApplication.objects.get(pk=application.pk)
    return (
        row.status,
        row.ace_opportunity_id,
        row.approved_amount,
        row.issued_amount,
        row.updated_at,
        ApplicationEvent.objects.filter(application=row).count(),
        CreditGrant.objects.count(),
        AuditEvent.objects.count(),
    )


# --- The state machine --------------------------------------------------------------------


@pytest.mark.parametrize(("source", "to"), LEGAL, ids=[f"{s}->{t}" for s, t in LEGAL])
def test_it_makes_every_legal_move_and_records_it(source, to):
    application = _application_in(source)
    actor = UserFactory()

    moved = application_transition(
        application_id=application.pk, to=to, actor=actor, note="why", **_step_values(to)
    )

    assert moved.status == to
    assert CreditApplication.objects.get(pk=application.pk).status == to
    event = ApplicationEvent.objects.get(application=application)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        source,
        to,
        actor,
        "why",
    )
    assert AuditEvent.objects.filter(action=f"application.{to}", actor=actor).count() == 1
    assert CreditGrant.objects.filter(application=application).exists() == (to == "credits_issued")


@pytest.mark.parametrize(("source", "to"), ILLEGAL, ids=[f"{s}->{t}" for s, t in ILLEGAL])
def test_it_refuses_every_illegal_move_and_changes_nothing(source, to):
    application = _application_in(source)
    before = _snapshot(application)

    with pytest.raises(ApplicationTransitionError, match=f"Cannot move from {source} to {to}"):
        application_transition(
            application_id=application.pk, to=to, actor=UserFactory(), **_step_values(to)
        )

    assert _snapshot(application) == before


def test_it_lists_the_states_for_an_unknown_target():
    application = _application_in("draft")

    with pytest.raises(ApplicationInputError) as error:
        application_transition(application_id=application.pk, to="won", actor=None)

    assert list(error.value.errors) == ["to"]
    assert "credits_issued" in error.value.errors["to"][0]


def test_the_transition_table_covers_every_status_and_closes_the_end_states():
    assert set(TRANSITIONS) == set(ApplicationStatus.values)
    assert {s for s, targets in TRANSITIONS.items() if not targets} == {
        "credits_issued",
        "rejected",
        "canceled",
    }


# --- Each step's requirements -------------------------------------------------------------


def _refused(application, to: str, field: str, **values) -> dict:
    before = _snapshot(application)
    with pytest.raises(ApplicationInputError) as error:
        application_transition(application_id=application.pk, to=to, actor=None, **values)
    assert field in error.value.errors, error.value.errors
    assert _snapshot(application) == before
    return error.value.errors


@pytest.mark.parametrize("ace_id", [None, "", "12345", "o123", "O12a", "O", "O" + "1" * 40])
def test_submitting_needs_an_ace_opportunity_id(ace_id):
    application = _application_in("draft")

    errors = _refused(application, "submitted", "ace_opportunity_id", ace_opportunity_id=ace_id)

    assert "O followed by digits" in errors["ace_opportunity_id"][0]


def test_submitting_uses_an_ace_id_already_stored():
    application = _application_in("draft", ace_opportunity_id="O42")

    moved = application_transition(application_id=application.pk, to="submitted", actor=None)

    assert (moved.status, moved.ace_opportunity_id) == ("submitted", "O42")


def test_submitting_runs_the_precheck_and_lists_what_to_fix():
    application = _application_in("draft", startup=_ready_startup(state=""))

    errors = _refused(application, "submitted", "precheck", ace_opportunity_id="O1")

    assert list(errors) == ["precheck"]
    assert errors["precheck"] == ["Enter the state of the company's US address (e.g. Washington)."]


@pytest.mark.parametrize(
    "amount", [None, Decimal("0"), Decimal("-1"), Decimal("9999.99"), Decimal("50000.01")]
)
def test_approving_needs_an_amount_within_the_programs_range(amount):
    application = _application_in("in_review")

    errors = _refused(application, "approved", "approved_amount", approved_amount=amount)

    assert list(errors) == ["approved_amount"]


@pytest.mark.parametrize("amount", [Decimal("10000"), Decimal("50000")])
def test_approving_accepts_the_bounds_of_the_range(amount):
    application = _application_in("in_review")

    moved = application_transition(
        application_id=application.pk, to="approved", actor=None, approved_amount=amount
    )

    assert CreditApplication.objects.get(pk=moved.pk).approved_amount == amount


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"issued_amount": None}, "issued_amount"),
        ({"issued_amount": Decimal("0")}, "issued_amount"),
        ({"issued_amount": Decimal("20000.01")}, "issued_amount"),
        ({"expires_on": None}, "expires_on"),
        ({"issued_on": dt.date(2026, 3, 1), "expires_on": dt.date(2026, 2, 28)}, "expires_on"),
        ({"issued_on": dt.date(2026, 3, 1), "expires_on": dt.date(2026, 3, 1)}, "expires_on"),
    ],
    ids=["no-amount", "zero", "above-approved", "no-expiry", "expiry-before", "expiry-same-day"],
)
def test_issuing_needs_an_amount_and_a_later_expiry(values, field):
    application = _application_in("approved")
    step = _step_values("credits_issued") | values

    errors = _refused(application, "credits_issued", field, **step)

    assert list(errors) == [field]


def test_issuing_creates_exactly_one_grant_with_the_programs_coverage():
    application = _application_in("approved")
    expires_on = TODAY() + dt.timedelta(days=730)

    application_transition(
        application_id=application.pk,
        to="credits_issued",
        actor=None,
        issued_amount=Decimal("18000.50"),
        expires_on=expires_on,
    )

    grant = CreditGrant.objects.get()
    assert (
        grant.application_id,
        grant.startup_id,
        grant.program_id,
        grant.amount,
        grant.issued_on,
        grant.expires_on,
        grant.covers_bedrock_third_party,
    ) == (
        application.pk,
        application.startup_id,
        application.program_id,
        Decimal("18000.50"),
        TODAY(),
        expires_on,
        application.program.covers_bedrock_third_party,
    )
    assert CreditApplication.objects.get(pk=application.pk).issued_amount == Decimal("18000.50")


# --- Creation and the event trail --------------------------------------------------------


def test_it_creates_a_draft_with_its_first_event_and_an_audit_entry():
    startup = _ready_startup()
    actor = UserFactory()

    application = application_create(
        startup_id=startup.pk,
        program_code="bedrock_poc",
        requested_amount=Decimal("25000"),
        actor=actor,
        target_close_date=TODAY() + dt.timedelta(days=30),
    )

    assert (application.status, application.program, application.created_by) == (
        "draft",
        _program(),
        actor,
    )
    event = application.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", "draft", actor)
    assert AuditEvent.objects.filter(action="application.created", actor=actor).count() == 1


def test_it_records_the_whole_trail_in_order():
    startup = _ready_startup()
    partner, reviewer = UserFactory(), UserFactory()
    application = application_create(
        startup_id=startup.pk,
        program_code="bedrock_poc",
        requested_amount=Decimal("30000"),
        actor=partner,
    )
    steps = [
        ("submitted", partner, "Filed in ACE", {"ace_opportunity_id": "O777"}),
        ("in_review", reviewer, "", {}),
        ("action_required", reviewer, "Need the architecture diagram", {}),
        ("in_review", partner, "Diagram attached", {}),
        ("approved", reviewer, "", {"approved_amount": Decimal("25000")}),
        ("credits_issued", reviewer, "", _step_values("credits_issued")),
    ]
    for to, actor, note, values in steps:
        application_transition(
            application_id=application.pk, to=to, actor=actor, note=note, **values
        )

    trail = [
        (e.from_status, e.to_status, e.actor, e.note)
        for e in selectors.application_with_events(application_id=application.pk).events.all()
    ]
    assert trail == [
        ("", "draft", partner, ""),
        ("draft", "submitted", partner, "Filed in ACE"),
        ("submitted", "in_review", reviewer, ""),
        ("in_review", "action_required", reviewer, "Need the architecture diagram"),
        ("action_required", "in_review", partner, "Diagram attached"),
        ("in_review", "approved", reviewer, ""),
        ("approved", "credits_issued", reviewer, ""),
    ]
    assert list(
        AuditEvent.objects.filter(action__startswith="application.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["application.created"] + [f"application.{to}" for to, *_ in steps]


def test_it_refuses_a_second_open_application_for_the_same_program():
    application = _application_in("in_review")

    with pytest.raises(ApplicationTransitionError, match="already has an open bedrock_poc"):
        application_create(
            startup_id=application.startup_id,
            program_code="bedrock_poc",
            requested_amount=Decimal("20000"),
            actor=None,
        )

    assert CreditApplication.objects.count() == 1


def test_it_opens_a_new_application_once_the_old_one_is_closed():
    application = _application_in("rejected")

    again = application_create(
        startup_id=application.startup_id,
        program_code="bedrock_poc",
        requested_amount=Decimal("20000"),
        actor=None,
    )

    assert again.status == "draft"


def test_it_names_the_known_programs_for_an_unknown_one():
    with pytest.raises(ApplicationInputError) as error:
        application_create(
            startup_id=StartupFactory().pk,
            program_code="nope",
            requested_amount=Decimal("1000"),
            actor=None,
        )

    assert list(error.value.errors) == ["program"]
    assert "bedrock_poc" in error.value.errors["program"][0]
    assert not CreditApplication.objects.exists()


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("9999"), Decimal("50001"), "abc"])
def test_it_refuses_a_requested_amount_outside_the_programs_range(amount):
    with pytest.raises(ApplicationInputError) as error:
        application_create(
            startup_id=StartupFactory().pk,
            program_code="bedrock_poc",
            requested_amount=amount,
            actor=None,
        )

    assert list(error.value.errors) == ["requested_amount"]
    assert not CreditApplication.objects.exists()


def test_it_reads_an_application_with_its_events_in_two_queries(django_assert_num_queries):
    application = _application_in("draft")
    for _ in range(3):
        ApplicationEvent.objects.create(
            application=application, actor=UserFactory(), to_status="draft"
        )

    # 1. the application joined with its startup, program and grant; 2. its events and actors
    with django_assert_num_queries(2):
        row = selectors.application_with_events(application_id=application.pk)
        actors = [event.actor.email for event in row.events.all()]
        assert (row.startup.name, row.program.code) == (
            application.startup.name,
            "bedrock_poc",
        )

    assert len(actors) == 3
    assert selectors.application_with_events(application_id=0) is None


# --- The pre-submission check -------------------------------------------------------------


def _no_projection(application):
    WorkloadProjection.objects.filter(workload__startup=application.startup).delete()


def _zero_cost(application):
    projection = WorkloadProjection.objects.get(workload__startup=application.startup)
    projection.result["months"][0]["cost"] = "0.00"
    projection.save(update_fields=["result"])


def _short_description(application):
    application.startup.workloads.update(description="x" * 19)


def _set(**values):
    def change(application):
        for name, value in values.items():
            target = application if name == "target_close_date" else application.startup
            setattr(target, name, value)

    return change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set(name="N" * 121), "company_name"),
        (_short_description, "business_problem"),
        (_set(aws_account_id=""), "aws_account_id"),
        (_set(aws_account_id="21098765432"), "aws_account_id"),
        (_no_projection, "expected_monthly_spend"),
        (_zero_cost, "expected_monthly_spend"),
        (_set(country="US", state=""), "state"),
        (_set(target_close_date=dt.date(2020, 1, 1)), "target_close_date"),
    ],
    ids=[
        "name-121",
        "description-19",
        "account-empty",
        "account-11-digits",
        "no-projection",
        "zero-cost",
        "us-without-state",
        "past-close-date",
    ],
)
def test_the_precheck_finds_each_rule_alone(change, field):
    application = _application_in("draft")
    change(application)

    problems = application_precheck(application=application)

    assert [problem.field for problem in problems] == [field]
    assert problems[0].message.endswith(".")


@pytest.mark.parametrize(
    "change",
    [
        _set(),
        _set(name="N" * 120),
        _set(country="DE", state=""),
        _set(target_close_date=TODAY()),
    ],
    ids=["clean", "name-120", "outside-us-without-state", "close-today"],
)
def test_the_precheck_passes_a_ready_application(change):
    application = _application_in("draft")
    change(application)

    assert application_precheck(application=application) == []


def test_the_precheck_reads_the_newest_workload():
    application = _application_in("draft")
    WorkloadFactory(startup=application.startup, description="too short")

    problems = application_precheck(application=application)

    assert {problem.field for problem in problems} == {"business_problem", "expected_monthly_spend"}
