"""The pure parts of `make bench` (bench/stack.py): the arithmetic, locust's CSV, issue 19's
targets with a verdict for each, and the Markdown report. No Django, no processes: tested in
tests/bench/test_stack.py from a fake results dict."""

import csv
import math
import statistics

# Issue 19's targets (ratios are to the bare endpoint in the same run).
TARGETS = {
    "intake_ratio": 0.25,  # worst of the 1/4/16 sweep
    "intake_p95_ms_at_16": 100,
    "intake_cpu_ms": 8,  # web + database + broker, per intake
    "estimate_ratio": 0.6,  # at each of 1, 4 and 16 clients
    "partner_api_ratio": 0.4,  # inbox (50 leads) and application list, worst of the sweep
    "page_p95_ms": 60,  # founder dashboard, partner lead page; server time, 10,000 startups
    "queue_ms": 100,  # review queue page and its count at 50,000 intakes, each (p95)
    "time_to_match_p95_s": 1.0,  # one worker
    "reproject_10000_s": 10,  # nightly re-projection of 10,000 workloads, linear to 100,000
    "routing_p95_ms": 25,  # one lead over 10,000 partners, GC on
}
REPROJECT_TARGET_WORKLOADS = 10_000
# Per-workload time at 100,000 within this factor of the 10,000 run's: still linear.
LINEAR_SLACK = 1.25
PAGE_NAMES = {"founder_dashboard": "founder dashboard /my/", "partner_lead": "partner lead page"}
PARTNER_API = {"inbox": "partner inbox (50 leads)", "applications": "partner application list"}


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


def ratios_to_bare(endpoints: dict[str, list[dict]], bare: str) -> dict[str, list[float]]:
    """Each endpoint's req/s over the bare one's at the same number of users."""
    return {
        name: [run["rps"] / base["rps"] for run, base in zip(runs, endpoints[bare], strict=True)]
        for name, runs in endpoints.items()
        if name != bare
    }


def verdict(value: float, target: float, higher_is_better: bool) -> str:
    """'met', or 'MISSED by N%': how far the value is from the target."""
    met = value >= target if higher_is_better else value < target
    if met:
        return "met"
    return f"MISSED by {abs(value - target) / target:.0%}"


# --- the summary: one (what, figure, verdict) row per target ------------------------------


def _sweep(values: list[float], fmt: str) -> str:
    return " / ".join(format(value, fmt) for value in values)


def intake_rows(load: dict) -> list[tuple[str, str, str]]:
    runs, ratios = load["endpoints"]["intake"], load["ratio_to_bare"]["intake"]
    users = "/".join(str(run["users"]) for run in runs)
    worst, last = min(ratios), runs[-1]
    cpu = [run["cpu_ms_per_request"] for run in runs]
    return [
        (
            "intake POST throughput / bare (worst of the sweep)",
            f"{worst:.2f}x ({_sweep(ratios, '.2f')} at {users} users)",
            verdict(worst, TARGETS["intake_ratio"], higher_is_better=True),
        ),
        (
            f"intake POST p95 at {last['users']} users",
            f"{last['p95_ms']:.0f} ms",
            verdict(last["p95_ms"], TARGETS["intake_p95_ms_at_16"], higher_is_better=False),
        ),
        (
            f"intake CPU per request, worst of the sweep (target ~{TARGETS['intake_cpu_ms']} ms)",
            f"{max(cpu):.1f} ms ({_sweep(cpu, '.1f')})",
            verdict(max(cpu), TARGETS["intake_cpu_ms"], higher_is_better=False),
        ),
    ]


def estimate_rows(load: dict) -> list[tuple[str, str, str]]:
    runs, ratios = load["endpoints"]["estimate"], load["ratio_to_bare"]["estimate"]
    return [
        (
            f"estimate POST throughput / bare at {run['users']} users",
            f"{ratio:.2f}x",
            verdict(ratio, TARGETS["estimate_ratio"], higher_is_better=True),
        )
        for run, ratio in zip(runs, ratios, strict=True)
    ]


