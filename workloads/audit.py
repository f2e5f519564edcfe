"""The audit trail: one call per domain change, from services only."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent


def audit_log(*, actor, action: str, subject: models.Model, data: dict[str, Any] | None = None):
    """Record that `actor` (a user, or None for the system) did `action` to `subject`."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
        object_repr=str(subject)[:200],
        data=data or {},
    )
