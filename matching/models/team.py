"""A firm's team: invitations its admins send (e-mailed, single use, expiring). The link's
token is an HMAC of the invitation (matching.services.team.invitation_token), never stored."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .partners import Partner, PartnerMembership


class PartnerInvitation(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=10,
        choices=PartnerMembership.Role.choices,
        default=PartnerMembership.Role.MEMBER,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per firm and address (a new one replaces it).
            models.UniqueConstraint(
                fields=["partner", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.partner} ({self.role})"
