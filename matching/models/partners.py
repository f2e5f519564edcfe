"""The partner's side: AWS partner firms and their members."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q


class PartnerTier(models.TextChoices):
    SELECT = "select", "Select"
    ADVANCED = "advanced", "Advanced"
    PREMIER = "premier", "Premier"


class Competency(models.TextChoices):
    GENERATIVE_AI = "generative_ai", "Generative AI"
    MACHINE_LEARNING = "machine_learning", "Machine learning"
    DEVOPS = "devops", "DevOps"
    DATA_ANALYTICS = "data_analytics", "Data and analytics"
    MIGRATION = "migration", "Migration"
    SECURITY = "security", "Security"
    SAAS = "saas", "SaaS"


class Partner(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    tier = models.CharField(max_length=10, choices=PartnerTier.choices)
    # Lists of choice values; JSON keeps SQLite (make run) and PostgreSQL (CI) alike.
    competencies = models.JSONField(default=list, blank=True)
    countries = models.JSONField(default=list, blank=True, help_text="ISO 3166 alpha-2 codes")
    regions = models.JSONField(default=list, blank=True, help_text="AWS regions served")
    stages = models.JSONField(default=list, blank=True)
    industries = models.JSONField(default=list, blank=True)
    capacity = models.PositiveIntegerField(
        default=10, help_text="Open leads at most", validators=[MaxValueValidator(10_000)]
    )
    is_active = models.BooleanField(default=True)
    accepting_leads = models.BooleanField(default=True)
    # Out of office: no new leads from `away_from` (today if empty) through `away_until`.
    away_from = models.DateField(null=True, blank=True)
    away_until = models.DateField(null=True, blank=True)
    vetted_on = models.DateField(null=True, blank=True)
    vetting_expires_on = models.DateField(null=True, blank=True)
    # The day the last re-vetting reminder went out (matching.remind_revetting).
    revetting_reminded_on = models.DateField(null=True, blank=True, editable=False)
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    commission_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.1000"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Share of the credits issued that the partner pays CloudRoute (0.10 = 10%)",
    )
    commission_flat_fee = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A fixed fee per issued application instead of the rate",
    )
    contact_email = models.EmailField(blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active", "accepting_leads"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lte=1),
                name="partner_commission_is_share",
            ),
            models.CheckConstraint(
                condition=Q(commission_flat_fee__isnull=True) | Q(commission_flat_fee__gte=0),
                name="partner_flat_fee_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(away_from__isnull=True)
                | Q(away_until__isnull=True)
                | Q(away_until__gte=F("away_from")),
                name="partner_away_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(vetted_on__isnull=True)
                | Q(vetting_expires_on__isnull=True)
                | Q(vetting_expires_on__gte=F("vetted_on")),
                name="partner_vetting_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.away_from and self.away_until and self.away_until < self.away_from:
            raise ValidationError(
                {
                    "away_until": "The time away cannot end before it starts "
                    f"({self.away_from:%Y-%m-%d})."
                }
            )
        # partner_vetting_dates_ordered, named on the field (the admin shows the constraint's
        # name otherwise).
        if self.vetted_on and self.vetting_expires_on and self.vetting_expires_on < self.vetted_on:
            raise ValidationError(
                {
                    "vetting_expires_on": f"The vetting cannot expire before it was done "
                    f"({self.vetted_on:%Y-%m-%d})."
                }
            )


class PartnerMembership(models.Model):
    """A partner user belongs to exactly one firm and sees only that firm's leads."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner}"
