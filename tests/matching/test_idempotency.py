"""Idempotency-Key on POST /api/v1/intakes/ and the intake throttle."""

import datetime as dt
import hashlib
import random
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from matching.models import IdempotencyKey, Intake, Lead, RoutingStatus
from matching.services.idempotency import idempotency_keys_purge
from matching.tasks import purge_idempotency_keys
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
    assert (record.scope, record.response_status) == ("intake.create", 201)
    assert record.key == hashlib.sha256(key.encode()).hexdigest()  # never the key itself
    # Stored without the access token; the replay re-derives the very same token.
    assert record.response_body == {k: v for k, v in first.json().items() if k != "token"}


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

    assert len(first_callbacks) == 2  # process_intake, then the e-mail its claim enqueues
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


def test_it_refuses_the_same_key_with_a_different_invalid_body_as_a_reuse(api_client, payload):
    key = str(uuid.uuid4())
    _post(api_client, payload, key)
    broken = intake_payload(email=payload["founder"]["email"])
    broken["company"]["aws_account_id"] = "123"

    second = _post(api_client, broken, key)

    # The key's reuse is the answer, not the body's errors (those would invite a retry).
    assert second.status_code == 422
    assert "different request body" in second.json()["detail"]


def test_a_new_key_costs_one_insert_and_no_lookup(api_client, payload):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        created = _post(api_client, payload, str(uuid.uuid4()))

    assert created.status_code == 201
    on_keys = [q["sql"] for q in queries if '"matching_idempotencykey"' in q["sql"]]
    assert len(on_keys) == 1 and on_keys[0].startswith("INSERT"), on_keys


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
    assert IdempotencyKey.objects.get().key == hashlib.sha256(key.encode()).hexdigest()


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


# --- Per client, without the token, for IDEMPOTENCY_KEY_TTL --------------------------------

INTAKE_DETAIL = "/api/v1/intakes/{}/"


def _reads_intake(api_client, intake_id: int, token: str) -> bool:
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        return api_client.get(INTAKE_DETAIL.format(intake_id)).status_code == 200
    finally:
        api_client.credentials()


def test_it_never_gives_another_client_the_first_clients_intake(api_client, payload):
    key = str(uuid.uuid4())
    first = _post(api_client, payload, key, REMOTE_ADDR="10.0.0.1")

    other = _post(api_client, payload, key, REMOTE_ADDR="10.0.0.2")

    assert first.status_code == other.status_code == 201
    assert "Idempotent-Replayed" not in other.headers  # its own request, not a replay
    assert other.json()["id"] != first.json()["id"]
    assert other.json()["token"] != first.json()["token"]
    assert not _reads_intake(api_client, first.json()["id"], other.json()["token"])
    assert Intake.objects.count() == 2
    assert IdempotencyKey.objects.count() == 2


def test_it_keeps_another_clients_key_apart_even_with_another_body(api_client, payload):
    key = str(uuid.uuid4())
    _post(api_client, payload, key, REMOTE_ADDR="10.0.0.1")
    changed = intake_payload(email=payload["founder"]["email"])
    changed["workload"]["monthly_requests"] = 999

    other = _post(api_client, changed, key, REMOTE_ADDR="10.0.0.2")

    assert other.status_code == 201  # not the first client's 422: no hint it was used
    assert Intake.objects.count() == 2


def test_the_same_clients_replay_carries_a_token_that_works(api_client, payload):
    key = str(uuid.uuid4())
    first = _post(api_client, payload, key, REMOTE_ADDR="10.0.0.1")

    replay = _post(api_client, payload, key, REMOTE_ADDR="10.0.0.1")

    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["token"] == first.json()["token"]
    assert _reads_intake(api_client, first.json()["id"], replay.json()["token"])


def test_it_stores_neither_the_token_nor_the_key(api_client, payload):
    key = f"founder-retry-{uuid.uuid4()}"
    token = _post(api_client, payload, key).json()["token"]

    stored = IdempotencyKey.objects.values().get()

    assert token not in str(stored)
    assert key not in str(stored)
    assert "token" not in stored["response_body"]


def test_it_forgets_a_key_past_its_ttl(api_client, payload, settings):
    key = str(uuid.uuid4())
    first = _post(api_client, payload, key)
    IdempotencyKey.objects.update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL + 1)
    )

    again = _post(api_client, payload, key)

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.count() == 1


def _key_aged(seconds: float) -> IdempotencyKey:
    record = IdempotencyKey.objects.create(
        scope="intake.create",
        client="c" * 64,
        key=uuid.uuid4().hex,
        request_fingerprint="0" * 64,
        response_status=201,
        response_body={"id": 1},
    )
    IdempotencyKey.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=seconds)
    )
    return record


def test_the_purge_deletes_only_keys_past_the_ttl(settings):
    ttl = settings.IDEMPOTENCY_KEY_TTL
    old = [_key_aged(ttl + 60), _key_aged(ttl * 3)]
    young = [_key_aged(ttl - 60), _key_aged(0)]

    assert idempotency_keys_purge(batch_size=1) == 2

    remaining = set(IdempotencyKey.objects.values_list("pk", flat=True))
    assert remaining == {record.pk for record in young}
    assert not remaining & {record.pk for record in old}


def test_the_purge_task_can_run_twice(settings):
    _key_aged(settings.IDEMPOTENCY_KEY_TTL + 60)
    young = _key_aged(60)

    assert purge_idempotency_keys.delay().get() == 1
    assert purge_idempotency_keys.delay().get() == 0
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [young.pk]


def test_beat_purges_the_keys_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-idempotency-keys"]

    assert entry == {"task": "matching.purge_idempotency_keys", "schedule": 3600.0}


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
