"""The adapters that read a founder's Bedrock account (credits/aws/usage.py): quota names,
Service Quotas pages (held to botocore's model by ModelStubber) and CloudWatch's AWS/Bedrock
metrics (served by moto). No database: the adapters take clients and return plain values."""

import datetime as dt

import boto3
import pytest
from moto import mock_aws

from credits.aws.usage import (
    base_model_id,
    bedrock_quotas,
    daily_usage,
    model_dimensions,
    parse_quota_name,
)
from tests.aws_model import ModelStubber, stubbed_client
from tests.bedrock_account import HAIKU, OPUS, SONNET, put_usage_day, quota, service_quotas_stub

# The model names as Service Quotas spells them -> model ids (what bedrock_quotas_import
# passes, built from workloads.quota_data.DEFAULT_QUOTAS).
MODEL_NAMES = {
    "anthropic claude haiku 4.5": HAIKU,
    "anthropic claude sonnet 5": SONNET,
    "anthropic claude opus 4.8": OPUS,
}
DAY = dt.date(2026, 10, 1)


def _quotas_of(quotas: list[dict]) -> list[dict]:
    """bedrock_quotas over one stubbed list_service_quotas page holding `quotas`."""
    client, stubber = service_quotas_stub(quotas)
    with stubber:
        found = bedrock_quotas(client, model_names=MODEL_NAMES)
    stubber.assert_no_pending_responses()
    return found


# --- parse_quota_name ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5",
            ("cross_region", "tokens", "Anthropic Claude Haiku 4.5"),
        ),
        (
            "Global cross-region model inference requests per minute for Anthropic Claude Sonnet 5",
            ("global", "requests", "Anthropic Claude Sonnet 5"),
        ),
        (
            "On-demand model inference tokens per minute for Anthropic Claude Opus 4.8",
            ("on_demand", "tokens", "Anthropic Claude Opus 4.8"),
        ),
        # The newer "InvokeModel" spelling the User Guide documents.
        (
            "Cross-Region InvokeModel requests per minute for Anthropic Claude 3.5 Haiku",
            ("cross_region", "requests", "Anthropic Claude 3.5 Haiku"),
        ),
        (
            "On-demand InvokeModel tokens per minute for Anthropic Claude Sonnet 4.6",
            ("on_demand", "tokens", "Anthropic Claude Sonnet 4.6"),
        ),
        # Surrounding blanks do not matter.
        (
            "  On-demand model inference tokens per minute for Anthropic Claude Opus 4.8 ",
            ("on_demand", "tokens", "Anthropic Claude Opus 4.8"),
        ),
    ],
)
def test_parse_quota_name_reads_old_and_new_per_minute_names(name, expected):
    assert parse_quota_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Global cross-region model inference tokens per day for Anthropic Claude Haiku 4.5",
        "Model invocation max tokens per day for Anthropic Claude Haiku 4.5",
        "Model invocation max tokens per day for Anthropic Claude Haiku 4.5 (doubled for "
        "cross-region calls)",
        "Batch inference job size (in GB) for Anthropic Claude Haiku 4.5",
        "Cross-region model inference tokens per minute for",
        "",
    ],
)
def test_parse_quota_name_is_none_for_names_that_are_not_per_minute(name):
    assert parse_quota_name(name) is None


# --- bedrock_quotas --------------------------------------------------------------------------


def test_bedrock_quotas_keeps_the_known_models_per_minute_quotas():
    found = _quotas_of(
        [
            quota(
                "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5",
                "L-AAAA0001",
                4_000_000.0,
            ),
            quota(
                "Global cross-region model inference requests per minute for "
                "Anthropic Claude Sonnet 5",
                "L-AAAA0002",
                250.0,
            ),
        ]
    )
    assert found == [
        {
            "quota_code": "L-AAAA0001",
            "name": "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5",
            "model_id": HAIKU,
            "scope": "cross_region",
            "kind": "tokens",
            "value": 4_000_000,
        },
        {
            "quota_code": "L-AAAA0002",
            "name": "Global cross-region model inference requests per minute for "
            "Anthropic Claude Sonnet 5",
            "model_id": SONNET,
            "scope": "global",
            "kind": "requests",
            "value": 250,
        },
    ]
    assert all(isinstance(row["value"], int) for row in found)


def test_bedrock_quotas_matches_model_names_case_insensitively():
    [found] = _quotas_of(
        [
            quota(
                "On-demand model inference tokens per minute for ANTHROPIC claude opus 4.8",
                "L-1",
                9,
            )
        ]
    )
    assert (found["model_id"], found["scope"]) == (OPUS, "on_demand")


