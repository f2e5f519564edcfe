"""The Bedrock setup kit: which ids to call each tier with, the least-privilege IAM policy
that allows exactly those calls, and a Converse API snippet with the ids filled in.

Pure Python (no Django): `workloads.selectors.setup_kit_for` gathers the workload, the
book's tier models and the inference profiles the catalog read in the workload's Region, and
calls `build_kit`. Every id comes from that catalog (`InferenceProfile`); a tier whose profile
the catalog has not listed says so instead of guessing one.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

POLICY_VERSION = "2012-10-17"
INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
BATCH_ACTION = "bedrock:CreateModelInvocationJob"
_PROFILE_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):bedrock:(?P<region>[a-z0-9-]+):(?P<account>\d{12}|\*)?:"
    r"inference-profile/(?P<profile_id>.+)$"
)


@dataclass(frozen=True)
class TierModel:
    """A tier's model in the price book and the share of requests it takes."""

    tier: str
    model_id: str
    name: str
    share: float
    caches_prefix: bool = False  # the model caches the workload's prefix (spend.prefix_cached)


@dataclass(frozen=True)
class Profile:
    """An inference profile as the catalog listed it in the workload's Region."""

    profile_id: str
    arn: str
    model_id: str
    model_arns: tuple[str, ...]
    status: str = "ACTIVE"  # as AWS lists it; only an ACTIVE profile is offered

    @property
    def is_global(self) -> bool:
        return self.profile_id.startswith("global.")


def profile_arn_for(profile: Profile, account_id: str) -> str:
    """The profile's ARN in the founder's account (AWS lists it in the reader's account);
    `*` for the account when the founder gave none."""
    match = _PROFILE_ARN.match(profile.arn)
    if match is None:
        return profile.arn
    account = account_id or "*"
    return (
        f"arn:{match['partition']}:bedrock:{match['region']}:{account}:"
        f"inference-profile/{match['profile_id']}"
    )


def choose_profile(profiles: list[Profile], *, endpoint: str) -> Profile | None:
    """The global profile on the global endpoint; a geographic one (us., eu., apac....) on
    the regional endpoint."""
    wanted = [
        p for p in profiles if p.is_global == (endpoint == "global") and p.status in ("ACTIVE", "")
    ]
    return sorted(wanted, key=lambda p: p.profile_id)[0] if wanted else None


def build_kit(
    *,
    region: str,
    endpoint: str,
    account_id: str,
    tiers: list[TierModel],
    profiles: dict[str, list[Profile]],
    batch: bool,
    cached_prefix_tokens: int,
    output_tokens: int,
    catalog_read_on: str | None,
) -> dict[str, Any]:
    """The kit as the API returns it and the dashboard shows it (docs/architecture.md,
    "The Bedrock setup kit")."""
    rows = []
    for tier in tiers:
        profile = choose_profile(profiles.get(tier.model_id, []), endpoint=endpoint)
        kind = "global" if endpoint == "global" else "geographic (regional endpoint)"
        rows.append(
            {
                "tier": tier.tier,
                "model_id": tier.model_id,
                "name": tier.name,
                "share": f"{tier.share:.4f}",
                "used": tier.share > 0,
                "profile_id": profile.profile_id if profile else None,
                "profile_arn": profile_arn_for(profile, account_id) if profile else None,
                "foundation_model_arns": list(profile.model_arns) if profile else [],
                "missing": ""
                if profile
                else (
                    f"No {kind} inference profile for {tier.name} is listed in {region}"
                    + (f" (catalog read {catalog_read_on})." if catalog_read_on else ": ")
                    + ("" if catalog_read_on else "CloudRoute has not read this Region yet.")
                ),
            }
        )
    used = [row for row in rows if row["used"] and row["profile_id"]]
    return {
        "region": region,
        "endpoint": endpoint,
        "account_id": account_id or None,
        "catalog_read_on": catalog_read_on,
        "tiers": rows,
        "iam_policy": iam_policy(used, region=region, account_id=account_id, batch=batch),
        "converse_snippet": converse_snippet(
            used,
            tiers=tiers,
            region=region,
            cached_prefix_tokens=cached_prefix_tokens,
            output_tokens=output_tokens,
            catalog_read_on=catalog_read_on,
        ),
    }


