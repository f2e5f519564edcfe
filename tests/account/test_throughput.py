"""Issue 20, quota feasibility: the peak load each tier puts on its model, and the quota it
runs under (workloads/throughput.py, credits.selectors.throughput_for_startup).

The hand-worked example most tests share (peak factor 4 unless a test says otherwise):

    monthly requests   4,320,000, batch share 0.5  -> 2,160,000 on demand
    per minute         2,160,000 / 43,200 minutes = 50 on average, x 4 = 200 at the peak
    shares             Sonnet 0.1, Opus 0.05       -> Haiku 1 - 0.1 - 0.05 = 0.85
    peak requests      Haiku 200 x 0.85 = 170, Sonnet 200 x 0.1 = 20, Opus 200 x 0.05 = 10
    tokens/request     1,000 in, 100 out, no cache
    peak tokens        Haiku 170,000 in, 17,000 out; Sonnet 20,000 in, 2,000 out;
                       Opus 10,000 in, 1,000 out
    burndown           Haiku 4.5 x5, Sonnet 5 x10, Opus 4.8 x15 (quota_data.OUTPUT_BURNDOWN)
    quota tokens       Haiku 170,000 + 5 x 17,000 = 255,000
                       Sonnet 20,000 + 10 x 2,000 = 40,000
                       Opus 10,000 + 15 x 1,000 = 25,000
"""

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest

from credits.models import BedrockQuota
from credits.selectors import throughput_for_startup
from tests.bedrock_account import HAIKU, OPUS, SONNET
from tests.factories import WorkloadFactory
from workloads import quota_data, throughput
from workloads.spend import SpendInput, TierPrice

NAMES = {HAIKU: "Claude Haiku 4.5", SONNET: "Claude Sonnet 5", OPUS: "Claude Opus 4.8"}
MODELS = {"haiku": HAIKU, "sonnet": SONNET, "opus": OPUS}

# The example's workload (see the module docstring).
EXAMPLE: dict[str, Any] = {
    "monthly_requests": 4_320_000,
    "batch_share": 0.5,
    "escalation_sonnet": 0.1,
    "escalation_opus": 0.05,
    "input_tokens": 1000,
    "cached_prefix_tokens": 0,
    "output_tokens": 100,
    "cache_hit_rate": 0.0,
}


def prices(*, haiku_caches: bool = True, min_prefix: int = 1024) -> dict[str, TierPrice]:
    """The shipped tier defaults' ids and names; the dollar figures do not matter here."""
    return {
        tier: TierPrice(
            model_id=model_id,
            input=1,
            output=5,
            name=NAMES[model_id],
            supports_caching=haiku_caches or tier != "haiku",
            min_cache_prefix=min_prefix,
        )
        for tier, model_id in MODELS.items()
    }


def check(*, peak_factor=4, account_quotas=None, endpoint="global", cascade=False, **changes):
    inputs = SpendInput(**{**EXAMPLE, **changes}, cascade=cascade, endpoint=endpoint, months=1)
    loads = throughput.check(
        inputs, prices(), account_quotas=account_quotas, peak_factor=peak_factor
    )
    return {load.tier: load for load in loads}


def one_tier(*, quota=None, monthly_requests=4_320_000, input_tokens=1000, output_tokens=100):
    """The example's Haiku alone (share 0.85, batch 0.5): 170 requests, 255,000 quota tokens
    at the peak, against `quota`."""
    [load] = throughput.peak_load(
        monthly_requests=monthly_requests,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        batch_share="0.5",
        shares={"haiku": Fraction(85, 100)},
        models={"haiku": (HAIKU, NAMES[HAIKU])},
        quotas={HAIKU: quota},
    )
    return load


def quota(rpm, tpm, *, source="default", scope="global") -> throughput.Quota:
    return throughput.Quota(scope=scope, rpm=rpm, tpm=tpm, source=source, read_on="2026-11-30")


# --- The peak arithmetic ------------------------------------------------------------------


