"""The intake form and the live estimate share the API's per-client rates."""

import uuid

import pytest

from .test_intake_form import _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "intake": "2/hour",
            "estimate": "2/minute",
        },
    }


def _address() -> str:
    """A fresh client address per test, so earlier tests' history (the cache may be a shared
    Redis) does not count."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def test_it_limits_intake_form_submissions_per_client(client, low_rates):
    address = _address()
    statuses = [
        client.post(
            "/intake/", _form_data(email=f"f{n}@example.com"), REMOTE_ADDR=address
        ).status_code
        for n in range(3)
    ]

    assert statuses == [302, 302, 429]
    # Reading the form is never limited.
    assert client.get("/intake/", REMOTE_ADDR=address).status_code == 200


def test_it_limits_the_live_estimate_per_client(client, low_rates):
    address = _address()
    body = {"workload-monthly_requests": "1000", "workload-input_tokens": "100"}

    statuses = [
        client.post("/intake/estimate/", body, REMOTE_ADDR=address).status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 429]
