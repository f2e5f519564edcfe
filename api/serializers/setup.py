"""Output shapes of the Bedrock setup kit and of the throughput check (they document the
responses; `workloads.setup_kit` and `workloads.throughput` build them)."""

from rest_framework import serializers

from core.serializers import Serializer
from workloads import spend


class SetupTierSerializer(Serializer):
    tier = serializers.ChoiceField(choices=["haiku", "sonnet", "opus"])
    model_id = serializers.CharField(help_text="The base foundation-model id, from the catalog.")
    name = serializers.CharField()
    share = serializers.CharField(help_text="The share of requests this tier takes (0..1).")
    used = serializers.BooleanField(help_text="False: 0% of requests, left out of the policy.")
    profile_id = serializers.CharField(
        allow_null=True,
        help_text="Pass this as `modelId`: the inference profile the catalog listed in the "
        "workload's Region (global. on the global endpoint, a geography's on the regional "
        "one); null when none is listed.",
    )
    profile_arn = serializers.CharField(allow_null=True)
    foundation_model_arns = serializers.ListField(child=serializers.CharField())
    missing = serializers.CharField(help_text="Why no profile is given, or empty.")


class SetupKitSerializer(Serializer):
    region = serializers.CharField()
    endpoint = serializers.ChoiceField(choices=spend.ENDPOINTS)  # the estimate's, one enum
    account_id = serializers.CharField(allow_null=True)
    catalog_read_on = serializers.DateField(
        allow_null=True, help_text="When CloudRoute last read the Region's inference profiles."
    )
    tiers = SetupTierSerializer(many=True)
    iam_policy = serializers.DictField(
        help_text="An IAM identity policy (JSON) allowing exactly the calls the kit makes."
    )
    converse_snippet = serializers.CharField(help_text="Python (boto3) calling each tier.")


class QuotaSerializer(Serializer):
    scope = serializers.ChoiceField(choices=["global", "cross_region", "on_demand"])
    requests_per_minute = serializers.IntegerField(allow_null=True)
    tokens_per_minute = serializers.IntegerField(allow_null=True)
    # A field named like Field.source: the serializer metaclass takes it off the class.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["account", "default"],
        help_text="account: read from the founder's Service Quotas; default: AWS's published "
        "default as of `read_on` (new accounts often get less).",
    )
    read_on = serializers.DateField()
    reference = serializers.CharField()


class TierLoadSerializer(Serializer):
    tier = serializers.ChoiceField(choices=["haiku", "sonnet", "opus"])
    model_id = serializers.CharField()
    name = serializers.CharField()
    share = serializers.CharField()
    peak_rpm = serializers.IntegerField(help_text="Peak requests per minute (on demand).")
    peak_input_tpm = serializers.IntegerField()
    peak_output_tpm = serializers.IntegerField()
    peak_cache_read_tpm = serializers.IntegerField(
        help_text="Input tokens read from the prompt cache, which the quota does not count."
    )
    output_burndown = serializers.IntegerField(
        help_text="Each output token takes this many tokens of the tokens-per-minute quota."
    )
    peak_quota_tpm = serializers.IntegerField(
        help_text="What the peak minute takes from the tokens-per-minute quota."
    )
    quota = QuotaSerializer(allow_null=True)
    rpm_used = serializers.CharField(allow_null=True, help_text="Percent of the RPM quota.")
    tpm_used = serializers.CharField(allow_null=True, help_text="Percent of the TPM quota.")
    shortfalls = serializers.ListField(child=serializers.CharField())


class ThroughputSerializer(Serializer):
    peak_factor = serializers.CharField(help_text="Peak minute over the average minute.")
    month = serializers.IntegerField(help_text="The month whose traffic is checked (1).")
    models = TierLoadSerializer(many=True)
