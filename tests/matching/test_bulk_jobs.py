"""Bulk actions as background jobs: row by row with the progress saved, resumable, and the
action's permission checked at the start and before every row."""

import pytest
from django.contrib.auth.models import Permission

from core.errors import ForbiddenError
from matching.models import BulkJob, BulkJobKind, Partner
from matching.services.jobs import bulk_job_run, bulk_job_start, bulk_job_step
from tests.factories import PartnerFactory, UserFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def editor():
    user = UserFactory(email="ed@cloudroute.test", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_partner"))
    return user


def test_a_job_acts_row_by_row_and_resumes_where_it_stopped(editor, monkeypatch):
    firms = [PartnerFactory(), PartnerFactory(), PartnerFactory()]
    monkeypatch.setattr("matching.services.jobs.run_bulk_job_task.delay", lambda job_id: None)
    job = bulk_job_start(kind=BulkJobKind.PAUSE, actor=editor, object_ids=[f.pk for f in firms])

    assert bulk_job_step(job_id=job.pk) is True
    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (1, 3, 33)
    assert Partner.objects.filter(accepting_leads=False).count() == 1

    bulk_job_run(job_id=job.pk)  # a redelivered task: carries on from row 2
    bulk_job_run(job_id=job.pk)  # and once more: nothing left
    job.refresh_from_db()
    assert job.done == 3 and job.finished_at is not None and job.failures == []
    assert not Partner.objects.filter(accepting_leads=True).exists()


def test_a_withdrawn_permission_stops_the_rest(editor, monkeypatch):
    firms = [PartnerFactory(name="First"), PartnerFactory(name="Second")]
    monkeypatch.setattr("matching.services.jobs.run_bulk_job_task.delay", lambda job_id: None)
    job = bulk_job_start(kind=BulkJobKind.PAUSE, actor=editor, object_ids=[f.pk for f in firms])
    bulk_job_step(job_id=job.pk)
    editor.user_permissions.clear()

    bulk_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert [failure["label"] for failure in job.failures] == ["Second"]
    assert "permission to do this was withdrawn" in job.failures[0]["error"]
    assert Partner.objects.get(name="Second").accepting_leads is True


def test_without_the_permission_no_job_starts():
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    with pytest.raises(ForbiddenError):
        bulk_job_start(kind=BulkJobKind.REROUTE, actor=viewer, object_ids=[1])
    assert not BulkJob.objects.exists()


def test_a_missing_row_is_a_failure_not_a_crash(editor, monkeypatch):
    monkeypatch.setattr("matching.services.jobs.run_bulk_job_task.delay", lambda job_id: None)
    job = bulk_job_start(kind=BulkJobKind.RESUME, actor=editor, object_ids=[999999])
    job = bulk_job_run(job_id=job.pk)
    assert job.failures == [
        {"id": 999999, "label": "partner #999999", "error": "It no longer exists."}
    ]


def test_a_read_only_operator_cannot_start_one_through_the_admin(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    firm = PartnerFactory()
    client.force_login(viewer)

    response = client.post(
        "/admin/matching/partner/", {"action": "pause_partners", "_selected_action": [firm.pk]}
    )

    assert response.status_code in (200, 302)
    assert not BulkJob.objects.exists()
    firm.refresh_from_db()
    assert firm.accepting_leads is True
