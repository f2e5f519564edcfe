"""History for the operators' settings (routing settings, credit programs, price books): every
save through the admin is audited with each changed field's value before and after, its inline
rows included, and the object's History page lists those entries (who, when, before, after)
above Django's own log. Used by the admins of matching, credits and workloads."""

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .audit import audit_log
from .models import AuditEvent

HISTORY_SHOWN = 200


def _plain(value: Any) -> Any:
    """A form value as JSON: a row by its id, money and dates as text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool | dict):
        return value
    return str(value)


def form_changes(form) -> dict[str, dict[str, Any]]:
    """The form's changed fields: {name: {"before", "after"}} (before from its initial data)."""
    return {
        name: {
            "before": _plain(form.initial.get(name)),
            "after": _plain(form.cleaned_data.get(name)),
        }
        for name in form.changed_data
        if name in form.cleaned_data
    }


class HistoryModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves are audited field by field and whose History shows them."""

    object_history_template = "admin/audited_object_history.html"

    def save_model(self, request, obj, form, change):
        changes = form_changes(form)
        super().save_model(request, obj, form, change)
        if changes or not change:
            audit_log(
                actor=request.user,
                action=f"{obj._meta.model_name}.{'changed' if change else 'added'}",
                subject=obj,
                data={"changes": changes},
            )

    def save_formset(self, request, form, formset, change):
        rows = [
            (inline.instance, form_changes(inline), inline.instance.pk is None)
            for inline in formset.forms
            if inline.has_changed() and not formset._should_delete_form(inline)
        ]
        deleted = [str(inline.instance) for inline in formset.deleted_forms]
        super().save_formset(request, form, formset, change)
        parent = form.instance
        for row, changes, added in rows:
            audit_log(
                actor=request.user,
                action=f"{parent._meta.model_name}.{row._meta.model_name}_"
                f"{'added' if added else 'changed'}",
                subject=parent,
                data={"row": str(row), "changes": changes},
            )
        for name in deleted:
            audit_log(
                actor=request.user,
                action=f"{parent._meta.model_name}.row_deleted",
                subject=parent,
                data={"row": name, "changes": {}},
            )

    def history_view(self, request, object_id, extra_context=None):
        events = (
            AuditEvent.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model),
                object_id=str(object_id),
            )
            .select_related("actor")
            .order_by("-created_at", "-id")[:HISTORY_SHOWN]
        )
        context = {**(extra_context or {}), "audit_events": events}
        return super().history_view(request, object_id, extra_context=context)
