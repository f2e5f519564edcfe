"""The pure parts of `make bench` (bench/stack.py, bench/report.py): the arithmetic, locust's
CSV, issue 19's verdicts and the report, and the guards that keep it off other people's data;
and bench/pages.py's partner sign-in past the second step."""

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))

import pages  # noqa: E402
import report  # noqa: E402
import stack  # noqa: E402

LOCUST_CSV = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,\
90%,95%,98%,99%,99.9%,99.99%,100%
GET,bare,1200,0,7,8.5,2,40,50,400.0,0.0,7,9,10,11,14,18,25,31,40,40,40
,Aggregated,1200,0,7,8.5,2,40,50,400.0,0.0,7,9,10,11,14,18,25,31,40,40,40
"""


def test_batches_are_fixed_size_with_the_rest_last():
    assert stack.batches(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert stack.batches([], 2) == []


def test_percentile_is_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]

    assert report.percentile(values, 0.5) == 3.0
    assert report.percentile(values, 0.95) == 5.0
    assert report.percentile(values, 0.2) == 1.0


def test_linear_fit_finds_slope_offset_and_r2():
    fit = report.linear_fit([1_000, 2_000, 4_000], [1.5, 2.5, 4.5])

    assert fit["ms_per_workload"] == pytest.approx(1.0)
    assert fit["fixed_s"] == pytest.approx(0.5)
    assert fit["r2"] == pytest.approx(1.0)
    assert report.linear_fit([1, 2, 3], [1.0, 3.0, 1.0])["r2"] < 0.5


def test_locust_row_reads_throughput_and_percentiles():
    row = report.locust_row(LOCUST_CSV, "Aggregated")

    assert row == {
        "requests": 1200,
        "failures": 0,
        "rps": 400.0,
        "p50_ms": 7.0,
        "p95_ms": 18.0,
        "p99_ms": 31.0,
        "mean_ms": 8.5,
    }


def test_locust_row_refuses_a_run_without_requests():
    empty = LOCUST_CSV.splitlines()[0] + "\n,Aggregated,0,0,0,0,0,0,0,0,0" + ",N/A" * 11 + "\n"

    with pytest.raises(RuntimeError, match="no Aggregated request"):
        report.locust_row(empty, "Aggregated")


@pytest.mark.parametrize(
    ("value", "target", "higher", "expected"),
    [
        (0.6, 0.5, True, "met"),
        (0.4, 0.5, True, "MISSED by 20%"),
        (40, 50, False, "met"),
        (75, 50, False, "MISSED by 50%"),
    ],
)
def test_verdict_says_by_how_much_a_target_was_missed(value, target, higher, expected):
    assert report.verdict(value, target, higher) == expected


def test_it_refuses_to_drop_a_database_not_named_for_the_bench():
    with pytest.raises(RuntimeError, match="refusing to drop 'test'"):
        stack.recreate_database("postgres://postgres@127.0.0.1:5432/test")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379"])
def test_it_refuses_to_flush_redis_db_0(url):
    with pytest.raises(RuntimeError, match="refusing to flush"):
        stack.flush_redis(url)


def test_the_server_environment_is_production_like_with_raised_throttles():
    env = stack.stack_env("postgres://h/cloudroute_bench", "redis://h:6379/9")

    assert env["DEBUG"] == "false"
    assert len(env["SECRET_KEY"]) >= 50
    assert env["SECURE_SSL_REDIRECT"] == "false"
    assert env["THROTTLE_INTAKE"] == env["THROTTLE_ESTIMATE"] == "100000000/minute"
    assert env["DATABASE_URL"].endswith("/cloudroute_bench")


def run_at(users: int, rps: float, p95: float = 40.0, cpu: float = 2.5) -> dict:
    return {
        "users": users,
        "rps": rps,
        "p50_ms": 20.0,
        "p95_ms": p95,
        "p99_ms": 60.0,
        "failures": 0,
        "cpu_ms_per_request": cpu,
    }


def results(**overrides) -> dict:
    bare = [run_at(1, 100.0), run_at(4, 200.0), run_at(16, 200.0)]
    endpoints = {
        "bare": bare,
        "estimate": [run_at(1, 70.0), run_at(4, 110.0), run_at(16, 130.0)],
        "intake": [
            run_at(1, 30.0, cpu=7.0),
            run_at(4, 50.0, cpu=9.0),
            run_at(16, 60.0, p95=120.0, cpu=8.5),
        ],
        "inbox": [run_at(1, 50.0), run_at(4, 90.0), run_at(16, 100.0)],
        "applications": [run_at(1, 30.0), run_at(4, 80.0), run_at(16, 90.0)],
    }
    page = {"url": "/my/", "requests": 50, "queries": 10, "p50_ms": 30.0, "max_ms": 70.0}
    return {
        "started": "2026-11-25T00:00:00+00:00",
        "mode": "quick",
        "machine": {"cpu_model": "CPU", "cores": 2, "python": "3.13", "load_average": [1, 1, 1]},
        "seed": {"startups": 10, "partners": 2, "decisions": 20},
        "seed_s": 1.0,
        "stack": {"gunicorn": "gthread", "celery": "1 worker"},
        "load": {
            "users": [1, 4, 16],
            "endpoints": endpoints,
            "ratio_to_bare": report.ratios_to_bare(endpoints, "bare"),
        },
        "pages": {
            "startups": 10_000,
            "pages": {
                "founder_dashboard": {**page, "p95_ms": 45.0},
                "partner_lead": {**page, "url": "/partner/leads/5/", "p95_ms": 75.0},
            },
        },
        "queue": {
            "intakes": 50_000,
            "seed_s": 30.0,
            "queries": {
                "page": {"p50_ms": 20.0, "p95_ms": 30.0, "plan": "Limit\n  -> Index Scan"},
                "count": {"p50_ms": 90.0, "p95_ms": 150.0, "plan": "Aggregate"},
            },
        },
        "time_to_match": {"p95_s": 1.2, "matched": 9, "submitted": 10},
        "engines": {
            "projections_per_s": 25_000,
            "routing_partners": 10_000,
            "routing_ms": {"p95": 30.0},
            "eligibility_per_s": 9_000,
        },
        "batch": {
            "runs": [
                {"workloads": 5_000, "seconds": 4.0, "per_s": 1_250.0},
                {"workloads": 10_000, "seconds": 8.0, "per_s": 1_250.0},
            ],
            "fixed_s": 0.0,
            "ms_per_workload": 0.8,
            "r2": 0.99,
        },
        **overrides,
    }


def rows(results: dict) -> dict[str, tuple[str, str]]:
    return {what: (figure, verdict) for what, figure, verdict in report.summary(results)}


def test_ratios_are_to_the_bare_endpoint_at_the_same_users():
    ratios = report.ratios_to_bare(results()["load"]["endpoints"], "bare")

    assert ratios["estimate"] == [0.7, 0.55, 0.65]
    assert "bare" not in ratios


def test_the_intake_rows_take_the_worst_of_the_sweep():
    summary = rows(results())

    assert summary["intake POST throughput / bare (worst of the sweep)"] == (
        "0.25x (0.30 / 0.25 / 0.30 at 1/4/16 users)",
        "met",
    )
    assert summary["intake POST p95 at 16 users"] == ("120 ms", "MISSED by 20%")
    assert summary["intake CPU per request, worst of the sweep (target ~8 ms)"] == (
        "9.0 ms (7.0 / 9.0 / 8.5)",
        "MISSED by 12%",
    )


def test_the_estimate_has_a_verdict_at_each_point():
    summary = rows(results())

    assert summary["estimate POST throughput / bare at 1 users"] == ("0.70x", "met")
    assert summary["estimate POST throughput / bare at 4 users"] == ("0.55x", "MISSED by 8%")
    assert summary["estimate POST throughput / bare at 16 users"] == ("0.65x", "met")


def test_the_partner_api_rows_cover_the_inbox_and_the_application_list():
    summary = rows(results())

    assert summary["partner inbox (50 leads) throughput / bare (worst of the sweep)"] == (
        "0.45x (0.50 / 0.45 / 0.50)",
        "met",
    )
    assert summary["partner application list throughput / bare (worst of the sweep)"] == (
        "0.30x (0.30 / 0.40 / 0.45)",
        "MISSED by 25%",
    )


def test_the_pages_and_the_review_queue_each_get_a_row():
    summary = rows(results())

    assert summary["founder dashboard /my/ server time p95 (10,000 startups)"] == (
        "45.0 ms (p50 30.0, 10 queries)",
        "met",
    )
    assert summary["partner lead page server time p95 (10,000 startups)"][1] == "MISSED by 25%"
    assert summary["review queue: page at 50,000 intakes p95"] == ("30.0 ms (p50 20.0)", "met")
    assert summary["review queue: count at 50,000 intakes p95"][1] == "MISSED by 50%"


def test_a_review_queue_not_measured_says_why():
    skipped = results(queue={"skipped": "bench/review_queue.py failed: no database"})

    assert (
        "review queue page and its count",
        "bench/review_queue.py failed: no database",
        "NOT MEASURED",
    ) in (report.summary(skipped))


def test_the_engines_match_and_batch_rows():
    summary = rows(results())

    assert summary["time to match p95 (one worker)"] == ("1.20 s (9/10 matched)", "MISSED by 20%")
    assert summary["routing one lead over 10,000 partners p95 (GC on)"] == (
        "30.0 ms",
        "MISSED by 20%",
    )
    assert summary["nightly re-projection of 10,000 workloads"] == ("8.0 s", "met")
    assert summary["re-projection growth"][1] == "linear"
    assert summary["spend projections (36 months)"] == ("25,000/s", "-")


def test_a_quick_run_is_held_to_the_re_projection_target_along_its_line():
    runs = [{"workloads": 300, "seconds": 0.6}, {"workloads": 600, "seconds": 1.05}]
    batch = {"runs": runs, "fixed_s": 0.15, "ms_per_workload": 1.5, "r2": 0.9}

    summary = rows(results(batch=batch))

    assert summary["nightly re-projection of 10,000 workloads (extrapolated)"] == (
        "15.2 s (1.1 s for 600)",
        "MISSED by 52%",
    )
    assert summary["re-projection growth"][1] == "NOT linear"


def test_the_100_000_run_is_linear_when_its_per_workload_time_holds():
    linear = {"workloads": 100_000, "seconds": 90.0, "per_s": 1_111.0, "ms_per_workload": 0.9}
    slower = {**linear, "seconds": 120.0, "ms_per_workload": 1.2}

    what = "nightly re-projection of 100,000 workloads, once"
    assert rows(results(reproject=linear))[what] == (
        "90.0 s (0.90 ms/workload, x1.12 the 10,000 run's)",
        "linear",
    )
    assert rows(results(reproject=slower))[what][1] == "NOT linear"


def test_a_100_000_run_that_timed_out_says_so():
    timed_out = {"workloads": 100_000, "error": "not done in 2000 s"}

    summary = rows(results(reproject=timed_out))

    assert summary["nightly re-projection of 100,000 workloads, once"] == (
        "not done in 2000 s",
        "NOT MEASURED",
    )
    assert "| 100,000 |" not in report.report(results(reproject=timed_out))


def test_the_summary_reports_a_run_where_nothing_was_matched():
    no_match = results(time_to_match={"p95_s": None, "matched": 0, "submitted": 10})

    assert ("time to match p95", "no lead offered", "MISSED") in report.summary(no_match)


def test_the_report_tables_the_endpoints_pages_batches_and_queue_plans():
    text = report.report(
        results(
            reproject={
                "workloads": 100_000,
                "seconds": 90.0,
                "per_s": 1_111.0,
                "ms_per_workload": 0.9,
            }
        )
    )

    assert "| bare | 16 | 200 | 1.00 | 20 | 40 | 60 | 2.5 | 0 |" in text
    assert "| estimate | 16 | 130 | 0.65 | 20 | 40 | 60 | 2.5 | 0 |" in text
    assert "| applications | 1 | 30 | 0.30 |" in text
    assert "| founder dashboard /my/ `/my/` | 50 | 30.0 | 45.0 | 70.0 | 10 |" in text
    assert "| 10,000 | 8.0 | 1,250 |" in text
    assert "| 100,000 | 90.0 | 1,111 |" in text
    assert "```\nLimit\n  -> Index Scan\n```" in text


def test_the_queue_database_is_the_bench_one_with_a_suffix():
    url = stack.queue_database_url("postgres://postgres@127.0.0.1:5432/cloudroute_bench_b")

    assert url == "postgres://postgres@127.0.0.1:5432/cloudroute_bench_b_queue"


def test_a_failing_queue_bench_is_skipped_with_its_error(monkeypatch, tmp_path):
    failing = tmp_path / "review_queue.py"
    failing.write_text("raise ValueError('no database')\n")
    monkeypatch.setattr(stack, "QUEUE_BENCH", str(failing))

    outcome = stack.bench_queue("postgres://h/cloudroute_bench", 10, {})

    assert outcome["skipped"].startswith(f"{failing} failed: ")
    assert "ValueError: no database" in outcome["skipped"]


def test_the_queue_bench_is_called_with_its_database_and_volume(monkeypatch, tmp_path):
    echo = tmp_path / "review_queue.py"
    echo.write_text(
        "import json, sys\n"
        "print('seeding ...')\n"
        "print(json.dumps({'argv': sys.argv[1:]}))\n"
        "print('done')\n"
    )
    monkeypatch.setattr(stack, "QUEUE_BENCH", str(echo))

    outcome = stack.bench_queue("postgres://h/cloudroute_bench", 7, {"PATH": "/usr/bin"})

    assert outcome == {
        "argv": ["--intakes", "7", "--database-url", "postgres://h/cloudroute_bench_queue"]
    }


@pytest.mark.django_db
def test_a_firm_admin_is_signed_in_past_the_second_step(settings):
    from matching.models import PartnerMembership
    from tests.factories import LeadFactory, PartnerMembershipFactory

    settings.OTP_REQUIRED = True
    settings.ALLOWED_HOSTS = [pages.HOST]
    admin = PartnerMembershipFactory(role=PartnerMembership.Role.ADMIN)
    lead = LeadFactory(partner=admin.partner)
    url = f"/partner/leads/{lead.pk}/"

    client = pages.signed_in(admin.user, url)

    assert client.get(url).status_code == 200
