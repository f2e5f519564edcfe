"""Shared fixtures. With CI=true the suite must run on PostgreSQL and Redis, or fail loudly."""

import ipaddress
import os
import socket
import uuid

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient
from zeal.constants import initialize_app_registry
from zeal.patch import patch as zeal_patch

from cloudroute.celery import app as celery_app
from core import outbound
from core.throttling import LiveScopedRateThrottle
from credits.models import CreditProgram
from credits.programs_data import load_programs
from workloads.models import ModelPrice, PriceBook, TierDefault
from workloads.pricebook_data import load_price_books
from workloads.selectors import price_cache_clear

from .factories import intake_payload

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_sessionstart(session):
    """In CI a missing service fails the run; it never quietly falls back to SQLite."""
    if not IN_CI:
        return
    problems = []
    engine = django_settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        problems.append(f"DATABASE_URL must point at PostgreSQL in CI (engine is {engine})")
    if not django_settings.REDIS_URL:
        problems.append("REDIS_URL must be set in CI")
    else:
        try:
            redis.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at {django_settings.REDIS_URL} does not answer: {exc}")
    if problems:
        pytest.exit("CI=true but: " + "; ".join(problems), returncode=3)


def require_services() -> None:
    """For tests that need real PostgreSQL + Redis: skip on a laptop, fail in CI."""
    engine = django_settings.DATABASES["default"]["ENGINE"]
    missing = []
    if "postgresql" not in engine:
        missing.append("PostgreSQL (DATABASE_URL)")
    if not django_settings.REDIS_URL:
        missing.append("Redis (REDIS_URL)")
    if missing:
        message = "needs " + " and ".join(missing)
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _zeal_installed():
    """django-zeal's N+1 detection, in tests only: patch the ORM once, as its app config
    would if it were in INSTALLED_APPS (production settings do not load it)."""
    initialize_app_registry()
    zeal_patch()


# zeal also flags two `.get()` of one model from one caller, and takes the first frame
# outside site-packages as the caller: the session and user reads of a request, the admin's
# raw-id widgets and a bulk admin action's one service call per row all look like N+1s. Loops
# of single reads in a page show up in tests/perf's query budgets instead.
ZEAL_ALLOWLIST = [{"model": "*", "field": "get()"}]


@pytest.fixture(autouse=True)
def _no_n_plus_one(_zeal_installed, settings):
    """Every request a test makes fails on an N+1 query (zeal raises NPlusOneError). Per
    request, as zeal's middleware scopes it: over a whole test, a service the test calls twice
    would look like an N+1 of its own."""
    settings.MIDDLEWARE = ["zeal.middleware.zeal_middleware", *settings.MIDDLEWARE]
    settings.ZEAL_ALLOWLIST = ZEAL_ALLOWLIST


@pytest.fixture(autouse=True)
def _tasks_inline_and_generous_throttles(request, settings):
    """Unit tests run Celery tasks inline; integration tests use a real worker instead."""
    if request.node.get_closest_marker("integration") is None:
        celery_app.conf.task_always_eager = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "100000/minute",
            "intake": "100000/minute",
            "estimate": "100000/minute",
            "eligibility": "100000/minute",
            "auth": "100000/minute",
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield
    celery_app.conf.task_always_eager = django_settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(autouse=True)
def _founder_email_caps_reset():
    """Each test starts with no founder e-mail counted against any address (the hourly caps
    of matching.services.founder_emails live in the cache, Redis in CI, across tests)."""
    if django_settings.REDIS_URL:
        client = redis.Redis.from_url(django_settings.REDIS_URL)
        keys = list(client.scan_iter("*founder-emails:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


# A moment that opens a window of every throttle duration (divisible by 86,400 s).
THROTTLE_CLOCK = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _throttle_clock_pinned(monkeypatch):
    """Throttles count in clock-aligned windows (cloudroute.api): a test's burst of requests
    that straddled a minute boundary would start a fresh count halfway and flake. The clock
    stands still in tests; tests/cloudroute/test_throttle.py moves it to test the windows."""
    monkeypatch.setattr(LiveScopedRateThrottle, "timer", staticmethod(lambda: THROTTLE_CLOCK))


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> dict[str, list[str]]:
    """No test asks a DNS server: core.outbound resolves IP literals as themselves,
    `localhost` as 127.0.0.1 and the names a test puts in this dict; any other name does not
    resolve (socket.gaierror)."""
    names: dict[str, list[str]] = {"localhost": ["127.0.0.1"]}

    def resolve(host: str, port: int) -> list[str]:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if host.lower() in names:
                return names[host.lower()]
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return [host]

    monkeypatch.setattr(outbound, "_resolve", resolve)
    return names


@pytest.fixture(autouse=True)
def _fresh_price_cache():
    """Resolved prices are cached per process; a test that edits prices must not leak them."""
    price_cache_clear()
    yield
    price_cache_clear()


@pytest.fixture(autouse=True)
def _shipped_data_in_transactional_tests(request):
    """The flush after a transactional test empties the tables the data migrations filled
    (price books, credit programs): load them again for tests that run transactionally.
    (serialized_rollback would not do: a flush by a plain transactional test re-creates the
    content types, and restoring the serialized ones then collides with them.)"""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    load_programs(CreditProgram)
    load_price_books(PriceBook, ModelPrice, TierDefault)
    price_cache_clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def payload() -> dict:
    """A valid intake body, as in the Foundation issue; each call gets a fresh e-mail."""
    return intake_payload(email=f"founder-{uuid.uuid4().hex[:8]}@example.com")


@pytest.fixture
def fast_password_hasher(settings):
    """Opt-in: hash passwords with MD5 in tests (PBKDF2 costs about 0.25 s per user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
