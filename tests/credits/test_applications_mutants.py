"""Credit application behaviour the mutation run (tools/mutate.py, docs/testing.md) found
untested: the amounts and dates exactly at the edge of what a step accepts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from credits import tasks
from credits.models import CreditApplication, CreditGrant
from credits.services import (
    ApplicationInputError,
    application_create,
    application_precheck,
    application_transition,
)
from tests.credits.test_applications import _application_in, _ready_startup
from workloads.models import DESCRIPTION_MAX, DESCRIPTION_MIN, WorkloadProjection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


@pytest.mark.parametrize("amount", [Decimal("10000"), Decimal("50000")], ids=["min", "max"])
def test_a_partner_can_request_exactly_the_programs_minimum_or_maximum(amount):
    """Requesting exactly a program's minimum (or maximum) opens the draft, not an error."""
    application = application_create(
        startup_id=_ready_startup().pk,
        program_code="bedrock_poc",
        requested_amount=amount,
        actor=None,
    )

    assert CreditApplication.objects.get(pk=application.pk).requested_amount == amount


def test_a_target_close_date_of_today_passes_the_precheck():
    """A target close date of today is not "in the past": nothing to fix before submitting."""
    application = _application_in("draft", target_close_date=timezone.localdate())

    assert application_precheck(application=application) == []


def test_issuing_exactly_the_approved_amount_expiring_the_next_day_creates_the_grant():
    """AWS issuing all it approved, valid until tomorrow, is recorded as a grant."""
    application = _application_in("approved")
    issued_on = timezone.localdate()

    application_transition(
        application_id=application.pk,
        to="credits_issued",
        actor=None,
        issued_amount=Decimal("20000"),
        issued_on=issued_on,
        expires_on=issued_on + dt.timedelta(days=1),
    )

    grant = CreditGrant.objects.get(application=application)
    assert (grant.amount, grant.expires_on) == (Decimal("20000"), issued_on + dt.timedelta(1))


@pytest.mark.parametrize("length", [DESCRIPTION_MIN, DESCRIPTION_MAX], ids=["min", "max"])
def test_a_description_of_exactly_the_shortest_or_longest_length_passes_the_precheck(length):
    """A workload description of exactly the allowed minimum or maximum length is accepted."""
    application = _application_in("draft")
    application.startup.workloads.update(description="d" * length)

    assert application_precheck(application=application) == []


def test_a_tiny_but_non_zero_expected_spend_passes_the_precheck():
    """Fifty cents a month is a non-zero expected spend: nothing to fix before submitting."""
    application = _application_in("draft")
    projection = WorkloadProjection.objects.get(workload__startup=application.startup)
    projection.result["months"][0]["cost"] = "0.50"
    projection.save(update_fields=["result"])

    assert application_precheck(application=application) == []


def test_requesting_zero_dollars_asks_for_an_amount_above_zero():
    """A $0 request is answered with "Enter an amount above 0.", on the amount field."""
    with pytest.raises(ApplicationInputError) as error:
        application_create(
            startup_id=_ready_startup().pk,
            program_code="bedrock_poc",
            requested_amount=Decimal("0"),
            actor=None,
        )

    assert error.value.errors == {"requested_amount": ["Enter an amount above 0."]}


def test_a_broker_outage_when_credits_are_issued_still_records_the_grant(
    monkeypatch, django_capture_on_commit_callbacks
):
    """With the broker down, issued credits are still recorded; the outcome refresh waits."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.refresh_outcome, "delay", refuse)
    application = _application_in("approved")

    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            application_id=application.pk,
            to="credits_issued",
            actor=None,
            issued_amount=Decimal("20000"),
            expires_on=timezone.localdate() + dt.timedelta(days=365),
        )

    assert CreditGrant.objects.filter(application=application).count() == 1
