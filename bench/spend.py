"""Benchmark of the spend engine and the estimate endpoint (issue 3, item 7). Not a test.

1. Engine: 36-month projections per second in this process (`workloads.spend.project`), and
   the cost of `Projection.as_dict()` (rounding every amount to cents) per call. Best of N
   batches and the median batch.
2. Endpoint: a production-like gunicorn (DEBUG=false) started here on a free loopback port,
   `GET /healthz` and `POST /api/v1/estimates/` loaded with the same generator (wrk when
   installed, else a Python one), the same concurrency and the same duration; throughput,
   p50/p95/p99 latency and the ratio estimate/healthz. The server is always stopped.
3. `--reproject N` (issue 19), alone: the nightly re-projection in this process, on a
   PostgreSQL DATABASE_URL seeded by bench/seed.py (not migrated here): `workloads_reproject`
   over the first N projected workloads in batches of `--reproject-batch` (200, as the task),
   each run rolled back; per workload: wall ms, this process's CPU, the PostgreSQL backend's
   CPU (read from /proc, so a local server), and the queries per batch. With pyinstrument
   around it, a profile (below).

DATABASE_URL and REDIS_URL are passed through when set (the database is migrated first, which
also loads the shipped price books); without DATABASE_URL a temporary SQLite file is used.
Results are printed and written to bench/results/spend-<UTC timestamp>.json.

    .venv/bin/python bench/spend.py                 # or: make bench
    .venv/bin/python bench/spend.py --engine-only
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/spend.py --duration 10 --concurrency 8
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cloudroute_bench_reproject \\
        .venv/bin/python bench/spend.py --reproject 1000 --repeat 3
    DATABASE_URL=... .venv/bin/pyinstrument bench/spend.py --reproject 1000 --repeat 1

Targets (issue 3): at least 20,000 projections/s; the endpoint at least half of /healthz.
"""

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Pure Python, no Django: the engine and the shipped price-book rows.
from workloads import pricebook_data, spend  # noqa: E402

ENGINE_TARGET = 20_000  # projections per second
RATIO_TARGET = 0.5  # estimate throughput / healthz throughput
HEALTHZ = "/healthz"
ESTIMATE = "/api/v1/estimates/"
BOOK = "bedrock-current"  # the default book the migration loads
# What the figures depend on; their hashes go into the results, as the tree may be dirty.
SOURCES = (
    "workloads/spend/__init__.py",
    "workloads/spend/costs.py",
    "workloads/spend/engine.py",
    "workloads/spend/exact.py",
    "workloads/spend/inputs.py",
    "workloads/spend/result.py",
    "workloads/spend/warnings.py",
    "workloads/spend/whatif.py",
    "api/estimates.py",
    "api/serializers/estimates.py",
    "workloads/selectors.py",
    "core/api.py",
    "core/throttling.py",
    "cloudroute/views.py",
    "cloudroute/settings.py",
)

# A realistic founder's workload: growth, cascade, caching above every tier's minimum prefix,
# batch, the regional endpoint, and three grants with different starts and expiries.
ESTIMATE_BODY = {
    "monthly_requests": 25_000,
    "monthly_growth": 0.08,
    "input_tokens": 6_000,
    "cached_prefix_tokens": 4_500,
    "output_tokens": 600,
    "cache_hit_rate": 0.8,
    "batch_share": 0.3,
    "escalation": {"sonnet": 0.15, "opus": 0.05},
    "cascade": True,
    "baseline_tier": "opus",
    "months": 36,
    "endpoint": "regional",
    "credits": [
        {"amount": "1000.00", "start_month": 1, "valid_months": 12},
        {"amount": "5000.00", "start_month": 3, "valid_months": 24},
        {"amount": "25000.00", "start_month": 6, "valid_months": 12},
    ],
}


# --- the engine ---------------------------------------------------------------------------


