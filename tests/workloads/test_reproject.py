"""The nightly re-projection: reproject_all fans every projected workload out in fixed-size
batches, and each batch re-projects with today's prices, the stored credits, exactly once."""

import datetime as dt

import pytest
from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from zeal import zeal_ignore

from tests.factories import WorkloadFactory
from workloads import services, tasks
from workloads.models import AuditEvent, ModelPrice, WorkloadProjection
from workloads.selectors import price_cache_clear
from workloads.spend import CreditGrant

pytestmark = pytest.mark.django_db

GRANTS = (CreditGrant(5000.0, 1, 12), CreditGrant(25000.0, 3, 24))


@pytest.fixture
def projected():
    """Three workloads with one projection each (the first with credits), one without."""
    with zeal_ignore():  # setup row by row on purpose; the code under test must not
        workloads = WorkloadFactory.create_batch(3)
        services.workload_project(workload_id=workloads[0].pk, credits=GRANTS)
        for workload in workloads[1:]:
            services.workload_project(workload_id=workload.pk)
        WorkloadFactory()  # never projected: the intake pipeline owns its first projection
    WorkloadProjection.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    return workloads


def newest(workload) -> WorkloadProjection:
    return WorkloadProjection.objects.filter(workload_id=workload.pk).first()  # newest first


def test_it_enqueues_every_projected_workload_in_fixed_size_batches(projected, monkeypatch):
    batches = []
    enqueue = tasks.reproject_batch.delay
    monkeypatch.setattr(
        tasks.reproject_batch,
        "delay",
        lambda ids, since: batches.append(ids) or enqueue(ids, since),
    )

    assert tasks.reproject_all.delay(batch_size=2).get() == 2

    assert batches == [[projected[0].pk, projected[1].pk], [projected[2].pk]]
    per_workload = WorkloadProjection.objects.values_list("workload_id").annotate(n=Count("id"))
    assert dict(per_workload) == {workload.pk: 2 for workload in projected}


def test_a_second_run_the_same_day_adds_nothing(projected):
    tasks.reproject_all.delay().get()

    tasks.reproject_all.delay().get()

    assert WorkloadProjection.objects.count() == 6


def test_it_keeps_each_workloads_credits_and_matches_a_fresh_projection(projected):
    before = newest(projected[0])

    stored = services.workloads_reproject(
        workload_ids=[w.pk for w in projected], since=timezone.now()
    )

    assert stored == 3
    after = newest(projected[0])
    assert after.pk != before.pk
    assert after.inputs == before.inputs
    fresh = services.workload_project(workload_id=projected[0].pk, credits=GRANTS)
    assert after.result == fresh.result
    assert after.scenarios == fresh.scenarios
    assert AuditEvent.objects.filter(
        action="workload.projected", object_id=str(projected[0].pk), data__projection=after.pk
    ).exists()


def test_it_uses_todays_prices(projected):
    before = newest(projected[1])
    ModelPrice.objects.filter(book=before.price_book).update(output=999)
    price_cache_clear()

    services.workloads_reproject(workload_ids=[projected[1].pk], since=timezone.now())

    assert newest(projected[1]).result["totals"] != before.result["totals"]


def test_a_batch_that_runs_twice_adds_nothing_the_second_time(projected):
    ids, since = [w.pk for w in projected], timezone.now().isoformat()

    assert tasks.reproject_batch.delay(ids, since).get() == 3
    assert tasks.reproject_batch.delay(ids, since).get() == 0

    assert WorkloadProjection.objects.count() == 6


def test_it_skips_workloads_projected_since_and_ids_that_no_longer_exist(projected):
    since = timezone.now() - dt.timedelta(days=2)  # every projection is newer

    assert services.workloads_reproject(workload_ids=[projected[0].pk, 999_999], since=since) == 0


def test_beat_runs_it_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["reproject-workloads"]

    assert entry["task"] == tasks.reproject_all.name


# --- issue 19: the batched path stores what the single-workload service stores ---------------

VARIED = {
    "as_the_factory_makes_it": {},
    "a_cascade_on_the_regional_endpoint": {
        "cascade": True,
        "endpoint": "regional",
        "escalation_sonnet": 0.2,
        "escalation_opus": 0.05,
    },
    "no_growth_no_caching_no_batch": {
        "monthly_growth": 0.0,
        "cached_prefix_tokens": 0,
        "cache_hit_rate": 0.0,
        "batch_share": 0.0,
        "baseline_tier": "sonnet",
    },
    "all_escalated_shrinking": {
        "escalation_sonnet": 0.7,
        "escalation_opus": 0.3,
        "monthly_growth": -0.05,
        "monthly_requests": 3_000_000,
    },
}
ISSUED = (CreditGrant(1234.56, 1, 6), CreditGrant(25000.0, 2, 24), CreditGrant(700.0, 1, 1))


@pytest.fixture
def varied():
    """Workloads of different shapes, projected yesterday: expected credits, none, issued
    grants whose month 1 was two months ago (so they move), and a 36-month horizon."""
    with zeal_ignore():
        workloads = [WorkloadFactory(**fields) for fields in VARIED.values()]
        services.workload_project(workload_id=workloads[0].pk, credits=GRANTS)
        services.workload_project(workload_id=workloads[1].pk)
        services.workload_project(
            workload_id=workloads[2].pk, credits=ISSUED, credits_basis=services.CREDITS_ISSUED
        )
        services.workload_project(workload_id=workloads[3].pk, credits=GRANTS, months=36)
    issued = WorkloadProjection.objects.get(workload=workloads[2])
    start = dt.date.fromisoformat(issued.inputs["start"])
    two_months_ago = (start - dt.timedelta(days=40)).replace(day=1)
    issued.inputs["start"] = two_months_ago.isoformat()
    issued.save(update_fields=["inputs"])
    WorkloadProjection.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    return workloads


def test_the_batch_stores_exactly_what_the_single_workload_service_stores(varied):
    stored_before = {w.pk: newest(w).inputs for w in varied}

    assert services.workloads_reproject(workload_ids=[w.pk for w in varied], since=timezone.now())
    batched = {w.pk: newest(w) for w in varied}

    today = timezone.localdate()
    for workload in varied:
        before = stored_before[workload.pk]
        single = services.workload_project(
            workload_id=workload.pk,
            credits=services._stored_credits(before, today=today),
            credits_basis=before["credits_basis"],
            months=before["months"],
        )
        got = batched[workload.pk]
        assert got.price_book_id == single.price_book_id
        assert got.inputs == single.inputs
        assert got.result == single.result
        assert got.scenarios == single.scenarios
    # The issued grants moved two months: the one-month grant is gone, the others shortened.
    moved = batched[varied[2].pk].inputs["credits"]
    assert [(g["start_month"], g["valid_months"]) for g in moved] == [(1, 4), (1, 23)]
    assert batched[varied[3].pk].inputs["months"] == 36


def test_a_batch_runs_the_same_few_queries_however_many_workloads_it_has(django_assert_num_queries):
    with zeal_ignore():
        workloads = WorkloadFactory.create_batch(12)
        for workload in workloads:
            services.workload_project(workload_id=workload.pk, credits=GRANTS)
    WorkloadProjection.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    since = timezone.now()
    # The price book, its tier defaults, their prices; the workloads with their newest
    # projection; savepoint, the projections, the audit rows, release. Not one per workload.
    for batch in ([workloads[0].pk], [w.pk for w in workloads[1:3]], [w.pk for w in workloads[3:]]):
        with django_assert_num_queries(8):
            assert services.workloads_reproject(workload_ids=batch, since=since) == len(batch)
    assert WorkloadProjection.objects.count() == 24
