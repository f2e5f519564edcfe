"""$0 outcome behaviour the mutation run (tools/mutate.py, docs/testing.md) found untested:
grants at the edge of their validity, and the horizon that follows the grants."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.formatting import month_start
from credits import tasks
from credits.models import CreditOutcome, OutcomeStatus
from credits.services import startup_outcome_refresh
from tests.credits.test_outcome import _grant, monthly_cost, startup  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def _today() -> dt.date:
    return timezone.localdate()


def test_a_grant_expiring_today_still_pays_for_this_month(startup, monthly_cost):  # noqa: F811
    """A founder whose grant expires today still pays $0 this month, from that grant."""
    grant = _grant(startup, monthly_cost * 3, last_month=1)
    grant.expires_on = _today()
    grant.save(update_fields=["expires_on"])

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert outcome.status == OutcomeStatus.ZERO_OUT_OF_POCKET
    assert outcome.result["months"][0]["out_of_pocket"] == "0.00"
    assert outcome.result["grants"][0]["used"] is True
    assert outcome.result["covered_until"] == _today().isoformat()


def test_a_grant_that_expired_yesterday_pays_nothing(startup, monthly_cost):  # noqa: F811
    """A grant past its expiry date is listed but unused, and the founder pays from month 1."""
    grant = _grant(startup, monthly_cost * 3, last_month=1)
    grant.expires_on = _today() - dt.timedelta(days=1)
    grant.issued_on = grant.expires_on - dt.timedelta(days=30)
    grant.save(update_fields=["expires_on", "issued_on"])

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert (outcome.status, outcome.first_out_of_pocket_month) == (OutcomeStatus.AT_RISK, 1)
    assert outcome.result["grants"][0]["used"] is False
    assert outcome.result["covered_until"] is None
    # Out of pocket "until expiry" is this month's bill alone: no grant is left to expire.
    assert outcome.out_of_pocket_until_expiry == monthly_cost


def test_a_grant_lasting_past_two_years_stretches_the_horizon(startup, monthly_cost):  # noqa: F811
    """A 30-month grant shows all 30 months on the dashboard, not the default 24."""
    _grant(startup, monthly_cost * 40, last_month=30)

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert len(outcome.result["months"]) == 30
    assert outcome.status == OutcomeStatus.ZERO_OUT_OF_POCKET
    assert outcome.credits_expiring_unused == pytest.approx(monthly_cost * 10, abs=Decimal("1"))


def test_out_of_pocket_counts_only_the_months_a_grant_lasts(startup, monthly_cost):  # noqa: F811
    """'Out of pocket until expiry' sums the unpaid months up to the last grant's month only."""
    _grant(startup, monthly_cost * 2, last_month=4)

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert (outcome.status, outcome.first_out_of_pocket_month) == (OutcomeStatus.AT_RISK, 3)
    assert outcome.out_of_pocket_until_expiry == pytest.approx(
        monthly_cost * 2, abs=Decimal("0.05")
    )
    assert outcome.result["first_out_of_pocket_on"] == month_start(_today(), 3).isoformat()


def test_a_startup_deleted_before_the_refresh_gets_no_outcome(startup):  # noqa: F811
    """Refreshing a startup that no longer exists writes nothing."""
    startup_id = startup.pk
    startup.delete()

    assert startup_outcome_refresh(startup_id=startup_id) is None
    assert not CreditOutcome.objects.filter(startup_id=startup_id).exists()


def test_a_broker_outage_while_alerting_still_stores_the_outcome(
    startup,  # noqa: F811
    monthly_cost,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """With the broker down, the founder's new outcome is still saved; only the e-mail waits."""
    _grant(startup, monthly_cost * 10, last_month=2)

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.email_outcome_changed, "delay", refuse)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert CreditOutcome.objects.get(startup=startup).status == outcome.status
    assert outcome.status == OutcomeStatus.ZERO_OUT_OF_POCKET


def test_a_grant_not_paying_bedrock_is_at_risk_from_this_month_even_before_any_spend(startup):  # noqa: F811
    """A founder whose only grant does not pay Claude on Bedrock is at risk from month 1."""
    startup.workloads.update(monthly_requests=0)
    _grant(startup, 5000, last_month=3, covers=False)

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert (outcome.status, outcome.first_out_of_pocket_month) == (OutcomeStatus.AT_RISK, 1)


def test_a_grant_running_short_in_its_last_month_is_at_risk(startup, monthly_cost):  # noqa: F811
    """Credits that run out in the grant's final month warn the founder about that month."""
    _grant(startup, monthly_cost * Decimal("3.5"), last_month=4)

    outcome = startup_outcome_refresh(startup_id=startup.pk)

    assert (outcome.status, outcome.first_out_of_pocket_month) == (OutcomeStatus.AT_RISK, 4)
