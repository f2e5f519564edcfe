"""`make bench`: the production-like stack under load (issues 8 and 19; docs/performance.md,
"The stack under load"). Not a test.

gunicorn (gthread, DEBUG off) and one Celery worker on the local PostgreSQL and Redis, with a
database and a Redis DB of its own (both wiped first) seeded by bench/seed.py. In order:

1. engines: projections/s (bench/spend.py), routing one lead over 10,000 partners
   (bench/routing.py), eligibility evaluations/s;
2. pages in-process (bench/pages.py): the founder's dashboard, the partner's lead page;
3. the review queue and its count, on a database of their own (bench/review_queue.py);
4. load (locust, bench/locustfile.py): bare GET /healthz/db, /healthz, the estimate and intake
   POSTs, the partner inbox and application list, each at 1, 4 and 16 users; the worker is
   not running yet (the intakes' queued tasks are dropped before it starts);
5. time to match: intakes at a steady rate, from each confirmation to its lead's offer;
6. batch: re-projecting 1,000 .. all workloads in fixed-size batches, the last through the
   nightly task; --reproject N: that task once more over N workloads (seeded up to N).

bench/report.py gives every target of issue 19 its verdict. Writes bench/results/latest.json,
latest.md and docs/perf/latency-vs-load.png. All it started is stopped on exit or Ctrl-C.

    .venv/bin/python bench/stack.py            # full: ~12 min on 2 cores
    .venv/bin/python bench/stack.py --quick    # small volumes, short runs: ~3 min
    .venv/bin/python bench/stack.py --reproject 100000   # + the nightly run at 100,000
"""

import argparse
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pages as pages_bench  # bench/pages.py: the founder's and partner's pages
import report  # bench/report.py: the targets, verdicts and Markdown
import spend as spend_bench  # bench/spend.py: gunicorn, CPU meter, engine bench
from bodies import RUN, intake_body

ROOT = spend_bench.ROOT
PY = sys.executable
BIN = Path(PY).parent
RESULTS = ROOT / "bench" / "results"
PLOT = ROOT / "docs" / "perf" / "latency-vs-load.png"
BARE = "bare"
ENDPOINTS = {  # result name -> locust user class (bench/locustfile.py)
    BARE: "BareUser",
    "healthz": "HealthzUser",
    "estimate": "EstimateUser",
    "intake": "IntakeUser",
    "inbox": "InboxUser",
    "applications": "ApplicationsUser",
}
QUEUE_BENCH = "bench/review_queue.py"  # the review queue's own database and seed
# 2 cores: two processes use both despite the GIL; 4 threads each overlap a request's waits
# on PostgreSQL and Redis (about half of an API request) without queueing 16 clients behind
# one slow request. More threads only add GIL contention (measured in docs/performance.md).
GUNICORN_WORKERS, GUNICORN_THREADS = 2, 4
WORKER_CONCURRENCY = 2  # one Celery worker, one prefork process per core
BATCH_SIZE = 200


@dataclass(frozen=True)
class Mode:
    startups: int
    partners: int
    decisions: int
    load_seconds: int
    warmup_seconds: int  # per endpoint, discarded: a worker's first requests open connections
    users: tuple[int, ...]
    match_rate: float  # intakes per second
    match_seconds: int
    batch_sizes: tuple[int, ...]  # the last one is "all", via workloads.reproject_all
    routing_leads: int
    page_requests: int  # timed per page, after page_warmup discarded
    page_warmup: int
    queue_intakes: int


MODES = {
    "full": Mode(
        startups=10_000, partners=500, decisions=50_000,
        load_seconds=15, warmup_seconds=5, users=(1, 4, 16),
        match_rate=2.0, match_seconds=60,
        batch_sizes=(1_000, 2_500, 5_000, 10_000), routing_leads=200,
        page_requests=200, page_warmup=20, queue_intakes=50_000,
    ),
    "quick": Mode(
        startups=600, partners=60, decisions=3_000,
        load_seconds=3, warmup_seconds=2, users=(1, 4, 16),
        match_rate=2.0, match_seconds=8,
        batch_sizes=(100, 200, 400, 600), routing_leads=30,
        page_requests=50, page_warmup=5, queue_intakes=2_000,
    ),
}  # fmt: skip


