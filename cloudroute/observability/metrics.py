"""Prometheus metrics and the `/metrics` view that serves them (prometheus-client).

What is measured where, and how several processes add up:

- request latency (`cloudroute_http_request_duration_seconds`, by method, route name and
  status) is observed in each web process. gunicorn runs several workers and a scrape reaches
  one of them, so production sets PROMETHEUS_MULTIPROC_DIR: prometheus-client's multiprocess
  mode, every worker writes its samples to a file there and any worker's scrape sums them all.
  Without it (runserver, one process) the process serves its own.
- Celery task outcomes (`cloudroute_celery_tasks_total`, by task and outcome) happen in the
  worker's pool processes, other containers that serve no HTTP: they are counted in a Redis
  hash (one HINCRBY per task, on the broker's Redis) and read at scrape time, so any web
  process reports the whole fleet's totals. With no REDIS_URL tasks run inline in the web
  process, which counts them in memory.
- the queue depth (LLEN of the Celery queues), whether the broker answers, and the pending
  intakes (received or processing) are read at scrape time, correct from any process. A down
  Redis or database leaves its gauges out (`cloudroute_broker_up` 0) and the scrape still
  answers.

The view answers only a `Authorization: Bearer <METRICS_TOKEN>` request; anything else is the
site's ordinary 404, so the endpoint does not even show it exists. With no METRICS_TOKEN it is
open while DEBUG is on (a laptop) and a 404 for everyone when DEBUG is off.
"""

import logging
import os
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from functools import cache

import redis
from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNMATCHED_ROUTE = "<unmatched>"
TASK_OUTCOMES = ("succeeded", "failed", "retried")
TASK_COUNTS_KEY = "cloudroute:metrics:celery-tasks"
# kombu's Redis transport keeps a queue's messages of priority n > 0 in "<queue>\x06\x16<n>".
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)

# Not in prometheus-client's global registry: each scrape builds its own (see `registry`).
REQUEST_DURATION = Histogram(
    "cloudroute_http_request_duration_seconds",
    "Time to answer a request, by method, route name (never the raw path) and status.",
    ["method", "route", "status"],
    registry=None,
)


def route_name(request: HttpRequest) -> str:
    """The URL pattern's name (`api-intake-detail`, `admin:index`): a bounded label, where the
    raw path (ids, tokens, scanners' junk) would grow without end."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else UNMATCHED_ROUTE


def request_observe(*, request: HttpRequest, response: HttpResponse, duration: float) -> str:
    """Observe one answered request; returns its route label."""
    route = route_name(request)
    method = request.method if request.method in METHODS else "other"
    REQUEST_DURATION.labels(method, route, str(response.status_code)).observe(duration)
    return route


# --- Celery task outcomes ------------------------------------------------------------
_inline_task_counts: Counter[tuple[str, str]] = Counter()
_inline_lock = threading.Lock()


@cache
def _redis(url: str) -> redis.Redis:
    """One client (and connection pool, fork-safe) per process and URL."""
    return redis.Redis.from_url(
        url,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
    )


def task_outcome_record(*, task_name: str, outcome: str) -> None:
    """Count one task run (`succeeded`, `failed`, `retried`); never raises."""
    if not settings.REDIS_URL:
        with _inline_lock:
            _inline_task_counts[(task_name, outcome)] += 1
        return
    try:
        _redis(settings.REDIS_URL).hincrby(TASK_COUNTS_KEY, f"{task_name}|{outcome}", 1)
    except (redis.RedisError, ValueError) as exc:
        logger.warning("task outcome %s of %s not counted: %s", outcome, task_name, exc)


def task_outcome_totals() -> dict[tuple[str, str], int]:
    """Every task's count by outcome, all processes together (raises RedisError)."""
    if not settings.REDIS_URL:
        with _inline_lock:
            return dict(_inline_task_counts)
    counts = _redis(settings.REDIS_URL).hgetall(TASK_COUNTS_KEY)
    totals = {}
    for field, value in counts.items():
        key = field.decode() if isinstance(field, bytes) else field
        task_name, _, outcome = key.rpartition("|")
        totals[(task_name, outcome)] = int(value)
    return totals


# --- Read at scrape time -------------------------------------------------------------
def celery_queue_names() -> list[str]:
    from cloudroute.celery import app  # imported late: cloudroute.celery imports this module

    queues = app.conf.task_queues
    names = [queue.name for queue in queues] if queues else []
    return names or [app.conf.task_default_queue]


def celery_queue_lengths(client: redis.Redis) -> dict[str, int]:
    """Messages waiting in each Celery queue (all priorities), one round trip."""
    names = celery_queue_names()
    pipe = client.pipeline(transaction=False)
    for name in names:
        for step in _PRIORITY_STEPS:
            pipe.llen(name if step == 0 else f"{name}{_PRIORITY_SEPARATOR}{step}")
    lengths = pipe.execute()
    steps = len(_PRIORITY_STEPS)
    return {name: sum(lengths[i * steps : (i + 1) * steps]) for i, name in enumerate(names)}


class ScrapeTimeCollector:
    """Gauges read when Prometheus scrapes, and the task counts from Redis."""

    def collect(self) -> Iterator[Metric]:
        yield from self._broker()
        yield from self._pending_intakes()

    def _broker(self) -> Iterator[Metric]:
        tasks = CounterMetricFamily(
            "cloudroute_celery_tasks",
            "Celery task runs by task and outcome (succeeded, failed, retried), all workers.",
            labels=["task", "outcome"],
        )
        if not settings.REDIS_URL:  # tasks run inline: no queue, counts in this process
            for (task_name, outcome), count in sorted(task_outcome_totals().items()):
                tasks.add_metric([task_name, outcome], count)
            yield tasks
            return
        up = GaugeMetricFamily("cloudroute_broker_up", "1 when the broker's Redis answered.")
        queues = GaugeMetricFamily(
            "cloudroute_celery_queue_length",
            "Messages waiting in a Celery queue.",
            labels=["queue"],
        )
        try:
            lengths = celery_queue_lengths(_redis(settings.REDIS_URL))
            totals = task_outcome_totals()
        except (redis.RedisError, ValueError) as exc:
            logger.warning("metrics: the broker did not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for name, length in lengths.items():
            queues.add_metric([name], length)
        for (task_name, outcome), count in sorted(totals.items()):
            tasks.add_metric([task_name, outcome], count)
        yield from (up, queues, tasks)

    def _pending_intakes(self) -> Iterator[Metric]:
        from matching.selectors import intakes_pending_counts

        try:
            counts = intakes_pending_counts()
        except DatabaseError as exc:
            logger.warning("metrics: the database did not answer: %s", exc)
            return
        pending = GaugeMetricFamily(
            "cloudroute_intakes_pending",
            "Intakes not yet through matching, by status (received, processing).",
            labels=["status"],
        )
        for status, count in counts.items():
            pending.add_metric([status], count)
        yield pending


def registry() -> CollectorRegistry:
    """What one scrape reports: the request histogram (this process's, or every process's
    in multiprocess mode) and the scrape-time collector."""
    scrape = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(scrape)
    else:
        scrape.register(REQUEST_DURATION)
    scrape.register(ScrapeTimeCollector())
    return scrape


def metrics_authorized(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return settings.DEBUG
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(
        given.strip().encode(), token.encode()
    )


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_authorized(request):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
