"""Input shapes of the estimate API (docs/architecture.md#the-spend-model-contract). Bounds
match the models and the engine."""

from decimal import Decimal

from rest_framework import serializers

from core.serializers import Serializer
from workloads import spend, throughput
from workloads.choices import Tier
from workloads.models import MAX_INPUT_TOKENS, MAX_OUTPUT_TOKENS, workload_cross_field_errors

from .setup import ThroughputSerializer

MAX_GRANT = 10**9
MAX_GRANTS = 20
MAX_PRICE = 100_000  # USD per 1M tokens; far above any real model


# The API takes shares as fractions (the intake page takes percents); say so on each field.
FRACTION = "A fraction from 0 to 1, not a percent: 0.25 means 25%."
CACHE_HIT_RATE_HELP = (
    f"Share of requests that read the cached prefix (the rest write it). {FRACTION}"
)
BATCH_SHARE_HELP = f"Share of requests that can run as Batch, at half price. {FRACTION}"
GROWTH_HELP = (
    "Growth in requests per month, as a fraction from -0.5 to 5, not a percent: "
    "0.05 means +5% a month."
)


def share(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=1, **kwargs)


class EscalationSerializer(Serializer):
    sonnet = share(default=0.0, help_text=f"Share of requests routed up to Sonnet. {FRACTION}")
    opus = share(default=0.0, help_text=f"Share of requests routed up to Opus. {FRACTION}")


def price(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=MAX_PRICE, **kwargs)


class TierPriceSerializer(Serializer):
    """USD per 1M tokens; keys left out derive from input and output (cache write 1.25x and
    cache read 0.1x the input price, batch half of each)."""

    input = serializers.FloatField(min_value=0.000001, max_value=MAX_PRICE)
    output = price()
    cache_write = price(required=False)
    cache_read = price(required=False)
    batch_input = price(required=False)
    batch_output = price(required=False)


class TierPricesSerializer(Serializer):
    haiku = TierPriceSerializer(required=False)
    sonnet = TierPriceSerializer(required=False)
    opus = TierPriceSerializer(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    f"Unknown tier {', '.join(map(repr, unknown))}; use haiku, sonnet or opus."
                )
        return super().to_internal_value(data)


class CreditGrantSerializer(Serializer):
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, max_value=MAX_GRANT
    )
    start_month = serializers.IntegerField(min_value=1, max_value=spend.MAX_MONTHS, default=1)
    valid_months = serializers.IntegerField(min_value=1, max_value=120, default=12)


