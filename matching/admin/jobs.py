"""Operators' bulk actions run as background jobs: each job's page shows a progress bar that
htmx polls every second until the job is done, then what succeeded and why the rest failed."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.errors import ForbiddenError

from ..models import BulkJob
from ..services.jobs import bulk_job_start, bulk_job_summary


def start_job_and_show(request, *, kind: str, object_ids: list[int]):
    """From an admin action: start the job and answer with its progress page."""
    try:
        job = bulk_job_start(kind=kind, actor=request.user, object_ids=object_ids)
    except ForbiddenError as exc:
        raise PermissionDenied from exc
    return HttpResponseRedirect(reverse("admin:matching_bulkjob_change", args=[job.pk]))


@admin.register(BulkJob)
class BulkJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "actor", "done", "finished_at"]
    list_filter = ["kind"]
    list_select_related = ["actor"]
    change_form_template = "matching/admin/bulkjob_change_form.html"
    fields = ("kind", "actor", "created_at", "finished_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # admin actions start jobs

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record of who did what in bulk stays

    def get_urls(self):
        return [
            path(
                "<int:job_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="matching_bulkjob_progress",
            ),
            *super().get_urls(),
        ]

    def _context(self, job: BulkJob) -> dict:
        return {
            "job": job,
            "summary": bulk_job_summary(job) if job.finished_at else "",
            "progress_url": reverse("admin:matching_bulkjob_progress", args=[job.pk]),
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._context(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def progress_view(self, request, job_id: int):
        """The bar alone, for htmx's polling (it stops polling once the job is done)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(BulkJob, pk=job_id)
        return TemplateResponse(
            request, "matching/admin/_bulkjob_progress.html", self._context(job)
        )