def tier_price(row: dict) -> spend.TierPrice:
    """A shipped price-book row as workloads.selectors.tier_price_from_row converts it."""

    def money(value):
        return None if value is None else float(value)

    return spend.TierPrice(
        model_id=row["model_id"],
        input=float(row["input"]),
        output=float(row["output"]),
        cache_write=money(row["cache_write_5m"]),
        cache_read=money(row["cache_read"]),
        batch_input=money(row["batch_input"]),
        batch_output=money(row["batch_output"]),
        # As workloads.pricebook_data.load_price_books stores it: caching iff a read price.
        supports_caching=row.get("supports_caching", row["cache_read"] is not None),
        min_cache_prefix=row["min_cache_prefix"],
        regional_premium=row["regional_premium"],
        lifecycle=row.get("lifecycle", "active"),
        name=row.get("name", ""),
        end_of_life_on=row["end_of_life_on"].isoformat() if row.get("end_of_life_on") else None,
        replacement=row.get("replacement") or None,
    )


def book_prices(slug: str = BOOK) -> dict[str, spend.TierPrice]:
    book = next(book for book in pricebook_data.PRICE_BOOKS if book["slug"] == slug)
    rows = {row["model_id"]: row for row in book["rows"]}
    return {tier: tier_price(rows[model_id]) for tier, model_id in book["defaults"].items()}


def spend_input(body: dict) -> spend.SpendInput:
    """The body as the serializer hands it to the engine."""
    fields = {key: value for key, value in body.items() if key not in ("escalation", "credits")}
    return spend.SpendInput(
        **fields,
        escalation_sonnet=body["escalation"]["sonnet"],
        escalation_opus=body["escalation"]["opus"],
        credits=tuple(
            spend.CreditGrant(float(grant["amount"]), grant["start_month"], grant["valid_months"])
            for grant in body["credits"]
        ),
    )


def measure(fn, repeat: int, batch_seconds: float) -> dict:
    """Seconds per call: `repeat` batches of about `batch_seconds` each, GC left on."""
    calls = 1
    while True:  # calibrate the batch size
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= 0.05:
            break
        calls *= 2
    calls = max(1, round(calls * batch_seconds / elapsed))
    per_call = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        per_call.append((time.perf_counter() - start) / calls)
    best, median = min(per_call), statistics.median(per_call)
    return {
        "calls_per_batch": calls,
        "batches": repeat,
        "best_us": best * 1e6,
        "median_us": median * 1e6,
        "best_per_s": 1 / best,
        "median_per_s": 1 / median,
    }


def bench_engine(args) -> dict:
    prices, inputs = book_prices(), spend_input(ESTIMATE_BODY)
    projection = spend.project(inputs, prices)
    result = projection.as_dict()

    def project_and_round():
        spend.project(inputs, prices).as_dict()

    return {
        "book": BOOK,
        "models": projection.models,
        "months": len(projection.months),
        "totals": result["totals"],
        "first_out_of_pocket_month": result["first_out_of_pocket_month"],
        "project": measure(lambda: spend.project(inputs, prices), args.repeat, args.batch_seconds),
        "as_dict": measure(projection.as_dict, args.repeat, args.batch_seconds),
        "project_and_as_dict": measure(project_and_round, args.repeat, args.batch_seconds),
        "target_per_s": ENGINE_TARGET,
    }


# --- the nightly re-projection (issue 19) -----------------------------------------------------


class _RolledBack(Exception):
    pass


