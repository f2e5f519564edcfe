"""A workload's stored spend projection, what the dashboard reads."""

from django.db import models

from .pricing import PriceBook
from .startups import Workload


class WorkloadProjection(models.Model):
    """The spend model's result for a workload, stored so the dashboard reads, not computes.

    `inputs` keeps what went in (shares, prices, grants) so a later price change never
    rewrites what the founder was shown; a new projection is a new row.
    """

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="projections")
    price_book = models.ForeignKey(PriceBook, on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField()
    result = models.JSONField()
    scenarios = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workload", "-created_at"])]

    def __str__(self) -> str:
        return f"Projection of {self.workload} ({self.created_at:%Y-%m-%d})"
