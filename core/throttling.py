"""Per-client rate limits, shared by the API and the pages (settings THROTTLE_*)."""

import logging
from types import SimpleNamespace
from typing import Any, cast

from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

logger = logging.getLogger(__name__)


class LiveScopedRateThrottle(ScopedRateThrottle):
    """Per-client rate limit of a view's `throttle_scope`, with the rate read at request time
    (settings THROTTLE_*), so settings changes apply.

    A fixed-window counter of a small integer per client and window: on Redis one round
    trip per request (`window_count`). DRF's own throttle keeps the timestamp of every
    request in the window in one cache entry and reads and rewrites it whole each time,
    which cost about a quarter of an estimate request at high rates (docs/performance.md).
    The price of the fixed window: a client can fit up to twice its rate across the boundary
    of two windows.
    """

    num_requests: int
    duration: int  # seconds
    window_ends: float

    def get_rate(self) -> str | None:
        if self.scope is None:  # no scope, no rate (the settings have no None key)
            return None
        # The stub types the rates as numbers; DRF's are "100/min" strings (or None).
        rates: dict[str, str | None] = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return rates.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        # Rate limits live in the cache (Redis). If it cannot be reached, let the request
        # through rather than fail it: a founder's intake matters more than a rate limit, and
        # the database, not Redis, is where the intake is kept.
        try:
            return self._count(request, view)
        except Exception:  # redis.ConnectionError, TimeoutError, ... from the cache backend
            logger.warning("throttle %s: cache unavailable, request allowed", self.scope)
            return True

    def _count(self, request: Any, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        self.rate = self.get_rate() if self.scope else None
        if self.rate is None:
            return True
        num_requests, duration = self.parse_rate(self.rate)
        if num_requests is None or duration is None:  # parse_rate gives None only for no rate
            return True
        self.num_requests, self.duration = num_requests, duration
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{key}_{window}"
        # The window's first request creates its counter, which outlives the window a little.
        count = window_count(self.cache, key, timeout=self.duration + 1)
        return bool(count <= self.num_requests)

    def wait(self) -> float:
        """Seconds until this client's window closes (the Retry-After of a 429)."""
        return max(0.0, self.window_ends - self.now)


# INCR, and the expiry on the window's first request: one atomic round trip.
_INCR_WITH_EXPIRY = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


_incr_scripts: list[Any] = []  # the script's redis-py handle, made once per process


def _incr_script(client: Any) -> Any:
    """The script's handle (its hash does not depend on the client it is first made with;
    each call passes its own client)."""
    if not _incr_scripts:
        _incr_scripts.append(client.register_script(_INCR_WITH_EXPIRY))
    return _incr_scripts[0]


def _redis_client(cache: RedisCache) -> Any:
    """redis-py's client on the cache's write pool, made once per cache object (Django's
    `get_client` builds a new one per call, ~0.15 ms of every throttled request). The
    write pool is the first server's whatever the key, so one client serves every key."""
    client = getattr(cache, "_window_count_client", None)
    if client is None:
        client = cache._cache.get_client(write=True)
        cache._window_count_client = client  # type: ignore[attr-defined]
    return client


def window_count(cache: Any, key: str, *, timeout: int) -> int:
    """Count one more request in the window `key` (made on first use, expiring after
    `timeout` seconds) and return the window's count so far.

    On Redis one round trip: a Lua script (EVALSHA, loaded on first use) increments and, for
    the window's first request, sets the expiry. Django's `cache.add` + `cache.incr` took
    three (SET NX, then EXISTS and INCR). Other backends (the local-memory cache of `make
    run`) keep `add`, then `incr`."""
    if cache is default_cache:  # the proxy DRF's throttles hold; this thread's backend
        cache = caches["default"]
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        client = _redis_client(cache)
        return int(_incr_script(client)(keys=[full_key], args=[timeout], client=client))
    if cache.add(key, 1, timeout=timeout):
        return 1
    return int(cache.incr(key))


def page_rate_limited(request: HttpRequest, scope: str) -> bool:
    """The API's per-client rate for `scope`, applied to a page, so a form cannot be used to
    get around the API's limits."""
    return not LiveScopedRateThrottle().allow_request(
        request, SimpleNamespace(throttle_scope=scope)
    )


def client_ip(request: HttpRequest) -> str:
    """The client's address by the throttles' rule: REMOTE_ADDR, or with NUM_PROXIES proxies
    in front, the address the outermost of them saw. django-axes keys its lockouts on it too
    (AXES_CLIENT_IP_CALLABLE), so behind a proxy five wrong passwords lock one client out,
    not everyone behind the proxy's address."""
    # get_ident reads only request.META, which a Django request and DRF's share.
    return BaseThrottle().get_ident(cast(Request, request))
