"""`make bench`: the production-like stack under load, side by side (issue 8). Not a test.

Starts gunicorn (gthread, DEBUG off), one Celery worker, on the local PostgreSQL and Redis with
a database and a Redis DB of its own (both wiped first), seeds a realistic volume, and measures:

1. engines, before anything else runs: spend projections/s (bench/spend.py --engine-only),
   routing one lead over 10,000 partners (bench/routing.py --django), eligibility
   evaluations/s (here);
2. load: locust headless against the bare endpoint (GET /healthz/db, one indexed read),
   GET /healthz, POST /api/v1/estimates/, POST /api/v1/intakes/ and the partner inbox
   (GET /api/v1/partner/leads/), each at 1, 4 and 16 users for the same duration; the worker
   is not running yet, so these are the web tier's figures (the intakes' queued tasks are
   dropped before it starts);
3. time to match: intakes at a steady rate, from each confirmation to its lead being offered;
4. batch: re-projecting 1,000 .. all workloads through Celery in fixed-size batches.

Writes bench/results/latest.json, bench/results/latest.md and docs/perf/latency-vs-load.png.
Everything it started is stopped on exit, Ctrl-C or error.

    .venv/bin/python bench/stack.py            # full: ~12 min on 2 cores
    .venv/bin/python bench/stack.py --quick    # small volumes, short runs: ~2 min
"""

import argparse
import csv
import datetime as dt
import json
import math
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import spend as spend_bench  # bench/spend.py: the gunicorn wrapper, CPU meter, engine bench
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
}
# 2 cores: two processes use both despite the GIL; 4 threads each overlap a request's waits
# on PostgreSQL and Redis (about half of an API request) without queueing 16 clients behind
# one slow request. More threads only add GIL contention (measured in docs/performance.md).
GUNICORN_WORKERS, GUNICORN_THREADS = 2, 4
WORKER_CONCURRENCY = 2  # one Celery worker, one prefork process per core
BATCH_SIZE = 200
TARGETS = {
    "intake_ratio": 0.5,
    "intake_p95_ms_at_16": 50,
    "estimate_ratio": 0.5,
    "time_to_match_p95_s": 2.0,
    "projections_per_s": 20_000,
    "routing_p95_ms": 50,
    "reproject_all_s": 30,
}


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


MODES = {
    "full": Mode(
        startups=10_000,
        partners=500,
        decisions=50_000,
        load_seconds=15,
        warmup_seconds=5,
        users=(1, 4, 16),
        match_rate=2.0,
        match_seconds=60,
        batch_sizes=(1_000, 2_500, 5_000, 10_000),
        routing_leads=200,
    ),
    "quick": Mode(
        startups=600,
        partners=60,
        decisions=3_000,
        load_seconds=3,
        warmup_seconds=2,
        users=(1, 4, 16),
        match_rate=2.0,
        match_seconds=8,
        batch_sizes=(100, 200, 400, 600),
        routing_leads=30,
    ),
}


# --- pure helpers (tested in tests/bench/test_stack.py) -----------------------------------


def batches(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of unsorted `values` (share in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def linear_fit(sizes: list[int], seconds: list[float]) -> dict:
    """Least squares seconds = fixed + per_item * size, with r² (1.0 is a straight line)."""
    mean_x, mean_y = statistics.fmean(sizes), statistics.fmean(seconds)
    sxx = sum((x - mean_x) ** 2 for x in sizes)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(sizes, seconds, strict=True))
    per_item = sxy / sxx
    fixed = mean_y - per_item * mean_x
    residual = sum((y - fixed - per_item * x) ** 2 for x, y in zip(sizes, seconds, strict=True))
    total = sum((y - mean_y) ** 2 for y in seconds)
    return {
        "fixed_s": fixed,
        "ms_per_workload": per_item * 1000,
        "r2": 1 - residual / total if total else 1.0,
    }


def locust_row(csv_text: str, name: str) -> dict:
    """Throughput and latency of one request name from locust's --csv *_stats.csv."""
    row = next(r for r in csv.DictReader(csv_text.splitlines()) if r["Name"] == name)
    if int(row["Request Count"]) == 0:
        raise RuntimeError(f"locust: no {name} request completed")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
        "mean_ms": float(row["Average Response Time"]),
    }


def verdict(value: float, target: float, higher_is_better: bool) -> str:
    """'met', or 'MISSED by N%': how far the value is from the target."""
    met = value >= target if higher_is_better else value < target
    if met:
        return "met"
    return f"MISSED by {abs(value - target) / target:.0%}"


# --- the stack -----------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


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