def batches(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


# --- the stack ---------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def queue_database_url(url: str) -> str:
    """The review queue's database: the bench's name with "_queue" (still a bench's name)."""
    return with_database(url, urlsplit(url).path.lstrip("/") + "_queue")


def recreate_database(url: str) -> None:
    """Drop and create the bench database; only one whose name says it is a bench's."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise RuntimeError(f"refusing to drop {name!r}: the bench database's name has 'bench'")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    import redis

    if int(urlsplit(url).path.lstrip("/") or 0) == 0:
        raise RuntimeError("refusing to flush Redis DB 0: give the bench a DB of its own")
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def stack_env(database_url: str, redis_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    # Every request comes from 127.0.0.1: the production limits would measure 429s.
    for scope in ("ANON", "USER", "INTAKE", "ESTIMATE", "ELIGIBILITY", "AUTH"):
        env[f"THROTTLE_{scope}"] = "100000000/minute"
    return env


def run(command: list, env: dict, timeout: float) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Worker(spend_bench.Server):
    """One Celery worker in its own process group; `stop()` and `log_tail()` as gunicorn's."""

    def __init__(self, env: dict, log: Path):  # not Server's: no port, no gunicorn command
        # INFO: Celery says " ready." at INFO (start() waits for it); a line per task after.
        self.env, self.log, self.process = {**env, "LOG_LEVEL": "INFO"}, log, None
        self.command = [
            str(BIN / "celery"), "-A", "cloudroute", "worker", "--loglevel", "INFO",
            "--concurrency", str(WORKER_CONCURRENCY), "--hostname", "bench@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited:\n{self.log_tail()}")
            if " ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"celery worker not ready within {timeout:.0f} s")


# --- 1. engines (2. pages: bench/pages.py) -----------------------------------------------------


def bench_engines(mode: Mode, tmp: Path) -> dict:
    out = tmp / "engines"
    # -P: bench/ not ahead of the standard library (neither script imports its neighbours).
    run([PY, "bench/spend.py", "--engine-only", "--results-dir", out], os.environ, 300)
    engine = json.loads(next(out.glob("spend-*.json")).read_text())["engine"]
    run(
        [PY, "bench/routing.py", "--django", "--scenario", "mixed",
         "--leads", mode.routing_leads, "--results-dir", out],
        {**os.environ, "DJANGO_SETTINGS_MODULE": "cloudroute.settings"},
        600,
    )  # fmt: skip
    routing = json.loads(next(out.glob("routing-*.json")).read_text())["scenarios"]["mixed"]
    return {
        "projections_per_s": engine["project"]["best_per_s"],
        "projections_per_s_median": engine["project"]["median_per_s"],
        "projection_with_as_dict_per_s": engine["project_and_as_dict"]["best_per_s"],
        "months": engine["months"],
        "routing_partners": routing["partners"],
        "routing_ms": routing["rank_ms"],
        "eligibility_per_s": bench_eligibility(),
    }


def bench_eligibility() -> float:
    """credits.eligibility.evaluate of one founder against the shipped programs, per second."""
    from credits import eligibility, programs_data

    fields = set(eligibility.Program.__dataclass_fields__)
    latest = {}
    for row in sorted(programs_data.PROGRAMS, key=lambda row: row["effective_from"]):
        latest[row["code"]] = eligibility.Program(**{k: v for k, v in row.items() if k in fields})
    applicant = eligibility.Applicant(
        stage="seed",
        founded_on=dt.date(2024, 3, 1),
        website="https://load.bench.example",
        aws_account_id="210987654321",
        aws_paid_plan=True,
    )
    programs, today = list(latest.values()), dt.datetime.now(dt.UTC).date()
    timing = spend_bench.measure(
        lambda: eligibility.evaluate(applicant, programs, today=today), repeat=5, batch_seconds=0.3
    )
    return timing["best_per_s"]


# --- 3. the review queue -----------------------------------------------------------------------


def bench_queue(database_url: str, intakes: int, env: dict) -> dict:
    """bench/review_queue.py on the queue's own database: its JSON (the last line it prints
    that is one). When it fails, why, so the report says "NOT MEASURED" and the run stands."""
    url = queue_database_url(database_url)
    command = [PY, QUEUE_BENCH, "--intakes", intakes, "--database-url", url]
    try:
        output = run(command, {**env, "DATABASE_URL": url}, timeout=1800)
        line = next(line for line in reversed(output.splitlines()) if line.startswith("{"))
        return json.loads(line)
    except (RuntimeError, subprocess.SubprocessError, ValueError, StopIteration) as error:
        reason = str(error).strip().splitlines()[-1][:200] if str(error).strip() else repr(error)
        print(f"  review queue: {QUEUE_BENCH} failed, skipped:\n{error}", file=sys.stderr)
        return {"skipped": f"{QUEUE_BENCH} failed: {reason}"}


# --- 4. load -----------------------------------------------------------------------------------


def locust(port: int, user_class: str, users: int, seconds: float, env: dict, tmp: Path) -> str:
    """Run one locust user class headless; its *_stats.csv text."""
    prefix = tmp / f"locust-{user_class}-{users}"
    run(
        [BIN / "locust", "-f", "bench/locustfile.py", "--headless", "--only-summary",
         "--users", users, "--spawn-rate", users, "--run-time", f"{seconds}s",
         "--host", f"http://127.0.0.1:{port}", "--csv", prefix, "--loglevel", "WARNING",
         "--exit-code-on-error", "0", user_class],
        env,
        seconds + 120,
    )  # fmt: skip
    return Path(f"{prefix}_stats.csv").read_text()


def bench_load(mode: Mode, server, env: dict, tmp: Path) -> dict:
    endpoints: dict[str, list[dict]] = {}
    for name, user_class in ENDPOINTS.items():
        locust(server.port, user_class, 4, mode.warmup_seconds, env, tmp)  # discarded
        endpoints[name] = []
        for users in mode.users:
            print(f"  load: {name}, {users} users, {mode.load_seconds} s", flush=True)
            with spend_bench.CpuMeter(server) as meter:
                csv_text = locust(server.port, user_class, users, mode.load_seconds, env, tmp)
            result = report.locust_row(csv_text, "Aggregated")
            result["users"] = users
            result["cores_busy"] = {k: round(v, 2) for k, v in meter.cores.items()}
            # Steadier than req/s when other work shares the cores: what one request cost.
            result["cpu_ms_per_request"] = (
                1000 * (meter.server_cpu_s + meter.services_cpu_s) / result["requests"]
            )
            endpoints[name].append(result)
    return {
        "seconds_per_run": mode.load_seconds,
        "users": list(mode.users),
        "endpoints": endpoints,
        "ratio_to_bare": report.ratios_to_bare(endpoints, BARE),
    }


# --- 5. time to match --------------------------------------------------------------------------


def bench_time_to_match(mode: Mode, port: int) -> dict:
    """POST intakes at a steady rate, each confirmed at once as its founder would with the
    e-mailed link (no partner sees an intake before); then, from the database, when each
    one's lead was offered. Same machine, same clock: offered_at minus the confirmation."""
    from django.db.models import Min

    from matching.models import Intake, Lead
    from matching.services import intake_confirm

    submitted: dict[int, float] = {}
    interval, count = 1 / mode.match_rate, round(mode.match_rate * mode.match_seconds)
    start = time.monotonic()
    for number in range(count):
        time.sleep(max(0.0, start + number * interval - time.monotonic()))
        body = json.dumps(intake_body(1_000_000 + number)).encode()
        status, raw = spend_bench.request(port, "POST", "/api/v1/intakes/", body)
        if status != 201:
            raise RuntimeError(f"POST /api/v1/intakes/ answered {status}: {raw[:300]!r}")
        intake_id = json.loads(raw)["id"]
        email = Intake.objects.values_list("email", flat=True).get(pk=intake_id)
        intake_confirm(intake_id=intake_id, email=email)
        submitted[intake_id] = time.time()
    deadline = time.monotonic() + 60
    offered: dict[int, float] = {}
    while time.monotonic() < deadline and len(offered) < count:
        time.sleep(0.5)
        startups = dict(Intake.objects.filter(pk__in=submitted).values_list("startup_id", "pk"))
        first = (
            Lead.objects.filter(startup_id__in=startups)
            .values("startup_id")
            .annotate(at=Min("offered_at"))
        )
        offered = {startups[row["startup_id"]]: row["at"].timestamp() for row in first}
    seconds = [offered[pk] - submitted[pk] for pk in offered]
    return {
        "rate_per_s": mode.match_rate,
        "submitted": count,
        "matched": len(seconds),
        "run": RUN,
        "p50_s": report.percentile(seconds, 0.5) if seconds else None,
        "p95_s": report.percentile(seconds, 0.95) if seconds else None,
        "max_s": max(seconds, default=None),
    }


# --- 6. batch re-projection --------------------------------------------------------------------


def last_projection_pk() -> int:
    from workloads.models import WorkloadProjection

    return WorkloadProjection.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def wait_for_projections(after_pk: int, expected: int, timeout: float) -> float:
    """Seconds until `expected` projections past `after_pk` exist (counted on the primary
    key's index: `created_at` has none, and the table grows by a row per workload a night)."""
    from workloads.models import WorkloadProjection

    start = time.monotonic()
    pause = 0.2 if expected <= 20_000 else 1.0  # a count of 100,000 rows is not free
    while time.monotonic() - start < timeout:
        if WorkloadProjection.objects.filter(pk__gt=after_pk).count() >= expected:
            return time.monotonic() - start
        time.sleep(pause)
    raise RuntimeError(f"re-projection of {expected} workloads not done in {timeout:.0f} s")


def reproject_all(workloads: int) -> float:
    """The real nightly entry point over every projected workload; seconds until each has
    its new projection."""
    from django.utils import timezone

    from cloudroute.celery import app

    since, after_pk = timezone.now(), last_projection_pk()
    kwargs = {"batch_size": BATCH_SIZE, "since": since.isoformat()}
    app.send_task("workloads.reproject_all", kwargs=kwargs)
    return wait_for_projections(after_pk, workloads, timeout=max(120, workloads / 50))


def bench_batch(mode: Mode) -> dict:
    from django.utils import timezone

    from cloudroute.celery import app
    from workloads.models import WorkloadProjection

    ids = sorted(set(WorkloadProjection.objects.values_list("workload_id", flat=True)))
    runs = []
    for size in mode.batch_sizes:
        size = min(size, len(ids))
        print(f"  batch: re-projecting {size:,} workloads", flush=True)
        if size == len(ids):
            seconds = reproject_all(size)
        else:
            since, after_pk = timezone.now(), last_projection_pk()
            for chunk in batches(ids[:size], BATCH_SIZE):
                app.send_task("workloads.reproject_batch", args=[chunk, since.isoformat()])
            seconds = wait_for_projections(after_pk, size, timeout=max(120, size / 50))
        runs.append({"workloads": size, "seconds": seconds, "per_s": size / seconds})
    fit = report.linear_fit([r["workloads"] for r in runs], [r["seconds"] for r in runs])
    return {"batch_size": BATCH_SIZE, "worker_processes": WORKER_CONCURRENCY, "runs": runs, **fit}


def bench_reproject(workloads: int, env: dict) -> dict:
    """--reproject N: seed projected workloads (with founders, startups) up to N, then time
    the nightly re-projection over all of them once; a timeout is recorded, not raised."""
    from workloads.models import WorkloadProjection

    def projected() -> int:
        return WorkloadProjection.objects.values("workload_id").distinct().count()

    missing, seed_start = workloads - projected(), time.monotonic()
    if missing > 0:
        print(f"  reproject: seeding {missing:,} more workloads", flush=True)
        run([PY, "bench/seed.py", "--more-workloads", missing], env, 3600)
    total, seed_s = projected(), time.monotonic() - seed_start
    print(f"  reproject: the nightly run over {total:,} workloads", flush=True)
    try:
        seconds = reproject_all(total)
    except RuntimeError as error:
        return {"workloads": total, "seed_s": seed_s, "error": str(error)}
    return {
        "workloads": total,
        "seed_s": seed_s,
        "seconds": seconds,
        "per_s": total / seconds,
        "ms_per_workload": 1000 * seconds / total,
    }


# --- main --------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Run the production-like stack under load.")
    parser.add_argument("--quick", action="store_true", help="small volumes, short runs")
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/cloudroute_bench",
        help="PostgreSQL database to DROP and recreate; its name must contain 'bench'"
        " (the review queue's gets '_queue' appended)",
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/9", help="Redis DB to flush and use"
    )
    parser.add_argument(
        "--reproject",
        type=int,
        metavar="N",
        help="at the end, seed up to N workloads and time the nightly re-projection once"
        " (issue 19: 100000)",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--plot", type=Path, default=PLOT)
    args = parser.parse_args(argv)
    if args.reproject is not None and args.reproject < 1:
        parser.error("--reproject must be positive")
    return args


def setup_django(env: dict) -> None:
    """This process reads the bench database (time to match, batch progress), serves the
    pages it times in-process, and enqueues: with the stack's settings."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudroute.settings")
    import django

    django.setup()


def seed_database(args, mode: Mode, env: dict, results: dict) -> dict:
    """Recreate, migrate and seed the bench database; what bench/seed.py printed."""
    print(f"database {spend_bench.redact(args.database_url)}: recreate, migrate, seed", flush=True)
    recreate_database(args.database_url)
    flush_redis(args.redis_url)
    run([PY, "manage.py", "migrate", "--noinput"], env, 600)
    seed_start = time.monotonic()
    seeded = json.loads(
        run(
            [PY, "bench/seed.py", "--startups", mode.startups, "--partners", mode.partners,
             "--decisions", mode.decisions],
            env,
            900,
        ).splitlines()[-1]
    )  # fmt: skip
    results["seed_s"] = time.monotonic() - seed_start
    results["seed"] = {k: v for k, v in seeded.items() if k != "partner_token"}
    return seeded


def run_stack(args, mode: Mode, env: dict, tmp: Path, stop: ExitStack, results: dict) -> None:
    """gunicorn under load, then the worker: time to match, the batch runs."""
    server = spend_bench.Server(
        env, spend_bench.free_port(), GUNICORN_WORKERS, GUNICORN_THREADS, tmp / "gunicorn.log"
    )
    stop.callback(server.stop)
    worker = Worker(env, tmp / "worker.log")
    stop.callback(worker.stop)
    results["stack"] = {
        "gunicorn": f"gthread, {GUNICORN_WORKERS} workers x {GUNICORN_THREADS} threads",
        "celery": f"1 worker, prefork, concurrency {WORKER_CONCURRENCY}",
        "database": spend_bench.redact(args.database_url),
        "redis": args.redis_url,
    }
    try:
        server.start()
        print("load ...", flush=True)
        results["load"] = bench_load(mode, server, env, tmp)
        flush_redis(args.redis_url)  # the load's queued intake tasks: not this phase's work
        worker.start()
        print("time to match ...", flush=True)
        results["time_to_match"] = bench_time_to_match(mode, server.port)
        print("batch ...", flush=True)
        results["batch"] = bench_batch(mode)
        if args.reproject:
            results["reproject"] = bench_reproject(args.reproject, env)
    except BaseException:
        for name, process in (("gunicorn", server), ("worker", worker)):
            print(f"--- {name} log (last lines) ---\n{process.log_tail()}", file=sys.stderr)
        raise


def write_results(args, results: dict) -> str:
    results["load_average_after"] = os.getloadavg()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report.report(results)
    (args.results_dir / "latest.md").write_text(text)
    from plot import plot  # matplotlib: the `bench` extra, not needed by the tests

    plot(results, args.plot)
    return text


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, spend_bench.interrupt)  # unwind like Ctrl-C: stop everything
    mode_name = "quick" if args.quick else "full"
    mode = MODES[mode_name]
    results = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": mode_name,
        "volumes": asdict(mode),
        "machine": spend_bench.machine(),
        "targets": report.TARGETS,
    }
    env = stack_env(args.database_url, args.redis_url)
    with tempfile.TemporaryDirectory(prefix="cloudroute-stack-") as tmp_name, ExitStack() as stop:
        tmp = Path(tmp_name)
        print(f"engines ({mode_name}) ...", flush=True)
        results["engines"] = bench_engines(mode, tmp)
        seeded = seed_database(args, mode, env, results)
        env["BENCH_PARTNER_TOKEN"] = seeded["partner_token"]
        setup_django(env)
        print("pages ...", flush=True)
        results["pages"] = pages_bench.measure(
            tmp / "static", seeded["pages"], mode.page_requests, mode.page_warmup
        )
        print("review queue ...", flush=True)
        results["queue"] = bench_queue(args.database_url, mode.queue_intakes, env)
        run_stack(args, mode, env, tmp, stop, results)
    text = write_results(args, results)
    print(f"\n{text}\nresults: {args.results_dir / 'latest.json'}, plot: {args.plot}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as stop:
        print(
            f"\ninterrupted ({stop or 'Ctrl-C'}); everything started was stopped", file=sys.stderr
        )
        sys.exit(130)
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        print(f"\nerror: {error}", file=sys.stderr)
        sys.exit(1)
