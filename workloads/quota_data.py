"""Amazon Bedrock default quotas and output-token burndown factors for CloudRoute's Claude models.

Hand-kept reference data for the throughput check, compiled on 2026-12-03 from stored copies of
public pages (no live AWS call). Every number names its source; where no source gave a value the
field is None and ``note`` says so. See docs/quotas.md for the reasoning and the caveats.

Important: the AWS General Reference quota table itself could not be read in full from the stored
copies available; the few numbers below come from a third-party note that quotes that table (see
QUOTAS_SOURCE). Check them against Service Quotas (``list_aws_default_service_quotas``) before
relying on them.
"""

import datetime as dt
from typing import TypedDict

QUOTAS_SOURCE: str = (
    "AWS General Reference, Amazon Bedrock endpoints and quotas "
    "(docs.aws.amazon.com/general/latest/gr/bedrock.html#limits_bedrock): the stored copy read "
    "2026-12-03 shows only the page's endpoint tables, not the quota rows. The values below are "
    "as quoted from that table by a public research note in a GitHub repository (search-index "
    "file id 71219311864, 'Kelvran Deep-Research Round 3', dated 2026-10-07, which says the AWS "
    "pages it fetched carried Last-Modified 2026-10-07); the index did not name that "
    "repository. Quota names and codes: uni-intelligence/bedrock-usage-analyzer "
    "src/bedrock_usage_analyzer/metadata/quota-index.csv at commit "
    "ed9dc6dee8a1053d04115f6f7afffbb98cfd10ac (2026-02-25), generated from list_service_quotas."
)
QUOTAS_READ_ON: dt.date = dt.date(2026, 10, 7)
# What a founder reads next to a default quota (the full provenance is QUOTAS_SOURCE).
QUOTAS_CITATION: str = (
    "AWS's published default quota (AWS General Reference, Amazon Bedrock endpoints and "
    "quotas, as quoted 2026-10-07); new accounts often get less"
)

BURNDOWN_SOURCE: str = (
    "AWS Bedrock User Guide, How tokens are counted in Amazon Bedrock "
    "(docs.aws.amazon.com/bedrock/latest/userguide/quotas-token-burndown.html). Stored copy "
    "(undated, read 2026-12-03) is cut after its first items: 'The burndown rate for the following "
    "models is 5x for output tokens (1 output token consumes 5 tokens from your quotas): Anthropic "
    "Claude Opus 4, Anthropic Claude Sonnet 4, A...'. The current wording is known only as quoted "
    "verbatim by two public repositories (search-index file ids 69025388017, corrected "
    "2026-09-10, and 71219311864, 2026-10-07): 'The burndown rate for Anthropic Claude models "
    "version 4.8 is 15x for output tokens ... Claude Opus 5.5, Claude Sonnet 5, Claude Opus 5, "
    "and Claude Fable 5.1 is 10x ... For all other Anthropic models version 4.7 and below, the "
    "burndown is 5x for output tokens.' 'For all other models, the burndown rate is 1:1.'"
)

# What the page lists, by version of it:
# - older (stored copy; AWS's global cross-Region inference guide repeats the list): 5x for
#   Anthropic Claude Opus 4, Claude Sonnet 4.5, Claude Sonnet 4 and Claude 3.7 Sonnet; 1:1 for all
#   other models.
# - current (as quoted, 2026-09/10): 15x for Claude version 4.8 (Opus 4.8); 10x for Claude Opus 5.5,
#   Sonnet 5, Opus 5 and Fable 5.1; 5x for "all other Anthropic models version 4.7 and below";
#   1:1 for every other model. Burndown applies to bedrock-runtime only, not bedrock-mantle.
# Read literally, "all other Anthropic models version 4.7 and below" also covers Claude 3 Haiku and
# Claude 3.5 Haiku, so they are 5 here; the older list would give them 1. Unverified against AWS.
OUTPUT_BURNDOWN: dict[str, int] = {
    "anthropic.claude-opus-4-8": 15,
    "anthropic.claude-sonnet-5": 10,
    "anthropic.claude-haiku-4-5-20251001-v1:0": 5,
    "anthropic.claude-sonnet-4-5-20250929-v1:0": 5,
    "anthropic.claude-sonnet-4-6": 5,
    "anthropic.claude-sonnet-4-20250514-v1:0": 5,
    "anthropic.claude-opus-4-5-20251101-v1:0": 5,
    "anthropic.claude-opus-4-6-v1": 5,
    "anthropic.claude-opus-4-1-20250805-v1:0": 5,
    "anthropic.claude-3-5-haiku-20241022-v1:0": 5,
    "anthropic.claude-3-haiku-20240307-v1:0": 5,
}

