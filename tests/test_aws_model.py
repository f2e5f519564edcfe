"""tests.aws_model bites: each rule Stubber and botocore leave out (enums, patterns, lengths,
ranges, required and unknown members, a response's own patterns) is reported with its path,
and ModelStubber stops a real call whose params break the model. Real botocore models only."""

import datetime as dt
import re

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber
from moto import mock_aws

from tests.aws_model import (
    ModelStubber,
    check_requests,
    model_problems,
    request_problems,
    response_problems,
    stubbed_client,
)

ROLE_ARN = "arn:aws:iam::123456789012:role/CloudRouteCosts"
OPPORTUNITY = {"Id": "O4236435", "LastModifiedDate": dt.datetime(2026, 11, 30, tzinfo=dt.UTC)}
LISTED = {"OpportunitySummaries": []}


def assume_role(**overrides) -> dict:
    return {"RoleArn": ROLE_ARN, "RoleSessionName": "cloudroute-costs"} | overrides


def costs_request(**overrides) -> dict:
    return {
        "TimePeriod": {"Start": "2026-09-01", "End": "2026-10-01"},
        "Granularity": "MONTHLY",
        "Metrics": ["UnblendedCost"],
    } | overrides


@pytest.fixture(scope="module")
def sts():
    return stubbed_client("sts")


@pytest.fixture(scope="module")
def selling():
    return stubbed_client("partnercentral-selling")


# --- the rules ------------------------------------------------------------------------------


def test_a_valid_request_has_no_problems(sts):
    assert request_problems(sts, "assume_role", assume_role(ExternalId="xyz-123")) == []


def test_a_value_outside_the_enum_is_named_with_the_first_values(selling):
    ce = stubbed_client("ce")
    assert request_problems(ce, "get_cost_and_usage", costs_request(Granularity="WEEKLY")) == [
        "GetCostAndUsage.Granularity='WEEKLY' is not one of the enum (DAILY, MONTHLY, HOURLY)"
    ]
    # A long enum is cut to its first values and a count.
    request = {"Catalog": "Sandbox", "LifeCycleStage": ["Won"]}
    (problem,) = request_problems(selling, "list_opportunities", request)
    assert problem == (
        "ListOpportunities.LifeCycleStage[0]='Won' is not one of the enum (Prospect, "
        "Qualified, Technical Validation, Business Validation, Committed, ... 7 in all)"
    )


def test_a_string_over_its_max_length(sts):
    assert request_problems(sts, "assume_role", assume_role(RoleSessionName="x" * 65)) == [
        "AssumeRole.RoleSessionName has length 65, over the max 64"
    ]


def test_a_pattern_must_match_the_whole_value(sts):
    problems = request_problems(
        sts, "assume_role", assume_role(ExternalId="x", SourceIdentity="a b")
    )
    assert problems == [
        "AssumeRole.ExternalId has length 1, under the min 2",
        r"AssumeRole.SourceIdentity='a b' does not match the pattern [\w+=,.@-]*",
    ]
    # [\w+=,.@-]* matches the empty start of "a b": only a full match catches it.
    assert request_problems(sts, "assume_role", assume_role(ExternalId="id with spaces")) == [
        r"AssumeRole.ExternalId='id with spaces' does not match the pattern [\w+=,.@:\/-]*"
    ]


def test_a_missing_required_member(sts):
    assert request_problems(sts, "assume_role", {"RoleArn": ROLE_ARN}) == [
        "AssumeRole.RoleSessionName is required by AssumeRoleRequest but missing"
    ]


def test_a_number_outside_its_range_or_of_the_wrong_type(selling):
    def problems(max_results):
        request = {"Catalog": "Sandbox", "MaxResults": max_results}
        return request_problems(selling, "list_opportunities", request)

    assert problems(500) == ["ListOpportunities.MaxResults=500 is over the max 100"]
    assert problems(0) == ["ListOpportunities.MaxResults=0 is under the min 1"]
    assert problems(True) == [
        "ListOpportunities.MaxResults=True is a bool, not a integer (PageSize)"
    ]
    assert problems(100) == []


def test_an_unknown_member_deep_in_the_request(selling):
    request = {
        "Catalog": "Sandbox",
        "ClientToken": "token-1",
        "Customer": {"Account": {"CompanyName": "Acme", "Address": {"State": "WA"}}},
    }
    (problem,) = request_problems(selling, "create_opportunity", request)
    assert problem.startswith("CreateOpportunity.Customer.Account.Address.State is not a member")