def partner_api_rows(load: dict) -> list[tuple[str, str, str]]:
    rows = []
    for name, what in PARTNER_API.items():
        ratios = load["ratio_to_bare"].get(name)
        if ratios is None:
            rows.append((f"{what} throughput / bare", "not measured", "NOT MEASURED"))
            continue
        worst = min(ratios)
        rows.append(
            (
                f"{what} throughput / bare (worst of the sweep)",
                f"{worst:.2f}x ({_sweep(ratios, '.2f')})",
                verdict(worst, TARGETS["partner_api_ratio"], higher_is_better=True),
            )
        )
    return rows


def page_rows(pages: dict | None) -> list[tuple[str, str, str]]:
    if not pages:
        return [("founder dashboard and partner lead page", "not measured", "NOT MEASURED")]
    return [
        (
            f"{PAGE_NAMES.get(name, name)} server time p95 ({pages['startups']:,} startups)",
            f"{page['p95_ms']:.1f} ms (p50 {page['p50_ms']:.1f}, {page['queries']} queries)",
            verdict(page["p95_ms"], TARGETS["page_p95_ms"], higher_is_better=False),
        )
        for name, page in pages["pages"].items()
    ]


def queue_rows(queue: dict | None) -> list[tuple[str, str, str]]:
    if not queue or "queries" not in queue:
        reason = (queue or {}).get("skipped", "not measured")
        return [("review queue page and its count", reason, "NOT MEASURED")]
    return [
        (
            f"review queue: {name} at {queue['intakes']:,} intakes p95",
            f"{query['p95_ms']:.1f} ms (p50 {query['p50_ms']:.1f})",
            verdict(query["p95_ms"], TARGETS["queue_ms"], higher_is_better=False),
        )
        for name, query in queue["queries"].items()
    ]


def match_rows(match: dict) -> list[tuple[str, str, str]]:
    if match["p95_s"] is None:
        return [("time to match p95", "no lead offered", "MISSED")]
    return [
        (
            "time to match p95 (one worker)",
            f"{match['p95_s']:.2f} s ({match['matched']}/{match['submitted']} matched)",
            verdict(match["p95_s"], TARGETS["time_to_match_p95_s"], higher_is_better=False),
        )
    ]


def engine_rows(engines: dict) -> list[tuple[str, str, str]]:
    routing = engines["routing_ms"]["p95"]
    return [
        (
            f"routing one lead over {engines['routing_partners']:,} partners p95 (GC on)",
            f"{routing:.1f} ms",
            verdict(routing, TARGETS["routing_p95_ms"], higher_is_better=False),
        ),
        ("spend projections (36 months)", f"{engines['projections_per_s']:,.0f}/s", "-"),
        ("eligibility evaluations", f"{engines['eligibility_per_s']:,.0f}/s", "-"),
    ]


def batch_rows(batch: dict, large: dict | None) -> list[tuple[str, str, str]]:
    """The nightly run over every seeded workload against 10 s at 10,000 (a quick run's
    smaller one extrapolated along the sweep's line), the growth over the sweep, and the
    opt-in --reproject run."""
    last, target = batch["runs"][-1], TARGETS["reproject_10000_s"]
    growth = f"{batch['ms_per_workload']:.2f} ms/workload, r² {batch['r2']:.3f}"
    if last["workloads"] >= REPROJECT_TARGET_WORKLOADS:
        what, seconds = f"nightly re-projection of {last['workloads']:,} workloads", last["seconds"]
        figure = f"{seconds:.1f} s"
    else:
        what = f"nightly re-projection of {REPROJECT_TARGET_WORKLOADS:,} workloads (extrapolated)"
        seconds = batch["fixed_s"] + batch["ms_per_workload"] * REPROJECT_TARGET_WORKLOADS / 1000
        figure = f"{seconds:.1f} s ({last['seconds']:.1f} s for {last['workloads']:,})"
    rows = [
        (what, figure, verdict(seconds, target, higher_is_better=False)),
        ("re-projection growth", growth, "linear" if batch["r2"] >= 0.98 else "NOT linear"),
    ]
    if large and "error" in large:
        what = f"nightly re-projection of {large['workloads']:,} workloads, once"
        rows.append((what, large["error"], "NOT MEASURED"))
    elif large:
        factor = (large["seconds"] / large["workloads"]) / (last["seconds"] / last["workloads"])
        rows.append(
            (
                f"nightly re-projection of {large['workloads']:,} workloads, once",
                f"{large['seconds']:.1f} s ({large['ms_per_workload']:.2f} ms/workload,"
                f" x{factor:.2f} the {last['workloads']:,} run's)",
                "linear" if factor <= LINEAR_SLACK else "NOT linear",
            )
        )
    return rows


