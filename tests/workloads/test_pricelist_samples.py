"""The Price List adapter on real AWS answers, against tests.aws_model.ModelStubber (requests
and responses held to botocore's whole service model): never the network.

tests/fixtures/aws_pricelist/ holds get_products and list_foundation_models answers that others
captured from AWS and published (each file's `_provenance` says where from; README.md there
lists them). Every item must give the model, price field, scope and USD per 1M tokens that
its own description states, or be skipped when it is not a price the book holds.
"""

import datetime as dt
import json
import logging
from decimal import Decimal
from pathlib import Path

import pytest

from tests.aws_model import ModelStubber
from tests.workloads.test_catalog import PRICE_REQUEST, stubbed
from workloads.aws.catalog import (
    classify_usagetype,
    fetch_bedrock_prices,
    list_anthropic_models,
    parse_price_item,
    per_million_tokens,
    quotes_by_model,
)

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "aws_pricelist"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def price_list(name: str) -> list[str]:
    """The PriceList strings of a captured get_products answer, as AWS sent them."""
    return sample(name)["PriceList"]


def opus_45_items() -> list[str]:
    """The Opus 4.5 extract wrapped into get_products items (its _provenance says why)."""
    extract = sample("price_list_extract_opus_4_5_use1.json")
    items = []
    for record in extract["prices"].values():
        dimension = {
            "unit": record["unit"],
            "beginRange": record["beginRange"],
            "endRange": record["endRange"],
            "description": record["description"],
            "pricePerUnit": {"USD": record["usd"]},
        }
        attributes = {
            "servicename": extract["servicename"],
            "regionCode": extract["regionCode"],
            "usagetype": record["usagetype"],
        }
        product = {"attributes": attributes, "sku": record["sku"]}
        terms = {"OnDemand": {record["sku"]: {"priceDimensions": {"d": dimension}}}}
        items.append(json.dumps({"product": product, "terms": terms}))
    return items


def by_usagetype(items: list[str]) -> dict[str, str]:
    return {json.loads(item)["product"]["attributes"]["usagetype"]: item for item in items}


SONNET_46 = "Claude Sonnet 4.6"
OPUS_47 = "Claude Opus 4.7"
OPUS_45 = "Claude Opus 4.5"
SONNET_35 = "Claude 3.5 Sonnet"

