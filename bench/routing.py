"""Benchmark of the scoring engine (issues 5 and 19): one lead against 10,000 partners. Not a test.

Builds N random partner profiles and M random leads from one seed, then times
`matching.scoring.rank` once per lead in this process (no database), the garbage collector
on as in production, and reports p50/p95/p99 in ms, wall clock and this thread's CPU time.
`Ranking.as_dict()` (the stored routing decision) is timed apart and together with rank; each
lead's result is dropped outside the timed region. The garbage collector runs throughout
(rank() no longer pauses it, issue 19) and its collections are counted per phase and
generation; `--django` loads Django first so the heap a full collection walks is a worker's.

Two directories are measured by default:

- mixed: a plausible directory (some firms inactive, paused, away, unvetted, at capacity,
  serving other countries or regions, lacking generative AI) and leads that sometimes need a
  second competency or were offered to a few firms already; most partners are rejected;
- all-eligible: every partner passes every filter for every lead, so every one is scored
  and sorted (the candidate path, the worst case for the sort).

Results are printed and written to bench/results/routing-<UTC timestamp>.json.

    .venv/bin/python bench/routing.py
    .venv/bin/python bench/routing.py --django                 # the heap of a worker
    .venv/bin/python bench/routing.py --partners 10000 --leads 200 --seed 7 --scenario mixed

Target (issue 19): p95 under 25 ms for one lead against 10,000 partners, the collector on
(issue 5's was 50 ms).
"""

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Pure Python, no Django: the engine only.
from matching import scoring  # noqa: E402

TARGET_P95_MS = 25.0  # issue 19 (issue 5: 50 ms)
SCENARIOS = ("mixed", "all-eligible")
SOURCES = ("matching/scoring.py",)  # hashed into the results: the tree may be dirty
TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)

# The choice values of matching.models.partners and workloads.choices (not imported: Django).
COMPETENCIES = (
    "generative_ai", "machine_learning", "devops", "data_analytics", "migration", "security",
    "saas",
)  # fmt: skip
STAGES = ("bootstrapped", "pre_seed", "seed", "series_a", "series_b", "series_c_plus")
INDUSTRIES = (
    "Financial Services", "Healthcare", "Software and Internet", "Retail", "Education",
    "Media and Entertainment", "Manufacturing", "Professional Services", "Gaming",
    "Telecommunications", "Transportation and Logistics", "Life Sciences", "Other",
)  # fmt: skip
COUNTRIES = (
    "US", "GB", "DE", "FR", "IN", "CA", "BR", "JP", "AU", "SG", "NL", "ES", "IT", "SE", "IL",
    "KR", "MX", "IE", "PL", "AE",
)  # fmt: skip
COUNTRY_WEIGHTS = (30, 10, 8, 6, 8, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1)
REGIONS = (
    "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1",
    "eu-west-2", "eu-west-3", "eu-central-1", "ap-south-1", "ap-northeast-1", "ap-southeast-2",
)  # fmt: skip
TIER_WEIGHTS = {"select": 50, "advanced": 35, "premier": 15}


def _some(rng: random.Random, values, low: int, high: int, empty: float) -> frozenset[str]:
    """Empty with probability `empty` (worldwide / no focus), else low..high values."""
    if rng.random() < empty:
        return frozenset()
    return frozenset(rng.sample(values, rng.randint(low, high)))


def _rate(rng: random.Random, alpha: float, beta: float, missing: float) -> float | None:
    return None if rng.random() < missing else rng.betavariate(alpha, beta)