def test_the_hand_worked_example_to_the_token():
    loads = check()

    assert list(loads) == ["haiku", "sonnet", "opus"]
    peaks = {
        tier: (
            load.peak_rpm,
            load.peak_input_tpm,
            load.peak_output_tpm,
            load.burndown,
            load.peak_quota_tpm,
        )
        for tier, load in loads.items()
    }
    assert peaks == {
        "haiku": (170, 170_000, 17_000, 5, 255_000),
        "sonnet": (20, 20_000, 2_000, 10, 40_000),
        "opus": (10, 10_000, 1_000, 15, 25_000),
    }
    assert loads["haiku"].share == Fraction(85, 100)
    assert loads["haiku"].as_dict()["share"] == "0.8500"


def test_the_batch_share_is_left_out_of_the_peak():
    # All on demand: twice the example's 200 a minute at the peak.
    assert check(batch_share=0.0)["haiku"].peak_rpm == 340
    # All batch: no on-demand traffic left, so every peak is 0.
    assert {load.peak_rpm for load in check(batch_share=1.0).values()} == {0}


def test_the_peak_factor_scales_every_peak_and_is_checked_from_1_to_100():
    assert check(peak_factor=6)["haiku"].peak_rpm == 255  # 50 x 6 x 0.85
    assert check(peak_factor=1)["haiku"].peak_rpm == 43  # 42.5, rounded up
    assert check(peak_factor=100)["sonnet"].peak_rpm == 500  # 50 x 100 x 0.1
    for bad in (0, "0.99", "100.01", 101, -4):
        with pytest.raises(ValueError, match="peak_factor: enter a factor from 1 to 100"):
            check(peak_factor=bad)


def test_cascade_sends_every_request_to_haiku_first():
    loads = check(cascade=True)

    # Haiku sees all 200; the escalated 15% go on to Sonnet and Opus as well.
    assert (loads["haiku"].share, loads["haiku"].peak_rpm) == (1, 200)
    assert (loads["sonnet"].peak_rpm, loads["opus"].peak_rpm) == (20, 10)


def test_a_tier_without_requests_is_left_out():
    assert list(check(escalation_opus=0.0)) == ["haiku", "sonnet"]
    assert list(check(escalation_sonnet=0.0, escalation_opus=0.0)) == ["haiku"]


def test_peaks_are_rounded_up_to_whole_requests_and_tokens():
    # 25,416 a month, half on demand, over 43,200 minutes x 4 x 0.85 = 1.000166... a minute:
    # just over one request, so two (rounding to the nearest would say one).
    load = one_tier(monthly_requests=25_416, input_tokens=3, output_tokens=7)

    assert load.peak_rpm == 2  # 1.000166...
    assert load.peak_input_tpm == 4  # 3.0005
    assert load.peak_output_tpm == 8  # 7.00116...


# --- Cache reads and burndown -------------------------------------------------------------


def test_cache_reads_are_subtracted_only_where_the_model_caches_the_prefix():
    # A 2,000-token prefix read by half the requests: 1,000 tokens a request from the cache.
    # The example's prices cache from 1,024 tokens; in the shipped book Haiku 4.5 needs 4,096.
    changes = {"input_tokens": 3000, "cached_prefix_tokens": 2000, "cache_hit_rate": 0.5}
    inputs = SpendInput(**{**EXAMPLE, **changes}, months=1)
    book = prices(min_prefix=1024) | {
        "haiku": TierPrice(model_id=HAIKU, input=1, output=5, min_cache_prefix=4096)
    }
    loads = {load.tier: load for load in throughput.check(inputs, book)}

    # Sonnet: 20 a minute x 1,000 cached = 20,000 of its 60,000 input tokens are not counted.
    sonnet = loads["sonnet"]
    assert (sonnet.peak_input_tpm, sonnet.peak_cache_read_tpm) == (60_000, 20_000)
    assert sonnet.peak_quota_tpm == 60_000 - 20_000 + 10 * 2_000
    # Haiku: the prefix is below its minimum, so nothing is read from the cache.
    haiku = loads["haiku"]
    assert (haiku.peak_input_tpm, haiku.peak_cache_read_tpm) == (510_000, 0)
    assert haiku.peak_quota_tpm == 510_000 + 5 * 17_000


