"""Operators' bulk actions over many rows, run in the background (matching.services.jobs):
how far a job got, and what failed, for its progress page."""

from django.conf import settings
from django.db import models


class BulkJobKind(models.TextChoices):
    REROUTE = "reroute", "Re-route startups"
    PAUSE = "pause", "Pause partners"
    RESUME = "resume", "Resume partners"


class BulkJob(models.Model):
    kind = models.CharField(max_length=10, choices=BulkJobKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The rows to act on (startup ids for a re-route, partner ids for pause and resume).
    object_ids = models.JSONField(default=list)
    done = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list, help_text='[{"id", "label", "error"}]')
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.done}/{self.total})"

    @property
    def total(self) -> int:
        return len(self.object_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100
