"""Cross-app pages: the home page, the health check and the readiness probe."""

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from workloads.models import PriceBook


@require_GET
def home(request):
    return render(request, "home.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "inline"  # no broker configured: tasks run in the web process
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
        try:
            return "ok" if client.ping() else "down"
        finally:
            client.close()
    except (redis.RedisError, ValueError):  # ValueError: a malformed REDIS_URL
        return "down"


@never_cache
@require_GET
def healthz(request):
    database = "ok" if _database_ok() else "down"
    broker = _broker_status()
    healthy = database == "ok" and broker != "down"
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def healthz_db(request):
    """Ready when the default price book can be read: one query on its partial unique index.

    Cheaper than /healthz (no broker round trip, no session, no DRF), so it doubles as the
    readiness probe and as the "bare endpoint" that `make bench` compares the API against.
    """
    default = PriceBook.objects.filter(is_default=True).order_by().values_list("slug", flat=True)
    try:
        slug = next(iter(default[:1]), None)
    except DatabaseError:
        slug = None
    if slug is None:
        return JsonResponse({"status": "unavailable", "price_book": None}, status=503)
    return JsonResponse({"status": "ok", "price_book": slug})
