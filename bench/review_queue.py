"""The operators' review queue and its count at volume (issue 19): `ops_queue_counts()` (the
admin index, the operators' home), the intake changelist filtered by each queue
(`?queue=unrouted|lapsed|sla|all`) and the queues' aggregate query alone.

On a database of its own, whose name must contain "bench" (it is dropped and created again),
migrated, then seeded with `intakes` intakes by bulk inserts (bench/seed.py's founders,
startups, workloads, partner firms and lead rows; no services, no signals). Each startup has
one intake and a mix of leads like production's (`MIX`): most routed with an accepted or an
offered lead, some lapsed (declined or expired leads, nothing live), some SLA breaches (an
offer past its accept-by time), some unrouted, pending or failed. Then VACUUM ANALYZE (what
autovacuum would have done), and every item is run `warmup` times, discarded, and timed
`repeat` times. The pages go through django.test.Client with the settings production runs
(DEBUG off, two-factor on: the superuser's session carries a verified device) and the static
files' manifest collected into a directory of the run's own. Each item's `plan` is the
`EXPLAIN (ANALYZE, BUFFERS)` of its slowest SQL statement, captured with
`connection.execute_wrapper`.

bench/stack.py runs it as a script, in a subprocess with DATABASE_URL set, and reads the JSON
line it prints (`measure(database_url, intakes)` returns the same from Python):

    .venv/bin/python bench/review_queue.py --intakes 50000 \\
        --database-url postgres://postgres@127.0.0.1:5432/cloudroute_bench_queue

`--reuse` times a database an earlier run seeded (migrated first, not dropped), e.g. the same
data before and after a change.

Returns {"intakes": n, "seed_s": s, "queries": {name: {"p50_ms", "p95_ms", "plan",
"statements", "sql_ms"}}}: the last two of one untimed run (its statements, and their time).
Progress goes to stderr; stdout has only the JSON, on one line.
"""

import argparse
import datetime as dt
import importlib.util
import json
import math
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HOST = "127.0.0.1"  # in ALLOWED_HOSTS below (the test client's "testserver" is not)
FIRMS = 200
REPEAT, WARMUP = 30, 3
# What an intake's startup went through, with its share of intakes: (kind, weight). Leads of
# a startup go to distinct firms, oldest first; "ended" ones were declined, expired or
# withdrawn before the last.
MIX = [
    ("accepted", 55),  # 0-2 ended, then accepted
    ("offered", 18),  # 0-1 ended, then offered and within its accept-by time
    ("sla", 3),  # 0-1 ended, then offered and past its accept-by time (beat is late)
    ("lapsed", 8),  # 1-3 declined or expired, nothing live
    ("unrouted", 5),  # 0-3 declined or expired, then no partner left
    ("pending", 10),  # not through matching yet: no lead
    ("failed", 1),  # gave up after its attempts: no lead
]
QUEUES = ("unrouted", "lapsed", "sla", "all")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- pure helpers ------------------------------------------------------------------------------


