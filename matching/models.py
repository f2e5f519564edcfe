"""The two sides being matched: founders' intakes and AWS partner firms, and the leads between."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from workloads.models import Startup, Workload


class IntakeStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Checking programs and partners"
    READY = "ready", "Ready"
    FAILED = "failed", "Needs an operator"


class Intake(models.Model):
    """One submission of the intake form; the system of record for its background work."""

    founder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intakes"
    )
    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="intakes")
    workload = models.OneToOneField(Workload, on_delete=models.CASCADE, related_name="intake")
    status = models.CharField(
        max_length=20, choices=IntakeStatus.choices, default=IntakeStatus.RECEIVED
    )
    # The API token handed back on submit, as a SHA-256 hash (the token itself is not kept).
    access_token_hash = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"Intake #{self.pk} · {self.startup}"

    def get_absolute_url(self) -> str:
        return reverse("founder-dashboard")

    @property
    def is_pending(self) -> bool:
        return self.status in (IntakeStatus.RECEIVED, IntakeStatus.PROCESSING)


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
    away_until = models.DateField(null=True, blank=True)
    vetted_on = models.DateField(null=True, blank=True)
    vetting_expires_on = models.DateField(null=True, blank=True)
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
                condition=Q(vetted_on__isnull=True)
                | Q(vetting_expires_on__isnull=True)
                | Q(vetting_expires_on__gte=F("vetted_on")),
                name="partner_vetting_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


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

    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="leads")
    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="leads")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="leads")
    status = models.CharField(max_length=12, choices=LeadStatus.choices, default=LeadStatus.OFFERED)
    offered_at = models.DateTimeField()
    accept_by = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-offered_at"]
        indexes = [
            models.Index(fields=["partner", "status", "accept_by"]),
            models.Index(fields=["status", "accept_by"]),
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


class IdempotencyKey(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed on retries."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