# usagetype -> (kind, scope, USD per 1M tokens), read off each item's own description.
SONNET_46_EXPECTED = {
    "USE1-MP:USE1_InputTokenCount_Global-Units": ("input", "global", "3"),
    "USE1-MP:USE1_InputTokenCount-Units": ("input", "regional", "3.30"),
    "USE1-MP:USE1_OutputTokenCount_Global-Units": ("output", "global", "15"),
    "USE1-MP:USE1_OutputTokenCount-Units": ("output", "regional", "16.50"),
    "USE1-MP:USE1_CacheReadInputTokenCount_Global-Units": ("cache_read", "global", "0.30"),
    "USE1-MP:USE1_CacheReadInputTokenCount-Units": ("cache_read", "regional", "0.33"),
    "USE1-MP:USE1_CacheWriteInputTokenCount_Global-Units": ("cache_write_5m", "global", "3.75"),
    "USE1-MP:USE1_CacheWriteInputTokenCount-Units": ("cache_write_5m", "regional", "4.125"),
    "USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units": ("cache_write_1h", "global", "6"),
    "USE1-MP:USE1_CacheWrite1hInputTokenCount-Units": ("cache_write_1h", "regional", "6.60"),
    "USE1-MP:USE1_InputTokenCount_Global_Batch-Units": ("batch_input", "global", "1.50"),
    "USE1-MP:USE1_InputTokenCount_Batch-Units": ("batch_input", "regional", "1.65"),
    "USE1-MP:USE1_OutputTokenCount_Global_Batch-Units": ("batch_output", "global", "7.50"),
    "USE1-MP:USE1_OutputTokenCount_Batch-Units": ("batch_output", "regional", "8.25"),
}
OPUS_47_EXPECTED = {
    "USE1-MP:USE1_input_tokens_global_standard-Units": ("input", "global", "5"),
    "USE1-MP:USE1_input_tokens_standard-Units": ("input", "regional", "5.50"),
    "USE1-MP:USE1_output_tokens_global_standard-Units": ("output", "global", "25"),
    "USE1-MP:USE1_output_tokens_standard-Units": ("output", "regional", "27.50"),
    "USE1-MP:USE1_cache_read_tokens_global_standard-Units": ("cache_read", "global", "0.50"),
    "USE1-MP:USE1_cache_read_tokens_standard-Units": ("cache_read", "regional", "0.55"),
    "USE1-MP:USE1_cache_write_tokens_global_standard-Units": ("cache_write_5m", "global", "6.25"),
    "USE1-MP:USE1_cache_write_tokens_standard-Units": ("cache_write_5m", "regional", "6.875"),
    "USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units": ("cache_write_1h", "global", "10"),
    "USE1-MP:USE1_cache_write_tokens_1h_standard-Units": ("cache_write_1h", "regional", "11"),
}
SONNET_35_EXPECTED = {
    "USE1-MP:USE1_InputTokenCount-Units": ("input", "regional", "3"),
    "USE1-MP:USE1_OutputTokenCount-Units": ("output", "regional", "15"),
    "USE1-MP:USE1_InputTokenCount_Batch-Units": ("batch_input", "regional", "1.50"),
    "USE1-MP:USE1_MillionBatchInputTokens-Units": ("batch_input", "regional", "1.50"),
    "USE1-MP:USE1_OutputTokenCount_Batch-Units": ("batch_output", "regional", "7.50"),
    "USE1-MP:USE1_MillionBatchOutputTokens-Units": ("batch_output", "regional", "7.50"),
}
OPUS_45_EXPECTED = {  # unit "1M tokens", not "Units"
    "USE1-MP:USE1_InputTokenCount-Units": ("input", "regional", "5.50"),
    "USE1-MP:USE1_OutputTokenCount-Units": ("output", "regional", "27.50"),
    "USE1-MP:USE1_InputTokenCount_Global-Units": ("input", "global", "5"),
    "USE1-MP:USE1_OutputTokenCount_Global-Units": ("output", "global", "25"),
}
SKIPPED = {  # reserved throughput and provisioned model units are not token prices
    "get_products_sonnet_4_6_use1.json": 8,
    "get_products_claude_3_5_sonnet_use1.json": 3,
}


def cases():
    for file, model, expected in [
        ("get_products_sonnet_4_6_use1.json", SONNET_46, SONNET_46_EXPECTED),
        ("get_products_opus_4_7_use1.json", OPUS_47, OPUS_47_EXPECTED),
        ("get_products_claude_3_5_sonnet_use1.json", SONNET_35, SONNET_35_EXPECTED),
    ]:
        items = by_usagetype(price_list(file))
        for usagetype, meter in expected.items():
            yield pytest.param(items[usagetype], model, *meter, id=f"{model}|{usagetype}")
    items = by_usagetype(opus_45_items())
    for usagetype, meter in OPUS_45_EXPECTED.items():
        yield pytest.param(items[usagetype], OPUS_45, *meter, id=f"{OPUS_45}|{usagetype}")


@pytest.mark.parametrize(("raw", "model", "kind", "scope", "usd"), list(cases()))
def test_it_reads_every_real_sample_item(raw, model, kind, scope, usd):
    point = parse_price_item(raw)

    assert point is not None
    assert (point.model_name, point.kind, point.scope) == (model, kind, scope)
    assert point.usd_per_million == Decimal(usd)
    assert point.sku == json.loads(raw)["product"]["sku"]