def test_a_missing_idempotency_token_is_no_problem(selling):
    # botocore fills ClientToken (required, idempotencyToken) with a uuid4 before sending.
    assert request_problems(selling, "create_opportunity", {"Catalog": "Sandbox"}) == []


def test_a_response_is_held_to_its_own_patterns(selling):
    bad = OPPORTUNITY | {"Id": "opp-123", "ResponseMetadata": {"HTTPStatusCode": 200}}
    assert response_problems(selling, "create_opportunity", bad) == [
        "CreateOpportunity(response).Id='opp-123' does not match the pattern O[0-9]{1,19}"
    ]
    assert response_problems(selling, "create_opportunity", OPPORTUNITY) == []


def test_java_unicode_classes_are_read_as_java_reads_them(sts):
    pattern = sts.meta.service_model.shape_for("tagKeyType").metadata["pattern"]
    with pytest.raises(re.error):
        re.compile(pattern)  # \p{L}: why the `regex` package
    unicode = assume_role(Tags=[{"Key": "Équipe", "Value": "Données été 2026"}])
    assert request_problems(sts, "assume_role", unicode) == []
    (problem,) = request_problems(
        sts, "assume_role", assume_role(Tags=[{"Key": "team!", "Value": "ok"}])
    )
    assert problem.startswith("AssumeRole.Tags[0].Key='team!' does not match the pattern")


def test_any_is_never_a_problem(sts):
    shape = sts.meta.service_model.operation_model("AssumeRole").input_shape
    assert model_problems(shape, {"RoleArn": ANY, "RoleSessionName": ANY}) == []


# --- ModelStubber ---------------------------------------------------------------------------


def test_a_real_call_with_bad_params_raises_before_it_is_answered(selling):
    with ModelStubber(selling) as stubber:
        stubber.add_response("list_opportunities", LISTED)
        with pytest.raises(AssertionError) as raised:
            selling.list_opportunities(Catalog="Sand box", MaxResults=500)

        assert str(raised.value) == (
            "the call to ListOpportunities breaks botocore's model:\n"
            "- ListOpportunities.Catalog='Sand box' does not match the pattern [a-zA-Z]+\n"
            "- ListOpportunities.MaxResults=500 is over the max 100"
        )
        assert selling.list_opportunities(Catalog="Sandbox", MaxResults=100) == LISTED


def test_the_actual_params_are_checked_when_expected_ones_allow_anything(selling):
    with ModelStubber(selling) as stubber:
        stubber.add_response("list_opportunities", LISTED, {"Catalog": ANY, "MaxResults": ANY})
        with pytest.raises(AssertionError, match="MaxResults=0 is under the min 1"):
            selling.list_opportunities(Catalog="Sandbox", MaxResults=0)


def test_a_stubbed_response_or_expected_params_off_the_model_fail_when_added(selling):
    with ModelStubber(selling) as stubber:
        with pytest.raises(AssertionError, match=r"Id='opp-123' does not match"):
            stubber.add_response("create_opportunity", OPPORTUNITY | {"Id": "opp-123"})
        with pytest.raises(AssertionError, match="MaxResults=500 is over the max 100"):
            stubber.add_response(
                "list_opportunities", LISTED, {"Catalog": "AWS", "MaxResults": 500}
            )
        stubber.assert_no_pending_responses()


def test_a_client_error_is_not_validated_but_the_call_still_is(selling):
    with ModelStubber(selling) as stubber:
        stubber.add_client_error("list_opportunities", "ValidationException")
        with pytest.raises(AssertionError, match="MaxResults=500"):
            selling.list_opportunities(Catalog="Sandbox", MaxResults=500)
        with pytest.raises(ClientError):
            selling.list_opportunities(Catalog="Sandbox")


def test_deactivating_removes_the_request_check():
    client = stubbed_client("partnercentral-selling")
    with ModelStubber(client):
        pass
    with Stubber(client) as plain:
        plain.add_response("list_opportunities", LISTED)
        # Only botocore's own validation is left, and it ignores maximums.
        assert client.list_opportunities(Catalog="Sandbox", MaxResults=500) == LISTED


def test_check_requests_holds_a_moto_client_to_the_model():
    with mock_aws():
        ce = check_requests(stubbed_client("ce"))
        with pytest.raises(AssertionError, match="Granularity='WEEKLY'"):
            ce.get_cost_and_usage(**costs_request(Granularity="WEEKLY"))
