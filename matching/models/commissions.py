"""What partners owe CloudRoute, and how a partner firm reaches ACE."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from credits.models import CreditApplication

from .partners import Partner


class CommissionStatus(models.TextChoices):
    DUE = "due", "Due"
    INVOICED = "invoiced", "Invoiced"
    PAID = "paid", "Paid"


class Commission(models.Model):
    """The routing commission a partner firm owes once credits are issued on its application.

    Written once per application (from the firm's agreement at that moment); operators mark
    it invoiced and paid."""

    application = models.OneToOneField(
        CreditApplication, on_delete=models.PROTECT, related_name="commission"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="commissions")
    credits_issued = models.DecimalField(max_digits=12, decimal_places=2)
    rate = models.DecimalField(max_digits=5, decimal_places=4)
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    status = models.CharField(
        max_length=10, choices=CommissionStatus.choices, default=CommissionStatus.DUE
    )
    invoiced_on = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="commission_non_negative"),
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lte=1), name="commission_rate_is_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.amount} ({self.get_status_display()})"


class AceCatalog(models.TextChoices):
    AWS = "AWS", "AWS (production)"
    SANDBOX = "Sandbox", "Sandbox"


class PartnerAceAccount(models.Model):
    """Optional: how CloudRoute reaches a firm's AWS Partner Central (ACE) for it."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="ace_account")
    enabled = models.BooleanField(default=False)
    catalog = models.CharField(
        max_length=10, choices=AceCatalog.choices, default=AceCatalog.SANDBOX
    )
    role_arn = models.CharField(
        max_length=200, blank=True, help_text="A role in the firm's account CloudRoute assumes"
    )
    external_id = models.CharField(max_length=100, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ACE for {self.partner} ({self.catalog})"