class EstimateInputSerializer(Serializer):
    monthly_requests = serializers.IntegerField(min_value=0, max_value=spend.MAX_MONTHLY_REQUESTS)
    monthly_growth = serializers.FloatField(
        min_value=-0.5, max_value=5, default=0.0, help_text=GROWTH_HELP
    )
    input_tokens = serializers.IntegerField(min_value=0, max_value=MAX_INPUT_TOKENS)
    cached_prefix_tokens = serializers.IntegerField(
        min_value=0, max_value=MAX_INPUT_TOKENS, default=0
    )
    output_tokens = serializers.IntegerField(min_value=0, max_value=MAX_OUTPUT_TOKENS)
    cache_hit_rate = share(default=0.0, help_text=CACHE_HIT_RATE_HELP)
    batch_share = share(default=0.0, help_text=BATCH_SHARE_HELP)
    escalation = EscalationSerializer(required=False)
    cascade = serializers.BooleanField(default=False)
    baseline_tier = serializers.ChoiceField(choices=Tier.choices, default=Tier.OPUS)
    months = serializers.IntegerField(min_value=1, max_value=spend.MAX_MONTHS, default=12)
    endpoint = serializers.ChoiceField(choices=spend.ENDPOINTS, default="global")
    prices = TierPricesSerializer(required=False)
    # many=True hands max_length to the ListSerializer (DRF's LIST_SERIALIZER_KWARGS); the
    # stub's BaseSerializer.__init__ leaves it out.
    credits = CreditGrantSerializer(many=True, required=False, max_length=MAX_GRANTS)  # type: ignore[call-arg]
    price_book = serializers.SlugField(
        required=False, help_text="A price book's slug; the default book when left out."
    )
    peak_factor = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(1),
        max_value=Decimal(throughput.MAX_PEAK_FACTOR),
        default=Decimal(throughput.DEFAULT_PEAK_FACTOR),
        help_text="The busiest minute over the average minute, for the quota check: "
        f"from 1 to {throughput.MAX_PEAK_FACTOR} (default {throughput.DEFAULT_PEAK_FACTOR}).",
    )

    def validate(self, attrs):
        escalation = attrs.pop("escalation", None) or {}
        attrs["escalation_sonnet"] = escalation.get("sonnet", 0.0)
        attrs["escalation_opus"] = escalation.get("opus", 0.0)
        errors = workload_cross_field_errors(
            input_tokens=attrs["input_tokens"],
            cached_prefix_tokens=attrs["cached_prefix_tokens"],
            escalation_sonnet=attrs["escalation_sonnet"],
            escalation_opus=attrs["escalation_opus"],
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def spend_input(self) -> spend.SpendInput:
        data = self.validated_data
        return spend.SpendInput(
            monthly_requests=data["monthly_requests"],
            monthly_growth=data["monthly_growth"],
            input_tokens=data["input_tokens"],
            cached_prefix_tokens=data["cached_prefix_tokens"],
            output_tokens=data["output_tokens"],
            cache_hit_rate=data["cache_hit_rate"],
            batch_share=data["batch_share"],
            escalation_sonnet=data["escalation_sonnet"],
            escalation_opus=data["escalation_opus"],
            cascade=data["cascade"],
            baseline_tier=data["baseline_tier"],
            months=data["months"],
            endpoint=data["endpoint"],
            credits=tuple(spend.CreditGrant(**grant) for grant in data.get("credits", [])),
        )

    def inline_prices(self) -> dict[str, spend.TierPrice]:
        return {
            tier: spend.TierPrice.inline(**values)
            for tier, values in (self.validated_data.get("prices") or {}).items()
        }


class EstimateMonthSerializer(Serializer):
    month = serializers.IntegerField()
    requests = serializers.IntegerField()
    cost = serializers.CharField()
    baseline_cost = serializers.CharField()
    credits_applied = serializers.CharField()
    credits_remaining = serializers.CharField()
    out_of_pocket = serializers.CharField()
    credits_expired = serializers.CharField()


class EstimateTotalsSerializer(Serializer):
    cost = serializers.CharField()
    baseline_cost = serializers.CharField()
    credits_applied = serializers.CharField()
    out_of_pocket = serializers.CharField()
    credits_expired = serializers.CharField()


class EstimateSavingsSerializer(Serializer):
    tiering = serializers.CharField()
    caching = serializers.CharField()
    batch = serializers.CharField()


class PriceBookProvenanceSerializer(Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    effective_from = serializers.DateField(
        allow_null=True, help_text="The date of the source the book's prices follow."
    )
    # (The metaclass takes declared fields off the class, so this never shadows Field.source.)
    source = serializers.CharField()  # type: ignore[assignment]
    refreshed_at = serializers.DateTimeField(
        allow_null=True, help_text="The last refresh from AWS that priced the book's models."
    )
    illustrative = serializers.BooleanField(
        help_text="Figures for illustration (the brief's tier rates), not today's prices."
    )
    stale = serializers.BooleanField(
        help_text="Neither the book's date nor its last refresh is within 30 days: the prices "
        "may have changed."
    )


def _money(**kwargs) -> serializers.CharField:
    return serializers.CharField(allow_null=True, **kwargs)


class UnitPricesSerializer(Serializer):
    """USD per 1M tokens actually charged on the tier, after the regional premium; null
    where the model does not offer it."""

    model_id = serializers.CharField()
    name = serializers.CharField()
    lifecycle = serializers.ChoiceField(choices=["active", "legacy", "end_of_life"])
    input = serializers.CharField()
    output = serializers.CharField()
    cache_write = _money()
    cache_read = _money()
    batch_input = _money()
    batch_output = _money()


class TierUnitPricesSerializer(Serializer):
    haiku = UnitPricesSerializer()
    sonnet = UnitPricesSerializer()
    opus = UnitPricesSerializer()


class SensitivityPointSerializer(Serializer):
    share = serializers.CharField()
    monthly_cost = serializers.CharField()


class SensitivityCurvesSerializer(Serializer):
    escalation_sonnet = SensitivityPointSerializer(many=True)
    escalation_opus = SensitivityPointSerializer(many=True)
    cache_hit_rate = SensitivityPointSerializer(many=True)


class SensitivityPerPointSerializer(Serializer):
    escalation_sonnet = serializers.CharField(
        help_text="Change of month 1's cost for each +1% of requests escalated to Sonnet."
    )
    escalation_opus = serializers.CharField(
        help_text="Change of month 1's cost for each +1% of requests escalated to Opus."
    )
    cache_hit_rate = serializers.CharField(
        help_text="Change of month 1's cost for each +1% of cache hit rate."
    )


class SensitivitySerializer(Serializer):
    """How month 1's cost moves with the escalation shares and the cache hit rate."""

    month = serializers.IntegerField()
    per_point = SensitivityPerPointSerializer()
    curves = SensitivityCurvesSerializer()


class EstimateOutputSerializer(Serializer):
    """Documents the response; the engine's `Projection.as_dict()` builds most of it."""

    months = EstimateMonthSerializer(many=True)
    totals = EstimateTotalsSerializer()
    savings = EstimateSavingsSerializer()
    per_request_cost = serializers.CharField()
    first_out_of_pocket_month = serializers.IntegerField(allow_null=True)
    models = serializers.DictField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    price_book = PriceBookProvenanceSerializer()
    prices = TierUnitPricesSerializer()
    sensitivity = SensitivitySerializer()
    throughput = ThroughputSerializer(
        help_text="The peak each model carries (month 1) next to AWS's default quotas; each "
        "shortfall is also a warning."
    )