def bench_database_name(url: str) -> str:
    """The database a URL names; a ValueError unless it says it is a bench's."""
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise ValueError(f"refusing to drop {name!r}: the bench database's name must have 'bench'")
    return name


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def lead_history(kind: str, rng: random.Random, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(status, offered_at) of a startup's leads, oldest first, for one kind of `MIX`; each
    lead has 48 hours to answer (bench/seed.py's `lead_row`), the next offered after that."""
    ended = {
        "accepted": rng.randrange(3),
        "offered": rng.randrange(2),
        "sla": rng.randrange(2),
        "lapsed": rng.randrange(1, 4),
        "unrouted": rng.randrange(4),
    }.get(kind, 0)
    endings = ["declined", "expired"] + (["withdrawn"] if kind in ("accepted", "offered") else [])
    statuses = [rng.choice(endings) for _ in range(ended)]
    last = {"accepted": "accepted", "offered": "offered", "sla": "offered"}.get(kind)
    if last == "offered":  # its offer: within the 48 hours, or past them (an SLA breach)
        hours = rng.uniform(49, 96) if kind == "sla" else rng.uniform(0, 40)
        last_offered = now - dt.timedelta(hours=hours)
    else:
        last_offered = now - dt.timedelta(days=rng.uniform(3, 30))
    offered = [last_offered - dt.timedelta(hours=49 * (ended - i)) for i in range(ended)]
    history = list(zip(statuses, offered, strict=True))
    if last is not None:
        history.append((last, last_offered))
    return history


def slowest(statements: list[dict], table: str = "matching_intake") -> dict:
    """The slowest captured statement that reads `table`: the item's main SQL."""
    reading = [s for s in statements if f'"{table}"' in s["sql"]] or statements
    return max(reading, key=lambda statement: statement["ms"])


def summary(milliseconds: list[float], plan: str, statements: list[dict]) -> dict:
    """p50/p95 of the timed runs, the main statement's plan, and of one run: how many
    statements it sent and their milliseconds in all (the rest is Python)."""
    return {
        "p50_ms": round(percentile(milliseconds, 0.5), 2),
        "p95_ms": round(percentile(milliseconds, 0.95), 2),
        "plan": plan,
        "statements": len(statements),
        "sql_ms": round(sum(statement["ms"] for statement in statements), 2),
    }


# --- the database ------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    """Drop and create the bench database (only one whose name says it is a bench's)."""
    import psycopg

    name = bench_database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str) -> None:
    """Django on the bench database with production's settings: DEBUG off, two-factor on."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the test client speaks http
    os.environ.setdefault("ALLOWED_HOSTS", HOST)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudroute.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _bench_seed():
    """bench/seed.py, loaded from its path (bench/ stays off sys.path: it would shadow the
    standard library's profile module)."""
    spec = importlib.util.spec_from_file_location("bench_seed", BENCH / "seed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _intake_row(kind: str, startup, workload, now: dt.datetime):
    from matching.models import Intake, IntakeStatus, RoutingStatus

    status = {"pending": IntakeStatus.RECEIVED, "failed": IntakeStatus.FAILED}.get(
        kind, IntakeStatus.READY
    )
    routing = {
        "accepted": RoutingStatus.ACCEPTED,
        "offered": RoutingStatus.OFFERED,
        "sla": RoutingStatus.OFFERED,
        "unrouted": RoutingStatus.UNROUTED,
    }.get(kind, RoutingStatus.NOT_ROUTED)
    return Intake(
        founder_id=startup.founder_id,
        email=startup.founder.email,
        founder_name=startup.founder.full_name,
        confirmed_at=now,
        startup=startup,
        workload=workload,
        status=status,
        attempts=5 if kind == "failed" else 1,
        access_token_hash=secrets.token_hex(32),
        routing_status=routing,
        processed_at=None if kind in ("pending", "failed") else now,
    )


def seed(intakes: int, rng: random.Random) -> dict[str, int]:
    """`intakes` startups with a founder, a workload, their leads (`MIX`) and one intake each;
    the intakes' created_at spread over 180 days. Row counts by table."""
    from django.db import connection, transaction
    from django.utils import timezone

    from matching.models import Intake, Lead

    helpers = _bench_seed()
    now = timezone.now()
    kinds, weights = zip(*MIX, strict=True)
    with transaction.atomic():
        firms = helpers.partners(rng, FIRMS)
        startups = helpers.founders_and_startups(rng, intakes)
        workloads = helpers.workloads_for(rng, startups)
        leads, rows = [], []
        for startup, workload in zip(startups, workloads, strict=True):
            kind = rng.choices(kinds, weights)[0]
            history = lead_history(kind, rng, now)
            for firm, (status, offered_at) in zip(
                rng.sample(firms, len(history)), history, strict=True
            ):
                leads.append(helpers.lead_row(rng, startup, workload, firm, status, offered_at))
            rows.append(_intake_row(kind, startup, workload, now))
        helpers.bulk(Lead, leads)
        helpers.bulk(Intake, rows)
        with connection.cursor() as cursor:  # auto_now_add stamped them all "now"
            cursor.execute(
                "UPDATE matching_intake SET created_at = created_at"
                " - ((id * 7919) % 15552000) * interval '1 second'"
            )
    with connection.cursor() as cursor:  # outside a transaction: VACUUM cannot run in one
        cursor.execute("VACUUM ANALYZE")
    return {"startups": len(startups), "leads": len(leads), "intakes": len(rows)}


# --- timing ------------------------------------------------------------------------------------


class Recorder:
    """connection.execute_wrapper: every statement with its parameters and milliseconds."""

    def __init__(self) -> None:
        self.statements: list[dict] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - start) * 1000
            self.statements.append({"sql": sql, "params": params, "ms": ms})


def captured(call: Callable[[], object]) -> list[dict]:
    from django.db import connection

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        call()
    return recorder.statements


def explain(statement: dict) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement["sql"], statement["params"])
        return "\n".join(row[0] for row in cursor.fetchall())


def timed(call: Callable[[], object], repeat: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    milliseconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        milliseconds.append((time.perf_counter() - start) * 1000)
    return milliseconds


def operator_client():
    """A superuser signed in past the second step (a confirmed authenticator device, its id
    in the session as django_otp.login leaves it)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    email = "operator@ops.bench.example"
    user = get_user_model().objects.filter(email=email).first()
    user = user or get_user_model().objects.create_superuser(email=email, password=None)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    client = Client(SERVER_NAME=HOST)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def collect_static(directory: Path) -> None:
    """collectstatic into `directory` with Django's manifest storage (whitenoise's without
    the compression), as bench/pages.py does: DEBUG off needs the manifest."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    manifest = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    override_settings(
        STATIC_ROOT=str(directory), STORAGES={**settings.STORAGES, "staticfiles": manifest}
    ).enable()
    call_command("collectstatic", interactive=False, verbosity=0)


