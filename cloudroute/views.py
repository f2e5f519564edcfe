"""Cross-app pages: the home page and the health check."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
