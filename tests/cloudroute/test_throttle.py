"""LiveScopedRateThrottle: a fixed-window counter per client and scope, read at request time,
that lets requests through when the cache is down."""

import logging
import secrets
from types import SimpleNamespace

import pytest
import redis
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from rest_framework.test import APIRequestFactory

from core.throttling import LiveScopedRateThrottle

ESTIMATE = SimpleNamespace(throttle_scope="estimate")
START = 1_800_000_000.0  # a window boundary for every duration (divisible by 86,400)


@pytest.fixture
def rates(settings):
    """Small rates for these tests, on top of the suite's generous ones."""

    def set_rates(**scopes):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                **scopes,
            },
        }

    return set_rates


def a_request(address: str | None = None):
    """A request from a fresh client address (the cache may be a Redis shared with others)."""
    address = address or f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.1"
    request = APIRequestFactory().post("/api/v1/estimates/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    return request


def allowed(request, view=ESTIMATE, at: float = START) -> tuple[bool, LiveScopedRateThrottle]:
    throttle = LiveScopedRateThrottle()
    throttle.timer = lambda: at
    return throttle.allow_request(request, view), throttle


def test_it_allows_the_rate_then_refuses_until_the_window_closes(rates):
    rates(estimate="3/minute")
    request = a_request()

    results = [allowed(request, at=START + second)[0] for second in (0, 1, 2, 3)]
    refused, throttle = allowed(request, at=START + 45)

    assert results == [True, True, True, False]
    assert refused is False
    assert throttle.wait() == pytest.approx(15)
    assert allowed(request, at=START + 60)[0] is True  # a new window, a new count


def test_each_client_and_each_scope_has_its_own_budget(rates):
    rates(estimate="1/minute", eligibility="1/minute")
    request = a_request()

    assert allowed(request)[0] is True
    assert allowed(request)[0] is False
    assert allowed(a_request())[0] is True
    assert allowed(request, view=SimpleNamespace(throttle_scope="eligibility"))[0] is True


def test_it_keeps_one_small_counter_per_client_and_window(rates):
    rates(estimate="100/minute")
    request = a_request()
    for _ in range(5):
        allowed(request)

    throttle = LiveScopedRateThrottle()
    throttle.scope = "estimate"
    key = f"{throttle.get_cache_key(request, ESTIMATE)}_{int(START // 60)}"
    assert cache.get(key) == 5


def test_it_reads_the_rate_at_request_time(rates):
    request = a_request()
    rates(estimate="1/hour")
    assert allowed(request)[0] is True
    assert allowed(request)[0] is False

    rates(estimate="5/hour")

    assert allowed(request)[0] is True


def test_a_zero_rate_refuses_every_request(rates):
    rates(estimate="0/minute")

    assert allowed(a_request())[0] is False


@pytest.mark.parametrize("view", [SimpleNamespace(), SimpleNamespace(throttle_scope="unknown")])
def test_a_view_without_a_known_scope_is_not_throttled(view):
    assert allowed(a_request(), view=view)[0] is True


def test_it_lets_requests_through_when_the_cache_is_down(rates, monkeypatch, caplog):
    rates(estimate="1/minute")

    def down(*args, **kwargs):
        raise redis.ConnectionError("redis is down")

    monkeypatch.setattr(redis.Redis, "execute_command", down)
    monkeypatch.setattr(LiveScopedRateThrottle.cache, "add", down)  # without Redis too
    request = a_request()

    with caplog.at_level(logging.WARNING, logger="core.throttling"):
        results = [allowed(request)[0] for _ in range(3)]

    assert results == [True, True, True]
    assert "throttle estimate: cache unavailable, request allowed" in caplog.text


def test_on_redis_a_request_is_one_round_trip_and_the_window_expires(monkeypatch):
    """The Lua script increments and, on the window's first request, sets the expiry: one
    command per request (Django's add + incr took three)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from core.throttling import window_count

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.fail("the suite's cache is not Redis: set REDIS_URL")
    key = f"throttle-test-{secrets.token_hex(8)}"
    full_key = backend.make_and_validate_key(key)
    calls = []
    original = redis.Redis.execute_command

    def recorded(self, *args, **kwargs):
        calls.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", recorded)
    counts = [window_count(cache, key, timeout=61) for _ in range(3)]
    monkeypatch.undo()

    assert counts == [1, 2, 3]
    assert calls == ["EVALSHA", "EVALSHA", "EVALSHA"], calls
    assert 0 < backend._cache.get_client(full_key).ttl(full_key) <= 61
    assert cache.get(key) == 3  # still readable through Django's cache


def test_other_cache_backends_count_with_add_and_incr():
    from django.core.cache.backends.locmem import LocMemCache

    from core.throttling import window_count

    local = LocMemCache("throttle-test", {})

    assert [window_count(local, "k", timeout=61) for _ in range(3)] == [1, 2, 3]
