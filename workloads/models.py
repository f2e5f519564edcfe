"""The startup, its LLM workload, and the audit trail every service writes to."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from core.validators import NoControlCharactersValidator

from .choices import AwsRegion, Endpoint, Industry, Stage, Tier, UseCase

AWS_ACCOUNT_ID_RE = r"^[0-9]{12}$"
MAX_MONTHLY_REQUESTS = 10**12
MAX_INPUT_TOKENS = 1_000_000  # the largest Claude context window on Bedrock
MAX_OUTPUT_TOKENS = 128_000
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 2000  # ACE's CustomerBusinessProblem bounds
SHARE_TOLERANCE = 1e-9  # float sums such as 0.7 + 0.3

# The answers a founder gives about the company and about the workload: the intake form, the
# API, a revision (matching.services.intake_revise) and the data export all use these lists.
STARTUP_ANSWERS = (
    "name",
    "website",
    "country",
    "state",
    "postal_code",
    "industry",
    "founded_on",
    "stage",
    "activate_org_id",
    "prior_activate_credits",
    "aws_account_id",
    "aws_paid_plan",
    "uses_china_regions",
)
WORKLOAD_ANSWERS = (
    "use_case",
    "description",
    "region",
    "endpoint",
    "monthly_requests",
    "monthly_growth",
    "input_tokens",
    "cached_prefix_tokens",
    "output_tokens",
    "cache_hit_rate",
    "batch_share",
    "escalation_sonnet",
    "escalation_opus",
    "cascade",
    "baseline_tier",
)

aws_account_id_validator = RegexValidator(
    AWS_ACCOUNT_ID_RE, "Enter the 12-digit AWS account id (digits only, e.g. 210987654321)."
)


# Validator messages are %-formatted with the value (Django's BaseValidator), so a literal
# percent sign is written %%; a lone % made every out-of-range form submission a 500.
def share_validators() -> list:
    return [
        MinValueValidator(0.0, "Enter a share between 0 and 1 (e.g. 0.25 for 25%%)."),
        MaxValueValidator(1.0, "Enter a share between 0 and 1 (e.g. 0.25 for 25%%)."),
    ]


def validate_not_future(value: dt.date) -> None:
    if value > timezone.localdate():
        raise ValidationError("The founding date cannot be in the future.")


class Startup(models.Model):
    # Empty until the founder confirms the e-mailed link, and again once a founder deletes
    # their account (the history stays). See docs/architecture.md#the-founders-confirmation.
    founder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="startups",
        null=True,
        blank=True,
    )
    name = models.CharField(
        "company name",
        max_length=120,
        validators=[NoControlCharactersValidator("The company name")],
        help_text="Your legal or trading name, as AWS will see it.",
    )
    website = models.URLField(
        blank=True,
        max_length=300,
        help_text="A working website or public profile; AWS Activate checks for one.",
    )
    country = CountryField(help_text="Where the company is registered.")
    state = models.CharField(
        "state or region",
        max_length=64,
        blank=True,
        validators=[NoControlCharactersValidator("The state or region")],
        # US: a name of workloads.choices.US_STATES, as ACE takes it (the forms normalise).
        help_text="Required for US addresses: the state or territory's full name "
        "(e.g. Washington).",
    )
    postal_code = models.CharField(max_length=20, blank=True)
    industry = models.CharField(
        max_length=40,
        choices=Industry.choices,
        help_text="The closest match in AWS's partner industry list.",
    )
    founded_on = models.DateField(
        validators=[MinValueValidator(dt.date(1900, 1, 1)), validate_not_future]
    )
    stage = models.CharField(
        max_length=20,
        choices=Stage.choices,
        help_text="Your latest priced round; Activate is for companies up to Series A.",
    )
    activate_org_id = models.CharField(
        "Activate Provider organization id",
        max_length=64,
        blank=True,
        help_text="From your VC, accelerator or incubator, if they are an Activate Provider.",
    )
    prior_activate_credits = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        verbose_name="Activate credits received before",
        help_text="AWS Activate credits you received before, in USD (0 if none).",
        validators=[
            MinValueValidator(Decimal("0"), "Enter an amount of 0 or more."),
            MaxValueValidator(Decimal("10000000"), "Enter an amount up to 10,000,000."),
        ],
    )
    aws_account_id = models.CharField(
        "AWS account id",
        max_length=12,
        blank=True,
        validators=[aws_account_id_validator],
        help_text="12 digits, top right of the AWS console. Leave empty if you have none yet.",
    )
    aws_paid_plan = models.BooleanField(
        "AWS account on a paid plan",
        default=False,
        help_text="A payment method is on file; free-plan accounts cannot receive credits.",
    )
    uses_china_regions = models.BooleanField(
        "builds on AWS China regions",
        default=False,
        help_text="Beijing or Ningxia; Activate credits do not apply there.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["stage"]), models.Index(fields=["created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(aws_account_id="") | Q(aws_account_id__regex=AWS_ACCOUNT_ID_RE),
                name="startup_aws_account_id_12_digits",
            ),
            models.CheckConstraint(
                condition=Q(prior_activate_credits__gte=0),
                name="startup_prior_credits_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.country == "US" and not self.state:
            raise ValidationError({"state": "Enter the state for a US address (e.g. WA)."})


class Workload(models.Model):
    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="workloads")
    use_case = models.CharField(
        max_length=30,
        choices=UseCase.choices,
        help_text="What the model does most of the time; we pre-fill typical escalation shares.",
    )
    description = models.TextField(
        validators=[MinLengthValidator(DESCRIPTION_MIN), MaxLengthValidator(DESCRIPTION_MAX)],
        help_text="The business problem in a few sentences (20 to 2000 characters); "
        "your partner files this with AWS.",
    )
    region = models.CharField(
        "AWS region",
        max_length=20,
        choices=AwsRegion.choices,
        help_text="Where you run, or will run, Bedrock.",
    )
    monthly_requests = models.BigIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(MAX_MONTHLY_REQUESTS)],
        help_text="Model calls per month today (or at launch).",
    )
    monthly_growth = models.FloatField(
        default=0.0,
        help_text="Expected growth per month as a fraction: 0.05 means +5% a month.",
        validators=[
            MinValueValidator(-0.5, "Growth per month must be at least -0.5 (-50%%)."),
            MaxValueValidator(5.0, "Growth per month must be at most 5 (+500%%)."),
        ],
    )
    input_tokens = models.PositiveIntegerField(
        validators=[MaxValueValidator(MAX_INPUT_TOKENS)],
        help_text="Average prompt size per request in tokens, including the fixed prefix "
        "(about 4 characters per token).",
    )
    cached_prefix_tokens = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_INPUT_TOKENS)],
        help_text="The part of every prompt that never changes (system prompt, examples, tool "
        "definitions); it can be cached.",
    )
    output_tokens = models.PositiveIntegerField(
        validators=[MaxValueValidator(MAX_OUTPUT_TOKENS)],
        help_text="Average answer length per request in tokens.",
    )
    cache_hit_rate = models.FloatField(
        default=0.0,
        validators=share_validators(),
        help_text="Share of requests that find the prefix already cached (0 to 1); "
        "steady traffic is often 0.8 or more.",
    )
    batch_share = models.FloatField(
        default=0.0,
        validators=share_validators(),
        help_text="Share of requests nobody waits for (nightly jobs, backfills): Batch costs half.",
    )
    escalation_sonnet = models.FloatField(
        "share needing Sonnet",
        default=0.0,
        validators=share_validators(),
        help_text="Share of requests too hard for Haiku that go to Sonnet (0 to 1).",
    )
    escalation_opus = models.FloatField(
        "share needing Opus",
        default=0.0,
        validators=share_validators(),
        help_text="Share that needs the frontier model (0 to 1); Sonnet + Opus at most 1.",
    )
    baseline_tier = models.CharField(
        max_length=10,
        choices=Tier.choices,
        default=Tier.OPUS,
        help_text="What you would run everything on today; savings are measured against it.",
    )
    endpoint = models.CharField(
        "Bedrock endpoint",
        max_length=10,
        choices=Endpoint.choices,
        default=Endpoint.GLOBAL,
        help_text="Global cross-Region inference, or in-Region endpoints (newer models cost "
        "more there).",
    )
    cascade = models.BooleanField(
        "try Haiku first on hard requests",
        default=False,
        help_text="Escalated requests are first tried on Haiku and pay for that attempt too.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_requests__gte=0, monthly_requests__lte=MAX_MONTHLY_REQUESTS),
                name="workload_requests_in_range",
            ),
            models.CheckConstraint(
                condition=Q(monthly_growth__gte=-0.5, monthly_growth__lte=5),
                name="workload_growth_in_range",
            ),
            models.CheckConstraint(
                condition=Q(cached_prefix_tokens__lte=F("input_tokens")),
                name="workload_prefix_within_input",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 1}),
                    name=f"workload_{field}_is_share",
                )
                for field in (
                    "cache_hit_rate",
                    "batch_share",
                    "escalation_sonnet",
                    "escalation_opus",
                )
            ],
            models.CheckConstraint(
                condition=Q(escalation_sonnet__lte=1 + SHARE_TOLERANCE - F("escalation_opus")),
                name="workload_escalation_at_most_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.startup} · {self.get_use_case_display()}"

    def clean(self) -> None:
        errors = workload_cross_field_errors(
            input_tokens=self.input_tokens,
            cached_prefix_tokens=self.cached_prefix_tokens,
            escalation_sonnet=self.escalation_sonnet,
            escalation_opus=self.escalation_opus,
        )
        if "escalation" in errors:  # the model has two fields for the one API object
            errors["escalation_sonnet"] = errors.pop("escalation")
        if errors:
            raise ValidationError(errors)

    @property
    def escalation(self) -> dict[str, float]:
        return {"sonnet": self.escalation_sonnet, "opus": self.escalation_opus}

    @property
    def haiku_share(self) -> float:
        return max(0.0, 1.0 - self.escalation_sonnet - self.escalation_opus)


def workload_cross_field_errors(
    *,
    input_tokens: int | None,
    cached_prefix_tokens: int | None,
    escalation_sonnet: float | None,
    escalation_opus: float | None,
) -> dict[str, str]:
    """Rules that span fields; shared by the model, the form and the API serializer."""
    errors: dict[str, str] = {}
    if (
        input_tokens is not None
        and cached_prefix_tokens is not None
        and cached_prefix_tokens > input_tokens
    ):
        errors["cached_prefix_tokens"] = (
            f"The cached prefix ({cached_prefix_tokens} tokens) is part of the prompt, so it "
            f"cannot be larger than the input tokens ({input_tokens})."
        )
    if (
        escalation_sonnet is not None
        and escalation_opus is not None
        and escalation_sonnet + escalation_opus > 1 + SHARE_TOLERANCE
    ):
        errors["escalation"] = (
            "sonnet + opus must be at most 1 (the rest runs on Haiku); "
            f"you sent {escalation_sonnet} + {escalation_opus}."
        )
    return errors


class AuditEvent(models.Model):
    """Who did what to which object, written by services (`lead.assigned`, `intake.submitted`)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    action = models.CharField(
        max_length=64,
        validators=[
            RegexValidator(r"^[a-z_]+(\.[a-z_]+)+$", "Use a dotted name like lead.assigned.")
        ],
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["action", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(action__contains="."), name="audit_action_dotted")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"

    def get_admin_url(self) -> str:
        return reverse(
            f"admin:{self.content_type.app_label}_{self.content_type.model}_change",
            args=[self.object_id],
        )


class PriceBook(models.Model):
    """A named set of dated model prices; one book is the default for estimates.

    `effective_from` and `source` say where the book's prices come from; `refreshed_at` is
    the last refresh from AWS that priced its models. A book is stale when neither is within
    STALE_AFTER_DAYS (workloads.selectors.price_book_provenance)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(
        default=False, help_text="Used by estimates and projections unless one is named."
    )
    illustrative = models.BooleanField(
        default=False,
        help_text="Figures for illustration (such as the brief's tier rates), not today's "
        "prices: never the default, and its models need not be active.",
    )
    effective_from = models.DateField(
        null=True, blank=True, help_text="The date of the source its prices follow."
    )
    source = models.CharField(max_length=300, blank=True)
    refreshed_at = models.DateTimeField(
        null=True, blank=True, help_text="The last refresh from AWS that priced its models."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_price_book"
            ),
            models.CheckConstraint(
                condition=~Q(is_default=True, illustrative=True),
                name="illustrative_book_never_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # one_default_price_book, named on the field (the admin shows the constraint's name
        # otherwise).
        if self.is_default and self.illustrative:  # illustrative_book_never_default
            raise ValidationError(
                {"is_default": "An illustrative book cannot be the default; untick one."}
            )
        if self.is_default:
            default = PriceBook.objects.filter(is_default=True).exclude(pk=self.pk).first()
            if default is not None:
                raise ValidationError(
                    {"is_default": f"{default} is the default; untick it there first."}
                )


class Lifecycle(models.TextChoices):
    """Bedrock's modelLifecycle.status: ACTIVE, LEGACY (works, with an end-of-life date),
    END_OF_LIFE (requests fail)."""

    ACTIVE = "active", "Active"
    LEGACY = "legacy", "Legacy"
    END_OF_LIFE = "end_of_life", "End of life"


def price_field(verbose_name: str, *, null: bool = False) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=10,
        decimal_places=4,
        null=null,
        blank=null,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="USD per 1M tokens" + (" (empty: not offered)" if null else ""),
    )


class ModelPrice(models.Model):
    """One model's Bedrock prices from a date on (global endpoint). New prices are new rows."""

    book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="prices")
    model_id = models.CharField(max_length=120, help_text="Bedrock base model id")
    name = models.CharField(max_length=80)
    tier = models.CharField(max_length=10, choices=Tier.choices)
    input = price_field("input")
    output = price_field("output")
    cache_write_5m = price_field("cache write, 5-minute TTL", null=True)
    cache_write_1h = price_field("cache write, 1-hour TTL", null=True)
    cache_read = price_field("cache read", null=True)
    batch_input = price_field("batch input", null=True)
    batch_output = price_field("batch output", null=True)
    supports_caching = models.BooleanField(default=True)
    min_cache_prefix = models.PositiveIntegerField(
        "minimum cacheable prefix", default=0, help_text="Tokens; below it Bedrock does not cache."
    )
    regional_premium = models.BooleanField(
        default=False, help_text="Regional endpoints cost 10% more for this model."
    )
    lifecycle = models.CharField(max_length=12, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    end_of_life_on = models.DateField(
        "end of life on", null=True, blank=True, help_text="Bedrock's end-of-life date."
    )
    replacement = models.CharField(
        max_length=80, blank=True, help_text="The active model to move to (its name)."
    )
    effective_from = models.DateField()
    source = models.CharField(max_length=300)
    note = models.TextField(
        blank=True, help_text="Where sources disagree: which figure we chose, and why."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["book", "tier", "model_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["book", "model_id", "effective_from"], name="model_price_once_per_date"
            ),
            models.CheckConstraint(
                condition=Q(input__gt=0, output__gte=0), name="model_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(batch_input__isnull=True, batch_output__isnull=True)
                | Q(batch_input__isnull=False, batch_output__isnull=False),
                name="model_price_batch_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(supports_caching=False)
                | Q(cache_write_5m__isnull=False, cache_read__isnull=False),
                name="model_price_caching_has_prices",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from})"

    def clean(self) -> None:
        if self.input is not None and self.input <= 0:  # model_price_positive
            raise ValidationError({"input": "Enter an input price above 0."})
        if (self.batch_input is None) != (self.batch_output is None):
            raise ValidationError(
                {"batch_output": "Give both batch prices, or neither (no batch)."}
            )
        if self.supports_caching and (self.cache_write_5m is None or self.cache_read is None):
            raise ValidationError(
                {"cache_read": "A model that supports caching needs cache write and read prices."}
            )
        if self.lifecycle != Lifecycle.ACTIVE and self.book_id and not self.book.illustrative:
            # The tier-default rule, seen from the row: retire the default elsewhere first.
            tiers = TierDefault.objects.filter(book_id=self.book_id, model_id=self.model_id)
            tier = tiers.values_list("tier", flat=True).first()
            if tier is not None:
                raise ValidationError(
                    {
                        "lifecycle": f"This model is the book's {tier} default; pick another "
                        "default for that tier first."
                    }
                )


class TierDefault(models.Model):
    """The model a price book uses for a tier; operators change it in the admin."""

    book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="tier_defaults")
    tier = models.CharField(max_length=10, choices=Tier.choices)
    model_id = models.CharField(max_length=120)

    class Meta:
        ordering = ["book", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["book", "tier"], name="tier_default_once_per_book")
        ]

    def __str__(self) -> str:
        return f"{self.book}: {self.tier} → {self.model_id}"

    def clean(self) -> None:
        """The tier-default rule: in a book that is not illustrative, a tier's default is a
        model of that tier whose newest price row is active (never legacy or end of life)."""
        if not self.book_id or not self.model_id:
            return
        error = tier_default_error(book=self.book, tier=self.tier, model_id=self.model_id)
        if error:
            raise ValidationError({"model_id": error})


def tier_default_error(*, book: PriceBook, tier: str, model_id: str) -> str | None:
    """Why `model_id` cannot be `tier`'s default in `book`, or None when it can."""
    row = (
        ModelPrice.objects.filter(book=book, model_id=model_id).order_by("-effective_from").first()
    )
    if row is None:
        return f"{model_id} has no price row in {book}; add one first."
    if row.tier != tier:
        return f"{row.name} is a {row.tier} model, not a {tier} one."
    if not book.illustrative and row.lifecycle != Lifecycle.ACTIVE:
        return (
            f"{row.name} is {row.get_lifecycle_display().lower()} on Bedrock; a default must "
            "be an active model" + (f" (such as {row.replacement})." if row.replacement else ".")
        )
    return None


class WorkloadProjection(models.Model):
    """The spend model's result for a workload, stored so the dashboard reads, not computes.

    `inputs` keeps what went in (shares, prices, grants) so a later price change never
    rewrites what the founder was shown; a new projection is a new row.
    """

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="projections")
    price_book = models.ForeignKey(PriceBook, on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField()
    result = models.JSONField()
    scenarios = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workload", "-created_at"])]

    def __str__(self) -> str:
        return f"Projection of {self.workload} ({self.created_at:%Y-%m-%d})"
