"""Routing: the operators' weights and a stored record of every routing decision."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from workloads.models import Startup

from .leads import Lead
from .partners import Partner


def weight_field(default: float, help_text: str) -> models.FloatField:
    return models.FloatField(
        default=default,
        validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
        help_text=help_text,
    )


class RoutingSettings(models.Model):
    """One row (pk=1) operators edit in the admin: scoring weights and the accept window."""

    competency_weight = weight_field(3.0, "Holds the competencies the workload needs")
    stage_weight = weight_field(2.0, "Focuses on the startup's stage")
    industry_weight = weight_field(1.0, "Focuses on the startup's industry")
    track_record_weight = weight_field(
        3.0, "Acceptance rate, SLA hits, approval rate, days to credits"
    )
    load_weight = weight_field(2.0, "Spare capacity (fewer open leads)")
    tier_weight = weight_field(1.0, "AWS partner tier")
    fairness_margin = models.FloatField(
        default=0.05,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Candidates within this of the best score tie; the least recently assigned "
        "wins (fair rotation).",
    )
    accept_hours = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="Hours a partner has to accept an offered lead before it moves on.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "routing settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="routing_settings_singleton"),
            models.CheckConstraint(
                condition=models.Q(accept_hours__gte=1), name="routing_accept_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return "Routing settings"

    @classmethod
    def load(cls) -> "RoutingSettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class RoutingTrigger(models.TextChoices):
    INTAKE = "intake", "New intake"
    DECLINED = "declined", "Previous partner declined"
    EXPIRED = "expired", "Previous offer expired"
    OPERATOR = "operator", "Operator re-routed"
    ASSIGNED = "assigned", "Operator assigned a partner"


class RoutingDecision(models.Model):
    """Why a startup's lead went where it went: candidates, scores, filters failed, choice."""

    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="routing_decisions")
    lead = models.OneToOneField(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="decision"
    )
    chosen = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(max_length=10, choices=RoutingTrigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    why = models.TextField()
    ranking = models.JSONField(help_text="Candidates with scores and breakdowns; rejections")
    weights = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["startup", "-created_at"]),
            # The operators' routing log, newest first.
            models.Index(fields=["-created_at", "-id"], name="decision_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"Routing of {self.startup} ({self.get_trigger_display()})"