def test_a_model_without_caching_counts_every_input_token():
    changes = {"input_tokens": 6000, "cached_prefix_tokens": 5000, "cache_hit_rate": 0.8}
    inputs = SpendInput(**{**EXAMPLE, **changes}, months=1)
    loads = {load.tier: load for load in throughput.check(inputs, prices(haiku_caches=False))}

    assert loads["haiku"].peak_cache_read_tpm == 0
    assert loads["sonnet"].peak_cache_read_tpm == 20 * 4000  # 5,000 x 0.8 a request
    assert loads["sonnet"].as_dict()["peak_cache_read_tpm"] == 80_000


def test_the_output_burndown_is_the_models_own():
    assert quota_data.OUTPUT_BURNDOWN[OPUS] == 15
    assert quota_data.OUTPUT_BURNDOWN[SONNET] == 10
    assert quota_data.OUTPUT_BURNDOWN[HAIKU] == 5
    loads = check()
    assert {tier: load.as_dict()["output_burndown"] for tier, load in loads.items()} == {
        "haiku": 5,
        "sonnet": 10,
        "opus": 15,
    }


# --- Shortfalls -----------------------------------------------------------------------------


def test_a_peak_over_the_requests_quota_names_the_increase_to_ask_for():
    load = one_tier(quota=quota(100, 10_000_000))

    assert load.shortfalls() == [
        "Claude Haiku 4.5 (haiku) peaks at 170 requests a minute; AWS's default "
        "global cross-Region quota is 100: request an increase to at least 170 requests per minute."
    ]
    assert load.as_dict()["rpm_used"] == "170.0"


def test_a_peak_over_the_tokens_quota_counts_output_times_the_burndown():
    load = one_tier(quota=quota(10_000, 200_000, source="account", scope="cross_region"))

    [sentence] = load.shortfalls()
    assert sentence == (
        "Claude Haiku 4.5 (haiku) peaks at 255,000 quota tokens a minute (uncached input plus "
        "output x5); the account's cross-Region (geographic) quota is 200,000: request an "
        "increase to at least 255,000 tokens per minute."
    )
    assert load.as_dict()["tpm_used"] == "127.5"


def test_both_quotas_short_give_two_sentences():
    found = one_tier(quota=quota(169, 254_999)).shortfalls()

    assert len(found) == 2
    assert "at least 170 requests per minute" in found[0]
    assert "at least 255,000 tokens per minute" in found[1]


def test_a_peak_exactly_at_the_quota_is_no_shortfall():
    load = one_tier(quota=quota(170, 255_000))

    assert load.shortfalls() == []
    assert (load.as_dict()["rpm_used"], load.as_dict()["tpm_used"]) == ("100.0", "100.0")


def test_an_unknown_quota_gives_no_shortfall_and_says_none():
    load = one_tier(quota=None, monthly_requests=10**12)

    assert load.shortfalls() == []
    found = load.as_dict()
    assert (found["quota"], found["rpm_used"], found["tpm_used"]) == (None, None, None)


def test_a_quota_known_for_tokens_only_checks_only_tokens():
    load = one_tier(quota=quota(None, 1_000_000), monthly_requests=10**9)

    [sentence] = load.shortfalls()
    assert "tokens per minute" in sentence
    assert load.as_dict()["rpm_used"] is None


