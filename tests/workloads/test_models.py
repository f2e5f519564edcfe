"""Startup and Workload: database constraints and model validation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import StartupFactory, WorkloadFactory
from workloads.models import Startup, Workload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def _refused_by_the_database(factory, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**values)


# --- Startup --------------------------------------------------------------------------------


@pytest.mark.parametrize("account_id", ["123", "21098765432a", "abcdefghijkl", "2109 8765 43"])
def test_it_refuses_a_malformed_aws_account_id_in_the_database(account_id):
    founder = StartupFactory().founder

    _refused_by_the_database(StartupFactory, founder=founder, aws_account_id=account_id)

    assert Startup.objects.count() == 1


def test_it_accepts_an_empty_or_12_digit_aws_account_id_in_the_database():
    StartupFactory(aws_account_id="")
    StartupFactory(aws_account_id="000000000001")

    assert Startup.objects.count() == 2


def test_it_refuses_negative_prior_credits_in_the_database():
    _refused_by_the_database(StartupFactory, prior_activate_credits=Decimal("-0.01"))


def test_it_requires_a_state_for_a_us_startup_in_full_clean():
    startup = StartupFactory.build(founder=StartupFactory().founder, state="")

    with pytest.raises(ValidationError) as excinfo:
        startup.full_clean()

    assert set(excinfo.value.message_dict) == {"state"}


def test_it_refuses_a_future_founding_date_in_full_clean():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    startup = StartupFactory.build(founder=StartupFactory().founder, founded_on=tomorrow)

    with pytest.raises(ValidationError) as excinfo:
        startup.full_clean()

    assert "founded_on" in excinfo.value.message_dict
    assert "future" in excinfo.value.message_dict["founded_on"][0]


def test_it_accepts_a_valid_startup_in_full_clean():
    startup = StartupFactory.build(founder=StartupFactory().founder)

    startup.full_clean()  # no exception


def test_it_shows_a_startup_as_its_name():
    assert str(StartupFactory.build(name="Acme")) == "Acme"


# --- Workload -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"input_tokens": 1000, "cached_prefix_tokens": 1001},
        {"escalation_sonnet": 0.7, "escalation_opus": 0.4},
        {"escalation_sonnet": 1.0, "escalation_opus": 0.01},
        {"cache_hit_rate": 1.01},
        {"cache_hit_rate": -0.01},
        {"batch_share": 1.5},
        {"batch_share": -0.1},
        {"escalation_sonnet": -0.1},
        {"escalation_opus": 1.1},
        {"monthly_requests": -1},
        {"monthly_requests": 10**12 + 1},
        {"monthly_growth": -0.51},
        {"monthly_growth": 5.01},
    ],
    ids=lambda values: ",".join(f"{key}={value}" for key, value in values.items()),
)
def test_it_refuses_an_impossible_workload_in_the_database(values):
    startup = StartupFactory()

    _refused_by_the_database(WorkloadFactory, startup=startup, **values)

    assert not Workload.objects.exists()


@pytest.mark.parametrize(
    "values",
    [
        {"input_tokens": 1000, "cached_prefix_tokens": 1000},
        {"escalation_sonnet": 0.7, "escalation_opus": 0.3},  # 1.0000000000000002 in floats
        {"escalation_sonnet": 0.0, "escalation_opus": 1.0},
        {"monthly_requests": 10**12, "monthly_growth": 5.0},
        {"monthly_requests": 0, "monthly_growth": -0.5},
        {"cache_hit_rate": 0.0, "batch_share": 1.0},
    ],
)
def test_it_accepts_a_workload_on_the_bounds(values):
    workload = WorkloadFactory(**values)

    workload.full_clean()
    assert Workload.objects.filter(pk=workload.pk).exists()


def test_it_reports_a_prefix_larger_than_the_prompt_in_full_clean():
    workload = WorkloadFactory.build(
        startup=StartupFactory(), input_tokens=1000, cached_prefix_tokens=1500
    )

    with pytest.raises(ValidationError) as excinfo:
        workload.full_clean()

    errors = excinfo.value.message_dict
    assert set(errors) == {"cached_prefix_tokens"}
    assert "1500" in errors["cached_prefix_tokens"][0]
    assert "1000" in errors["cached_prefix_tokens"][0]


def test_it_reports_escalation_above_one_on_the_sonnet_field():
    workload = WorkloadFactory.build(
        startup=StartupFactory(), escalation_sonnet=0.6, escalation_opus=0.5
    )

    with pytest.raises(ValidationError) as excinfo:
        workload.full_clean()

    errors = excinfo.value.message_dict
    assert set(errors) == {"escalation_sonnet"}
    assert "at most 1" in errors["escalation_sonnet"][0]


def test_it_reports_both_cross_field_errors_at_once():
    workload = WorkloadFactory.build(
        startup=StartupFactory(),
        input_tokens=10,
        cached_prefix_tokens=20,
        escalation_sonnet=0.9,
        escalation_opus=0.9,
    )

    with pytest.raises(ValidationError) as excinfo:
        workload.full_clean()

    assert {"cached_prefix_tokens", "escalation_sonnet"} <= set(excinfo.value.message_dict)


def test_it_formats_share_messages_with_a_percent_sign():
    workload = WorkloadFactory.build(startup=StartupFactory(), cache_hit_rate=1.5)

    with pytest.raises(ValidationError) as excinfo:
        workload.full_clean()

    assert excinfo.value.message_dict["cache_hit_rate"] == [
        "Enter a share between 0 and 1 (e.g. 0.25 for 25%)."
    ]


def test_it_formats_growth_messages_with_a_percent_sign():
    workload = WorkloadFactory.build(startup=StartupFactory(), monthly_growth=-0.9)

    with pytest.raises(ValidationError) as excinfo:
        workload.full_clean()

    assert excinfo.value.message_dict["monthly_growth"] == [
        "Growth per month must be at least -0.5 (-50%)."
    ]


def test_it_refuses_a_too_short_description_in_full_clean():
    workload = WorkloadFactory.build(startup=StartupFactory(), description="Too short.")

    with pytest.raises(ValidationError) as excinfo:
        workload.full_clean()

    assert set(excinfo.value.message_dict) == {"description"}


def test_it_derives_the_escalation_and_haiku_share():
    workload = WorkloadFactory.build(escalation_sonnet=0.25, escalation_opus=0.05)

    assert workload.escalation == {"sonnet": 0.25, "opus": 0.05}
    assert workload.haiku_share == pytest.approx(0.70)


def test_it_never_makes_the_haiku_share_negative():
    workload = WorkloadFactory.build(escalation_sonnet=0.8, escalation_opus=0.4)  # never saved

    assert workload.haiku_share == 0.0


def test_it_shows_a_workload_as_startup_and_use_case():
    workload = WorkloadFactory(startup=StartupFactory(name="Acme"))

    assert str(workload) == "Acme · Classification / tagging"
