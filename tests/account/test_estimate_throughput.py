"""Issue 20 through the estimate API: `POST /api/v1/estimates/` takes `peak_factor` and
answers the peak each model carries next to AWS's default quotas (`throughput`), each
shortfall also being a warning (api/estimates.py, api/serializers/estimates.py).

The body most tests send (shipped price book: Haiku 4.5, Sonnet 5, Opus 4.8):

    4,320,000 requests a month, none batched, all on Haiku: 100 a minute on average
    peak factor 4: 400 requests a minute; 6: 600
    10,000 tokens in and 1,000 out a request, no cache: each request takes
    10,000 + 5 x 1,000 = 15,000 tokens of the quota, so 400 x 15,000 = 6,000,000 a minute
    against Haiku 4.5's default 5,000,000: a shortfall (10,000 requests a minute is enough)
"""

import pytest

from tests.bedrock_account import HAIKU

pytestmark = pytest.mark.django_db

URL = "/api/v1/estimates/"
BODY = {"monthly_requests": 4_320_000, "input_tokens": 10_000, "output_tokens": 1_000}
TIER_KEYS = {
    "tier",
    "model_id",
    "name",
    "share",
    "peak_rpm",
    "peak_input_tpm",
    "peak_output_tpm",
    "peak_cache_read_tpm",
    "output_burndown",
    "peak_quota_tpm",
    "quota",
    "rpm_used",
    "tpm_used",
    "shortfalls",
}
QUOTA_KEYS = {
    "scope",
    "requests_per_minute",
    "tokens_per_minute",
    "source",
    "read_on",
    "reference",
}


def estimate(api_client, **changes):
    return api_client.post(URL, {**BODY, **changes}, format="json")


def throughput(api_client, **changes) -> dict:
    response = estimate(api_client, **changes)
    assert response.status_code == 200, response.content
    return response.json()["throughput"]


def haiku(found: dict) -> dict:
    return {row["tier"]: row for row in found["models"]}["haiku"]


def test_the_response_carries_the_throughput_with_its_documented_keys(api_client):
    found = throughput(api_client, escalation={"sonnet": 0.1, "opus": 0.05})

    assert set(found) == {"peak_factor", "month", "models"}
    assert (found["peak_factor"], found["month"]) == ("4", 1)
    assert [row["tier"] for row in found["models"]] == ["haiku", "sonnet", "opus"]
    for row in found["models"]:
        assert set(row) == TIER_KEYS
    row = haiku(found)
    assert set(row["quota"]) == QUOTA_KEYS
    assert (row["model_id"], row["name"], row["share"]) == (HAIKU, "Claude Haiku 4.5", "0.8500")
    assert (row["quota"]["source"], row["quota"]["scope"]) == ("default", "global")
    # Opus 4.8 has no published default: unknown, never a shortfall.
    opus = found["models"][2]
    assert (opus["quota"], opus["rpm_used"], opus["tpm_used"], opus["shortfalls"]) == (
        None,
        None,
        None,
        [],
    )


def test_the_default_peak_factor_is_4(api_client):
    row = haiku(throughput(api_client))

    assert row["peak_rpm"] == 400
    assert (row["peak_input_tpm"], row["peak_output_tpm"]) == (4_000_000, 400_000)
    assert row["peak_quota_tpm"] == 6_000_000
    assert (row["rpm_used"], row["tpm_used"]) == ("4.0", "120.0")


def test_a_peak_factor_of_6_scales_the_peak(api_client):
    found = throughput(api_client, peak_factor=6)

    assert found["peak_factor"] == "6"
    assert haiku(found)["peak_rpm"] == 600
    assert haiku(found)["peak_quota_tpm"] == 9_000_000
    assert haiku(throughput(api_client, peak_factor="2.5"))["peak_rpm"] == 250


def test_each_shortfall_is_also_a_warning(api_client):
    response = estimate(api_client)
    body = response.json()

    [shortfall] = haiku(body["throughput"])["shortfalls"]
    assert "request an increase to at least 6,000,000 tokens per minute" in shortfall
    assert shortfall in body["warnings"]


def test_a_workload_within_the_quotas_adds_no_warning(api_client):
    body = estimate(api_client, monthly_requests=43_200).json()  # 4 a minute at the peak

    assert haiku(body["throughput"])["shortfalls"] == []
    assert not any("request an increase" in warning for warning in body["warnings"])


def test_batch_traffic_is_left_out_of_the_peak(api_client):
    assert haiku(throughput(api_client, batch_share=0.75))["peak_rpm"] == 100


def test_the_regional_endpoint_is_checked_against_the_cross_region_default(api_client):
    row = haiku(throughput(api_client, endpoint="regional"))

    assert row["quota"]["scope"] == "cross_region"


@pytest.mark.parametrize("bad", [0.5, 0, 101, 100.01, "abc", None])
def test_a_peak_factor_outside_1_to_100_is_a_400_naming_it(api_client, bad):
    response = estimate(api_client, peak_factor=bad)

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"peak_factor"}


@pytest.mark.parametrize("edge", [1, 100])
def test_the_bounds_themselves_are_accepted(api_client, edge):
    response = estimate(api_client, peak_factor=edge)

    assert response.status_code == 200, response.content


def test_a_round_peak_factor_is_echoed_as_typed(api_client):
    assert throughput(api_client, peak_factor=10)["peak_factor"] == "10"