def iam_policy(
    used: list[dict[str, Any]], *, region: str, account_id: str, batch: bool
) -> dict[str, Any]:
    """Allow invoking exactly the used tiers' profiles, and the foundation models they route
    to only through those profiles (`bedrock:InferenceProfileArn`); with Batch, creating
    invocation jobs on the same resources."""
    profiles = sorted({row["profile_arn"] for row in used})
    models = sorted({arn for row in used for arn in row["foundation_model_arns"]})
    statements: list[dict[str, Any]] = []
    if profiles:
        statements.append(
            {
                "Sid": "InvokeClaudeProfiles",
                "Effect": "Allow",
                "Action": list(INVOKE_ACTIONS),
                "Resource": profiles,
            }
        )
        statements.append(
            {
                "Sid": "ModelsBehindTheProfiles",
                "Effect": "Allow",
                "Action": list(INVOKE_ACTIONS),
                "Resource": models,
                # ArnLike, not StringEquals: a profile ARN with `*` for the account (no
                # account id given) must still match the real one.
                "Condition": {"ArnLike": {"bedrock:InferenceProfileArn": profiles}},
            }
        )
        if batch:
            partition = profiles[0].split(":")[1]  # aws, aws-us-gov...: the profiles' own
            job = f"arn:{partition}:bedrock:{region}:{account_id or '*'}:model-invocation-job/*"
            statements.append(
                {
                    "Sid": "BatchInvocationJobs",
                    "Effect": "Allow",
                    "Action": [BATCH_ACTION],
                    "Resource": [*profiles, *models, job],
                }
            )
    return {"Version": POLICY_VERSION, "Statement": statements}


def converse_snippet(
    used: list[dict[str, Any]],
    *,
    tiers: list[TierModel],
    region: str,
    cached_prefix_tokens: int,
    output_tokens: int,
    catalog_read_on: str | None,
) -> str:
    """Python (boto3) that calls each used tier through the Converse API, with the prompt
    cache checkpoint right after the fixed prefix when the prefix can be cached."""
    if not used:
        return "# No tier of this workload has an inference profile listed yet."
    by_tier = {tier.tier: tier for tier in tiers}
    caching = [row for row in used if by_tier[row["tier"]].caches_prefix]
    lines = [
        "import boto3",
        "",
        f"# Bedrock runtime in {region}, through the inference profiles CloudRoute read from",
        f"# the Bedrock catalog{' on ' + catalog_read_on if catalog_read_on else ''}.",
        f'bedrock = boto3.client("bedrock-runtime", region_name={json.dumps(region)})',
        "",
        "MODELS = {",
        *(
            f"    {json.dumps(row['tier'])}: {json.dumps(row['profile_id'])},  # {row['name']}"
            for row in used
        ),
        "}",
        "",
    ]
    if cached_prefix_tokens and caching:
        names = ", ".join(row["name"] for row in caching)
        lines += [
            f"# The fixed prefix (system prompt, examples, tools): about {cached_prefix_tokens:,}",
            "# tokens in your workload. The cache checkpoint right after it lets Bedrock read",
            f"# it from the cache instead of charging it in full ({names}).",
        ]
        skipped = [row for row in used if row not in caching]
        if skipped:
            names = ", ".join(row["name"] for row in skipped)
            verb = "ignores" if len(skipped) == 1 else "ignore"
            lines.append(f"# Below its minimum cacheable prefix, {names} {verb} the checkpoint.")
        system = '[{"text": SYSTEM_PREFIX}, {"cachePoint": {"type": "default"}}]'
    else:
        lines.append(
            "# No cache checkpoint: your workload's fixed prefix is empty or below every"
            " tier's minimum cacheable size."
        )
        system = '[{"text": SYSTEM_PREFIX}]'
    max_tokens = min(128_000, max(256, 2 * output_tokens))
    first_tier = "haiku" if any(row["tier"] == "haiku" for row in used) else used[0]["tier"]
    lines += [
        'SYSTEM_PREFIX = "..."  # your fixed instructions, identical on every request',
        "",
        "",
        f"def ask(question: str, tier: str = {json.dumps(first_tier)}) -> str:",
        "    response = bedrock.converse(",
        "        modelId=MODELS[tier],",
        f"        system={system},",
        '        messages=[{"role": "user", "content": [{"text": question}]}],',
        "        # Bedrock reserves maxTokens against the tokens-per-minute quota: keep it",
        "        # near what answers really need.",
        f'        inferenceConfig={{"maxTokens": {max_tokens}}},',
        "    )",
        '    return response["output"]["message"]["content"][0]["text"]',
    ]
    return "\n".join(lines) + "\n"