def page_call(client, url: str) -> Callable[[], object]:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return get


def statement_call(statement: dict) -> Callable[[], object]:
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement["sql"], statement["params"])
            return cursor.fetchall()

    return run


def measure_items(repeat: int, warmup: int) -> dict:
    from django.urls import reverse

    from matching import selectors

    client = operator_client()
    changelist = reverse("admin:matching_intake_changelist")
    items: dict[str, Callable[[], object]] = {"ops_queue_counts": selectors.ops_queue_counts}
    items |= {f"page_{q}": page_call(client, f"{changelist}?queue={q}") for q in QUEUES}
    queries = {}
    for name, call in items.items():
        log(f"  {name}...")
        milliseconds = timed(call, repeat, warmup)
        statements = captured(call)
        main = slowest(statements)
        queries[name] = summary(milliseconds, explain(main), statements)
        if name == "ops_queue_counts":  # (c): its aggregate over the intakes, alone
            log("  count_query...")
            queries["count_query"] = summary(
                timed(statement_call(main), repeat, warmup), queries[name]["plan"], [main]
            )
    return queries


def measure(
    database_url: str,
    intakes: int,
    *,
    repeat: int = REPEAT,
    warmup: int = WARMUP,
    reuse: bool = False,
) -> dict:
    """Recreate, migrate and seed the bench database; time each item (see the docstring).
    `reuse`: time the database an earlier run seeded, as it is (migrated first)."""
    bench_database_name(database_url)
    if not reuse:
        recreate_database(database_url)
    setup_django(database_url)
    from django.core.management import call_command

    from matching.models import Intake

    log(f"review queue: migrating {bench_database_name(database_url)}...")
    call_command("migrate", verbosity=0, interactive=False)
    seed_s = 0.0
    if not reuse:
        log(f"review queue: seeding {intakes:,} intakes...")
        start = time.perf_counter()
        counts = seed(intakes, random.Random(19))
        seed_s = round(time.perf_counter() - start, 1)
        log(f"review queue: seeded {counts} in {seed_s} s")
    log(f"review queue: timing {repeat} of each...")
    with tempfile.TemporaryDirectory(prefix="cloudroute-queue-static-") as static_root:
        collect_static(Path(static_root))
        queries = measure_items(repeat, warmup)
    return {"intakes": Intake.objects.count(), "seed_s": seed_s, "queries": queries}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intakes", type=int, default=50_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--warmup", type=int, default=WARMUP)
    parser.add_argument(
        "--reuse", action="store_true", help="time the database an earlier run seeded, as it is"
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    if args.intakes < 1 or args.repeat < 1:
        parser.error("--intakes and --repeat must be positive")
    result = measure(
        args.database_url, args.intakes, repeat=args.repeat, warmup=args.warmup, reuse=args.reuse
    )
    print(json.dumps(result))  # one line: bench/stack.py reads the last line that is JSON
    return 0


if __name__ == "__main__":
    # bench/ is sys.path[0] when run as a script: put the repository there instead, so a
    # bench module (bench/profile.py) cannot stand in for the standard library's.
    sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != BENCH)]
    sys.exit(main())
