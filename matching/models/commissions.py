"""What partners owe CloudRoute, and how a partner firm reaches ACE."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from core.validators import external_id_validator, iam_role_arn_validator
from credits.aws import ace
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


def validate_delivery_models(value) -> None:
    """A firm's ACE delivery models: a non-empty list of Project.DeliveryModels values."""
    if not isinstance(value, list) or not value:
        raise ValidationError(f"Choose one or more of: {', '.join(ace.DELIVERY_MODELS)}.")
    unknown = [item for item in value if item not in ace.DELIVERY_MODELS]
    if unknown:
        raise ValidationError(
            f"{', '.join(map(str, unknown))} is not an ACE delivery model; "
            f"choose from {', '.join(ace.DELIVERY_MODELS)}."
        )


class PartnerAceAccount(models.Model):
    """Optional: how CloudRoute reaches a firm's AWS Partner Central (ACE) for it, and what
    the firm's opportunities say about the firm (its solution and delivery models)."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="ace_account")
    enabled = models.BooleanField(default=False)
    catalog = models.CharField(
        max_length=10, choices=AceCatalog.choices, default=AceCatalog.SANDBOX
    )
    role_arn = models.CharField(
        max_length=200,
        blank=True,
        validators=[iam_role_arn_validator],
        help_text="A role in the firm's account CloudRoute assumes",
    )
    external_id = models.CharField(
        max_length=1224,
        blank=True,
        validators=[external_id_validator],
        help_text="The ExternalId the role's trust policy asks for",
    )
    solution_id = models.CharField(
        "ACE solution id",
        max_length=21,
        blank=True,
        validators=[
            RegexValidator(
                r"^S-[0-9]{1,19}$", "An ACE solution id is S- followed by digits (S-0059612)."
            )
        ],
        help_text="The firm's Partner Central solution associated with each opportunity "
        "(ListSolutions in Partner Central)",
    )
    delivery_models = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_delivery_models],
        help_text="How the firm delivers: some of " + ", ".join(ace.DELIVERY_MODELS),
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ACE for {self.partner} ({self.catalog})"