def test_bedrock_quotas_skips_unknown_models_and_per_day_quotas():
    found = _quotas_of(
        [
            quota(
                "Cross-region model inference tokens per minute for Meta Llama 4 Scout",
                "L-00000001",
                1_000_000.0,
            ),
            quota(
                "Global cross-region model inference tokens per day for Anthropic Claude Haiku 4.5",
                "L-00000002",
                7_200_000_000.0,
            ),
            quota(
                "Model invocation max tokens per day for Anthropic Claude Haiku 4.5",
                "L-00000003",
                7_200_000_000.0,
            ),
            quota(
                "Cross-region model inference requests per minute for Anthropic Claude Haiku 4.5",
                "L-00000004",
                2_000.0,
            ),
        ]
    )
    assert [row["quota_code"] for row in found] == ["L-00000004"]


class _PagesClient:
    """A client whose paginator yields `pages` as they are: for answers botocore's model (and
    so any Stubber) refuses, which the adapter must still survive."""

    def __init__(self, pages: list):
        self.pages = pages
        self.requests: list[tuple[str, dict]] = []

    def get_paginator(self, operation: str):
        client = self

        class _Paginator:
            def paginate(self, **request):
                client.requests.append((operation, request))
                return iter(client.pages)

        return _Paginator()


@pytest.mark.parametrize("value", [True, False, -1.0, "100", None])
def test_bedrock_quotas_skips_a_value_it_cannot_read(value, caplog):
    """AWS's model allows no such Value (a double from 0): read defensively anyway."""
    good = "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5"
    bad = {**quota(good, "L-BAD00001", 1.0), "Value": value}
    if value is None:
        del bad["Value"]
    client = _PagesClient([{"Quotas": [bad, quota(good, "L-GOOD0001", 10.0)]}])
    found = bedrock_quotas(client, model_names=MODEL_NAMES)
    assert client.requests == [("list_service_quotas", {"ServiceCode": "bedrock"})]
    assert [(row["quota_code"], row["value"]) for row in found] == [("L-GOOD0001", 10)]
    assert "L-BAD00001 has no readable value" in caplog.text


def test_bedrock_quotas_survives_malformed_pages():
    good = quota(
        "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5", "L-OK", 5
    )
    client = _PagesClient(
        [
            "not a page",
            {"Quotas": None},
            {"Quotas": ["not a quota", {**good, "QuotaName": 42}, {**good, "QuotaCode": None}]},
            {"Quotas": [good]},
        ]
    )
    assert [row["quota_code"] for row in bedrock_quotas(client, model_names=MODEL_NAMES)] == [
        "L-OK"
    ]


def test_bedrock_quotas_accepts_a_zero_quota():
    [found] = _quotas_of(
        [
            quota(
                "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5",
                "L-Z",
                0,
            )
        ]
    )
    assert found["value"] == 0


def test_bedrock_quotas_reads_every_page():
    client = stubbed_client("service-quotas", region_name="us-west-2")
    stubber = ModelStubber(client)
    first = quota(
        "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5",
        "L-PAGE0001",
        100.0,
    )
    second = quota(
        "Cross-region model inference tokens per minute for Anthropic Claude Opus 4.8",
        "L-PAGE0002",
        200.0,
    )
    stubber.add_response(
        "list_service_quotas",
        {"Quotas": [first], "NextToken": "cGFnZTI="},
        {"ServiceCode": "bedrock"},
    )
    stubber.add_response(
        "list_service_quotas",
        {"Quotas": [second]},
        {"ServiceCode": "bedrock", "NextToken": "cGFnZTI="},
    )
    with stubber:
        found = bedrock_quotas(client, model_names=MODEL_NAMES)
    stubber.assert_no_pending_responses()
    assert [(row["quota_code"], row["model_id"]) for row in found] == [
        ("L-PAGE0001", HAIKU),
        ("L-PAGE0002", OPUS),
    ]


def test_bedrock_quotas_of_an_empty_answer_is_empty():
    assert _quotas_of([]) == []


# --- base_model_id ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "us.", "eu.", "apac.", "global.", "us-gov.", "jp."])
def test_base_model_id_strips_an_inference_profile_prefix(prefix):
    assert base_model_id(f"{prefix}{HAIKU}") == HAIKU


@pytest.mark.parametrize(
    "dimension",
    [
        "amazon.nova-lite-v1:0",
        "us.amazon.nova-lite-v1:0",
        "meta.llama3-70b-instruct-v1:0",
        "arn:aws:bedrock:us-west-2:210987654321:inference-profile/us.anthropic.claude-x",
        "",
    ],
)
def test_base_model_id_is_none_for_other_providers(dimension):
    assert base_model_id(dimension) is None


def test_base_model_id_strips_one_prefix_only():
    assert base_model_id(f"us.eu.{HAIKU}") is None


# --- model_dimensions and daily_usage (moto CloudWatch) ---------------------------------------


@pytest.fixture
def cw():
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-west-2")


