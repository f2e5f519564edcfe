"""POST /api/v1/intakes/ under the intake rules of issue 13, item 5: AWS account ids with
dashes, US states by code or name, names without control characters, shares as fractions
(said so in the schema), and the workload's endpoint and cascade."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from matching.models import Intake
from tests.matching.test_intake_validation import MODELS, _error_at
from workloads.models import Startup, Workload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/api/v1/intakes/"


def _row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _post(api_client, payload):
    return api_client.post(URL, payload, format="json")


def _created_startup(response) -> Startup:
    assert response.status_code == 201, response.content
    return Intake.objects.select_related("startup").get(pk=response.json()["id"]).startup


def _refused(api_client, payload, path: tuple[str, ...]) -> str:
    """Post, expect a 400 naming `path`, nothing saved; the message."""
    before = _row_counts()
    response = _post(api_client, payload)
    assert response.status_code == 400, response.content
    assert _row_counts() == before
    return json.dumps(_error_at(response.json(), path))


# --- AWS account ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent", ["1234-5678-9012", "1234 5678 9012", " 123456789012 ", 123456789012]
)
def test_an_aws_account_id_with_dashes_or_spaces_is_stored_as_12_digits(api_client, payload, sent):
    payload["company"]["aws_account_id"] = sent

    assert _created_startup(_post(api_client, payload)).aws_account_id == "123456789012"


@pytest.mark.parametrize(
    ("sent", "says"),
    [
        ("1234-5678-9012-3", "this one has 13"),
        ("2109876543210", "this one has 13"),
        ("1234-5678-901", "this one has 11"),
        ("1234.5678.9012", "other characters"),
        ("12345678901x", "other characters"),
    ],
)
def test_anything_but_12_digits_is_a_400_naming_the_field(api_client, payload, sent, says):
    payload["company"]["aws_account_id"] = sent

    message = _refused(api_client, payload, ("company", "aws_account_id"))

    assert "AWS account id is 12 digits" in message
    assert "dashes or spaces" in message
    assert says in message


# --- US states -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("WA", "Washington"),
        ("wa", "Washington"),
        ("Washington", "Washington"),
        ("  new   YORK ", "New York"),
        ("PR", "Puerto Rico"),
        ("Guam", "Guam"),
        ("DC", "Dist. of Columbia"),
        ("District of Columbia", "Dist. of Columbia"),
    ],
)
def test_a_us_state_by_code_or_name_is_stored_by_its_full_name(api_client, payload, sent, stored):
    payload["company"]["state"] = sent

    assert _created_startup(_post(api_client, payload)).state == stored


@pytest.mark.parametrize("sent", ["", "Atlantis", "\U0001f984", "W", "USA", "Washington State", 7])
def test_anything_else_for_a_us_state_is_a_400_naming_company_state(api_client, payload, sent):
    payload["company"]["state"] = sent

    message = _refused(api_client, payload, ("company", "state"))

    assert "two-letter code (e.g. WA)" in message
    assert "full name (e.g. Washington)" in message


def test_another_country_keeps_its_region_as_written(api_client, payload):
    payload["company"].update(country="DE", state="Bayern")

    assert _created_startup(_post(api_client, payload)).state == "Bayern"


def test_a_region_with_a_control_character_is_refused(api_client, payload):
    payload["company"].update(country="DE", state="Bay\u202eern")

    assert "U+202E" in _refused(api_client, payload, ("company", "state"))


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\x01", "\x1f", "\x7f", "\u202e", "\u2066", "\ufeff"])
def test_a_company_name_with_a_control_character_is_refused(api_client, payload, character):
    payload["company"]["name"] = f"Acme{character}Analytics"

    message = _refused(api_client, payload, ("company", "name"))

    assert "The company name contains a hidden control character" in message
    assert f"U+{ord(character):04X}" in message


@pytest.mark.parametrize("character", ["\x01", "\x1f", "\x7f", "\u202e", "\u200b"])
def test_a_founder_name_with_a_control_character_is_refused(api_client, payload, character):
    payload["founder"]["name"] = f"Ada{character}Founder"

    message = _refused(api_client, payload, ("founder", "name"))

    assert "The founder's name contains a hidden control character" in message


def test_real_names_are_accepted(api_client, payload):
    payload["company"]["name"] = "Müller & Söhne می\u200cخواهم"
    payload["founder"]["name"] = "Zoë Ørsted"

    assert _created_startup(_post(api_client, payload)).name == "Müller & Söhne می\u200cخواهم"


def test_the_model_refuses_a_control_character_in_a_company_name_too():
    startup = Startup(name="Acme\u202e", country="DE", industry="Other", stage="seed")

    with pytest.raises(Exception, match="U\\+202E"):
        startup.full_clean(exclude=["founded_on", "founder"])


# --- Shares stay fractions ------------------------------------------------------------------


def test_the_api_keeps_shares_as_fractions(api_client, payload):
    payload["workload"].update(cache_hit_rate=0.25, batch_share=0.035, monthly_growth=0.05)

    response = _post(api_client, payload)

    assert response.status_code == 201, response.content
    workload = Workload.objects.get()
    assert (workload.cache_hit_rate, workload.batch_share) == (0.25, 0.035)
    assert workload.monthly_growth == 0.05


def test_a_percent_sent_to_the_api_is_refused(api_client, payload):
    payload["workload"]["cache_hit_rate"] = 25

    _refused(api_client, payload, ("workload", "cache_hit_rate"))


@pytest.fixture(scope="module")
def schemas():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def _described(schemas, component: str) -> dict[str, str]:
    properties = schemas[component]["properties"]
    return {name: spec.get("description", "") for name, spec in properties.items()}


def test_the_schema_says_the_api_takes_fractions(schemas):
    workload = _described(schemas, "WorkloadInputRequest")
    for name in ("cache_hit_rate", "batch_share", "monthly_growth"):
        assert "fraction" in workload[name] and "not a percent" in workload[name], name
    escalation = _described(schemas, "EscalationRequest")
    for name in ("sonnet", "opus"):
        assert "A fraction from 0 to 1, not a percent" in escalation[name]
    estimate = _described(schemas, "EstimateInputRequest")
    assert "not a percent" in estimate["cache_hit_rate"]


def test_the_schema_says_what_a_state_and_an_account_id_may_be(schemas):
    company = _described(schemas, "CompanyInputRequest")
    assert "two-letter code" in company["state"] and "full name" in company["state"]
    assert "dashes or spaces" in company["aws_account_id"]


# --- Endpoint and cascade ---------------------------------------------------------------------


def test_endpoint_and_cascade_default(api_client, payload):
    assert _post(api_client, payload).status_code == 201
    workload = Workload.objects.get()
    assert (workload.endpoint, workload.cascade) == ("global", False)


def test_endpoint_and_cascade_are_stored_and_read_back(api_client, payload):
    payload["workload"].update(endpoint="regional", cascade=True)

    created = _post(api_client, payload)

    assert created.status_code == 201, created.content
    workload = Workload.objects.get()
    assert (workload.endpoint, workload.cascade) == ("regional", True)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {created.json()['token']}")
    detail = api_client.get(f"{URL}{created.json()['id']}/")
    assert detail.status_code == 200, detail.content
    assert detail.json()["workload"]["endpoint"] == "regional"
    assert detail.json()["workload"]["cascade"] is True


def test_an_unknown_endpoint_names_the_accepted_ones(api_client, payload):
    payload["workload"]["endpoint"] = "mars"

    message = _refused(api_client, payload, ("workload", "endpoint"))

    assert "global, regional" in message