def summary(results: dict) -> list[tuple[str, str, str]]:
    """(what, figure, verdict) for each target of issue 19, in the issue's order."""
    load = results["load"]
    return [
        *intake_rows(load),
        *estimate_rows(load),
        *partner_api_rows(load),
        *page_rows(results.get("pages")),
        *queue_rows(results.get("queue")),
        *match_rows(results["time_to_match"]),
        *batch_rows(results["batch"], results.get("reproject")),
        *engine_rows(results["engines"]),
    ]


# --- the Markdown report -------------------------------------------------------------------


def endpoint_table(load: dict) -> list[str]:
    lines = [
        "CPU ms/req: gunicorn + PostgreSQL + Redis per request, the figure least moved by other"
        " work on the machine (its `other` cores are in latest.json).",
        "",
        "| endpoint | users | req/s | x bare | p50 ms | p95 ms | p99 ms | CPU ms/req | failures |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in load["endpoints"].items():
        ratios = load["ratio_to_bare"].get(name, [1.0] * len(runs))
        for run_, ratio in zip(runs, ratios, strict=True):
            lines.append(
                f"| {name} | {run_['users']} | {run_['rps']:,.0f} | {ratio:.2f} |"
                f" {run_['p50_ms']:.0f} | {run_['p95_ms']:.0f} | {run_['p99_ms']:.0f} |"
                f" {run_['cpu_ms_per_request']:.1f} | {run_['failures']} |"
            )
    return lines


def page_table(pages: dict | None) -> list[str]:
    if not pages:
        return []
    lines = [
        f"Pages in-process (Django's test client, DEBUG off, {pages['startups']:,} startups):",
        "",
        "| page | requests | p50 ms | p95 ms | max ms | queries |",
        "|---|---|---|---|---|---|",
    ]
    for name, page in pages["pages"].items():
        lines.append(
            f"| {PAGE_NAMES.get(name, name)} `{page['url']}` | {page['requests']} |"
            f" {page['p50_ms']:.1f} | {page['p95_ms']:.1f} | {page['max_ms']:.1f} |"
            f" {page['queries']} |"
        )
    return ["", *lines]


def queue_plans(queue: dict | None) -> list[str]:
    if not queue or "queries" not in queue:
        return []
    lines = [
        "",
        f"Review queue at {queue['intakes']:,} intakes (seeded in {queue['seed_s']:.0f} s):",
    ]
    for name, query in queue["queries"].items():
        lines += ["", f"{name}: p50 {query['p50_ms']:.1f} ms, p95 {query['p95_ms']:.1f} ms", ""]
        lines += ["```", query["plan"].rstrip(), "```"]
    return lines


def batch_table(batch: dict, large: dict | None) -> list[str]:
    lines = ["", "| re-projected | seconds | per second |", "|---|---|---|"]
    for run_ in [*batch["runs"], *([large] if large and "error" not in large else [])]:
        lines.append(f"| {run_['workloads']:,} | {run_['seconds']:.1f} | {run_['per_s']:,.0f} |")
    return lines


def report(results: dict) -> str:
    m, seed = results["machine"], results["seed"]
    lines = [
        f"# CloudRoute stack bench, {results['started']} ({results['mode']} run)",
        "",
        f"{m['cpu_model']}, {m['cores']} cores, Python {m['python']}, load average before"
        f" {' '.join(f'{x:.2f}' for x in m['load_average'])}. Seeded"
        f" {seed['startups']:,} startups, {seed['partners']:,} partners,"
        f" {seed['decisions']:,} routing decisions in {results['seed_s']:.0f} s.",
        f"gunicorn {results['stack']['gunicorn']}; Celery {results['stack']['celery']};"
        " locust on the same machine.",
        "",
        "| target | figure | verdict |",
        "|---|---|---|",
        *(f"| {what} | {figure} | {v} |" for what, figure, v in summary(results)),
        "",
        *endpoint_table(results["load"]),
        *page_table(results.get("pages")),
        *batch_table(results["batch"], results.get("reproject")),
        *queue_plans(results.get("queue")),
    ]
    return "\n".join(lines) + "\n"
