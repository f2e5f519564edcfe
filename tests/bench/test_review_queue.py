"""The pure parts of bench/review_queue.py: the guard that keeps it off databases that are not
a bench's, the percentile, the lead histories its seed writes, and which SQL it explains."""

import datetime as dt
import random
import sys
from itertools import pairwise
from pathlib import Path

import pytest

# Appended, not first: bench/ must not shadow the standard library (bench/profile.py).
sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))

import review_queue  # noqa: E402

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
LIVE = {"offered", "accepted"}
ENDED = {"declined", "expired"}


def test_it_only_recreates_a_bench_database():
    url = "postgres://postgres@127.0.0.1:5432/cloudroute_bench_queue"
    assert review_queue.bench_database_name(url) == "cloudroute_bench_queue"
    with pytest.raises(ValueError, match="refusing"):
        review_queue.bench_database_name("postgres://postgres@127.0.0.1:5432/cloudroute")
    assert review_queue.with_database(url, "postgres").endswith("5432/postgres")


def test_percentile_is_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]

    assert review_queue.percentile(values, 0.5) == 3.0
    assert review_queue.percentile(values, 0.95) == 5.0
    assert review_queue.percentile([7.0], 0.95) == 7.0


def histories(kind: str) -> list[list[tuple[str, dt.datetime]]]:
    rng = random.Random(1)  # noqa: S311 - test data, not secrets
    return [review_queue.lead_history(kind, rng, NOW) for _ in range(200)]


@pytest.mark.parametrize("kind", [kind for kind, _ in review_queue.MIX])
def test_each_history_is_oldest_first_with_at_most_one_live_lead_last(kind):
    for history in histories(kind):
        offered = [offered_at for _, offered_at in history]
        assert offered == sorted(offered)
        # Each lead had its 48 hours before the next was offered.
        assert all(b - a > dt.timedelta(hours=48) for a, b in pairwise(offered))
        statuses = [status for status, _ in history]
        assert sum(status in LIVE for status in statuses) <= 1
        assert all(status not in LIVE for status in statuses[:-1])


def test_the_kinds_land_in_their_queues():
    deadline = dt.timedelta(hours=48)  # bench/seed.py's lead_row: accept_by = offered_at + 48 h
    for history in histories("sla"):
        status, offered_at = history[-1]
        assert status == "offered" and offered_at + deadline < NOW
    for history in histories("offered"):
        status, offered_at = history[-1]
        assert status == "offered" and offered_at + deadline > NOW
    for history in histories("lapsed"):
        assert history and {status for status, _ in history} <= ENDED
    for kind in ("pending", "failed"):
        assert all(history == [] for history in histories(kind))
    assert all(history[-1][0] == "accepted" for history in histories("accepted"))


def test_it_explains_the_slowest_statement_on_the_intakes():
    statements = [
        {"sql": 'SELECT * FROM "django_session"', "params": (), "ms": 40.0},
        {"sql": 'SELECT COUNT(*) FROM "matching_intake"', "params": (), "ms": 9.0},
        {"sql": 'SELECT * FROM "matching_intake" LIMIT 100', "params": (), "ms": 3.0},
    ]

    assert review_queue.slowest(statements)["ms"] == 9.0
    assert review_queue.slowest(statements[:1])["ms"] == 40.0  # none on the intakes: any


def test_a_summary_has_the_shape_bench_report_reads():
    statements = [{"sql": "", "params": (), "ms": 1.5}, {"sql": "", "params": (), "ms": 2.0}]

    assert review_queue.summary([3.0, 1.0, 2.0], "Seq Scan", statements) == {
        "p50_ms": 2.0,
        "p95_ms": 3.0,
        "plan": "Seq Scan",
        "statements": 2,
        "sql_ms": 3.5,
    }