def make_partner(rng: random.Random, partner_id: int, all_eligible: bool) -> scoring.PartnerProfile:
    competencies = set(rng.sample(COMPETENCIES, rng.randint(1, 4)))
    if all_eligible or rng.random() < 0.75:
        competencies.add("generative_ai")
    capacity = rng.randint(5, 50)
    open_leads = rng.randint(0, capacity - 1) if all_eligible else rng.randint(0, capacity)
    if all_eligible:
        is_active = accepting = True
        away_until = None
        vetting_expires_on = TODAY + dt.timedelta(days=rng.randint(0, 730))
    else:
        is_active, accepting = rng.random() < 0.95, rng.random() < 0.9
        away_until = (
            TODAY + dt.timedelta(days=rng.randint(-30, 30)) if rng.random() < 0.08 else None
        )
        vetting = rng.random()
        vetting_expires_on = (
            None
            if vetting < 0.05
            else TODAY + dt.timedelta(days=rng.randint(-365 if vetting < 0.15 else 0, 730))
        )
    never_assigned = rng.random() < 0.15
    return scoring.PartnerProfile(
        id=partner_id,
        name=f"Partner {partner_id:05d}",
        tier=rng.choices(tuple(TIER_WEIGHTS), TIER_WEIGHTS.values())[0],
        competencies=frozenset(competencies),
        countries=frozenset() if all_eligible else _some(rng, COUNTRIES, 1, 6, empty=0.3),
        regions=frozenset() if all_eligible else _some(rng, REGIONS, 1, 5, empty=0.5),
        stages=_some(rng, STAGES, 1, 3, empty=0.3),
        industries=_some(rng, INDUSTRIES, 1, 3, empty=0.4),
        capacity=capacity,
        open_leads=open_leads,
        is_active=is_active,
        accepting_leads=accepting,
        away_until=away_until,
        vetting_expires_on=vetting_expires_on,
        acceptance_rate=_rate(rng, 6, 3, missing=0.2),
        sla_hit_rate=_rate(rng, 8, 2, missing=0.2),
        approval_rate=_rate(rng, 7, 3, missing=0.3),
        median_days_to_credits=None if rng.random() < 0.3 else rng.uniform(7, 120),
        last_assigned_at=None
        if never_assigned
        else NOW - dt.timedelta(seconds=rng.randint(0, 90 * 86400)),
    )


