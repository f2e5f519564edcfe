"""A founder's Bedrock account for tests: the catalog's inference profiles in a Region, the
account's quotas and its CloudWatch metrics, as AWS answers them (held to botocore's model by
tests.aws_model.ModelStubber, or served by moto).

The profiles follow AWS's documented shapes: a `global.` profile routes to commercial Regions
worldwide (five here), a geographic `us.` profile to us-east-1, us-east-2 and us-west-2; each
lists one foundation-model ARN per Region (botocore's model requires the Region in it).
The model ids are the shipped price book's tier defaults.
"""

import datetime as dt

from tests.aws_model import ModelStubber, stubbed_client

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET = "anthropic.claude-sonnet-5"
OPUS = "anthropic.claude-opus-4-8"
US_REGIONS = ("us-east-1", "us-east-2", "us-west-2")
GLOBAL_REGIONS = (*US_REGIONS, "eu-west-1", "ap-northeast-1")
READER_ACCOUNT = "111122223333"  # CloudRoute's own account, which reads the catalog


def fm_arn(model_id: str, region: str) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{model_id}"


def profile_summary(profile_id: str, *, region: str, model_id: str) -> dict:
    """One `inferenceProfileSummaries` item as list_inference_profiles returns it."""
    regions = GLOBAL_REGIONS if profile_id.startswith("global.") else US_REGIONS
    arns = [fm_arn(model_id, r) for r in regions]
    return {
        "inferenceProfileName": f"Profile {profile_id.split('.')[0]} {model_id.split('.')[1]}",
        "inferenceProfileArn": (
            f"arn:aws:bedrock:{region}:{READER_ACCOUNT}:inference-profile/{profile_id}"
        ),
        "inferenceProfileId": profile_id,
        "models": [{"modelArn": arn} for arn in arns],
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
        "createdAt": dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    }


def profiles_page(region: str = "us-west-2", models=(HAIKU, SONNET, OPUS)) -> dict:
    summaries = []
    for model_id in models:
        for prefix in ("global", "us"):
            summaries.append(
                profile_summary(f"{prefix}.{model_id}", region=region, model_id=model_id)
            )
    # Another provider's profile, which the kit never offers.
    summaries.append(
        profile_summary("us.amazon.nova-lite-v1:0", region=region, model_id="amazon.nova-lite-v1:0")
    )
    return {"inferenceProfileSummaries": summaries}


def bedrock_profiles_stub(region: str = "us-west-2", pages=None):
    client = stubbed_client("bedrock", region_name=region)
    stubber = ModelStubber(client)
    token = None
    for page in pages or [profiles_page(region)]:
        expected = {"typeEquals": "SYSTEM_DEFINED", **({"nextToken": token} if token else {})}
        stubber.add_response("list_inference_profiles", page, expected)
        token = page.get("nextToken")
    return client, stubber


def load_profiles(region: str = "us-west-2", models=(HAIKU, SONNET, OPUS)) -> int:
    """Store the profiles of `region` through the real refresh service."""
    from workloads.services import inference_profiles_refresh

    client, stubber = bedrock_profiles_stub(region, pages=[profiles_page(region, models)])
    with stubber:
        return inference_profiles_refresh(region=region, bedrock_client=client)


def quota(name: str, code: str, value: float, region: str = "us-west-2") -> dict:
    return {
        "ServiceCode": "bedrock",
        "ServiceName": "Amazon Bedrock",
        "QuotaArn": f"arn:aws:servicequotas:{region}:210987654321:bedrock/{code}",
        "QuotaCode": code,
        "QuotaName": name,
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


def service_quotas_stub(quotas: list[dict], region: str = "us-west-2"):
    client = stubbed_client("service-quotas", region_name=region)
    stubber = ModelStubber(client)
    stubber.add_response("list_service_quotas", {"Quotas": quotas}, {"ServiceCode": "bedrock"})
    return client, stubber


def put_usage_day(cw_client, *, dimension: str, day: dt.date, **counts: int) -> None:
    """One day of a ModelId's runtime metrics, as Bedrock publishes them to CloudWatch (moto)."""
    names = {
        "invocations": "Invocations",
        "input_tokens": "InputTokenCount",
        "output_tokens": "OutputTokenCount",
        "cache_read_tokens": "CacheReadInputTokenCount",
        "cache_write_tokens": "CacheWriteInputTokenCount",
    }
    stamp = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    cw_client.put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {
                "MetricName": names[field],
                "Dimensions": [{"Name": "ModelId", "Value": dimension}],
                "Timestamp": stamp,
                "Value": value,
            }
            for field, value in counts.items()
        ],
    )