class Worker:
    """One Celery worker in its own process group, stopped (warm, then cold) on exit."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        command = [
            BIN / "celery", "-A", "cloudroute", "worker", "--loglevel", "INFO",
            "--concurrency", str(WORKER_CONCURRENCY), "--hostname", "bench@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(c) for c in command], cwd=ROOT, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited:\n{self.log_tail()}")
            if " ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"celery worker not ready within {timeout:.0f} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- 1. engines ----------------------------------------------------------------------------


def bench_engines(mode: Mode, tmp: Path) -> dict:
    out = tmp / "engines"
    run([PY, "bench/spend.py", "--engine-only", "--results-dir", out], os.environ, 300)
    engine = json.loads(next(out.glob("spend-*.json")).read_text())["engine"]
    run(
        [PY, "bench/routing.py", "--django", "--scenario", "mixed", "--leads", mode.routing_leads,
         "--results-dir", out],
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


# --- 2. load -------------------------------------------------------------------------------


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
            result = locust_row(csv_text, "Aggregated")
            result["users"] = users
            result["cores_busy"] = {k: round(v, 2) for k, v in meter.cores.items()}
            # Steadier than req/s when other work shares the cores: what one request cost.
            result["cpu_ms_per_request"] = (
                1000 * (meter.server_cpu_s + meter.services_cpu_s) / result["requests"]
            )
            endpoints[name].append(result)
    ratios = {
        name: [run["rps"] / bare["rps"] for run, bare in zip(runs, endpoints[BARE], strict=True)]
        for name, runs in endpoints.items()
        if name != BARE
    }
    return {
        "seconds_per_run": mode.load_seconds,
        "users": list(mode.users),
        "endpoints": endpoints,
        "ratio_to_bare": ratios,
    }


# --- 3. time to match ----------------------------------------------------------------------


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
        "p50_s": percentile(seconds, 0.5) if seconds else None,
        "p95_s": percentile(seconds, 0.95) if seconds else None,
        "max_s": max(seconds, default=None),
    }


# --- 4. batch re-projection ----------------------------------------------------------------


def wait_for_projections(since: dt.datetime, expected: int, timeout: float) -> float:
    from workloads.models import WorkloadProjection

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if WorkloadProjection.objects.filter(created_at__gte=since).count() >= expected:
            return time.monotonic() - start
        time.sleep(0.2)
    raise RuntimeError(f"re-projection of {expected} workloads not done in {timeout:.0f} s")


def bench_batch(mode: Mode) -> dict:
    from django.utils import timezone

    from cloudroute.celery import app
    from workloads.models import WorkloadProjection

    ids = sorted(set(WorkloadProjection.objects.values_list("workload_id", flat=True)))
    runs = []
    for size in mode.batch_sizes:
        size = min(size, len(ids))
        print(f"  batch: re-projecting {size:,} workloads", flush=True)
        since = timezone.now()
        if size == len(ids):  # the real nightly entry point
            kwargs = {"batch_size": BATCH_SIZE, "since": since.isoformat()}
            app.send_task("workloads.reproject_all", kwargs=kwargs)
        else:
            for chunk in batches(ids[:size], BATCH_SIZE):
                app.send_task("workloads.reproject_batch", args=[chunk, since.isoformat()])
        seconds = wait_for_projections(since, size, timeout=max(120, size / 50))
        runs.append({"workloads": size, "seconds": seconds, "per_s": size / seconds})
    fit = linear_fit([r["workloads"] for r in runs], [r["seconds"] for r in runs])
    return {"batch_size": BATCH_SIZE, "worker_processes": WORKER_CONCURRENCY, "runs": runs, **fit}


# --- report --------------------------------------------------------------------------------


def summary(results: dict) -> list[tuple[str, str, str]]:
    """(what, figure, verdict) for each target of issue 8."""
    load, ratios = results["load"]["endpoints"], results["load"]["ratio_to_bare"]
    at_16 = {name: runs[-1] for name, runs in load.items()}
    rows = []
    for name in ("intake", "estimate"):
        ratio = min(ratios[name])
        rows.append(
            (f"{name} POST throughput / bare (worst of the sweep)", f"{ratio:.2f}x",
             verdict(ratio, TARGETS[f"{name}_ratio"], higher_is_better=True))
        )  # fmt: skip
    p95 = at_16["intake"]["p95_ms"]
    rows.append(
        (f"intake POST p95 at {at_16['intake']['users']} users", f"{p95:.0f} ms",
         verdict(p95, TARGETS["intake_p95_ms_at_16"], higher_is_better=False))
    )  # fmt: skip
    match = results["time_to_match"]
    if match["p95_s"] is None:
        rows.append(("time to match p95", "no lead offered", "MISSED"))
    else:
        rows.append(
            ("time to match p95 (one worker)",
             f"{match['p95_s']:.2f} s ({match['matched']}/{match['submitted']} matched)",
             verdict(match["p95_s"], TARGETS["time_to_match_p95_s"], higher_is_better=False))
        )  # fmt: skip
    engines = results["engines"]
    rows.append(
        ("spend projections (36 months)", f"{engines['projections_per_s']:,.0f}/s",
         verdict(engines["projections_per_s"], TARGETS["projections_per_s"], True))
    )  # fmt: skip
    routing = engines["routing_ms"]["p95"]
    rows.append(
        (f"routing one lead over {engines['routing_partners']:,} partners p95",
         f"{routing:.1f} ms", verdict(routing, TARGETS["routing_p95_ms"], False))
    )  # fmt: skip
    rows.append(("eligibility evaluations", f"{engines['eligibility_per_s']:,.0f}/s", "-"))
    batch = results["batch"]
    last = batch["runs"][-1]
    rows.append(
        (f"re-project {last['workloads']:,} workloads (target for 10,000)",
         f"{last['seconds']:.1f} s", verdict(last["seconds"], TARGETS["reproject_all_s"], False))
    )  # fmt: skip
    growth = f"{batch['ms_per_workload']:.2f} ms/workload, r² {batch['r2']:.3f}"
    rows.append(("re-projection growth", growth, "linear" if batch["r2"] >= 0.98 else "NOT linear"))
    return rows


def report(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"# CloudRoute stack bench, {results['started']} ({results['mode']} run)",
        "",
        f"{m['cpu_model']}, {m['cores']} cores, Python {m['python']}, load average before"
        f" {' '.join(f'{x:.2f}' for x in m['load_average'])}. Seeded"
        f" {results['seed']['startups']:,} startups, {results['seed']['partners']:,} partners,"
        f" {results['seed']['decisions']:,} routing decisions in {results['seed_s']:.0f} s.",
        f"gunicorn {results['stack']['gunicorn']}; Celery {results['stack']['celery']};"
        " locust on the same machine.",
        "",
        "| target | figure | verdict |",
        "|---|---|---|",
        *(f"| {what} | {figure} | {v} |" for what, figure, v in summary(results)),
        "",
        "CPU ms/req: gunicorn + PostgreSQL + Redis per request, the figure least moved by other"
        " work on the machine (its `other` cores are in latest.json).",
        "",
        "| endpoint | users | req/s | x bare | p50 ms | p95 ms | p99 ms | CPU ms/req | failures |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    load = results["load"]
    for name, runs in load["endpoints"].items():
        ratios = load["ratio_to_bare"].get(name, [1.0] * len(runs))
        for run_, ratio in zip(runs, ratios, strict=True):
            lines.append(
                f"| {name} | {run_['users']} | {run_['rps']:,.0f} | {ratio:.2f} |"
                f" {run_['p50_ms']:.0f} | {run_['p95_ms']:.0f} | {run_['p99_ms']:.0f} |"
                f" {run_['cpu_ms_per_request']:.1f} | {run_['failures']} |"
            )
    lines += ["", "| re-projected | seconds | per second |", "|---|---|---|"]
    for run_ in results["batch"]["runs"]:
        lines.append(f"| {run_['workloads']:,} | {run_['seconds']:.1f} | {run_['per_s']:,.0f} |")
    return "\n".join(lines) + "\n"


# --- main ----------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Run the production-like stack under load.")
    parser.add_argument("--quick", action="store_true", help="small volumes, short runs")
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/cloudroute_bench",
        help="PostgreSQL database to DROP and recreate; its name must contain 'bench'",
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/9", help="Redis DB to flush and use"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--plot", type=Path, default=PLOT)
    return parser.parse_args(argv)


def setup_django(env: dict) -> None:
    """This process reads the bench database (time to match, batch progress) and enqueues."""
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"):
        os.environ[key] = env[key]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudroute.settings")
    import django

    django.setup()


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, spend_bench.interrupt)  # unwind like Ctrl-C: stop everything
    mode_name = "quick" if args.quick else "full"
    mode = MODES[mode_name]
    started = dt.datetime.now(dt.UTC)
    results = {
        "started": started.isoformat(timespec="seconds"),
        "mode": mode_name,
        "volumes": asdict(mode),
        "machine": spend_bench.machine(),
        "targets": TARGETS,
    }
    env = stack_env(args.database_url, args.redis_url)
    with tempfile.TemporaryDirectory(prefix="cloudroute-stack-") as tmp_name, ExitStack() as stop:
        tmp = Path(tmp_name)
        print(f"engines ({mode_name}) ...", flush=True)
        results["engines"] = bench_engines(mode, tmp)
        print(
            f"database {spend_bench.redact(args.database_url)}: recreate, migrate, seed", flush=True
        )
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
        env["BENCH_PARTNER_TOKEN"] = seeded["partner_token"]
        setup_django(env)

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
        except BaseException:
            for name, process in (("gunicorn", server), ("worker", worker)):
                print(f"--- {name} log (last lines) ---\n{process.log_tail()}", file=sys.stderr)
            raise
    results["load_average_after"] = os.getloadavg()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report(results)
    (args.results_dir / "latest.md").write_text(text)
    from plot import plot  # matplotlib: the `bench` extra, not needed by the tests

    plot(results, args.plot)
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
