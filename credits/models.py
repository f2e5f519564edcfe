"""Credit programs (data operators edit), partner-filed applications and their events.

Dependencies point one way (workloads <- credits <- matching), so an application belongs
to a startup and a program here; the partner firm that files it is known on the matching
side through the startup's accepted lead.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from core.validators import iam_role_arn_validator
from workloads.models import Startup


class ProgramFamily(models.TextChoices):
    ACTIVATE = "activate", "AWS Activate"
    PARTNER_FUNDING = "partner_funding", "Partner funding"
    ACCELERATOR = "accelerator", "Accelerator"


class FiledBy(models.TextChoices):
    FOUNDER = "founder", "The founder"
    PARTNER = "partner", "An AWS partner"
    INVITE = "invite", "By invitation"


class CreditProgram(models.Model):
    """One program's terms from `effective_from` on. New terms are a new row with the same
    code; the latest row effective today is the program's current terms, older rows stay
    as history (and applications keep pointing at the terms they were filed under)."""

    code = models.SlugField(max_length=40, db_index=True)
    name = models.CharField(max_length=120)
    family = models.CharField(max_length=20, choices=ProgramFamily.choices)
    filed_by = models.CharField(max_length=10, choices=FiledBy.choices)
    amount_min = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    amount_max = models.DecimalField(max_digits=12, decimal_places=2)
    typical_amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty when AWS does not publish it."
    )
    covers_bedrock_third_party = models.BooleanField(
        "covers third-party models on Bedrock", default=True
    )
    window_opens_on = models.DateField(null=True, blank=True)
    window_closes_on = models.DateField(null=True, blank=True)
    effective_from = models.DateField()
    source_url = models.URLField(max_length=300)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["family", "code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "effective_from"], name="program_terms_once_per_date"
            ),
            models.CheckConstraint(
                condition=Q(amount_min__gte=0) & Q(amount_min__lte=F("amount_max")),
                name="program_amount_range_valid",
            ),
            models.CheckConstraint(
                condition=Q(typical_amount__gte=F("amount_min"))
                & Q(typical_amount__lte=F("amount_max")),
                name="program_typical_within_range",
            ),
            models.CheckConstraint(
                condition=Q(window_opens_on__isnull=True)
                | Q(window_closes_on__isnull=True)
                | Q(window_opens_on__lte=F("window_closes_on")),
                name="program_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (from {self.effective_from})"

    def clean(self) -> None:
        """The CHECK constraints above, named on a field (the admin shows the constraint's
        name otherwise)."""
        errors: dict[str, str] = {}
        low, high, typical = self.amount_min, self.amount_max, self.typical_amount
        if low is not None and low < 0:
            errors["amount_min"] = "Enter a minimum of 0 or more."
        elif None not in (low, high) and low > high:
            errors["amount_min"] = f"The minimum cannot be above the maximum ({high})."
        elif None not in (low, high, typical) and not low <= typical <= high:
            errors["typical_amount"] = f"Enter a typical amount between {low} and {high}."
        opens, closes = self.window_opens_on, self.window_closes_on
        if opens and closes and closes < opens:
            errors["window_closes_on"] = f"The window cannot close before it opens ({opens})."
        if errors:
            raise ValidationError(errors)


class ApplicationStatus(models.TextChoices):
    """Mirrors ACE's review states so a sync maps 1:1
    (docs/architecture.md#applications-and-the-0-outcome)."""

    DRAFT = "draft", "Draft (pending submission)"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    ACTION_REQUIRED = "action_required", "Action required"
    APPROVED = "approved", "Approved"
    CREDITS_ISSUED = "credits_issued", "Credits issued"
    REJECTED = "rejected", "Rejected"
    CANCELED = "canceled", "Canceled"


OPEN_APPLICATION_STATUSES = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.ACTION_REQUIRED,
    ApplicationStatus.APPROVED,
]


