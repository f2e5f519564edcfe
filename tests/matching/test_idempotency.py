"""Idempotency-Key on POST /api/v1/intakes/ and the intake throttle."""

import random
import uuid

import pytest
from django.core import mail

from matching.models import IdempotencyKey, Intake, Lead, RoutingStatus
from tests.factories import intake_payload
from workloads.models import Startup

from .routing_helpers import routable_partner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/api/v1/intakes/"


def _post(api_client, body, key: str | None = None, **extra):
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return api_client.post(URL, body, format="json", **extra)


def test_it_replays_the_first_response_for_the_same_key_and_body(api_client, payload):
    key = str(uuid.uuid4())

    first = _post(api_client, payload, key)
    second = _post(api_client, payload, key)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Intake.objects.count() == 1
    assert Startup.objects.count() == 1
    record = IdempotencyKey.objects.get()
    assert (record.scope, record.key, record.response_status) == ("intake.create", key, 201)
    assert record.response_body == first.json()


def test_it_replays_whatever_the_order_of_the_keys_in_the_body(api_client, payload):
    key = str(uuid.uuid4())
    reordered = {section: dict(reversed(payload[section].items())) for section in payload}
    reordered = dict(reversed(reordered.items()))

    first = _post(api_client, payload, key)
    second = _post(api_client, reordered, key)

    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert Intake.objects.count() == 1


def test_it_runs_the_background_work_once_for_a_replayed_request(
    api_client, payload, django_capture_on_commit_callbacks
):
    key = str(uuid.uuid4())
    routable_partner()  # a firm the intake would go to, were it routed before confirmation

    with django_capture_on_commit_callbacks(execute=True) as first_callbacks:
        _post(api_client, payload, key)
    with django_capture_on_commit_callbacks(execute=True) as second_callbacks:
        _post(api_client, payload, key)

    assert len(first_callbacks) == 2  # process_intake, email_intake_confirmation
    assert second_callbacks == []
    assert len(mail.outbox) == 1  # the confirmation link, once
    # No routing before the founder confirms: no lead, no partner's e-mail.
    assert not Lead.objects.exists()
    assert Intake.objects.get().routing_status == RoutingStatus.NOT_ROUTED


def test_it_refuses_the_same_key_with_a_different_body(api_client, payload):
    key = str(uuid.uuid4())
    first = _post(api_client, payload, key)
    changed = intake_payload(email=payload["founder"]["email"])
    changed["workload"]["monthly_requests"] = 999

    second = _post(api_client, changed, key)

    assert first.status_code == 201
    assert second.status_code == 422
    assert "different request body" in second.json()["detail"]
    assert Intake.objects.count() == 1
    assert Intake.objects.get().workload.monthly_requests == 400_000


def test_it_does_not_remember_a_refused_request(api_client, payload):
    key = str(uuid.uuid4())
    broken = intake_payload(email=payload["founder"]["email"])
    broken["company"]["aws_account_id"] = "123"

    refused = _post(api_client, broken, key)

    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    fixed = _post(api_client, payload, key)
    assert fixed.status_code == 201, fixed.content
    assert "Idempotent-Replayed" not in fixed.headers
    assert Intake.objects.count() == 1
    assert IdempotencyKey.objects.get().key == key


def test_it_treats_different_keys_as_different_requests(api_client, payload):
    first = _post(api_client, payload, str(uuid.uuid4()))
    second = _post(api_client, payload, str(uuid.uuid4()))

    assert first.json()["id"] != second.json()["id"]
    assert Intake.objects.count() == 2
    assert IdempotencyKey.objects.count() == 2


def test_it_creates_a_new_intake_each_time_without_a_key(api_client, payload):
    _post(api_client, payload)
    _post(api_client, payload)

    assert Intake.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_it_ignores_a_blank_key(api_client, payload):
    _post(api_client, payload, "   ")
    _post(api_client, payload, "   ")

    assert Intake.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_it_accepts_a_key_of_255_characters(api_client, payload):
    key = "k" * 255

    first = _post(api_client, payload, key)
    second = _post(api_client, payload, key)

    assert first.status_code == 201
    assert second.json()["id"] == first.json()["id"]


def test_it_refuses_a_key_longer_than_255_characters(api_client, payload):
    response = _post(api_client, payload, "k" * 256)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Intake.objects.exists()
    assert not IdempotencyKey.objects.exists()


# --- Throttle ---------------------------------------------------------------------------


@pytest.fixture
def tight_intake_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "intake": "2/minute"},
    }


def _random_address() -> str:
    # Unique per test run: the throttle's counters live in the cache, which may be Redis.
    return "10.{}.{}.{}".format(*(random.randint(1, 254) for _ in range(3)))  # noqa: S311


def test_it_throttles_the_third_intake_in_a_minute_from_one_address(
    api_client, tight_intake_throttle
):
    address = _random_address()
    statuses = [
        _post(
            api_client,
            intake_payload(email=f"t{n}-{uuid.uuid4().hex[:6]}@example.com"),
            REMOTE_ADDR=address,
        ).status_code
        for n in range(3)
    ]

    assert statuses == [201, 201, 429]
    assert Intake.objects.count() == 2


def test_it_tells_a_throttled_client_when_to_retry(api_client, tight_intake_throttle, payload):
    address = _random_address()
    for _ in range(2):
        _post(api_client, payload, REMOTE_ADDR=address)

    response = _post(api_client, payload, REMOTE_ADDR=address)

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


def test_it_throttles_each_address_separately(api_client, tight_intake_throttle, payload):
    crowded, fresh = _random_address(), _random_address()
    while fresh == crowded:
        fresh = _random_address()
    for _ in range(2):
        _post(api_client, payload, REMOTE_ADDR=crowded)

    assert _post(api_client, payload, REMOTE_ADDR=crowded).status_code == 429
    assert _post(api_client, payload, REMOTE_ADDR=fresh).status_code == 201