def test_the_dated_defaults_opus_4_8_unknown_sonnet_5_tokens_only():
    loads = check()

    assert loads["opus"].quota is None  # AWS publishes no default we could source
    sonnet = loads["sonnet"].quota
    assert (sonnet.rpm, sonnet.tpm, sonnet.source) == (None, 6_000_000, "default")
    haiku = loads["haiku"].quota
    assert (haiku.rpm, haiku.tpm, haiku.scope) == (10_000, 5_000_000, "global")
    assert haiku.read_on == "2026-10-07"
    assert haiku.reference == quota_data.QUOTAS_CITATION
    assert throughput.default_quota(OPUS, "global") is None
    assert throughput.default_quota("anthropic.no-such-model", "global") is None


def test_account_quotas_passed_in_win_over_the_defaults():
    mine = quota(100, 200_000, source="account")
    loads = check(account_quotas={HAIKU: mine})

    assert loads["haiku"].quota is mine
    assert loads["sonnet"].quota.source == "default"  # no account value for Sonnet
    assert len(loads["haiku"].shortfalls()) == 2


# --- The account's own quotas (credits.selectors.throughput_for_startup) -------------------

READ_AT = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def bedrock_quota(startup, *, scope, kind, value, model_id=HAIKU, region="us-west-2"):
    code = f"L-{scope[:2].upper()}{kind[:3].upper()}{model_id[-6:-4]}{region[-1]}"
    return BedrockQuota.objects.create(
        startup=startup,
        region=region,
        quota_code=code,
        name=f"{scope} {kind} per minute for {NAMES.get(model_id, model_id)}",
        model_id=model_id,
        scope=scope,
        kind=kind,
        value=value,
        read_at=READ_AT,
    )


def example_workload(endpoint: str):
    return WorkloadFactory(endpoint=endpoint, cascade=False, monthly_growth=0, **EXAMPLE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "scope", "other_scope"),
    [("global", "global", "cross_region"), ("regional", "cross_region", "global")],
)
def test_the_accounts_quotas_for_the_endpoints_scope_are_preferred(endpoint, scope, other_scope):
    workload = example_workload(endpoint)
    bedrock_quota(workload.startup, scope=scope, kind="requests", value=150)
    bedrock_quota(workload.startup, scope=scope, kind="tokens", value=300_000)
    # The other way of calling, and another Region: not what this workload runs under.
    bedrock_quota(workload.startup, scope=other_scope, kind="requests", value=1)
    bedrock_quota(workload.startup, scope=scope, kind="requests", value=2, region="us-east-1")

    loads = {load.tier: load for load in throughput_for_startup(workload=workload)}

    haiku = loads["haiku"].quota
    assert (haiku.scope, haiku.rpm, haiku.tpm, haiku.source) == (scope, 150, 300_000, "account")
    assert haiku.read_on == "2026-11-30"
    assert loads["haiku"].shortfalls() == [
        "Claude Haiku 4.5 (haiku) peaks at 170 requests a minute; the account's "
        f"{throughput.SCOPE_NAMES[scope]} quota is 150: request an increase to at least 170 "
        "requests per minute."
    ]
    # Sonnet was not read from the account: the dated default for the scope.
    assert loads["sonnet"].quota == throughput.default_quota(SONNET, scope)


@pytest.mark.django_db
def test_an_account_never_read_uses_the_defaults():
    workload = example_workload("global")
    bedrock_quota(workload.startup, scope="global", kind="requests", value=150)

    loads = throughput_for_startup(workload=workload, account_read=False)

    assert loads[0].quota == throughput.default_quota(HAIKU, "global")
    assert loads[0].shortfalls() == []


@pytest.mark.django_db
def test_another_startups_quotas_are_never_used():
    workload = example_workload("global")
    other = example_workload("global")
    bedrock_quota(other.startup, scope="global", kind="requests", value=150)

    loads = throughput_for_startup(workload=workload)

    assert loads[0].quota.source == "default"
    assert throughput_for_startup(workload=other)[0].quota.rpm == 150


@pytest.mark.django_db
def test_the_peak_factor_reaches_the_account_check():
    workload = example_workload("global")

    loads = throughput_for_startup(workload=workload, peak_factor=6)

    assert [load.peak_rpm for load in loads] == [255, 30, 15]