NEW_ACCOUNT_NOTE: str = (
    "New AWS accounts get lower quotas than the defaults. AWS: 'By default, this value is TPM x 24 "
    "x 60. However, new AWS accounts have reduced quotas.' (quotas-token-burndown.html, Tokens per "
    "day); 'New AWS accounts might receive reduced quotas.' (quotas-runtime.html); and the default "
    "quotas 'might be updated depending on regional factors, account age, usage history, payment "
    "history, fraudulent usage, and/or approval of a quota increase request. As a result, the "
    "quotas that apply to your account might be lower than the default values' (quotas.html). "
    "Read an account's applied values with service-quotas list_service_quotas."
)

# Quota-name templates. Service Quotas (list_service_quotas) still returns the older names;
# the User Guide (quotas.html, quotas-runtime.html) now documents the "InvokeModel" names and says
# "Although the quota names refer to InvokeModel, they aren't per-API".
QUOTA_NAME_PATTERNS: tuple[str, ...] = (
    "On-demand model inference tokens per minute for ${model}",
    "On-demand model inference requests per minute for ${model}",
    "Cross-region model inference tokens per minute for ${model}",
    "Cross-region model inference requests per minute for ${model}",
    "Global cross-region model inference tokens per minute for ${model}",
    "Global cross-region model inference requests per minute for ${model}",
    "Global cross-region model inference tokens per day for ${model}",
    "Model invocation max tokens per day for ${model} (doubled for cross-region calls)",
    "On-demand InvokeModel tokens per minute for ${model}",
    "On-demand InvokeModel requests per minute for ${model}",
    "Cross-Region InvokeModel tokens per minute for ${model}",
    "Cross-Region InvokeModel requests per minute for ${model}",
    "Model invocation max tokens per day for ${model}",
)


class QuotaDefault(TypedDict):
    model_id: str
    scope: str  # "global", "cross_region" (us./eu./apac. ...) or "on_demand" (in-Region)
    rpm: int | None
    tpm: int | None
    quota_model_name: str
    note: str


_NO_VALUE = "No default value found in any source read; check Service Quotas."
_QUOTED = "Value as quoted from the General Reference table by the 2026-10-07 note (QUOTAS_SOURCE)."
_ONE_M = " Separate '... V1 1M Context Length' quotas also exist."
_NAME_GUESSED = (
    "Quota name not seen in a list_service_quotas sample; spelled like the inference profile name."
)


def _row(
    model_id: str, scope: str, rpm: int | None, tpm: int | None, name: str, note: str
) -> QuotaDefault:
    return QuotaDefault(
        model_id=model_id, scope=scope, rpm=rpm, tpm=tpm, quota_model_name=name, note=note
    )