class CreditApplication(models.Model):
    startup = models.ForeignKey(Startup, on_delete=models.PROTECT, related_name="applications")
    program = models.ForeignKey(
        CreditProgram, on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    requested_amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    approved_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    issued_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    ace_opportunity_id = models.CharField(
        "ACE opportunity id",
        max_length=40,
        blank=True,
        validators=[RegexValidator(r"^O[0-9]+$", "An ACE opportunity id is O followed by digits.")],
    )
    target_close_date = models.DateField(
        null=True, blank=True, help_text="When the partner expects the opportunity to close."
    )
    # ACE's NationalSecurity: only a Government customer's project can be one; it is the one
    # case where ACE takes an opportunity without the customer's website.
    national_security = models.BooleanField(
        "national security project",
        default=False,
        help_text="Only for a Government customer's national security project.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            # The operators' list and a firm's applications, newest first.
            models.Index(fields=["-created_at", "-id"], name="application_newest_idx"),
        ]
        constraints = [
            # One open application per startup and program (ACE auto-rejects the smaller one).
            models.UniqueConstraint(
                fields=["startup", "program"],
                condition=Q(status__in=OPEN_APPLICATION_STATUSES),
                name="application_one_open_per_program",
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="application_requested_positive"
            ),
            models.CheckConstraint(
                condition=Q(ace_opportunity_id="") | Q(ace_opportunity_id__regex=r"^O[0-9]+$"),
                name="application_ace_id_format",
            ),
            # isnull=False: a CHECK passes when it evaluates to NULL, so `NULL > 0` alone
            # would let "credits issued" through without an amount.
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.CREDITS_ISSUED)
                | Q(issued_amount__isnull=False, issued_amount__gt=0),
                name="application_issued_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} for {self.startup}"


class ApplicationEvent(models.Model):
    application = models.ForeignKey(
        CreditApplication, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class CreditGrant(models.Model):
    """Credits AWS issued for an application: what the burn-down runs against. Written once,
    by the application service when the application reaches `credits_issued`."""

    application = models.OneToOneField(
        CreditApplication, on_delete=models.PROTECT, related_name="grant"
    )
    startup = models.ForeignKey(Startup, on_delete=models.PROTECT, related_name="credit_grants")
    program = models.ForeignKey(CreditProgram, on_delete=models.PROTECT, related_name="grants")
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    issued_on = models.DateField()
    expires_on = models.DateField()
    # Claude on Bedrock is billed through AWS Marketplace; not every program's credits pay it.
    covers_bedrock_third_party = models.BooleanField("covers third-party models on Bedrock")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["expires_on", "id"]
        indexes = [models.Index(fields=["startup", "expires_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_amount_positive"),
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("issued_on")), name="grant_expires_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.program.code} credits for {self.startup}"


class EligibilitySnapshot(models.Model):
    """One evaluation of a startup against the programs, frozen: what went in (inputs and the
    programs' terms), the rule version and the verdicts. Rule or program changes later never
    rewrite it; a re-evaluation adds a row."""

    startup = models.ForeignKey(
        Startup, on_delete=models.CASCADE, related_name="eligibility_snapshots"
    )
    rule_version = models.CharField(max_length=20)
    inputs = models.JSONField()
    result = models.JSONField(help_text="The verdicts, as POST /api/v1/eligibility/ returns them")
    total_expected = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["startup", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_expected__gte=0), name="snapshot_total_non_negative"
            )
        ]

    def __str__(self) -> str:
        return f"Eligibility of {self.startup} ({self.created_at:%Y-%m-%d})"

    @property
    def recommended(self) -> list[str]:
        return list(self.result.get("recommended", []))


class OutcomeStatus(models.TextChoices):
    NO_CREDITS = "no_credits", "No credits issued yet"
    ZERO_OUT_OF_POCKET = "zero_out_of_pocket", "$0 out of pocket"
    AT_RISK = "at_risk", "At risk: paying from a month on"


class CreditOutcome(models.Model):
    """The startup's $0 outcome: the burn-down of its issued grants against the spend model.

    One row per startup, recomputed whenever grants or the workload change; `changed_at` moves
    only when the status or the first out-of-pocket month changes (that is what alerts)."""

    startup = models.OneToOneField(Startup, on_delete=models.CASCADE, related_name="outcome")
    status = models.CharField(
        max_length=20, choices=OutcomeStatus.choices, default=OutcomeStatus.NO_CREDITS
    )
    first_out_of_pocket_month = models.PositiveSmallIntegerField(null=True, blank=True)
    out_of_pocket_until_expiry = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    credits_expiring_unused = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    result = models.JSONField(default=dict, help_text="The burn-down, as the spend model returns")
    computed_at = models.DateTimeField(auto_now=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "changed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(out_of_pocket_until_expiry__gte=0, credits_expiring_unused__gte=0),
                name="outcome_amounts_non_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.startup}: {self.get_status_display()}"


def _external_id() -> str:
    """A fresh ExternalId per startup: the founder's role trusts CloudRoute only with it."""
    return secrets.token_urlsafe(24)


class BillingAccess(models.Model):
    """The role a founder grants CloudRoute to read their costs (sts.assume_role with the
    startup's own ExternalId, so no other CloudRoute customer can use that role)."""

    startup = models.OneToOneField(Startup, on_delete=models.CASCADE, related_name="billing_access")
    role_arn = models.CharField(
        "IAM role ARN",
        max_length=200,
        validators=[iam_role_arn_validator],
    )
    external_id = models.CharField(max_length=64, default=_external_id, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    usage_synced_at = models.DateTimeField(
        null=True, blank=True, help_text="The last read of Bedrock's metrics and quotas."
    )
    # The workload version whose projection the measured spend last ran 20% above: the
    # founder and the partner hear of it once per version (credits.services.usage).
    overspend_alerted_workload_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "billing access"

    def __str__(self) -> str:
        return f"Billing access of {self.startup}"


class MonthlySpendActual(models.Model):
    """What AWS billed a startup for Claude on Bedrock in one month (Cost Explorer), and the
    credits that paid for it. One row per startup and month, re-imported in place."""

    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="spend_actuals")
    month = models.DateField(help_text="The first day of the month.")
    bedrock_cost = models.DecimalField(max_digits=14, decimal_places=2)
    credits_applied = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["startup", "month"]
        constraints = [
            models.UniqueConstraint(fields=["startup", "month"], name="spend_actual_once_a_month"),
            models.CheckConstraint(
                condition=Q(credits_applied__gte=0), name="spend_actual_credits_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.startup} {self.month:%Y-%m}: {self.bedrock_cost}"


class AccountCredit(models.Model):
    """A credit on the startup's AWS account as AWS's own ledger shows it (billing.get_credits
    through the role the founder granted): what is left of it and until when. Re-read daily
    with the spend actuals; a credit AWS no longer lists is removed. When the startup has any,
    the $0 outcome burns the spend down against these remaining balances instead of the
    grants' face amounts (credits.services.outcome)."""

    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="account_credits")
    credit_id = models.CharField(max_length=128)
    credit_type = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=500, blank=True)
    initial_amount = models.DecimalField(max_digits=14, decimal_places=2)
    remaining_amount = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3)
    starts_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField()
    products = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    read_at = models.DateTimeField()

    class Meta:
        ordering = ["startup", "expires_on", "credit_id"]
        constraints = [
            models.UniqueConstraint(fields=["startup", "credit_id"], name="account_credit_once"),
            models.CheckConstraint(
                condition=Q(remaining_amount__gte=0), name="account_credit_remaining_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_id}: {self.remaining_amount} {self.currency} to {self.expires_on}"

    @property
    def pays_claude_on_bedrock(self) -> bool:
        """Whether the credit pays Claude on Bedrock: it applies to every eligible service (no
        product list), or names Amazon Bedrock or a Claude "(Amazon Bedrock Edition)" listing."""
        names = [str(name) for name in self.products or []]
        return not names or any(
            name == "Amazon Bedrock" or "(Amazon Bedrock Edition)" in name for name in names
        )


class BedrockQuota(models.Model):
    """One Bedrock quota of the startup's account in one Region, as Service Quotas lists it
    (`list_service_quotas(ServiceCode="bedrock")` through the founder's role), for a Claude
    model the price book knows. Re-read daily; the throughput check prefers these values
    to the dated defaults (workloads.quota_data)."""

    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="bedrock_quotas")
    region = models.CharField(max_length=20)
    quota_code = models.CharField(max_length=20)
    name = models.CharField(max_length=300)
    model_id = models.CharField(max_length=120)
    scope = models.CharField(max_length=20)  # "global", "cross_region" or "on_demand"
    kind = models.CharField(max_length=10)  # "requests" or "tokens" (per minute)
    value = models.PositiveBigIntegerField()
    read_at = models.DateTimeField()

    class Meta:
        ordering = ["startup", "region", "model_id", "scope", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["startup", "region", "quota_code"], name="bedrock_quota_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class BedrockUsageDay(models.Model):
    """One day of one model's Bedrock runtime metrics on the startup's account (CloudWatch
    `AWS/Bedrock`, by its `ModelId` dimension: a base model id or an inference profile id),
    read through the founder's role. `model_id` is the base model it resolves to."""

    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="usage_days")
    day = models.DateField()
    dimension = models.CharField(max_length=200, help_text="CloudWatch's ModelId value.")
    model_id = models.CharField(max_length=120)
    invocations = models.PositiveBigIntegerField(default=0)
    input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)
    cache_read_tokens = models.PositiveBigIntegerField(default=0)
    cache_write_tokens = models.PositiveBigIntegerField(default=0)
    read_at = models.DateTimeField()

    class Meta:
        ordering = ["startup", "day", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["startup", "day", "dimension"], name="bedrock_usage_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.day}: {self.invocations} invocations"