def _put_other_dimension_set(cw_client, *, dimension: str, day: dt.date, value: int) -> None:
    """An Invocations metric with ModelId and another dimension: not the per-model metric."""
    cw_client.put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [
                    {"Name": "ModelId", "Value": dimension},
                    {"Name": "Operation", "Value": "Converse"},
                ],
                "Timestamp": dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
                "Value": value,
            }
        ],
    )


def test_model_dimensions_lists_the_claude_model_ids_only(cw):
    put_usage_day(cw, dimension=f"us.{HAIKU}", day=DAY, invocations=5)
    put_usage_day(cw, dimension=SONNET, day=DAY, invocations=5)
    put_usage_day(cw, dimension=f"global.{OPUS}", day=DAY, invocations=5)
    put_usage_day(cw, dimension="amazon.nova-lite-v1:0", day=DAY, invocations=5)
    put_usage_day(cw, dimension="us.amazon.nova-lite-v1:0", day=DAY, invocations=5)
    # Another metric name only: model_dimensions reads the Invocations metrics.
    put_usage_day(cw, dimension=f"eu.{HAIKU}", day=DAY, input_tokens=5)
    assert model_dimensions(cw) == sorted([f"us.{HAIKU}", SONNET, f"global.{OPUS}"])


def test_model_dimensions_skips_metrics_with_another_dimension_set(cw):
    _put_other_dimension_set(cw, dimension=f"apac.{HAIKU}", day=DAY, value=3)
    put_usage_day(cw, dimension=f"us.{HAIKU}", day=DAY, invocations=5)
    assert model_dimensions(cw) == [f"us.{HAIKU}"]


def test_model_dimensions_of_an_account_without_metrics_is_empty(cw):
    assert model_dimensions(cw) == []


def test_daily_usage_sums_each_metric_per_model_and_day(cw):
    profile = f"us.{HAIKU}"
    put_usage_day(
        cw,
        dimension=profile,
        day=DAY,
        invocations=10,
        input_tokens=1000,
        output_tokens=200,
        cache_read_tokens=3000,
        cache_write_tokens=400,
    )
    put_usage_day(cw, dimension=profile, day=DAY, invocations=5, input_tokens=500)  # same day
    put_usage_day(cw, dimension=profile, day=DAY + dt.timedelta(days=1), invocations=7)
    put_usage_day(cw, dimension=SONNET, day=DAY, invocations=2, output_tokens=40)
    usage = daily_usage(
        cw,
        dimensions=[profile, SONNET],
        start=DAY - dt.timedelta(days=2),
        end=DAY + dt.timedelta(days=3),
    )
    assert usage == {
        (profile, DAY): {
            "invocations": 15,
            "input_tokens": 1500,
            "output_tokens": 200,
            "cache_read_tokens": 3000,
            "cache_write_tokens": 400,
        },
        (profile, DAY + dt.timedelta(days=1)): {"invocations": 7},
        (SONNET, DAY): {"invocations": 2, "output_tokens": 40},
    }


def test_daily_usage_ignores_a_metric_with_another_dimension_set(cw):
    put_usage_day(cw, dimension=f"us.{HAIKU}", day=DAY, invocations=4)
    _put_other_dimension_set(cw, dimension=f"us.{HAIKU}", day=DAY, value=1000)
    usage = daily_usage(cw, dimensions=[f"us.{HAIKU}"], start=DAY, end=DAY + dt.timedelta(days=1))
    assert usage == {(f"us.{HAIKU}", DAY): {"invocations": 4}}


def test_daily_usage_leaves_out_days_outside_the_window(cw):
    for back in range(0, 5):
        put_usage_day(cw, dimension=HAIKU, day=DAY - dt.timedelta(days=back), invocations=1)
    usage = daily_usage(
        cw, dimensions=[HAIKU], start=DAY - dt.timedelta(days=2), end=DAY
    )  # end exclusive
    assert sorted(day for _, day in usage) == [
        DAY - dt.timedelta(days=2),
        DAY - dt.timedelta(days=1),
    ]


def test_daily_usage_splits_many_models_over_several_calls(cw, monkeypatch):
    """More queries than one get_metric_data call takes: each model still gets its sums."""
    monkeypatch.setattr("credits.aws.usage.QUERIES_PER_CALL", 7)  # 5 queries per model
    dimensions = [f"{prefix}.{HAIKU}" for prefix in ("us", "eu", "apac", "global")]
    for number, dimension in enumerate(dimensions, start=1):
        put_usage_day(cw, dimension=dimension, day=DAY, invocations=number, output_tokens=number)
    usage = daily_usage(cw, dimensions=dimensions, start=DAY, end=DAY + dt.timedelta(days=1))
    assert usage == {
        (dimension, DAY): {"invocations": number, "output_tokens": number}
        for number, dimension in enumerate(dimensions, start=1)
    }
