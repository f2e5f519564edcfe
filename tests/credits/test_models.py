"""Credit programs and applications: database constraints and model validation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from credits.models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationEvent,
    ApplicationStatus,
    CreditApplication,
    CreditProgram,
)
from tests.factories import CreditApplicationFactory, CreditProgramFactory, StartupFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def _refused_by_the_database(factory, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**values)


# --- CreditProgram ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"amount_min": Decimal("5000"), "amount_max": Decimal("1000"), "typical_amount": 3000},
        {"amount_min": Decimal("-1"), "amount_max": Decimal("1000"), "typical_amount": 500},
        {"amount_min": Decimal("0"), "amount_max": Decimal("1000"), "typical_amount": 1001},
        {"amount_min": Decimal("100"), "amount_max": Decimal("1000"), "typical_amount": 99},
        {"window_opens_on": dt.date(2025, 6, 1), "window_closes_on": dt.date(2025, 5, 31)},
    ],
    ids=["min-above-max", "negative-min", "typical-above-max", "typical-below-min", "window"],
)
def test_it_refuses_an_inconsistent_program_in_the_database(values):
    shipped = CreditProgram.objects.count()  # the programs the data migration loads

    _refused_by_the_database(CreditProgramFactory, **values)

    assert CreditProgram.objects.count() == shipped


def test_it_accepts_a_program_with_equal_bounds_and_a_one_day_window():
    program = CreditProgramFactory(
        amount_min=Decimal("1000"),
        amount_max=Decimal("1000"),
        typical_amount=Decimal("1000"),
        window_opens_on=dt.date(2025, 6, 1),
        window_closes_on=dt.date(2025, 6, 1),
    )

    assert CreditProgram.objects.get(pk=program.pk).typical_amount == Decimal("1000")


def test_it_accepts_a_program_with_an_open_ended_window():
    first = CreditProgramFactory(window_opens_on=dt.date(2025, 6, 1), window_closes_on=None)
    second = CreditProgramFactory(window_opens_on=None, window_closes_on=dt.date(2025, 6, 1))

    assert CreditProgram.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def _terms(code: str, effective_from: dt.date, name: str = "Terms") -> CreditProgram:
    return CreditProgram.objects.create(
        code=code,
        name=name,
        family="activate",
        filed_by="founder",
        amount_max=1,
        typical_amount=1,
        effective_from=effective_from,
        source_url="https://aws.amazon.com/startups/credits",
    )


def test_it_refuses_two_terms_of_one_program_from_the_same_date():
    _terms("test_program", dt.date(2025, 1, 1), "A")

    with pytest.raises(IntegrityError), transaction.atomic():
        _terms("test_program", dt.date(2025, 1, 1), "B")


def test_it_keeps_older_terms_of_a_program_as_history():
    older = _terms("test_program", dt.date(2024, 1, 1))
    newer = _terms("test_program", dt.date(2025, 1, 1))

    assert set(CreditProgram.objects.filter(code="test_program")) == {older, newer}


def test_it_reports_the_program_constraint_in_full_clean():
    program = CreditProgramFactory.build(
        amount_min=Decimal("5000"), amount_max=Decimal("1000"), typical_amount=Decimal("3000")
    )

    with pytest.raises(ValidationError) as excinfo:
        program.full_clean()

    assert excinfo.value.message_dict == {
        "amount_min": ["The minimum cannot be above the maximum (1000)."]
    }


# --- CreditApplication ---------------------------------------------------------------------


@pytest.mark.parametrize("status", OPEN_APPLICATION_STATUSES)
def test_it_refuses_a_second_open_application_for_the_same_program(status):
    first = CreditApplicationFactory(status=status)

    _refused_by_the_database(CreditApplicationFactory, startup=first.startup, program=first.program)

    assert CreditApplication.objects.count() == 1


@pytest.mark.parametrize(
    "closed", [ApplicationStatus.REJECTED, ApplicationStatus.CANCELED, "credits_issued"]
)
def test_it_allows_a_new_application_once_the_previous_one_is_closed(closed):
    extra = {"issued_amount": Decimal("25000")} if closed == "credits_issued" else {}
    first = CreditApplicationFactory(status=closed, **extra)

    CreditApplicationFactory(startup=first.startup, program=first.program)

    assert CreditApplication.objects.filter(startup=first.startup).count() == 2


def test_it_allows_open_applications_to_different_programs_or_startups():
    first = CreditApplicationFactory()

    CreditApplicationFactory(startup=first.startup)  # another program
    CreditApplicationFactory(program=first.program)  # another startup

    assert CreditApplication.objects.count() == 3


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-100")])
def test_it_refuses_a_request_for_nothing(amount):
    _refused_by_the_database(CreditApplicationFactory, requested_amount=amount)


@pytest.mark.parametrize("ace_id", ["123", "o123", "O", "O12a", "X123", "O-123"])
def test_it_refuses_a_malformed_ace_opportunity_id_in_the_database(ace_id):
    _refused_by_the_database(CreditApplicationFactory, ace_opportunity_id=ace_id)


@pytest.mark.parametrize("ace_id", ["", "O1", "O1234567890"])
def test_it_accepts_an_empty_or_well_formed_ace_opportunity_id(ace_id):
    application = CreditApplicationFactory(ace_opportunity_id=ace_id)

    assert CreditApplication.objects.get(pk=application.pk).ace_opportunity_id == ace_id


def test_it_reports_a_malformed_ace_id_in_full_clean():
    application = CreditApplicationFactory.build(
        startup=StartupFactory(), program=CreditProgramFactory(), ace_opportunity_id="X1"
    )

    with pytest.raises(ValidationError) as excinfo:
        application.full_clean()

    assert "ace_opportunity_id" in excinfo.value.message_dict


@pytest.mark.parametrize("issued", [None, Decimal("0")])
def test_it_refuses_credits_issued_without_an_amount(issued):
    _refused_by_the_database(
        CreditApplicationFactory, status=ApplicationStatus.CREDITS_ISSUED, issued_amount=issued
    )


def test_it_keeps_the_history_of_an_application_in_order():
    application = CreditApplicationFactory()
    ApplicationEvent.objects.create(application=application, to_status="draft")
    ApplicationEvent.objects.create(
        application=application, from_status="draft", to_status="submitted"
    )

    events = list(application.events.all())

    assert [str(event) for event in events] == ["∅ → draft", "draft → submitted"]


def test_it_protects_the_startup_and_program_of_an_application():
    from django.db.models import ProtectedError

    application = CreditApplicationFactory()

    with pytest.raises(ProtectedError), transaction.atomic():
        application.startup.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        application.program.delete()


def test_it_shows_an_application_as_program_and_startup():
    application = CreditApplicationFactory(
        program=CreditProgramFactory(code="bedrock_poc"), startup=StartupFactory(name="Acme")
    )

    assert str(application) == "bedrock_poc for Acme"
