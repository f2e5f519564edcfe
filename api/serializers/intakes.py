"""Input and output shapes of the intake API. Field rules come from the models."""

from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from core.serializers import ModelSerializer, Serializer
from core.validators import NoControlCharactersValidator, aws_account_id_normalize
from matching.models import Intake, IntakeStatus
from workloads.choices import Endpoint, Industry, Stage, Tier, UseCase, us_state_name
from workloads.models import STARTUP_ANSWERS, Startup, Workload, workload_cross_field_errors

from .estimates import (
    BATCH_SHARE_HELP,
    CACHE_HIT_RATE_HELP,
    GROWTH_HELP,
    EscalationSerializer,
)

US_STATE_ACCEPTED = (
    "For a US company, send the state or territory as its two-letter code (e.g. WA) or its "
    "full name (e.g. Washington)"
)


def accepted(choices) -> dict[str, str]:
    values = ", ".join(str(value) for value in choices.values)
    return {"invalid_choice": f'"{{input}}" is not accepted; use one of: {values}.'}


class CompanyInputSerializer(ModelSerializer):
    country = CountryField(
        error_messages={
            "invalid_choice": '"{input}" is not an ISO 3166-1 alpha-2 country code (e.g. US, DE).'
        }
    )
    aws_account_id = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The 12-digit AWS account id; dashes or spaces between the digits are "
        "accepted and dropped (2109-8765-4321 is stored as 210987654321). Empty if none yet.",
    )

    class Meta:
        model = Startup
        fields = list(STARTUP_ANSWERS)
        extra_kwargs = {
            "stage": {"error_messages": accepted(Stage)},
            "industry": {"error_messages": accepted(Industry)},
            "founded_on": {"error_messages": {"invalid": "Enter the founding date as YYYY-MM-DD."}},
            "state": {
                "help_text": f"{US_STATE_ACCEPTED}; it is stored as the full name ACE uses. "
                "Other countries: the state or region as written, or empty."
            },
        }

    def validate_aws_account_id(self, value: str) -> str:
        return aws_account_id_normalize(value)

    def validate(self, attrs):
        if attrs.get("country") == "US":
            state = attrs.get("state", "")
            name = us_state_name(state)
            if name is None:
                given = f'; "{state[:40]}" is neither' if state else ""
                raise serializers.ValidationError({"state": f"{US_STATE_ACCEPTED}{given}."})
            attrs["state"] = name
        return attrs


class FounderInputSerializer(Serializer):
    name = serializers.CharField(
        max_length=150, validators=[NoControlCharactersValidator("The founder's name")]
    )
    email = serializers.EmailField(max_length=254)


class WorkloadInputSerializer(ModelSerializer):
    escalation = EscalationSerializer(
        required=False,
        help_text="Shares routed up from Haiku, each a fraction from 0 to 1 (not a percent): "
        "sonnet + opus at most 1.",
    )

    class Meta:
        model = Workload
        fields = [
            "use_case",
            "description",
            "region",
            "monthly_requests",
            "monthly_growth",
            "input_tokens",
            "cached_prefix_tokens",
            "output_tokens",
            "cache_hit_rate",
            "batch_share",
            "escalation",
            "cascade",
            "baseline_tier",
            "endpoint",
        ]
        extra_kwargs = {
            "use_case": {"error_messages": accepted(UseCase)},
            "baseline_tier": {"error_messages": accepted(Tier)},
            "endpoint": {"error_messages": accepted(Endpoint)},
            "monthly_growth": {"help_text": GROWTH_HELP},
            "cache_hit_rate": {"help_text": CACHE_HIT_RATE_HELP},
            "batch_share": {"help_text": BATCH_SHARE_HELP},
        }

    def validate(self, attrs):
        escalation = attrs.pop("escalation", None) or {}
        attrs["escalation_sonnet"] = escalation.get("sonnet", 0.0)
        attrs["escalation_opus"] = escalation.get("opus", 0.0)
        errors = workload_cross_field_errors(
            input_tokens=attrs.get("input_tokens"),
            cached_prefix_tokens=attrs.get("cached_prefix_tokens", 0),
            escalation_sonnet=attrs["escalation_sonnet"],
            escalation_opus=attrs["escalation_opus"],
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class IntakeInputSerializer(Serializer):
    company = CompanyInputSerializer()
    founder = FounderInputSerializer()
    workload = WorkloadInputSerializer()


class IntakeCreatedSerializer(Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=IntakeStatus.choices)
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    dashboard_url = serializers.URLField()


class IntakeDetailSerializer(ModelSerializer):
    company = serializers.SerializerMethodField()
    workload = serializers.SerializerMethodField()

    class Meta:
        model = Intake
        fields = ["id", "status", "created_at", "processed_at", "company", "workload"]

    def get_company(self, intake) -> dict:
        startup = intake.startup
        return {
            "name": startup.name,
            "country": str(startup.country),
            "stage": startup.stage,
            "industry": startup.industry,
        }

    def get_workload(self, intake) -> dict:
        workload = intake.workload
        return {
            "use_case": workload.use_case,
            "region": workload.region,
            "monthly_requests": workload.monthly_requests,
            "input_tokens": workload.input_tokens,
            "cached_prefix_tokens": workload.cached_prefix_tokens,
            "output_tokens": workload.output_tokens,
            "escalation": workload.escalation,
            "batch_share": workload.batch_share,
            "baseline_tier": workload.baseline_tier,
            "endpoint": workload.endpoint,
            "cascade": workload.cascade,
        }