@pytest.mark.parametrize("file", sorted(SKIPPED))
def test_it_skips_the_reserved_and_provisioned_items_of_the_samples(file):
    expected = {
        "get_products_sonnet_4_6_use1.json": SONNET_46_EXPECTED,
        "get_products_claude_3_5_sonnet_use1.json": SONNET_35_EXPECTED,
    }[file]
    others = [item for ut, item in by_usagetype(price_list(file)).items() if ut not in expected]

    assert len(others) == SKIPPED[file]
    assert [parse_price_item(item) for item in others] == [None] * len(others)


def test_every_sample_item_is_either_expected_or_skipped():
    for file, expected in [
        ("get_products_sonnet_4_6_use1.json", SONNET_46_EXPECTED),
        ("get_products_opus_4_7_use1.json", OPUS_47_EXPECTED),
        ("get_products_claude_3_5_sonnet_use1.json", SONNET_35_EXPECTED),
    ]:
        items = price_list(file)
        assert len(items) == len(expected) + SKIPPED.get(file, 0), file


def test_it_reads_the_older_amazonbedrock_offer_that_names_the_model_in_model():
    (raw,) = price_list("get_products_claude_2_0_amazonbedrock_use1.json")

    point = parse_price_item(raw)

    assert point is not None
    assert (point.model_name, point.kind, point.scope) == ("Claude 2.0", "input", "regional")
    assert point.usd_per_million == Decimal("8")  # 0.008 per 1K tokens
    assert point.unit == "1K tokens"


def test_it_skips_an_item_of_another_region():
    raw = price_list("get_products_sonnet_4_6_use1.json")[0]

    assert parse_price_item(raw, region_code="eu-central-1") is None


def test_it_skips_and_logs_a_claude_token_meter_it_does_not_recognise(caplog):
    item = json.loads(price_list("get_products_sonnet_4_6_use1.json")[0])
    item["product"]["attributes"]["usagetype"] = "USE1-MP:USE1_ThinkingTokenCount-Units"

    with caplog.at_level(logging.INFO, logger="workloads.aws.catalog"):
        assert parse_price_item(json.dumps(item)) is None

    assert "USE1-MP:USE1_ThinkingTokenCount-Units" in caplog.text
    assert "not a token price the book knows" in caplog.text


def test_it_skips_and_logs_a_token_unit_it_cannot_count(caplog):
    item = json.loads(price_list("get_products_sonnet_4_6_use1.json")[0])
    dimension = next(
        iter(next(iter(item["terms"]["OnDemand"].values()))["priceDimensions"].values())
    )
    dimension["description"] = "Cache Read Input Tokens Regional CRIS"  # no count, no Marketplace

    with caplog.at_level(logging.WARNING, logger="workloads.aws.catalog"):
        assert parse_price_item(json.dumps(item)) is None

    assert "which is not a token count" in caplog.text


@pytest.mark.parametrize(
    "usagetype",
    [
        # Not in the samples above; spellings other public Price List adapters test against.
        "USE1-MP:USE1_input_tokens_long_ctx_standard-Units",
        "USE1-MP:USE1_cache_write_tokens_30m_global_standard-Units",
        "USE1-MP:USE1_CustomModelInputTokenCount-Units",
        "USE1-MP:USE1_input_tokens_priority-Units",
        "USE1-MP:USE1_output_tokens_flex-Units",
    ],
)
def test_it_skips_meters_the_book_has_no_column_for(usagetype):
    assert classify_usagetype(usagetype) is None


MARKETPLACE = "AWS Marketplace software usage|us-east-1|"


