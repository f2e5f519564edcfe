"""Real processes against the test database: a Celery worker, gunicorn, a private Redis.

Each worker gets its own queue, so neither another worker on the same Redis nor
a stale message from an earlier run can take or feed the tests' tasks. Every process
runs in its own session and is stopped (its whole group) when the test ends.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
import requests
from celery import Celery
from django.conf import settings
from django.db import connection

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


def _spawn(cmd: list[str], env: dict[str, str], *, log_prefix: str):
    """Start a process in its own session (so a signal reaches its children too), its output
    going to a temporary log file. Returns the process and the log's path."""
    log_fd, log_name = tempfile.mkstemp(prefix=log_prefix, suffix=".log")
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
    return process, Path(log_name)


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


def _delete_queue(queue: str, redis_url: str) -> None:
    """Best effort: drop the queue's Redis keys (messages, bindings), so nothing lingers.

    The name is unique to this worker, so matching on it touches nothing else.
    """
    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=3)
        keys = list(client.scan_iter(match=f"*{queue}*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError as exc:  # cleanup must not mask the test result
        print(f"could not delete the Redis keys of queue {queue}: {exc}")


def _answers_ping(worker: CeleryWorker, probe: Celery) -> bool:
    if not worker.alive():
        pytest.fail(f"celery worker exited with {worker.process.returncode}:\n{worker.output()}")
    return bool(probe.control.ping(destination=[worker.nodename], timeout=1.0))


@contextmanager
def running_celery_worker(
    *, redis_url: str, queue: str, pool: str = "solo", extra_env: dict[str, str] | None = None
) -> Iterator[CeleryWorker]:
    """A `celery worker` process on `queue` of the Redis at `redis_url`, against the test
    database, in its own session; ready (it answers a ping) on entry, stopped on exit.

    `pool="prefork"` runs tasks in one child process, which a test may kill."""
    nodename = f"{queue}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "cloudroute.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "PYTHONUNBUFFERED": "1",
        # What the worker enqueues itself (a first claim's confirmation e-mail) stays on
        # its own queue, as in production, where every task shares the default one.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **(extra_env or {}),
    }
    env.pop("EMAIL_URL", None)
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "cloudroute",
        "worker",
        f"--pool={pool}",
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
    process, log_path = _spawn(cmd, env, log_prefix="celery-worker-")
    worker = CeleryWorker(queue=queue, nodename=nodename, process=process, log_path=log_path)
    # Its own app: control commands travel on the app's producer pool, whose broker is
    # settings.REDIS_URL whatever connection is passed in.
    probe = Celery("worker-probe", broker=redis_url, set_as_current=False)
    try:
        wait_for(
            lambda: _answers_ping(worker, probe),
            timeout=WORKER_READY_TIMEOUT,
            interval=0.5,
            what="worker ping",
        )
        yield worker
    except BaseException:
        # Printed, it shows in the failure report (tests may start workers themselves).
        print(f"----- celery worker {nodename} output -----\n{worker.output()}")
        raise
    finally:
        probe.close()
        _stop(process)
        _delete_queue(queue, redis_url)
        worker.log_path.unlink(missing_ok=True)


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[CeleryWorker]:
    """Start `celery worker` on a unique queue, wait until it answers a ping, stop it after.

    One worker per test: the flush between transactional tests recreates rows such as
    content types under new ids, which a longer-lived worker would still have cached.
    It starts after the test database exists and stops before the flush.
    """
    require_services()
    queue = f"cloudroute-test-{uuid.uuid4().hex[:12]}"
    with running_celery_worker(redis_url=settings.REDIS_URL, queue=queue) as worker:
        yield worker


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PrivateRedis:
    """A `redis-server` of the test's own, which the test may stop and start again."""

    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: self._answers(client), timeout=10, interval=0.05, what="redis-server")

    def _answers(self, client: redis.Redis) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(f"redis-server exited with {self.process.returncode}")
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def freeze(self) -> None:
        """Hang it (SIGSTOP): connections are accepted by the kernel but never answered."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGCONT)  # a frozen server ignores SIGTERM
            _stop(self.process)
            self.process = None


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    """A running private Redis on a free port (no persistence), stopped after the test."""
    require_services()
    server = PrivateRedis(port=free_port(), directory=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class AppServer:
    """The app under gunicorn (production settings, DEBUG off) against the test database."""

    base_url: str
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_app_server(*, redis_url: str, database_url: str = "") -> Iterator[AppServer]:
    """Gunicorn (one sync worker) with tasks published to `redis_url`, against the test
    database unless `database_url` says otherwise; ready on entry (it answers /healthz,
    whatever the status), stopped on exit. Runs in its own session."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url or worker_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "cloudroute.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "THROTTLE_INTAKE": "1000/minute",
        "THROTTLE_ANON": "1000/minute",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EMAIL_URL", None)
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "cloudroute.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
        "--timeout=30",
        "--access-logfile=-",
        "--error-logfile=-",
    ]
    process, log_path = _spawn(cmd, env, log_prefix="gunicorn-")
    server = AppServer(base_url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.output()}")
        try:
            requests.get(f"{server.base_url}/healthz", timeout=10)
        except requests.ConnectionError:
            return False
        return True

    try:
        wait_for(answers, timeout=WORKER_READY_TIMEOUT, interval=0.2, what="gunicorn")
        yield server
    finally:
        _stop(process)
        server.log_path.unlink(missing_ok=True)


@pytest.fixture
def app_server(transactional_db, private_redis: PrivateRedis) -> Iterator[AppServer]:
    """The app in a gunicorn process, publishing tasks to the test's private Redis."""
    with running_app_server(redis_url=private_redis.url) as server:
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed test that used a worker or the app server, show its output in the report."""
    report = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, CeleryWorker | AppServer) and value.log_path.exists():
                report.sections.append((f"{type(value).__name__} output", value.output()))
    return report
