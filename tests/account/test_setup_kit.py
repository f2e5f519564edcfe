"""The Bedrock setup kit: ids from the catalog, a least-privilege policy, a Converse snippet."""

import ast
import fnmatch
import json

import boto3
import pytest
from moto import mock_aws

from tests.bedrock_account import (
    HAIKU,
    OPUS,
    READER_ACCOUNT,
    SONNET,
    US_REGIONS,
    bedrock_profiles_stub,
    fm_arn,
    load_profiles,
)
from tests.factories import WorkloadFactory
from workloads import selectors
from workloads.models import InferenceProfile
from workloads.services import inference_profiles_refresh

pytestmark = pytest.mark.django_db
ACCOUNT = "210987654321"


def kit_for(**workload):
    row = WorkloadFactory(startup__aws_account_id=ACCOUNT, **workload)
    return selectors.setup_kit_for(workload=row, account_id=ACCOUNT)


def statements(kit) -> dict[str, dict]:
    return {statement["Sid"]: statement for statement in kit["iam_policy"]["Statement"]}


def invoke_resources(kit) -> set[str]:
    """Everything the policy lets the founder invoke (profiles, and models behind them)."""
    found = statements(kit)
    return set(found["InvokeClaudeProfiles"]["Resource"]) | set(
        found["ModelsBehindTheProfiles"]["Resource"]
    )


def test_the_refresh_stores_the_regions_claude_profiles_and_drops_retired_ones():
    assert load_profiles() == 6  # three tiers x (global, us); Nova is not Claude
    row = InferenceProfile.objects.get(region="us-west-2", profile_id=f"us.{HAIKU}")
    assert row.model_id == HAIKU
    assert row.model_arns == [fm_arn(HAIKU, region) for region in US_REGIONS]
    assert load_profiles(models=(HAIKU,)) == 2
    assert set(InferenceProfile.objects.values_list("profile_id", flat=True)) == {
        f"global.{HAIKU}",
        f"us.{HAIKU}",
    }


def test_an_empty_listing_deletes_nothing():
    load_profiles()
    client, stubber = bedrock_profiles_stub(pages=[{"inferenceProfileSummaries": []}])
    with stubber:
        assert inference_profiles_refresh(region="us-west-2", bedrock_client=client) == 0
    assert InferenceProfile.objects.count() == 6


def test_each_tier_is_called_by_the_profile_the_catalog_listed():
    load_profiles()
    kit = kit_for(endpoint="global", escalation_sonnet=0.1, escalation_opus=0.02)
    by_tier = {row["tier"]: row for row in kit["tiers"]}
    assert by_tier["haiku"]["profile_id"] == f"global.{HAIKU}"
    assert by_tier["sonnet"]["profile_id"] == f"global.{SONNET}"
    assert by_tier["opus"]["profile_id"] == f"global.{OPUS}"
    # The profile ARN is the founder's account's, not the one that read the catalog.
    assert by_tier["haiku"]["profile_arn"] == (
        f"arn:aws:bedrock:us-west-2:{ACCOUNT}:inference-profile/global.{HAIKU}"
    )
    assert READER_ACCOUNT not in json.dumps(kit)
    regional = kit_for(endpoint="regional", escalation_sonnet=0.1)
    assert {row["tier"]: row["profile_id"] for row in regional["tiers"]}["haiku"] == f"us.{HAIKU}"


def test_the_policy_allows_exactly_the_used_tiers_profiles_and_their_models():
    load_profiles()
    kit = kit_for(endpoint="regional", escalation_sonnet=0.1, escalation_opus=0, batch_share=0)
    expected = {
        f"arn:aws:bedrock:us-west-2:{ACCOUNT}:inference-profile/us.{HAIKU}",
        f"arn:aws:bedrock:us-west-2:{ACCOUNT}:inference-profile/us.{SONNET}",
        *(fm_arn(model, region) for model in (HAIKU, SONNET) for region in US_REGIONS),
    }
    assert invoke_resources(kit) == expected  # Opus takes 0% of requests: not allowed
    found = statements(kit)
    assert set(found) == {"InvokeClaudeProfiles", "ModelsBehindTheProfiles"}
    for statement in found.values():
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == [
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream",
        ]
    # The models answer only through the two profiles, never called directly.
    assert found["ModelsBehindTheProfiles"]["Condition"] == {
        "ArnLike": {
            "bedrock:InferenceProfileArn": sorted(found["InvokeClaudeProfiles"]["Resource"])
        }
    }
    opus = {row["tier"]: row for row in kit["tiers"]}["opus"]
    assert opus["used"] is False and opus["profile_id"] == f"us.{OPUS}"


