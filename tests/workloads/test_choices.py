"""The enumerations match what AWS accepts, and the use-case presets make sense."""

import botocore.session
import pytest
from django_countries import countries

from workloads.choices import USE_CASE_PRESETS, AwsRegion, Industry, Stage, Tier, UseCase


@pytest.fixture(scope="module")
def ace_model():
    """The service model of AWS Partner Central (ACE) opportunities, shipped with botocore."""
    return botocore.session.get_session().get_service_model("partnercentral-selling")


def test_it_lists_exactly_the_ace_industries_in_their_order(ace_model):
    assert list(Industry.values) == list(ace_model.shape_for("Industry").enum)


def test_it_shows_the_ace_industry_names_verbatim_as_labels():
    assert [label for _, label in Industry.choices] == list(Industry.values)


# ACE still lists AN (Netherlands Antilles, withdrawn from ISO 3166-1 in 2010); KP, which ACE
# leaves out, is taken off the list by settings.COUNTRIES_OVERRIDE. Any other difference is
# news: a code we cannot store, or cannot file.
ACE_ONLY = {"AN"}


def test_it_knows_every_ace_country_code(ace_model):
    ace_codes = set(ace_model.shape_for("CountryCode").enum)
    known = {code for code, _ in countries}

    assert len(ace_codes) > 200
    assert ace_codes - ACE_ONLY <= known, sorted(ace_codes - ACE_ONLY - known)


def test_it_offers_only_countries_ace_accepts(ace_model):
    ace_codes = set(ace_model.shape_for("CountryCode").enum)
    known = {code for code, _ in countries}

    assert "KP" not in known
    assert known <= ace_codes, sorted(known - ace_codes)


def test_it_has_a_preset_for_every_use_case_and_nothing_else():
    assert set(USE_CASE_PRESETS) == set(UseCase.values)


@pytest.mark.parametrize("use_case", list(UseCase))
def test_it_keeps_each_preset_a_pair_of_shares_summing_to_at_most_one(use_case):
    preset = USE_CASE_PRESETS[use_case]

    assert set(preset) == {"sonnet", "opus"}
    assert all(0.0 <= share <= 1.0 for share in preset.values())
    assert preset["sonnet"] + preset["opus"] <= 1.0


@pytest.mark.parametrize("easy", [UseCase.CLASSIFICATION, UseCase.ROUTING_TRIAGE])
@pytest.mark.parametrize("hard", [UseCase.CODING, UseCase.MULTI_STEP_REASONING])
def test_it_escalates_easy_use_cases_less_than_hard_ones(easy, hard):
    def escalated(use_case) -> float:
        return USE_CASE_PRESETS[use_case]["sonnet"] + USE_CASE_PRESETS[use_case]["opus"]

    assert escalated(easy) < escalated(hard)
    assert USE_CASE_PRESETS[easy]["sonnet"] < USE_CASE_PRESETS[hard]["sonnet"]
    assert USE_CASE_PRESETS[easy]["opus"] < USE_CASE_PRESETS[hard]["opus"]


def test_it_presets_only_valid_workload_escalations():
    from workloads.models import workload_cross_field_errors

    for preset in USE_CASE_PRESETS.values():
        errors = workload_cross_field_errors(
            input_tokens=100,
            cached_prefix_tokens=0,
            escalation_sonnet=preset["sonnet"],
            escalation_opus=preset["opus"],
        )
        assert errors == {}


def test_it_lists_stages_from_bootstrapped_to_series_c():
    assert Stage.values == [
        "bootstrapped",
        "pre_seed",
        "seed",
        "series_a",
        "series_b",
        "series_c_plus",
    ]


def test_it_lists_the_three_claude_tiers():
    assert Tier.values == ["haiku", "sonnet", "opus"]


def test_it_lists_only_aws_regions_with_bedrock():
    session = botocore.session.get_session()
    bedrock_regions = set(session.get_available_regions("bedrock"))

    assert bedrock_regions, "botocore ships no bedrock endpoints"
    assert set(AwsRegion.values) <= bedrock_regions, sorted(set(AwsRegion.values) - bedrock_regions)