DEFAULT_QUOTAS: list[QuotaDefault] = [
    _row(
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "global",
        10_000,
        5_000_000,
        "Anthropic Claude Haiku 4.5",
        _QUOTED,
    ),
    _row(
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "cross_region",
        10_000,
        5_000_000,
        "Anthropic Claude Haiku 4.5",
        _QUOTED,
    ),
    _row(
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "on_demand",
        None,
        None,
        "Anthropic Claude 3.5 Haiku",
        _NO_VALUE,
    ),
    _row(
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "cross_region",
        None,
        None,
        "Anthropic Claude 3.5 Haiku",
        _NO_VALUE + " Its quota names spell 'Cross-Region'.",
    ),
    _row(
        "anthropic.claude-3-haiku-20240307-v1:0",
        "on_demand",
        None,
        None,
        "Anthropic Claude 3 Haiku",
        _NO_VALUE,
    ),
    _row(
        "anthropic.claude-3-haiku-20240307-v1:0",
        "cross_region",
        None,
        None,
        "Anthropic Claude 3 Haiku",
        _NO_VALUE,
    ),
    _row(
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global",
        None,
        None,
        "Anthropic Claude Sonnet 4.5 V1",
        _NO_VALUE + _ONE_M,
    ),
    _row(
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "cross_region",
        None,
        None,
        "Anthropic Claude Sonnet 4.5 V1",
        _NO_VALUE + _ONE_M,
    ),
    _row(
        "anthropic.claude-sonnet-4-6",
        "global",
        10_000,
        6_000_000,
        "Anthropic Claude Sonnet 4.6",
        _QUOTED + " " + _NAME_GUESSED,
    ),
    _row(
        "anthropic.claude-sonnet-4-6",
        "cross_region",
        10_000,
        6_000_000,
        "Anthropic Claude Sonnet 4.6",
        _QUOTED + " " + _NAME_GUESSED,
    ),
    _row(
        "anthropic.claude-sonnet-4-6",
        "on_demand",
        5_000,
        3_000_000,
        "Anthropic Claude Sonnet 4.6",
        _QUOTED + " On-demand RPM quoted as not adjustable. " + _NAME_GUESSED,
    ),
    _row(
        "anthropic.claude-sonnet-5",
        "global",
        None,
        6_000_000,
        "Anthropic Claude Sonnet 5",
        _QUOTED + " No requests-per-minute quota for this model (rpm None means none).",
    ),
    _row(
        "anthropic.claude-sonnet-5",
        "cross_region",
        None,
        6_000_000,
        "Anthropic Claude Sonnet 5",
        _QUOTED + " No requests-per-minute quota for this model (rpm None means none).",
    ),
    _row(
        "anthropic.claude-sonnet-5",
        "on_demand",
        None,
        3_000_000,
        "Anthropic Claude Sonnet 5",
        _QUOTED + " Not adjustable; no requests-per-minute quota (rpm None means none).",
    ),
    _row(
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "global",
        None,
        None,
        "Anthropic Claude Sonnet 4 V1",
        _NO_VALUE,
    ),
    _row(
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "cross_region",
        None,
        None,
        "Anthropic Claude Sonnet 4 V1",
        _NO_VALUE,
    ),
    _row(
        "anthropic.claude-opus-4-5-20251101-v1:0",
        "global",
        None,
        None,
        "Anthropic Claude Opus 4.5",
        _NO_VALUE,
    ),
    _row(
        "anthropic.claude-opus-4-5-20251101-v1:0",
        "cross_region",
        None,
        None,
        "Anthropic Claude Opus 4.5",
        _NO_VALUE,
    ),
    _row(
        "anthropic.claude-opus-4-6-v1",
        "global",
        None,
        None,
        "Anthropic Claude Opus 4.6",
        _NO_VALUE + " " + _NAME_GUESSED,
    ),
    _row(
        "anthropic.claude-opus-4-6-v1",
        "cross_region",
        None,
        None,
        "Anthropic Claude Opus 4.6",
        _NO_VALUE + " " + _NAME_GUESSED,
    ),
    _row(
        "anthropic.claude-opus-4-8",
        "global",
        None,
        None,
        "Anthropic Claude Opus 4.8",
        _NO_VALUE + " Quota codes L-4FCE27C7 (global TPM), L-DB99DCDB (cross-region TPM).",
    ),
    _row(
        "anthropic.claude-opus-4-8",
        "cross_region",
        None,
        None,
        "Anthropic Claude Opus 4.8",
        _NO_VALUE + " Quota codes L-4FCE27C7 (global TPM), L-DB99DCDB (cross-region TPM).",
    ),
    _row(
        "anthropic.claude-opus-4-1-20250805-v1:0",
        "cross_region",
        None,
        None,
        "Anthropic Claude Opus 4.1",
        _NO_VALUE,
    ),
]
