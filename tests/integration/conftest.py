"""A real Celery worker subprocess against the test database and Redis.

Each worker gets its own queue, so neither another worker on the same Redis nor
a stale message from an earlier run can take or feed the tests' tasks.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from cloudroute.celery import app as celery_app
from tests.conftest import require_services

WORKER_READY_TIMEOUT = 60.0
WORKER_STOP_TIMEOUT = 15.0


@dataclass
class CeleryWorker:
    queue: str
    nodename: str
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


def worker_database_url() -> str:
    """A postgres:// URL for the database pytest-django created (test_<name>)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def wait_for(
    condition: Callable[[], object], *, timeout: float, interval: float = 0.2, what: str
) -> object:
    """Poll until condition() is truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # warm shutdown: finishes the current task
        process.wait(timeout=WORKER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WORKER_STOP_TIMEOUT)
    except ProcessLookupError:
        pass


def _delete_queue(queue: str) -> None:
    """Best effort: drop the queue's Redis keys (messages, bindings), so nothing lingers.

    The name is unique to this worker, so matching on it touches nothing else.
    """
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3)
        keys = list(client.scan_iter(match=f"*{queue}*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError as exc:  # cleanup must not mask the test result
        print(f"could not delete the Redis keys of queue {queue}: {exc}")


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[CeleryWorker]:
    """Start `celery worker` on a unique queue, wait until it answers a ping, stop it after.

    One worker per test: the flush between transactional tests recreates rows such as
    content types under new ids, which a longer-lived worker would still have cached.
    It starts after the test database exists and stops before the flush.
    """
    require_services()
    queue = f"cloudroute-test-{uuid.uuid4().hex[:12]}"
    nodename = f"{queue}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "cloudroute.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EMAIL_URL", None)
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "cloudroute",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        queue,
        "-n",
        nodename,
        "--loglevel=INFO",
    ]
    log_fd, log_name = tempfile.mkstemp(prefix="celery-worker-", suffix=".log")
    try:
        process = subprocess.Popen(
            cmd,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_fd,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        os.close(log_fd)
    worker = CeleryWorker(queue=queue, nodename=nodename, process=process, log_path=Path(log_name))
    try:

        def answers_ping() -> bool:
            if not worker.alive():
                pytest.fail(f"celery worker exited with {process.returncode}:\n{worker.output()}")
            return bool(celery_app.control.ping(destination=[nodename], timeout=1.0))

        try:
            wait_for(answers_ping, timeout=WORKER_READY_TIMEOUT, interval=0.5, what="worker ping")
        except pytest.fail.Exception as exc:
            pytest.fail(f"{exc}\n----- celery worker output -----\n{worker.output()}")
        yield worker
    finally:
        _stop(process)
        _delete_queue(queue)
        worker.log_path.unlink(missing_ok=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed test that used the worker, show the worker's output in the report."""
    report = yield
    worker = getattr(item, "funcargs", {}).get("celery_worker")
    if report.failed and isinstance(worker, CeleryWorker) and worker.log_path.exists():
        report.sections.append((f"celery worker {worker.nodename} output", worker.output()))
    return report
