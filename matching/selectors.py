"""Reads shared by the founder's pages and the API, scoped by their owner."""

from django.db.models import QuerySet

from .models import Intake


def intakes_for_founder(*, founder) -> QuerySet[Intake]:
    return Intake.objects.filter(founder=founder).select_related("startup", "workload")


def intake_latest_for_founder(*, founder) -> Intake | None:
    return intakes_for_founder(founder=founder).first()