def bench_reproject(args) -> dict:
    """`workloads_reproject` in this process over the first `args.reproject` projected
    workloads, `args.repeat` runs each rolled back (the database is left as it was)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudroute.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from workloads.models import WorkloadProjection
    from workloads.services import workloads_reproject

    if connection.vendor != "postgresql":
        raise RuntimeError("--reproject needs DATABASE_URL on PostgreSQL, seeded by bench/seed.py")
    ids = sorted(set(WorkloadProjection.objects.values_list("workload_id", flat=True)))
    ids, size = ids[: args.reproject], args.reproject_batch
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    runs = []
    for _ in range(args.repeat):
        since = timezone.now()
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                cpu, server, wall = time.process_time(), process_cpu([backend]), time.perf_counter()
                stored = sum(workloads_reproject(workload_ids=b, since=since) for b in batches)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                server = delta(server, process_cpu([backend]))
                raise _RolledBack
        except _RolledBack:
            pass
        runs.append(
            {
                "stored": stored,
                "ms_per_workload": 1000 * wall / max(stored, 1),
                "python_cpu_ms_per_workload": 1000 * cpu / max(stored, 1),
                "postgres_cpu_ms_per_workload": 1000 * server / max(stored, 1),
                "queries_per_batch": sum(q["sql"] != "ROLLBACK" for q in queries.captured_queries)
                / max(len(batches), 1),
            }
        )
    return {"workloads": len(ids), "batch_size": size, "runs": runs}


def print_reproject(reproject: dict) -> None:
    print(
        f"Nightly re-projection in process: {reproject['workloads']:,} workloads in batches"
        f" of {reproject['batch_size']}, each run rolled back"
    )
    for number, r in enumerate(reproject["runs"], 1):
        print(
            f"  [{number}] {r['ms_per_workload']:.3f} ms per workload;"
            f" CPU: Python {r['python_cpu_ms_per_workload']:.3f} ms,"
            f" PostgreSQL backend {r['postgres_cpu_ms_per_workload']:.3f} ms;"
            f" {r['queries_per_batch']:.1f} queries per batch"
        )


# --- the server ---------------------------------------------------------------------------


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        THROTTLE_ESTIMATE="10000000/minute",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    # Set both explicitly, so a developer's .env cannot change what is measured.
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    env["REDIS_URL"] = os.environ.get("REDIS_URL", "")
    return env


class Server:
    """gunicorn in its own process group; `stop()` is safe to call at any time, twice."""

    def __init__(self, env: dict, port: int, workers: int, threads: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "cloudroute.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--threads", str(threads),
            "--worker-class", "gthread",
            "--log-level", "warning",
        ]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                status, body = request(self.port, "GET", HEALTHZ)
            except OSError:
                time.sleep(0.2)
                continue
            if status != 200:
                raise RuntimeError(f"GET {HEALTHZ} answered {status}: {body[:300]!r}")
            return
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        return [pid, *map(int, children)]

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)  # the group this script started
            process.wait(timeout=15)
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


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def migrate(env: dict) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py migrate failed:\n{done.stdout}\n{done.stderr}")


# --- CPU accounting -----------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pids) -> dict[int, float]:
    """CPU seconds (user + system) each of these processes has used so far."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return used


SERVICES = ("postgres", "redis-server", "mariadbd")


def service_pids() -> list[int]:
    """PostgreSQL and Redis processes (read only, for the CPU split)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in SERVICES:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy() -> float:
    """CPU seconds all cores spent busy since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS


def delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two snapshots; a process born in between counts in full."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


class CpuMeter:
    """Average cores busy during a phase: our server, the load generator, PostgreSQL and
    Redis, and everything else on the machine (other people's work)."""

    def __init__(self, server: Server):
        self.server = server

    def __enter__(self):
        self.start = (
            time.monotonic(),
            machine_busy(),
            process_cpu(self.server.pids()),
            process_cpu(service_pids()),
            resource.getrusage(resource.RUSAGE_CHILDREN),
            resource.getrusage(resource.RUSAGE_SELF),
        )
        return self

    def __exit__(self, *exc):
        wall0, busy0, server0, services0, children0, self0 = self.start
        wall = time.monotonic() - wall0
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        loadgen = (
            children.ru_utime + children.ru_stime - children0.ru_utime - children0.ru_stime
        ) + (own.ru_utime + own.ru_stime - self0.ru_utime - self0.ru_stime)
        server = delta(server0, process_cpu(self.server.pids()))
        services = delta(services0, process_cpu(service_pids()))
        busy = machine_busy() - busy0
        self.cores = {
            "machine": busy / wall,
            "server": server / wall,
            "load_generator": loadgen / wall,
            "database_and_redis": services / wall,
            "other": max(0.0, busy - server - loadgen - services) / wall,
        }
        self.server_cpu_s = server
        self.services_cpu_s = services
        return False


