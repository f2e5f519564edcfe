"""`manage.py run_beat`: exactly one beat, by a PostgreSQL advisory lock (real PostgreSQL).

A stand-in child (a Python one-liner that writes its pid to a file and sleeps) takes celery
beat's place, so no periodic task reaches the shared Redis; each test uses a key of its own.
"""

import os
import secrets
import signal
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from cloudroute.management.commands.run_beat import (
    LockedRun,
    lock_connection_params,
    try_lock,
)
from tests.conftest import require_services
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def params():
    require_services()
    return lock_connection_params()


@pytest.fixture
def key():
    return secrets.randbits(62)


def stand_in(pid_file: Path) -> list[str]:
    code = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)"
    return [sys.executable, "-c", code, str(pid_file)]


def start(
    locked: LockedRun, results: list[int], *, check_every: float = 0.2, handover: float = 0.0
) -> threading.Thread:
    def target():
        results.append(
            locked.run(
                poll=0.1, check_every=check_every, handover=handover, log=lambda message: None
            )
        )

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_it_gives_the_lock_to_one_session_at_a_time(params, key):
    first = try_lock(params, key)
    assert first is not None
    try:
        assert try_lock(params, key) is None  # a second beat does not get it
    finally:
        first.close()

    # The holder's session ended: the next one gets it.
    third = try_lock(params, key)
    assert third is not None
    third.close()


def test_it_starts_beat_only_when_the_holder_lets_go(params, key, tmp_path):
    holder = try_lock(params, key)  # the beat already running
    assert holder is not None
    pid_file = tmp_path / "beat.pid"
    locked = LockedRun(stand_in(pid_file), params=params, key=key)
    results: list[int] = []
    thread = start(locked, results)
    try:
        # It waits: its beat never starts while the other holds the lock.
        thread.join(timeout=1.5)
        assert thread.is_alive()
        assert locked.child is None
        assert not pid_file.exists()

        holder.close()
        wait_for(pid_file.exists, timeout=10, what="the waiting beat to start")
        # Now it is the holder: a third beat would wait.
        assert try_lock(params, key) is None

        os.kill(int(pid_file.read_text()), signal.SIGTERM)
        thread.join(timeout=10)
        assert results == [-signal.SIGTERM]  # the child's own exit status is passed on
    finally:
        holder.close()
        locked.stop(signal.SIGKILL)
    # Its lock went with it.
    after = try_lock(params, key)
    assert after is not None
    after.close()


def test_it_stops_beat_when_the_lock_connection_drops(params, key, tmp_path):
    pid_file = tmp_path / "beat.pid"
    locked = LockedRun(stand_in(pid_file), params=params, key=key)
    results: list[int] = []
    thread = start(locked, results)
    try:
        wait_for(pid_file.exists, timeout=10, what="beat to start")
        with psycopg.connect(**params, autocommit=True) as admin:
            # The lock's backend dies (a PostgreSQL restart, a failover): the lock is free.
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = %s AND objid = %s AND granted",
                [key >> 32, key & 0xFFFFFFFF],
            ).fetchall()
        assert killed == [(True,)]

        thread.join(timeout=10)
        assert results == [1]
        assert locked.child is not None
        assert locked.child.poll() is not None  # beat was stopped, not left running unlocked
    finally:
        locked.stop(signal.SIGKILL)


def test_a_new_holder_starts_beat_only_after_the_old_one_stopped(params, key, tmp_path):
    """PostgreSQL ends the holder's session: the waiting beat gets the lock at once, the old
    one notices only at its next check. The new one waits out the handover first."""
    old_pid, new_pid = tmp_path / "old.pid", tmp_path / "new.pid"
    old = LockedRun(stand_in(old_pid), params=params, key=key)
    new = LockedRun(stand_in(new_pid), params=params, key=key)
    old_results: list[int] = []
    start(old, old_results, check_every=1.0)
    try:
        wait_for(old_pid.exists, timeout=10, what="the first beat to start")
        start(new, [], handover=2.0)
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = %s AND objid = %s AND granted",
                [key >> 32, key & 0xFFFFFFFF],
            )

        wait_for(new_pid.exists, timeout=15, what="the second beat to start")

        assert old.child is not None
        assert old.child.poll() is not None  # stopped before the new beat started
        assert old_results == [1]
    finally:
        old.stop(signal.SIGKILL)
        new.stop(signal.SIGKILL)
