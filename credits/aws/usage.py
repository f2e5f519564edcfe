"""What a startup's Bedrock account really does: its quotas (Service Quotas) and its daily
runtime metrics (CloudWatch `AWS/Bedrock`), read through the role the founder granted.

Adapters only: each function takes a boto3 client (service-quotas or cloudwatch, in the
workload's Region) made elsewhere (credits.services.usage) and returns plain values. Nothing
here touches the database. Answers are read defensively: what we cannot read is skipped and
logged, never guessed at.
"""

import datetime as dt
import logging
import re
from typing import Any

from workloads.aws.paging import dicts, pages

logger = logging.getLogger(__name__)

NAMESPACE = "AWS/Bedrock"
DIMENSION = "ModelId"
# CloudWatch metric -> BedrockUsageDay field
METRICS = {
    "Invocations": "invocations",
    "InputTokenCount": "input_tokens",
    "OutputTokenCount": "output_tokens",
    "CacheReadInputTokenCount": "cache_read_tokens",
    "CacheWriteInputTokenCount": "cache_write_tokens",
}
DAY_SECONDS = 86_400
QUERIES_PER_CALL = 500  # get_metric_data's limit on MetricDataQueries
# Service Quotas names, older and newer: "Global cross-region model inference tokens per
# minute for Anthropic Claude Sonnet 4.5 V1", "Cross-Region InvokeModel requests per minute
# for ...", "On-demand model inference tokens per minute for ...".
_QUOTA_NAME = re.compile(
    r"^(?P<scope>global cross-region|cross-region|on-demand)\s+"
    r"(?:model inference|invokemodel)\s+(?P<kind>requests|tokens)\s+per\s+minute\s+for\s+"
    r"(?P<model>.+?)\s*$",
    re.IGNORECASE,
)
_SCOPES = {
    "global cross-region": "global",
    "cross-region": "cross_region",
    "on-demand": "on_demand",
}
# A profile id is a geography (or "global") before the base model id.
_PROFILE_PREFIX = re.compile(r"^[a-z]{2,6}(?:-[a-z]+)?\.(?=anthropic\.)")


def parse_quota_name(name: str) -> tuple[str, str, str] | None:
    """(scope, kind, model name) of a per-minute Bedrock quota's name, or None."""
    match = _QUOTA_NAME.match(name.strip())
    if match is None:
        return None
    return _SCOPES[match["scope"].lower()], match["kind"].lower(), match["model"]


def bedrock_quotas(sq_client, *, model_names: dict[str, str]) -> list[dict[str, Any]]:
    """The account's per-minute quotas for the models in `model_names` (the model's name as
    quotas spell it, lower-cased -> its model id), from `list_service_quotas(ServiceCode=
    "bedrock")`, paged. Each: code, name, model id, scope, kind and value (an integer)."""
    quotas = []
    for page in pages(sq_client, "list_service_quotas", {"ServiceCode": "bedrock"}):
        for quota in dicts(page.get("Quotas")):
            name, code, value = quota.get("QuotaName"), quota.get("QuotaCode"), quota.get("Value")
            parsed = parse_quota_name(name) if isinstance(name, str) else None
            if parsed is None or not isinstance(code, str):
                continue
            scope, kind, model_name = parsed
            model_id = model_names.get(model_name.lower())
            if model_id is None:
                continue
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                logger.warning("service-quotas: %s has no readable value", code)
                continue
            quotas.append(
                {
                    "quota_code": code,
                    "name": name,
                    "model_id": model_id,
                    "scope": scope,
                    "kind": kind,
                    "value": int(value),
                }
            )
    return quotas


def base_model_id(dimension: str) -> str | None:
    """The base Anthropic model id behind a ModelId dimension value: the value itself, or an
    inference profile id ("us.anthropic...", "global.anthropic...") without its prefix."""
    model_id = _PROFILE_PREFIX.sub("", dimension, count=1)
    return model_id if model_id.startswith("anthropic.") else None


def model_dimensions(cw_client) -> list[str]:
    """The ModelId values of the account's Bedrock Invocations metrics that are Claude
    (`list_metrics`, paged; CloudWatch keeps a metric listed for two weeks after its last
    data point)."""
    request = {"Namespace": NAMESPACE, "MetricName": "Invocations"}
    found = set()
    for page in pages(cw_client, "list_metrics", request):
        for metric in dicts(page.get("Metrics")):
            dimensions = list(dicts(metric.get("Dimensions")))
            if len(dimensions) == 1 and dimensions[0].get("Name") == DIMENSION:
                value = str(dimensions[0].get("Value", ""))
                if base_model_id(value):
                    found.add(value)
    return sorted(found)


def daily_usage(
    cw_client, *, dimensions: list[str], start: dt.date, end: dt.date
) -> dict[tuple[str, dt.date], dict[str, int]]:
    """Daily sums of METRICS per ModelId value from `start` to `end` (exclusive), through
    `get_metric_data` (one query per value and metric, up to 500 a call, paged)."""
    queries = [
        {
            "Id": f"m{index}_{position}",
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": metric,
                    "Dimensions": [{"Name": DIMENSION, "Value": dimension}],
                },
                "Period": DAY_SECONDS,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }
        for index, dimension in enumerate(dimensions)
        for position, metric in enumerate(METRICS)
    ]
    fields = list(METRICS.values())
    usage: dict[tuple[str, dt.date], dict[str, int]] = {}
    window = {
        "StartTime": dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
        "EndTime": dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC),
        "ScanBy": "TimestampAscending",
    }
    for first in range(0, len(queries), QUERIES_PER_CALL):
        request = {**window, "MetricDataQueries": queries[first : first + QUERIES_PER_CALL]}
        for page in pages(cw_client, "get_metric_data", request):
            for result in dicts(page.get("MetricDataResults")):
                index, _, position = str(result.get("Id", ""))[1:].partition("_")
                if not (index.isdigit() and position.isdigit()):
                    continue
                dimension, field = dimensions[int(index)], fields[int(position)]
                for stamp, value in zip(
                    result.get("Timestamps") or [], result.get("Values") or [], strict=False
                ):
                    if not isinstance(stamp, dt.datetime) or not isinstance(value, int | float):
                        continue
                    row = usage.setdefault((dimension, stamp.astimezone(dt.UTC).date()), {})
                    row[field] = row.get(field, 0) + max(0, round(value))
    return usage
