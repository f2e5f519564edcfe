"""A workload's stored spend projection, what the dashboard reads."""

from django.db import models

from .pricing import PriceBook
from .startups import Workload


class DocumentJSONField(models.JSONField):
    """A JSONField for large documents (a projection's ~12 kB of JSON) written many rows at a
    time: `bulk_create` sends them as a multi-row `VALUES` list, not as `UNNEST` arrays.

    On PostgreSQL Django bulk-inserts through `UNNEST(%s::jsonb[], ...)` unless a field has
    `get_placeholder`; psycopg then builds each array literal in Python, escaping every
    quote of every document with a regular expression, which took three quarters of the
    nightly re-projection's insert (issue 19). The placeholder is Django's default, so a
    single save, an update and the stored value are as with JSONField; only the shape of a
    multi-row INSERT changes.
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"


class WorkloadProjection(models.Model):
    """The spend model's result for a workload, stored so the dashboard reads, not computes.

    `inputs` keeps what went in (shares, prices, grants) so a later price change never
    rewrites what the founder was shown; a new projection is a new row.
    """

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="projections")
    price_book = models.ForeignKey(PriceBook, on_delete=models.PROTECT, related_name="+")
    inputs = DocumentJSONField()
    result = DocumentJSONField()
    scenarios = DocumentJSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workload", "-created_at"])]

    def __str__(self) -> str:
        return f"Projection of {self.workload} ({self.created_at:%Y-%m-%d})"
