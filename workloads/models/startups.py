"""The startup and its LLM workload, with the bounds and cross-field rules the form, the API
and the database share."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
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
from django.utils import timezone
from django_countries.fields import CountryField

from core.validators import NoControlCharactersValidator

from ..choices import AwsRegion, Endpoint, Industry, Stage, Tier, UseCase

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
        # Exactly, on the decimals as typed, as the spend engine checks them: a float sum
        # could let through a pair the engine then refuses.
        and Fraction(str(escalation_sonnet)) + Fraction(str(escalation_opus))
        > 1 + Fraction(str(SHARE_TOLERANCE))
    ):
        errors["escalation"] = (
            "sonnet + opus must be at most 1 (the rest runs on Haiku); "
            f"you sent {escalation_sonnet} + {escalation_opus}."
        )
    return errors