def test_batch_adds_only_job_creation_on_the_same_resources():
    load_profiles()
    kit = kit_for(endpoint="global", escalation_sonnet=0.05, escalation_opus=0, batch_share=0.3)
    batch = statements(kit)["BatchInvocationJobs"]
    assert batch["Action"] == ["bedrock:CreateModelInvocationJob"]
    assert set(batch["Resource"]) == invoke_resources(kit) | {
        f"arn:aws:bedrock:us-west-2:{ACCOUNT}:model-invocation-job/*"
    }
    # A global profile routes worldwide: every Region AWS lists for it is allowed.
    assert fm_arn(HAIKU, "ap-northeast-1") in invoke_resources(kit)


@mock_aws
def test_the_policy_is_a_valid_iam_document():
    """IAM's own grammar (moto validates a policy document as CreatePolicy does)."""
    load_profiles()
    kit = kit_for(endpoint="global", escalation_sonnet=0.1, escalation_opus=0.02, batch_share=0.2)
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_policy(PolicyName="cloudroute-kit", PolicyDocument=json.dumps(kit["iam_policy"]))
    broken = {**kit["iam_policy"], "Statement": [{"Effect": "Allow", "Resource": "x"}]}
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.create_policy(PolicyName="broken", PolicyDocument=json.dumps(broken))


def test_a_tier_without_a_listed_profile_says_so_and_is_left_out():
    load_profiles(models=(HAIKU, OPUS))
    kit = kit_for(endpoint="global", escalation_sonnet=0.1)
    sonnet = {row["tier"]: row for row in kit["tiers"]}["sonnet"]
    assert sonnet["profile_id"] is None
    assert (
        "No global inference profile for Claude Sonnet 5 is listed in us-west-2"
        in (sonnet["missing"])
    )
    assert not any(SONNET in arn for arn in invoke_resources(kit))


def test_a_region_never_read_gives_an_empty_policy_and_says_why():
    kit = kit_for(endpoint="global")
    assert kit["iam_policy"]["Statement"] == []
    assert "No tier of this workload" in kit["converse_snippet"]
    assert kit["catalog_read_on"] is None
    assert all("has not read this Region yet" in row["missing"] for row in kit["tiers"])


def test_without_an_account_id_the_profile_arn_names_any_account():
    load_profiles()
    row = WorkloadFactory(startup__aws_account_id="")
    kit = selectors.setup_kit_for(workload=row, account_id="")
    pattern = f"arn:aws:bedrock:us-west-2:*:inference-profile/global.{HAIKU}"
    assert pattern in invoke_resources(kit)
    # The models answer through the profile the founder's account really calls: ArnLike
    # matches the wildcard (StringEquals would never match, and every call would be denied).
    condition = statements(kit)["ModelsBehindTheProfiles"]["Condition"]
    assert list(condition) == ["ArnLike"]
    real = f"arn:aws:bedrock:us-west-2:{ACCOUNT}:inference-profile/global.{HAIKU}"
    patterns = condition["ArnLike"]["bedrock:InferenceProfileArn"]
    assert any(fnmatch.fnmatchcase(real, pattern) for pattern in patterns)


def test_a_profile_aws_no_longer_lists_as_active_is_not_offered():
    load_profiles()
    InferenceProfile.objects.filter(profile_id=f"global.{SONNET}").update(status="INACTIVE")
    kit = kit_for(endpoint="global", escalation_sonnet=0.1)
    sonnet = {row["tier"]: row for row in kit["tiers"]}["sonnet"]
    assert sonnet["profile_id"] is None
    assert not any(SONNET in arn for arn in invoke_resources(kit))


def test_the_snippet_is_python_with_the_ids_and_the_cache_checkpoint_after_the_prefix():
    load_profiles()
    kit = kit_for(
        endpoint="global", input_tokens=6000, cached_prefix_tokens=5000, output_tokens=300
    )
    snippet = kit["converse_snippet"]
    tree = ast.parse(snippet)
    models = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id == "MODELS"
    )
    assert ast.literal_eval(models) == {"haiku": f"global.{HAIKU}", "sonnet": f"global.{SONNET}"}
    assert '{"text": SYSTEM_PREFIX}, {"cachePoint": {"type": "default"}}' in snippet
    assert '"maxTokens": 600' in snippet


def test_no_checkpoint_when_the_prefix_is_below_every_tiers_minimum():
    load_profiles()
    # Haiku 4.5 caches from 4,096 tokens, Sonnet 5 from its own minimum; 500 is below both.
    kit = kit_for(endpoint="global", input_tokens=900, cached_prefix_tokens=500)
    assert "cachePoint" not in kit["converse_snippet"]
    assert "No cache checkpoint" in kit["converse_snippet"]
