"""The pure parts of `make bench` (bench/stack.py): the arithmetic, locust's CSV, the
verdicts and the report, and the guards that keep it off other people's data."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

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

    assert stack.percentile(values, 0.5) == 3.0
    assert stack.percentile(values, 0.95) == 5.0
    assert stack.percentile(values, 0.2) == 1.0


def test_linear_fit_finds_slope_offset_and_r2():
    fit = stack.linear_fit([1_000, 2_000, 4_000], [1.5, 2.5, 4.5])

    assert fit["ms_per_workload"] == pytest.approx(1.0)
    assert fit["fixed_s"] == pytest.approx(0.5)
    assert fit["r2"] == pytest.approx(1.0)
    assert stack.linear_fit([1, 2, 3], [1.0, 3.0, 1.0])["r2"] < 0.5


def test_locust_row_reads_throughput_and_percentiles():
    row = stack.locust_row(LOCUST_CSV, "Aggregated")

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
        stack.locust_row(empty, "Aggregated")


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
    assert stack.verdict(value, target, higher) == expected


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


def results(**overrides) -> dict:
    run = {
        "users": 16,
        "rps": 100.0,
        "p50_ms": 20.0,
        "p95_ms": 40.0,
        "p99_ms": 60.0,
        "failures": 0,
        "cpu_ms_per_request": 2.5,
    }
    bare = {**run, "rps": 200.0}
    return {
        "started": "2026-11-25T00:00:00+00:00",
        "mode": "quick",
        "machine": {"cpu_model": "CPU", "cores": 2, "python": "3.13", "load_average": [1, 1, 1]},
        "seed": {"startups": 10, "partners": 2, "decisions": 20},
        "seed_s": 1.0,
        "stack": {"gunicorn": "gthread", "celery": "1 worker"},
        "load": {
            "users": [16],
            "endpoints": {"bare": [bare], "estimate": [run], "intake": [run]},
            "ratio_to_bare": {"estimate": [0.5], "intake": [0.25]},
        },
        "time_to_match": {"p95_s": 1.2, "matched": 9, "submitted": 10},
        "engines": {
            "projections_per_s": 25_000,
            "routing_partners": 10_000,
            "routing_ms": {"p95": 60.0},
            "eligibility_per_s": 9_000,
        },
        "batch": {
            "runs": [{"workloads": 10_000, "seconds": 20.0, "per_s": 500.0}],
            "ms_per_workload": 2.0,
            "r2": 0.99,
        },
        **overrides,
    }


def test_the_summary_has_a_verdict_for_every_target():
    rows = {what: (figure, verdict) for what, figure, verdict in stack.summary(results())}

    assert rows["estimate POST throughput / bare (worst of the sweep)"] == ("0.50x", "met")
    assert rows["intake POST throughput / bare (worst of the sweep)"] == (
        "0.25x",
        "MISSED by 50%",
    )
    assert rows["intake POST p95 at 16 users"] == ("40 ms", "met")
    assert rows["routing one lead over 10,000 partners p95"] == ("60.0 ms", "MISSED by 20%")
    assert rows["re-projection growth"][1] == "linear"


def test_the_summary_reports_a_run_where_nothing_was_matched():
    no_match = results(time_to_match={"p95_s": None, "matched": 0, "submitted": 10})

    assert ("time to match p95", "no lead offered", "MISSED") in stack.summary(no_match)


def test_the_report_tables_each_endpoint_against_the_bare_one():
    text = stack.report(results())

    assert "| bare | 16 | 200 | 1.00 | 20 | 40 | 60 | 2.5 | 0 |" in text
    assert "| estimate | 16 | 100 | 0.50 | 20 | 40 | 60 | 2.5 | 0 |" in text
    assert "| 10,000 | 20.0 | 500 |" in text