@pytest.mark.parametrize(
    ("price", "description", "expected"),
    [
        # A count in the description wins over the Marketplace per-1M rule.
        ("0.00033", MARKETPLACE + "thousand Cache Read Input Tokens Regional", "0.33"),
        ("3.00", "Million Input Tokens Global", "3.00"),  # without the Marketplace prefix
        ("5.00", MARKETPLACE + "Input Tokens - Standard, Global", "5.00"),  # Opus 4.7's form
        # Reserved throughput (Sonnet 4.6 sample) prices TPM hours, not tokens.
        ("0.198", MARKETPLACE + "Per Hour per 1K Input TPM Reserved 1 Month Regional CRIS", None),
    ],
)
def test_it_counts_the_tokens_a_units_price_is_for(price, description, expected):
    result = per_million_tokens(Decimal(price), "Units", description=description)

    assert result == (Decimal(expected) if expected else None)


# --- fetch_bedrock_prices over paginated get_products ------------------------------------


@pytest.fixture
def pricing_pages():
    """A pricing client whose get_products answers the given pages, joined by NextToken."""
    stubbers: list[ModelStubber] = []

    def make(pages: list[list[str]]):
        client, stubber = stubbed("pricing")
        for number, items in enumerate(pages, start=1):
            response: dict = {"FormatVersion": "aws_v1", "PriceList": items}
            if number < len(pages):
                response["NextToken"] = f"token-{number + 1}"
            token = {"NextToken": f"token-{number}"} if number > 1 else {}
            stubber.add_response("get_products", response, {**PRICE_REQUEST, **token})
        stubber.activate()
        stubbers.append(stubber)
        return client

    yield make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def test_it_fetches_prices_across_two_pages_of_real_items(pricing_pages):
    client = pricing_pages(
        [
            price_list("get_products_sonnet_4_6_use1.json"),
            price_list("get_products_opus_4_7_use1.json")
            + price_list("get_products_claude_3_5_sonnet_use1.json"),
        ]
    )

    quotes = quotes_by_model(fetch_bedrock_prices(client, region_code="us-east-1"))

    assert set(quotes) == {SONNET_46, OPUS_47, SONNET_35}
    assert quotes[SONNET_46].prices() == {
        "input": Decimal("3"),
        "output": Decimal("15"),
        "cache_read": Decimal("0.3"),
        "cache_write_5m": Decimal("3.75"),
        "cache_write_1h": Decimal("6"),
        "batch_input": Decimal("1.5"),
        "batch_output": Decimal("7.5"),
    }
    assert quotes[SONNET_46].prices(prefer_global=False)["input"] == Decimal("3.3")
    assert quotes[SONNET_46].regional_premium is True
    opus = quotes[OPUS_47].prices()
    assert (opus["input"], opus["output"], opus["cache_write_1h"]) == (5, 25, 10)
    assert "batch_input" not in opus  # the sample lists no batch price for Opus 4.7
    assert quotes[SONNET_35].global_prices == {}  # no global profile before the 4.5 models
    assert quotes[SONNET_35].regional_premium is None


def test_a_repeated_next_token_ends_the_listing_instead_of_looping(caplog):
    client, stubber = stubbed("pricing")
    page = {"FormatVersion": "aws_v1", "NextToken": "again"}
    stubber.add_response("get_products", {**page, "PriceList": opus_45_items()}, PRICE_REQUEST)
    again = {**PRICE_REQUEST, "NextToken": "again"}
    stubber.add_response("get_products", {**page, "PriceList": []}, again)

    with stubber, caplog.at_level(logging.WARNING, logger="workloads.aws.catalog"):
        points = fetch_bedrock_prices(client)

    assert {point.model_name for point in points} == {OPUS_45}
    assert "get_products: stopped paging" in caplog.text


# --- list_anthropic_models ----------------------------------------------------------------


def profiles_page(*model_ids: str, next_token: str | None = None) -> dict:
    page: dict = {
        "inferenceProfileSummaries": [
            {
                "inferenceProfileName": f"Global {model_id}",
                "inferenceProfileArn": "arn:aws:bedrock:us-east-1:123456789012:"
                f"inference-profile/global.{model_id}",
                "models": [{"modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}"}],
                "inferenceProfileId": f"global.{model_id}",
                "status": "ACTIVE",
                "type": "SYSTEM_DEFINED",
            }
            for model_id in model_ids
        ]
    }
    if next_token:
        page["nextToken"] = next_token
    return page


