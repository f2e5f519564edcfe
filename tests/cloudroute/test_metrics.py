"""GET /metrics (issue 18 §3): who may scrape, what it reports, and that a down Redis or
several processes do not break it."""

import os
import subprocess
import sys
import uuid

import pytest
import redis
from django.conf import settings as django_settings
from prometheus_client.parser import text_string_to_metric_families

from cloudroute.celery import app as celery_app
from cloudroute.observability import metrics as observability_metrics
from matching.models import Intake, IntakeStatus
from tests.factories import IntakeFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@celery_app.task(name="tests.metrics.succeeds")
def succeeds() -> str:
    return "done"


@celery_app.task(name="tests.metrics.fails")
def fails() -> None:
    raise RuntimeError("the task failed")


@celery_app.task(name="tests.metrics.retries_once", bind=True, max_retries=1)
def retries_once(self) -> str:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return "done"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict[str, dict[tuple, float]]:
    """{sample name: {sorted label items: value}} of one authorised scrape."""
    response = client.get("/metrics", **AUTH)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def task_count(client, task: str, outcome: str) -> float:
    counts = scrape(client).get("cloudroute_celery_tasks_total", {})
    return counts.get((("outcome", outcome), ("task", task)), 0)


def test_it_reports_every_family_and_the_pending_intakes_of_the_database(client):
    IntakeFactory.create_batch(2, status=IntakeStatus.RECEIVED)
    IntakeFactory(status=IntakeStatus.PROCESSING)
    IntakeFactory(status=IntakeStatus.READY)
    client.get("/healthz")

    samples = scrape(client)

    assert samples["cloudroute_intakes_pending"] == {
        (("status", "received"),): Intake.objects.filter(status=IntakeStatus.RECEIVED).count(),
        (("status", "processing"),): Intake.objects.filter(status=IntakeStatus.PROCESSING).count(),
    }
    assert samples["cloudroute_intakes_pending"][(("status", "received"),)] >= 2
    assert "cloudroute_http_request_duration_seconds_bucket" in samples
    if django_settings.REDIS_URL:
        assert samples["cloudroute_broker_up"] == {(): 1}
        assert (("queue", "celery"),) in samples["cloudroute_celery_queue_length"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer not-the-token"},
        {"HTTP_AUTHORIZATION": f"Token {TOKEN}"},
        {"HTTP_AUTHORIZATION": TOKEN},
    ],
    ids=["no-token", "wrong-token", "wrong-scheme", "no-scheme"],
)
def test_it_is_a_404_without_the_token(client, headers):
    response = client.get("/metrics", **headers)

    assert response.status_code == 404
    assert b"cloudroute_" not in response.content


def test_it_is_a_404_for_everyone_when_no_token_is_set_and_debug_is_off(client, settings):
    settings.METRICS_TOKEN = ""
    settings.DEBUG = False

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_it_is_open_on_a_laptop_when_no_token_is_set(client, settings):
    settings.METRICS_TOKEN = ""
    settings.DEBUG = True

    assert client.get("/metrics").status_code == 200


def test_a_request_is_observed_under_its_route_name_not_its_path(client):
    labels = (("method", "GET"), ("route", "api-intake-detail"), ("status", "404"))
    before = scrape(client).get("cloudroute_http_request_duration_seconds_count", {})

    client.get("/api/v1/intakes/987654/")

    after = scrape(client)
    counts = after["cloudroute_http_request_duration_seconds_count"]
    assert counts[labels] == before.get(labels, 0) + 1
    assert not any("987654" in str(key) for key in counts)


def test_an_unknown_path_is_one_label(client):
    client.get(f"/no-such-page-{uuid.uuid4().hex}/")

    routes = {
        dict(key)["route"]
        for key in scrape(client)["cloudroute_http_request_duration_seconds_count"]
    }
    assert "<unmatched>" in routes
    assert not any(route.startswith("/no-such-page") for route in routes)


@pytest.mark.parametrize("redis_url", [django_settings.REDIS_URL, ""], ids=["redis", "inline"])
def test_task_outcomes_are_counted(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    names = {"succeeds": succeeds.name, "fails": fails.name, "retries": retries_once.name}
    before = {
        "succeeded": task_count(client, names["succeeds"], "succeeded"),
        "failed": task_count(client, names["fails"], "failed"),
        "retried": task_count(client, names["retries"], "retried"),
    }

    # As a worker runs them: an exception is the task's outcome, not raised to the caller.
    assert succeeds.apply(throw=False).successful()
    assert fails.apply(throw=False).failed()
    retries_once.apply(throw=False)  # retried once (inline, at once), then succeeds

    assert task_count(client, names["succeeds"], "succeeded") == before["succeeded"] + 1
    assert task_count(client, names["fails"], "failed") == before["failed"] + 1
    assert task_count(client, names["retries"], "retried") == before["retried"] + 1
    assert task_count(client, names["fails"], "succeeded") == 0


def test_it_counts_the_messages_waiting_in_each_queue(client, monkeypatch):
    if not django_settings.REDIS_URL:
        if os.environ.get("CI") == "true":  # a missing service fails CI, never skips
            pytest.fail("needs Redis (REDIS_URL)")
        pytest.skip("needs Redis (REDIS_URL)")
    queue = f"cloudroute-metrics-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(observability_metrics, "celery_queue_names", lambda: [queue])
    broker = redis.Redis.from_url(django_settings.REDIS_URL)
    priority_key = f"{queue}\x06\x163"
    try:
        broker.rpush(queue, "m1", "m2", "m3")
        broker.rpush(priority_key, "m4")

        assert scrape(client)["cloudroute_celery_queue_length"] == {(("queue", queue),): 4}
    finally:
        broker.delete(queue, priority_key)


def test_a_down_redis_leaves_the_scrape_answering(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    IntakeFactory(status=IntakeStatus.RECEIVED)

    samples = scrape(client)

    assert samples["cloudroute_broker_up"] == {(): 0}
    assert "cloudroute_celery_queue_length" not in samples
    assert samples["cloudroute_intakes_pending"][(("status", "received"),)] >= 1
    succeeds.delay()  # and a task's outcome that cannot be counted does not fail it


def test_it_sums_the_samples_of_every_process_in_multiprocess_mode(client, tmp_path, monkeypatch):
    """What gunicorn's workers do with PROMETHEUS_MULTIPROC_DIR: each process writes its
    samples there, and the scrape of any one of them reports the sum."""
    observe = (
        "from cloudroute.observability.metrics import REQUEST_DURATION;"
        "REQUEST_DURATION.labels('GET', 'other-process', '200').observe(0.05)"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):  # two processes, two pids, two files
        subprocess.run([sys.executable, "-c", observe], env=env, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    samples = scrape(client)

    labels = (("method", "GET"), ("route", "other-process"), ("status", "200"))
    assert samples["cloudroute_http_request_duration_seconds_count"][labels] == 2
    assert "cloudroute_intakes_pending" in samples  # the scrape-time gauges are there too