# --- load generators ----------------------------------------------------------------------


def client_address(index: int) -> str:
    """The X-Forwarded-For of simulated client `index` (10.0.0.0/8)."""
    return f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"


WRK_SCRIPT = """
wrk.method = "{method}"
{body}
local clients = {clients}
if clients > 1 then
  local counter = 0
  request = function()
    counter = counter + 1
    local i = counter % clients
    wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d",
      math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
    return wrk.format()
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {{\\"requests\\":%d,\\"duration_us\\":%d,\\"bytes\\":%d,"
    .. "\\"errors\\":{{\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,"
    .. "\\"timeout\\":%d}},\\"latency_us\\":{{\\"p50\\":%.1f,\\"p90\\":%.1f,\\"p95\\":%.1f,"
    .. "\\"p99\\":%.1f,\\"mean\\":%.1f,\\"max\\":%.1f}}}}\\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max))
end
"""


def wrk_load(port, method, path, body, concurrency, duration, clients, tmp: Path) -> dict:
    script = tmp / f"{method.lower()}.lua"
    lua_body = ""
    if body is not None:
        text = body.decode()
        assert "]==]" not in text
        lua_body = f'wrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[{text}]==]'
    script.write_text(WRK_SCRIPT.format(method=method, body=lua_body, clients=clients))
    command = [
        "wrk",
        f"--threads={min(2, concurrency)}",
        f"--connections={concurrency}",
        f"--duration={max(1, round(duration))}s",
        "--timeout=10s",
        f"--script={script}",
        f"http://127.0.0.1:{port}{path}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    errors = raw["errors"]
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": seconds,
        "rps": raw["requests"] / seconds,
        "latency_ms": {k: v / 1000 for k, v in raw["latency_us"].items()},
        "non_2xx_or_3xx": errors["status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
    }


def python_load(port, method, path, body, concurrency, duration, clients, tmp=None) -> dict:
    """Keep-alive connections, one thread each, for `duration` seconds."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    deadline = time.perf_counter() + duration
    results: list = [None] * concurrency

    def connect():
        return http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def worker(index):
        latencies, statuses, errors = [], Counter(), 0
        own_headers, counter = dict(headers), index
        conn = connect()
        while (start := time.perf_counter()) < deadline:
            if clients > 1:
                counter += 1
                own_headers["X-Forwarded-For"] = client_address(counter % clients)
            try:
                conn.request(method, path, body=body, headers=own_headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = connect()
                continue
            latencies.append(time.perf_counter() - start)
            statuses[response.status] += 1
            if response.will_close:
                conn.close()
                conn = connect()
        conn.close()
        results[index] = (latencies, statuses, errors)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    latencies = sorted(x for result in results for x in result[0])
    statuses = sum((result[1] for result in results), Counter())
    if not latencies:
        raise RuntimeError(f"no request to {path} completed")

    def percentile(p):
        return latencies[min(len(latencies) - 1, max(0, round(p / 100 * len(latencies)) - 1))]

    return {
        "requests": len(latencies),
        "seconds": seconds,
        "rps": len(latencies) / seconds,
        "latency_ms": {
            **{f"p{p}": percentile(p) * 1000 for p in (50, 90, 95, 99)},
            "mean": statistics.fmean(latencies) * 1000,
            "max": latencies[-1] * 1000,
        },
        "non_2xx_or_3xx": sum(n for status, n in statuses.items() if status >= 400),
        "socket_errors": sum(result[2] for result in results),
    }


def throttle_history(redis_url: str, clients: int) -> int | None:
    """Entries in DRF's throttle history of one client (the list it reads and rewrites on
    every estimate), read from Redis; None without Redis."""
    if not redis_url:
        return None
    import pickle

    import redis

    ident = "127.0.0.1" if clients <= 1 else client_address(1)
    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=2)
        try:
            raw = client.get(f":1:throttle_estimate_{ident}")
        finally:
            client.close()
        return 0 if raw is None else len(pickle.loads(raw))  # Django's RedisSerializer
    except (redis.RedisError, pickle.UnpicklingError, TypeError, ValueError):
        return None


# --- the endpoint benchmark ---------------------------------------------------------------


def check_estimate(port: int, body: bytes) -> dict:
    """One request before the load: it must be a 200, ideally matching the engine here."""
    status, raw = request(port, "POST", ESTIMATE, body)
    if status != 200:
        raise RuntimeError(f"POST {ESTIMATE} answered {status}: {raw[:500]!r}")
    answer = json.loads(raw)
    expected = spend.project(spend_input(ESTIMATE_BODY), book_prices()).as_dict()
    return {
        "response_bytes": len(raw),
        "totals": answer["totals"],
        "models": answer["models"],
        "matches_engine": answer["totals"] == expected["totals"],
    }


def cpu_cost(result: dict) -> float:
    """CPU ms one request costs gunicorn, PostgreSQL and Redis together."""
    return result["server_cpu_ms_per_request"] + result["database_and_redis_cpu_ms_per_request"]


def bench_endpoint(args, tmp: Path) -> dict:
    env = server_env(tmp)
    if not args.skip_migrate:
        print("migrating the database ...", flush=True)
        migrate(env)
    load = wrk_load if args.loadgen == "wrk" else python_load
    port = free_port()
    server = Server(env, port, args.workers, args.threads, tmp / "gunicorn.log")
    body = json.dumps(ESTIMATE_BODY).encode()
    targets = {
        "healthz": ("GET", HEALTHZ, None),
        "estimate": ("POST", ESTIMATE, body),
    }
    rounds: list[dict] = []
    try:
        server.start()
        check = check_estimate(port, body)
        for number in range(1, args.rounds + 1):
            this_round = {}
            for name, (method, path, payload) in targets.items():
                print(f"round {number}: {method} {path} ...", flush=True)
                shape = (method, path, payload, args.concurrency)
                load(port, *shape, args.warmup, args.clients, tmp)
                with CpuMeter(server) as meter:
                    result = load(port, *shape, args.duration, args.clients, tmp)
                result["cores_busy"] = meter.cores
                done = max(1, result["requests"])
                result["server_cpu_ms_per_request"] = 1000 * meter.server_cpu_s / done
                result["database_and_redis_cpu_ms_per_request"] = 1000 * meter.services_cpu_s / done
                if name == "estimate":
                    result["throttle_history"] = throttle_history(env["REDIS_URL"], args.clients)
                this_round[name] = result
            this_round["ratio"] = this_round["estimate"]["rps"] / this_round["healthz"]["rps"]
            this_round["cpu_ratio"] = cpu_cost(this_round["healthz"]) / cpu_cost(
                this_round["estimate"]
            )
            rounds.append(this_round)
    except BaseException:
        tail = server.log_tail()
        if tail:
            print(f"--- gunicorn log (last lines) ---\n{tail}", file=sys.stderr)
        raise
    finally:
        server.stop()
    total = {
        name: sum(r[name]["requests"] for r in rounds) / sum(r[name]["seconds"] for r in rounds)
        for name in targets
    }
    return {
        "server": " ".join(server.command[1:]),
        "database": redact(env["DATABASE_URL"]),
        "redis": redact(env["REDIS_URL"]) or None,
        "load_generator": args.loadgen,
        "concurrency": args.concurrency,
        "clients": args.clients,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "estimate_check": check,
        "rounds": rounds,
        "healthz_rps": total["healthz"],
        "estimate_rps": total["estimate"],
        "ratio": total["estimate"] / total["healthz"],
        "target_ratio": RATIO_TARGET,
    }


# --- report -------------------------------------------------------------------------------


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor(),
    )

    def version(command):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=10)
        except OSError:
            return None
        return (done.stdout or done.stderr).strip().splitlines()[0]

    import django
    import rest_framework

    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
        "django": django.__version__,
        "djangorestframework": rest_framework.__version__,
        "gunicorn": version([str(Path(sys.executable).with_name("gunicorn")), "--version"]),
        "wrk": version(["wrk", "--version"]) if shutil.which("wrk") else None,
        "git": version(["git", "-C", str(ROOT), "describe", "--always", "--dirty"]),
        "sources_sha256": {
            name: hashlib.sha256((ROOT / name).read_bytes()).hexdigest()[:16] for name in SOURCES
        },
    }


def print_engine(engine: dict) -> None:
    project, as_dict, both = engine["project"], engine["as_dict"], engine["project_and_as_dict"]
    verdict = "met" if project["best_per_s"] >= ENGINE_TARGET else "MISSED"
    print(
        f"\nEngine: 36-month projection ({engine['book']}: growth, cascade, caching, batch,"
        f" regional, 3 grants), best / median of {project['batches']} batches"
    )
    print(
        f"  project()            {project['best_per_s']:>9,.0f}/s"
        f"  {project['median_per_s']:>9,.0f}/s"
        f"   ({project['best_us']:.1f} us; target {ENGINE_TARGET:,}/s {verdict})"
    )
    print(
        f"  as_dict()            {as_dict['best_us']:>8.1f} us  {as_dict['median_us']:>8.1f} us"
        f"   per call (rounding {engine['months']} months to cents)"
    )
    print(
        f"  project()+as_dict()  {both['best_per_s']:>9,.0f}/s  {both['median_per_s']:>9,.0f}/s"
        f"   ({both['best_us']:.1f} us)"
    )


def print_endpoint(endpoint: dict) -> None:
    clients = endpoint["clients"]
    who = "all from 127.0.0.1" if clients == 1 else f"{clients:,} X-Forwarded-For clients"
    print(
        f"\nEndpoint: gunicorn {endpoint['server'].split(' ', 1)[1]}\n"
        f"  database {endpoint['database']}, redis {endpoint['redis']}\n"
        f"  {endpoint['load_generator']}: {endpoint['concurrency']} connections ({who}),"
        f" {endpoint['duration_s']:g} s per endpoint after {endpoint['warmup_s']:g} s warm-up"
    )
    for number, this_round in enumerate(endpoint["rounds"], 1):
        for name, label in (("healthz", "GET  /healthz"), ("estimate", f"POST {ESTIMATE}")):
            r = this_round[name]
            lat, cores = r["latency_ms"], r["cores_busy"]
            errors = r["non_2xx_or_3xx"] + r["socket_errors"]
            print(
                f"  [{number}] {label:<24} {r['rps']:>7,.0f} req/s   p50 {lat['p50']:6.2f}"
                f"  p95 {lat['p95']:6.2f}  p99 {lat['p99']:6.2f} ms   errors {errors}"
            )
            history = r.get("throttle_history")
            print(
                f"        CPU per request: gunicorn {r['server_cpu_ms_per_request']:.2f} ms,"
                f" PostgreSQL+Redis {r['database_and_redis_cpu_ms_per_request']:.2f} ms;"
                f" other load {cores['other']:.2f} cores"
                + ("" if history is None else f"; throttle history {history:,} entries")
            )
        print(
            f"  [{number}] ratio estimate/healthz {this_round['ratio']:.2f} in throughput,"
            f" {this_round['cpu_ratio']:.2f} in CPU per request (less sensitive to other load)"
        )
    ratio = endpoint["ratio"]
    verdict = "met" if ratio >= RATIO_TARGET else f"MISSED by {1 - ratio / RATIO_TARGET:.0%}"
    print(
        f"  overall: healthz {endpoint['healthz_rps']:,.0f} req/s, estimate"
        f" {endpoint['estimate_rps']:,.0f} req/s, ratio {ratio:.2f}"
        f" (target >= {RATIO_TARGET} {verdict})"
    )
    if not endpoint["estimate_check"]["matches_engine"]:
        print("  note: the endpoint's totals differ from the engine's (price book edited?)")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Benchmark the spend engine and POST /api/v1/estimates/ against /healthz.",
        epilog="DATABASE_URL and REDIS_URL are passed to the server when set; without "
        "DATABASE_URL a temporary SQLite database is migrated and used.",
    )
    parser.add_argument(
        "--duration", type=float, default=10, help="seconds of load per endpoint (10)"
    )
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds, discarded (2)")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="open connections, both endpoints (8)"
    )
    parser.add_argument("--engine-only", action="store_true", help="skip the endpoint part")
    parser.add_argument("--endpoint-only", action="store_true", help="skip the engine part")
    parser.add_argument(
        "--rounds", type=int, default=1, help="healthz/estimate pairs, interleaved (1)"
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=1,
        help="1: every request from 127.0.0.1, one client whose DRF throttle history grows"
        " with each estimate; N > 1: X-Forwarded-For cycles through N addresses, as a crowd"
        " of founders would look (DRF keys the throttle on it) (1)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads/worker (4)")
    parser.add_argument(
        "--loadgen",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk if installed, else Python threads (auto)",
    )
    parser.add_argument(
        "--repeat", type=int, default=7, help="engine timing batches; --reproject runs (7)"
    )
    parser.add_argument(
        "--reproject",
        type=int,
        metavar="N",
        help="only the nightly re-projection in process, over N seeded workloads (issue 19)",
    )
    parser.add_argument(
        "--reproject-batch", type=int, default=200, help="workloads per batch (200, as the task)"
    )
    parser.add_argument(
        "--batch-seconds", type=float, default=0.3, help="seconds per engine batch (0.3)"
    )
    parser.add_argument(
        "--skip-migrate", action="store_true", help="do not migrate DATABASE_URL first"
    )
    parser.add_argument(
        "--results-dir", type=Path, default=ROOT / "bench" / "results", help="JSON output folder"
    )
    args = parser.parse_args(argv)
    if args.engine_only and args.endpoint_only:
        parser.error("--engine-only and --endpoint-only exclude each other")
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "python"
    elif args.loadgen == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk)")
    if min(args.concurrency, args.rounds, args.repeat, args.clients) < 1 or args.duration <= 0:
        parser.error("--duration, --concurrency, --rounds, --repeat, --clients must be positive")
    return args


def interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    args = parse_args(argv)
    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C, so the server is always stopped.
    signal.signal(signal.SIGTERM, interrupt)
    started = dt.datetime.now(dt.UTC)
    results = {
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "request_body": ESTIMATE_BODY,
    }
    print(
        f"CloudRoute spend benchmark, {results['started']}: {results['machine']['cpu_model']},"
        f" {results['machine']['cores']} cores, Python {results['machine']['python']},"
        f" load average {' '.join(f'{x:.2f}' for x in results['machine']['load_average'])}",
        flush=True,
    )
    if args.reproject:
        results["reproject"] = bench_reproject(args)
        print_reproject(results["reproject"])
    if not args.endpoint_only and not args.reproject:
        results["engine"] = bench_engine(args)
        print_engine(results["engine"])
    if not args.engine_only and not args.reproject:
        with tempfile.TemporaryDirectory(prefix="cloudroute-bench-") as tmp:
            results["endpoint"] = bench_endpoint(args, Path(tmp))
        print_endpoint(results["endpoint"])
    results["load_average_after"] = os.getloadavg()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"spend-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as stop:
        print(f"\ninterrupted ({stop or 'Ctrl-C'}); the server was stopped", file=sys.stderr)
        sys.exit(130)
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        print(f"\nerror: {error}", file=sys.stderr)
        sys.exit(1)
