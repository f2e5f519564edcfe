"""A firm's webhooks into its CRM: the endpoints it registered and each event's delivery to
each of them (attempts, the last answer, when the next try is due). docs/webhooks.md."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from .partners import Partner


class WebhookEvent(models.TextChoices):
    LEAD_OFFERED = "lead.offered", "A lead is offered to the firm"
    LEAD_ACCEPTED = "lead.accepted", "The firm accepted a lead"
    LEAD_EXPIRED = "lead.expired", "An offer lapsed unanswered"
    APPLICATION_STATUS_CHANGED = "application.status_changed", "An application changed state"
    CREDITS_ISSUED = "credits.issued", "AWS issued credits on an application"


class WebhookEndpoint(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list, help_text="WebhookEvent values")
    # The signing secret has to be read back to sign, so it is stored; it is shown to the
    # firm once (on creation and on rotation) and never in the admin.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret also signs (a second v1) until this passes.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.partner}: {self.url}"


class WebhookDelivery(models.Model):
    """One event for one endpoint. `payload` is the body, frozen when the event happened;
    `next_attempt_at` is set while a try is due (null once delivered or given up)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4)
    # What happened, so recording the same event twice makes one delivery.
    event_key = models.CharField(max_length=100)
    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_key"], name="webhook_delivery_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(failed_at__isnull=True),
                name="webhook_delivery_delivered_or_failed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(next_attempt_at__isnull=False),
                name="webhook_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint_id} ({self.state})"

    @property
    def state(self) -> str:
        if self.delivered_at:
            return "delivered"
        if self.failed_at:
            return "failed"
        return "retrying" if self.attempts else "pending"
