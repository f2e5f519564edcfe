"""Input of the eligibility API (docs/architecture.md#the-eligibility-contract). Company
fields reuse the Startup model's rules."""

from rest_framework import serializers

from core.serializers import ModelSerializer, Serializer
from workloads.choices import Stage
from workloads.models import Startup


class EligibilityInputSerializer(ModelSerializer):
    generative_ai = serializers.BooleanField(
        default=True, help_text="Does the workload use generative AI (LLMs on Bedrock)?"
    )
    projected_monthly_spend = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=10**11,
        required=False,
        allow_null=True,
        help_text="Projected Bedrock spend per month in USD; sizes the proof-of-concept pool.",
    )

    class Meta:
        model = Startup
        fields = [
            "stage",
            "founded_on",
            "website",
            "aws_account_id",
            "aws_paid_plan",
            "uses_china_regions",
            "activate_org_id",
            "prior_activate_credits",
            "generative_ai",
            "projected_monthly_spend",
        ]
        extra_kwargs = {
            "stage": {
                "error_messages": {
                    "invalid_choice": '"{input}" is not accepted; use one of: '
                    + ", ".join(Stage.values)
                    + "."
                }
            },
            "founded_on": {"error_messages": {"invalid": "Enter the founding date as YYYY-MM-DD."}},
        }


class ReasonSerializer(Serializer):
    code = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()
    fix = serializers.CharField()


class ProgramVerdictSerializer(Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    family = serializers.CharField()
    filed_by = serializers.CharField()
    verdict = serializers.ChoiceField(
        choices=["eligible", "ineligible", "superseded", "competitive"]
    )
    amount_min = serializers.CharField()
    amount_max = serializers.CharField()
    expected_amount = serializers.CharField()
    reasons = ReasonSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class EligibilityOutputSerializer(Serializer):
    """Documents the response; the engine's `Evaluation.as_dict()` builds it."""

    programs = ProgramVerdictSerializer(many=True)
    recommended = serializers.ListField(child=serializers.CharField())
    total_expected = serializers.CharField()
    rule_version = serializers.CharField()
