"""The audit trail every service writes to (through workloads.audit.audit_log)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class AuditEvent(models.Model):
    """Who did what to which object, written by services (`lead.assigned`, `intake.submitted`)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    action = models.CharField(
        max_length=64,
        validators=[
            RegexValidator(r"^[a-z_]+(\.[a-z_]+)+$", "Use a dotted name like lead.assigned.")
        ],
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["action", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(action__contains="."), name="audit_action_dotted")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"

    def get_admin_url(self) -> str:
        return reverse(
            f"admin:{self.content_type.app_label}_{self.content_type.model}_change",
            args=[self.object_id],
        )
