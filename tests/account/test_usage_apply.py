"""POST /my/usage/apply/: bad input is a 4xx naming what is wrong, and nothing is saved."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from credits.models import BedrockUsageDay
from tests.bedrock_account import HAIKU
from tests.factories import IntakeFactory, UserFactory
from workloads.models import Workload

pytestmark = pytest.mark.django_db
URL = reverse("founder-usage-apply")


@pytest.fixture
def measured():
    """A founder whose account measured 10 days of Haiku traffic, the last one yesterday."""
    founder = UserFactory()
    intake = IntakeFactory(workload__startup__founder=founder)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for back in range(10):
        BedrockUsageDay.objects.create(
            startup=intake.startup,
            day=yesterday - dt.timedelta(days=back),
            dimension=f"us.{HAIKU}",
            model_id=HAIKU,
            invocations=1_000,
            input_tokens=600_000,
            output_tokens=80_000,
            read_at=timezone.now(),
        )
    return founder, intake, yesterday


def workloads_of(intake) -> int:
    return Workload.objects.filter(startup_id=intake.startup_id).count()


def test_the_measured_values_become_a_new_version(client, measured):
    founder, intake, yesterday = measured
    client.force_login(founder)

    response = client.post(URL, {"measured_through": yesterday.isoformat()})

    assert response.status_code == 302
    assert workloads_of(intake) == 2


@pytest.mark.parametrize("value", ["", "yesterday", "2026-13-01"])
def test_a_date_that_is_not_one_is_a_400_and_saves_nothing(client, measured, value):
    founder, intake, _ = measured
    client.force_login(founder)

    response = client.post(URL, {"measured_through": value})

    assert response.status_code == 400
    assert "measured_through" in response.content.decode()
    assert workloads_of(intake) == 1


def test_figures_older_than_the_newest_measurement_are_a_409_and_save_nothing(client, measured):
    founder, intake, yesterday = measured
    client.force_login(founder)

    response = client.post(
        URL, {"measured_through": (yesterday - dt.timedelta(days=1)).isoformat()}
    )

    assert response.status_code == 409
    assert "New measurements arrived" in response.content.decode()
    assert workloads_of(intake) == 1


def test_another_founder_applies_only_to_their_own_company(client, measured):
    """The view takes no company id: another founder's POST reaches only their own (none
    measured), never the measured founder's workload."""
    _, intake, yesterday = measured
    other = UserFactory()
    IntakeFactory(workload__startup__founder=other)
    client.force_login(other)

    response = client.post(URL, {"measured_through": yesterday.isoformat()})

    assert response.status_code == 409
    assert workloads_of(intake) == 1