def bedrock_client(models_response: dict, profile_pages: list[dict]):
    client, stubber = stubbed("bedrock")
    stubber.add_response("list_foundation_models", models_response, {"byProvider": "Anthropic"})
    token = None
    for page in profile_pages:
        expected = {"typeEquals": "SYSTEM_DEFINED", **({"nextToken": token} if token else {})}
        stubber.add_response("list_inference_profiles", page, expected)
        token = page.get("nextToken")
    return client, stubber


def without_provenance(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "_provenance"}


def test_it_lists_the_real_anthropic_catalog_with_profiles_across_pages():
    response = without_provenance(sample("list_foundation_models_anthropic_use1.json"))
    client, stubber = bedrock_client(
        response,
        [
            profiles_page("anthropic.claude-sonnet-4-6", next_token="profiles-2"),
            profiles_page("anthropic.claude-opus-4-7"),
        ],
    )

    with stubber:
        models = {model.model_id: model for model in list_anthropic_models(client)}
    stubber.assert_no_pending_responses()

    # The sample's 16 summaries less the four context-window variants (":28k", ":200k"...).
    assert len(models) == 12
    assert models["anthropic.claude-sonnet-4-20250514-v1:0"].is_legacy
    assert models["anthropic.claude-opus-4-7"].lifecycle_status == "ACTIVE"
    assert models["anthropic.claude-opus-4-7"].profile_ids == ("global.anthropic.claude-opus-4-7",)
    assert models["anthropic.claude-sonnet-4-6"].has_global_profile
    assert models["anthropic.claude-3-haiku-20240307-v1:0"].inference_types == ("ON_DEMAND",)


def test_it_reads_end_of_life_legacy_and_active():
    response = without_provenance(sample("synthetic_list_foundation_models_end_of_life.json"))
    for summary in response["modelSummaries"]:  # botocore hands timestamps over as datetimes
        lifecycle = summary["modelLifecycle"]
        if "endOfLifeTime" in lifecycle:
            lifecycle["endOfLifeTime"] = dt.datetime.fromisoformat(lifecycle["endOfLifeTime"])
    client, stubber = bedrock_client(response, [profiles_page()])

    with stubber:
        models = {model.model_id: model for model in list_anthropic_models(client)}

    eol = models["anthropic.claude-3-sonnet-20240229-v1:0"]
    assert eol.lifecycle_status == "END_OF_LIFE"
    assert eol.is_end_of_life and not eol.is_legacy
    assert eol.end_of_life_time == dt.datetime(2026, 10, 21, tzinfo=dt.UTC)
    legacy = models["anthropic.claude-sonnet-4-20250514-v1:0"]
    assert legacy.is_legacy and not legacy.is_end_of_life
    active = models["anthropic.claude-sonnet-4-6"]
    assert active.lifecycle_status == "ACTIVE"
    assert not (active.is_legacy or active.is_end_of_life)
    assert active.end_of_life_time is None


def test_it_keeps_the_lifecycle_unknown_when_aws_does_not_say_or_says_something_new(caplog):
    real = without_provenance(sample("list_foundation_models_anthropic_use1.json"))
    silent, strange = (dict(summary) for summary in real["modelSummaries"][:2])
    del silent["modelLifecycle"]
    strange["modelLifecycle"] = {"status": "RETIRING"}
    client, stubber = bedrock_client({"modelSummaries": [silent, strange]}, [profiles_page()])

    with stubber, caplog.at_level(logging.WARNING, logger="workloads.aws.catalog"):
        models = list_anthropic_models(client)

    assert [model.lifecycle_status for model in models] == [None, None]
    assert not any(model.is_legacy or model.is_end_of_life for model in models)
    assert "unknown lifecycle status 'RETIRING'" in caplog.text
