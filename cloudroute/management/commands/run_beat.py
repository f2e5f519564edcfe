"""Run `celery beat` only while this process holds a PostgreSQL advisory lock, so exactly one
beat schedules the periodic tasks however many are started (`--scale beat=2`, a deploy that
overlaps the old container): two beats would send every task twice, doubling the ACE and
Cost Explorer calls.

The lock is a session lock (`pg_try_advisory_lock`) on a connection of its own, kept open for
beat's whole life. A second `run_beat` waits, asking again every `--poll` seconds, and takes
over when the holder's session ends: its process exits, or its connection drops. This process
checks its connection every `--check-every` seconds; once it is gone the lock may already be
someone else's, so beat is stopped and the command exits non-zero (the container restarts and
queues for the lock again).

The handover: when PostgreSQL ends the holder's session (a restart, a failover), the waiting
process gets the lock at once, while the old holder notices only at its next check. So a new
holder waits `--handover` seconds (by default a check interval and a margin) before it starts
beat: by then the old one has found its connection gone and stopped its beat.
"""

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# Any bigint unique to this lock: the bytes of "beat-one".
BEAT_LOCK_KEY = int.from_bytes(b"beat-one", "big")
STOP_TIMEOUT = 30.0
# Notice a dead network in well under a minute rather than after the kernel's two hours.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5}


def lock_connection_params() -> dict[str, Any]:
    """psycopg.connect() arguments for the default database, without Django's pool."""
    if connection.vendor != "postgresql":
        raise CommandError("run_beat needs PostgreSQL (DATABASE_URL): the lock is an advisory lock")
    return {**connection.get_connection_params(), **KEEPALIVES, "connect_timeout": 5}


def try_lock(params: dict[str, Any], key: int) -> psycopg.Connection | None:
    """A new connection holding the advisory lock `key`, or None if another session holds it."""
    conn = psycopg.connect(**params, autocommit=True)
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()
    if row and row[0]:
        return conn
    conn.close()
    return None


def wait_for_lock(
    params: dict[str, Any], key: int, *, poll: float, log: Callable[[str], None]
) -> psycopg.Connection:
    """Block until this process holds the lock (the database may not be up yet either)."""
    said = ""
    while True:
        try:
            conn = try_lock(params, key)
        except psycopg.OperationalError as error:
            conn, message = None, f"database unavailable ({error}); retrying"
        else:
            message = "another beat holds the lock; waiting for it"
        if conn is not None:
            return conn
        if message != said:
            log(message)
            said = message
        time.sleep(poll)


def is_alive(conn: psycopg.Connection) -> bool:
    try:
        conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


class LockedRun:
    """Runs `argv` while holding the lock; `child` is set while it runs (for signals)."""

    def __init__(self, argv: Sequence[str], *, params: dict[str, Any], key: int) -> None:
        self.argv = list(argv)
        self.params = params
        self.key = key
        self.child: subprocess.Popen[bytes] | None = None

    def run(
        self, *, poll: float, check_every: float, handover: float, log: Callable[[str], None]
    ) -> int:
        """Wait for the lock, then `handover` seconds (an old holder stops its beat), run the
        child to its end and return its exit code; 1 if the lock's connection dropped (the
        child is stopped then). The lock goes with the connection, closed on the way out."""
        conn = wait_for_lock(self.params, self.key, poll=poll, log=log)
        try:
            log(f"holding the beat lock; starting beat in {handover:g} s")
            time.sleep(handover)
            if not is_alive(conn):
                log("lost the database connection that holds the beat lock before starting")
                return 1
            log(f"starting {' '.join(self.argv)}")
            self.child = subprocess.Popen(self.argv)  # noqa: S603 (our own argv, no shell)
            while True:
                try:
                    return self.child.wait(timeout=check_every)
                except subprocess.TimeoutExpired:
                    pass
                if not is_alive(conn):
                    log("lost the database connection that holds the beat lock; stopping beat")
                    self.stop()
                    return 1
        finally:
            conn.close()

    def stop(self, signum: int = signal.SIGTERM) -> None:
        if self.child is None or self.child.poll() is not None:
            return
        self.child.send_signal(signum)
        try:
            self.child.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()


class Command(BaseCommand):
    help = "Run celery beat while holding a PostgreSQL advisory lock: one beat at a time."

    def add_arguments(self, parser):
        parser.add_argument("--loglevel", default="info", help="celery beat's --loglevel")
        parser.add_argument(
            "--poll", type=float, default=5.0, help="seconds between tries for the lock"
        )
        parser.add_argument(
            "--check-every",
            type=float,
            default=10.0,
            help="seconds between checks of the lock's connection",
        )
        parser.add_argument(
            "--handover",
            type=float,
            default=None,
            help="seconds to wait after taking the lock before starting beat "
            "(default: --check-every + 5, so a previous holder has stopped its beat)",
        )

    def handle(self, *args, **options):
        argv = [sys.executable, "-m", "celery", "-A", "cloudroute", "beat"]
        argv += ["--loglevel", options["loglevel"]]
        locked = LockedRun(argv, params=lock_connection_params(), key=BEAT_LOCK_KEY)

        def on_signal(signum, frame):
            if locked.child is None:
                raise SystemExit(0)  # still waiting: nothing to stop, no lock held
            locked.child.send_signal(signum)  # beat shuts down; run() then returns its code

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

        def log(message: str) -> None:
            self.stderr.write(f"run_beat: {message}")

        handover = options["handover"]
        if handover is None:
            handover = options["check_every"] + 5
        code = locked.run(
            poll=options["poll"], check_every=options["check_every"], handover=handover, log=log
        )
        if code:
            raise SystemExit(code)
