"""Reads shared by the founder's pages and the API, scoped by their owner."""

from django.db.models import QuerySet

from workloads.models import WorkloadProjection
from workloads.selectors import workload_projection_latest

from .models import Intake


def intakes_for_founder(*, founder) -> QuerySet[Intake]:
    return Intake.objects.filter(founder=founder).select_related("startup", "workload")


def intake_latest_for_founder(*, founder) -> Intake | None:
    return intakes_for_founder(founder=founder).first()


def projection_for_intake(*, intake: Intake) -> WorkloadProjection | None:
    """The newest projection of the intake's workload (the one the dashboard shows)."""
    return workload_projection_latest(workload_id=intake.workload_id)


def projection_get_for_founder(*, founder, projection_id: int) -> WorkloadProjection | None:
    """One projection by id, only if it belongs to one of the founder's own intakes."""
    return (
        WorkloadProjection.objects.filter(pk=projection_id, workload__intake__founder=founder)
        .select_related("workload__startup")
        .first()
    )
