"""Price books: named sets of dated Bedrock model prices (`ModelPrice`), each book's model per
tier (`TierDefault`) and the tier-default rule."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from ..choices import Tier


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
    refresh_note = models.TextField(
        blank=True,
        help_text="Why the last refresh from AWS did not confirm the prices (held, unpriced).",
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
        if self.pk and not self.illustrative:
            # The tier-default rule holds for a book that stops being illustrative too.
            defaults = TierDefault.objects.filter(book_id=self.pk).order_by("tier")
            for tier, model_id in defaults.values_list("tier", "model_id"):
                error = tier_default_error(book=self, tier=tier, model_id=model_id)
                if error:
                    raise ValidationError({"illustrative": f"The {tier} default: {error}"})
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
