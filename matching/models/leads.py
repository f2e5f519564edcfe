"""Leads: a startup offered to one partner firm, with an accept-by time."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from workloads.models import Startup, Workload

from .partners import Partner


class LeadStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired (no answer in time)"
    WITHDRAWN = "withdrawn", "Withdrawn by an operator"


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", "No capacity"
    OUT_OF_REGION = "out_of_region", "Out of region"
    NOT_A_FIT = "not_a_fit", "Not a fit"
    CUSTOMER_UNRESPONSIVE = "customer_unresponsive", "Customer unresponsive"
    OTHER = "other", "Other"


class Lead(models.Model):
    """A startup offered to one partner firm. A firm never gets the same startup twice."""

    LIVE_STATUSES = (LeadStatus.OFFERED, LeadStatus.ACCEPTED)

    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="leads")
    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="leads")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="leads")
    status = models.CharField(max_length=12, choices=LeadStatus.choices, default=LeadStatus.OFFERED)
    offered_at = models.DateTimeField()
    accept_by = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(blank=True)
    # Who in the firm works the lead (a member of `partner`; matching.services.team).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-offered_at"]
        indexes = [
            models.Index(fields=["partner", "status", "accept_by"]),
            models.Index(fields=["status", "accept_by"]),
            # The partner inbox and API: a firm's leads (of one status), newest first.
            models.Index(fields=["partner", "-offered_at", "-id"], name="lead_partner_inbox_idx"),
            models.Index(
                fields=["partner", "status", "-offered_at", "-id"],
                name="lead_partner_status_inbox_idx",
            ),
            # The operators' review queue (matching.selectors.review_queue_conditions), each
            # read from the index alone: the startups with a declined or expired lead
            # (lapsed), and those with an offer past its accept-by time (SLA breaches: a few
            # entries, where the planner otherwise walks every live lead).
            models.Index(
                fields=["startup"],
                condition=Q(status__in=[LeadStatus.EXPIRED, LeadStatus.DECLINED]),
                name="lead_ended_startup_idx",
            ),
            models.Index(
                fields=["accept_by", "startup"],
                condition=Q(status=LeadStatus.OFFERED),
                name="lead_offered_accept_by_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["startup", "partner"], name="lead_once_per_partner"),
            models.UniqueConstraint(
                fields=["startup"],
                condition=Q(status__in=[LeadStatus.OFFERED, LeadStatus.ACCEPTED]),
                name="lead_one_live_per_startup",
            ),
            models.CheckConstraint(
                condition=Q(accept_by__gt=F("offered_at")), name="lead_accept_by_after_offer"
            ),
            models.CheckConstraint(
                condition=~Q(status=LeadStatus.DECLINED) | ~Q(decline_reason=""),
                name="lead_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.startup} → {self.partner} ({self.status})"

    @property
    def contact_visible(self) -> bool:
        """ACE's rule: the customer's contact details only after the partner accepts."""
        return self.status == LeadStatus.ACCEPTED


class LeadNote(models.Model):
    """A partner's private note on a lead (visible to the firm and to operators)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on {self.lead_id} by {self.author_id}"