def make_lead(rng: random.Random, partner_count: int, all_eligible: bool) -> scoring.LeadProfile:
    competencies = {"generative_ai"}
    if not all_eligible and rng.random() < 0.3:
        competencies.add(rng.choice(("machine_learning", "data_analytics", "security")))
    return scoring.LeadProfile(
        country=rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0],
        region=rng.choice(REGIONS),
        stage=rng.choice(STAGES),
        industry=rng.choice(INDUSTRIES),
        competencies=frozenset(competencies),
        excluded_partner_ids=frozenset(
            rng.randint(1, partner_count) for _ in range(0 if all_eligible else rng.randint(0, 3))
        ),
    )


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    index = max(0, min(len(sorted_values) - 1, round(share * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def summary(milliseconds: list[float]) -> dict:
    values = sorted(milliseconds)
    return {
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "min": values[0],
        "max": values[-1],
        "mean": statistics.fmean(values),
    }


class GcCounter:
    """Garbage collections by phase ("rank", "as_dict") and generation, with milliseconds."""

    def __init__(self):
        self.phase: str | None = None
        self.started = 0.0
        self.count, self.ms = Counter(), Counter()
        gc.callbacks.append(self.callback)

    def callback(self, stage: str, info: dict) -> None:
        if self.phase is None:
            return
        if stage == "start":
            self.started = time.perf_counter()
        else:
            key = (self.phase, info["generation"])
            self.count[key] += 1
            self.ms[key] += (time.perf_counter() - self.started) * 1000

    def remove(self) -> None:
        gc.callbacks.remove(self.callback)

    def as_dict(self) -> dict:
        return {
            phase: {
                f"generation_{generation}": {
                    "count": self.count[phase, generation],
                    "ms": self.ms[phase, generation],
                }
                for generation in range(3)
            }
            for phase in ("rank", "as_dict")
        }


def bench_scenario(name: str, args) -> dict:
    rng = random.Random(f"{args.seed}-{name}")
    all_eligible = name == "all-eligible"
    started = time.perf_counter()
    partners = [make_partner(rng, i, all_eligible) for i in range(1, args.partners + 1)]
    build_s = time.perf_counter() - started
    leads = [make_lead(rng, args.partners, all_eligible) for _ in range(args.warmup + args.leads)]
    weights = scoring.Weights()
    rank, clock, cpu_clock = scoring.rank, time.perf_counter, time.thread_time
    rank_ms, rank_cpu_ms, as_dict_ms, both_ms = [], [], [], []
    candidates, rejected, tied = [], [], []
    failed = Counter()
    chosen = Counter()
    collections = GcCounter()
    for number, lead in enumerate(leads):
        timed = number >= args.warmup
        collections.phase = "rank" if timed else None
        cpu_start, start = cpu_clock(), clock()
        ranking = rank(lead, partners, weights, today=TODAY)
        rank_elapsed, rank_cpu = clock() - start, cpu_clock() - cpu_start
        collections.phase = "as_dict" if timed else None
        start = clock()
        stored = ranking.as_dict()
        as_dict_elapsed = clock() - start
        collections.phase = None
        if timed:
            rank_ms.append(rank_elapsed * 1000)
            rank_cpu_ms.append(rank_cpu * 1000)
            as_dict_ms.append(as_dict_elapsed * 1000)
            both_ms.append((rank_elapsed + as_dict_elapsed) * 1000)
            candidates.append(len(ranking.candidates))
            rejected.append(len(ranking.rejected))
            tied.append(sum(row["within_margin"] for row in stored["candidates"]))
            failed.update(stored["failed_counts"])
            chosen[ranking.chosen is not None] += 1
        del ranking, stored  # freed outside the timed region
    collections.remove()
    rank_summary = summary(rank_ms)
    return {
        "partners": args.partners,
        "leads": args.leads,
        "warmup_leads": args.warmup,
        "build_partners_s": build_s,
        "gc_tracked_objects": len(gc.get_objects()),
        "rank_ms": rank_summary,
        "rank_cpu_ms": summary(rank_cpu_ms),
        "as_dict_ms": summary(as_dict_ms),
        "rank_and_as_dict_ms": summary(both_ms),
        "gc_collections": collections.as_dict(),
        "meets_target": rank_summary["p95"] < TARGET_P95_MS,
        "candidates_per_lead": {"median": statistics.median(candidates), "max": max(candidates)},
        "rejected_per_lead": {"median": statistics.median(rejected), "max": max(rejected)},
        "tied_in_top_20_median": statistics.median(tied),
        "leads_with_a_partner": chosen[True],
        "failed_filter_share": {
            code: failed[code] / (args.leads * args.partners) for code in scoring.HARD_FILTERS
        },
    }


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor(),
    )
    try:
        git = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except OSError:
        git = None
    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
        "git": git,
        "sources_sha256": {
            name: hashlib.sha256((ROOT / name).read_bytes()).hexdigest()[:16] for name in SOURCES
        },
    }


def print_scenario(name: str, result: dict) -> None:
    r, d = result["rank_ms"], result["as_dict_ms"]
    verdict = "met" if result["meets_target"] else "MISSED"
    print(
        f"\n{name}: {result['partners']:,} partners, {result['leads']} leads"
        f" (+{result['warmup_leads']} warm-up); per lead, median"
        f" {result['candidates_per_lead']['median']:,.0f} candidates and"
        f" {result['rejected_per_lead']['median']:,.0f} rejected;"
        f" {result['leads_with_a_partner']} of {result['leads']} leads got a partner"
    )
    print(
        f"  rank()     p50 {r['p50']:6.2f}  p95 {r['p95']:6.2f}  p99 {r['p99']:6.2f}"
        f"  max {r['max']:6.2f} ms   (target p95 < {TARGET_P95_MS:g} ms: {verdict})"
    )
    c = result["rank_cpu_ms"]
    print(
        f"  rank() CPU p50 {c['p50']:6.2f}  p95 {c['p95']:6.2f}  p99 {c['p99']:6.2f}"
        f"  max {c['max']:6.2f} ms   (this thread's CPU time: less sensitive to other load)"
    )
    print(
        f"  as_dict()  p50 {d['p50']:6.2f}  p95 {d['p95']:6.2f}  p99 {d['p99']:6.2f}"
        f"  max {d['max']:6.2f} ms"
    )
    b = result["rank_and_as_dict_ms"]
    print(
        f"  both       p50 {b['p50']:6.2f}  p95 {b['p95']:6.2f}  p99 {b['p99']:6.2f}"
        f"  max {b['max']:6.2f} ms   (what routing one lead costs before the database)"
    )
    collections = result["gc_collections"]
    full = {phase: gens["generation_2"] for phase, gens in collections.items()}
    young = {
        phase: sum(gens[f"generation_{g}"]["count"] for g in (0, 1))
        for phase, gens in collections.items()
    }
    print(
        f"  full garbage collections: {full['rank']['count']} inside rank()"
        f" ({full['rank']['ms']:.0f} ms in all), {full['as_dict']['count']} inside as_dict()"
        f" ({full['as_dict']['ms']:.0f} ms); young ones: {young['rank']} inside rank(),"
        f" {young['as_dict']} inside as_dict(); {result['gc_tracked_objects']:,} objects tracked"
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Benchmark matching.scoring.rank: one lead against N partners, p50/p95/p99.",
        epilog=f"Target: p95 under {TARGET_P95_MS:g} ms for 10,000 partners.",
    )
    parser.add_argument("--partners", type=int, default=10_000, help="partners (10000)")
    parser.add_argument("--leads", type=int, default=200, help="timed leads per scenario (200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed leads first (10)")
    parser.add_argument("--seed", default="2026", help="random seed (2026)")
    parser.add_argument(
        "--scenario",
        choices=("both", *SCENARIOS),
        default="both",
        help="partner directory: mixed, all-eligible, or both (both)",
    )
    parser.add_argument(
        "--no-gc",
        action="store_true",
        help="disable the garbage collector for the whole run (on by default)",
    )
    parser.add_argument(
        "--django",
        action="store_true",
        help="load Django, the apps and the URLconf first, so the heap is a worker's size"
        " (DJANGO_SETTINGS_MODULE defaults to cloudroute.settings)",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=ROOT / "bench" / "results", help="JSON output folder"
    )
    args = parser.parse_args(argv)
    if min(args.partners, args.leads) < 1 or args.warmup < 0:
        parser.error("--partners and --leads must be positive, --warmup >= 0")
    return args


def load_django() -> str:
    """What a web or Celery worker holds before it routes anything."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudroute.settings")
    import django

    django.setup()  # also imports every app's admin
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view and serializer
    import cloudroute.celery  # noqa: F401

    return django.__version__


def main(argv=None) -> int:
    args = parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    django_version = load_django() if args.django else None
    results = {
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "seed": args.seed,
        "gc": not args.no_gc,
        "django_loaded": django_version,
        "weights": {name: getattr(scoring.Weights(), name) for name in scoring.Weights.__slots__},
        "target_p95_ms": TARGET_P95_MS,
        "scenarios": {},
    }
    m = results["machine"]
    load = " ".join(f"{x:.2f}" for x in m["load_average"])
    print(
        f"CloudRoute routing benchmark, {results['started']}: {m['cpu_model']}, {m['cores']}"
        f" cores, Python {m['python']}, load average {load}; garbage collector"
        f" {'on' if results['gc'] else 'off'}, also inside rank();"
        f" {'Django ' + django_version + ' loaded' if django_version else 'no Django'}",
        flush=True,
    )
    scenarios = SCENARIOS if args.scenario == "both" else (args.scenario,)
    if args.no_gc:
        gc.disable()
    try:
        for name in scenarios:
            results["scenarios"][name] = bench_scenario(name, args)
            print_scenario(name, results["scenarios"][name])
    finally:
        gc.enable()
    results["load_average_after"] = os.getloadavg()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"routing-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
