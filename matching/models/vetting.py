"""A firm's application to join CloudRoute's partner network, and the operators' review of
it (matching.services.joining). Approval creates the firm with its vetting expiry and invites
the applicant as its first admin."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from .partners import Partner, PartnerTier


class JoinStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for review"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class JoinApplication(models.Model):
    firm_name = models.CharField(max_length=120)
    website = models.URLField(max_length=200)
    contact_name = models.CharField(max_length=120)
    contact_email = models.EmailField()
    tier = models.CharField("APN tier", max_length=10, choices=PartnerTier.choices)
    ace_access = models.BooleanField(
        "ACE access", help_text="The firm files opportunities in APN Customer Engagements."
    )
    competencies = models.JSONField(default=list)
    # [{"designation": "...", "url": "https://..."}]: what the firm claims and where AWS
    # (or the firm) shows it.
    evidence = models.JSONField(default=list)
    regions = models.JSONField(default=list, help_text="AWS regions served")
    countries = models.JSONField(default=list, help_text="ISO 3166 alpha-2 codes")
    reference_customer = models.CharField(max_length=200)
    reference_contact = models.CharField(
        max_length=200, help_text="Who at the customer can confirm the work (name and e-mail)."
    )
    status = models.CharField(
        max_length=10, choices=JoinStatus.choices, default=JoinStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    partner = models.OneToOneField(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="join_application"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        permissions = [("review_joinapplication", "Can approve or refuse applications to join")]
        constraints = [
            # One application waiting per address: a second one is refused, not duplicated.
            models.UniqueConstraint(
                Lower("contact_email"),
                condition=Q(status="submitted"),
                name="join_one_waiting_per_address",
                violation_error_message=(
                    "An application from this address is already waiting for review; "
                    "we will e-mail you the decision."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="join_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm_name} ({self.get_status_display()})"
