"""Every intake rule answers 400 naming the field, and a refused intake saves nothing."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.models import IdempotencyKey, Intake
from tests.factories import INTAKE_PAYLOAD, intake_payload
from workloads.models import AuditEvent, Startup, Workload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/api/v1/intakes/"
MODELS = [get_user_model(), Startup, Workload, Intake, AuditEvent, IdempotencyKey]


def _row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _error_at(body, path: tuple[str, ...]):
    """The errors under `path` in a DRF error body, failing with the whole body if absent."""
    node = body
    for key in path:
        assert isinstance(node, dict) and key in node, f"no errors at {path}: {body}"
        node = node[key]
    return node


def _messages(errors) -> str:
    return json.dumps(errors)


TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

# (section, field, value, path of the error in the 400 body)
INVALID = [
    ("company", "aws_account_id", "123", ("company", "aws_account_id")),
    ("company", "aws_account_id", "21098765432a", ("company", "aws_account_id")),
    ("company", "aws_account_id", "abcdefghijkl", ("company", "aws_account_id")),
    ("company", "aws_account_id", "2109876543210", ("company", "aws_account_id")),
    ("company", "aws_account_id", "2109-8765-43210", ("company", "aws_account_id")),
    ("company", "aws_account_id", "2109_8765_4321", ("company", "aws_account_id")),
    ("company", "state", "Atlantis", ("company", "state")),
    ("company", "state", "\U0001f984", ("company", "state")),
    ("company", "state", "W", ("company", "state")),
    ("company", "name", "Acme\u202eexe.doc", ("company", "name")),
    ("company", "name", "Acme\x00", ("company", "name")),
    ("company", "website", "not a url", ("company", "website")),
    ("company", "website", "acme", ("company", "website")),
    ("company", "stage", "series_z", ("company", "stage")),
    ("company", "industry", "Fintech", ("company", "industry")),
    ("company", "industry", "software and internet", ("company", "industry")),
    ("company", "country", "XX", ("company", "country")),
    ("company", "country", "Atlantis", ("company", "country")),
    ("company", "country", "", ("company", "country")),
    ("company", "founded_on", TOMORROW, ("company", "founded_on")),
    ("company", "founded_on", "2023-13-45", ("company", "founded_on")),
    ("company", "founded_on", "10/05/2023", ("company", "founded_on")),
    ("company", "founded_on", "1899-12-31", ("company", "founded_on")),
    ("company", "prior_activate_credits", "-1", ("company", "prior_activate_credits")),
    ("company", "prior_activate_credits", "10000000.01", ("company", "prior_activate_credits")),
    ("company", "name", "", ("company", "name")),
    ("company", "name", "x" * 121, ("company", "name")),
    ("company", "aws_paid_plan", "maybe", ("company", "aws_paid_plan")),
    ("founder", "email", "not-an-email", ("founder", "email")),
    ("founder", "email", "ada@", ("founder", "email")),
    ("founder", "email", "", ("founder", "email")),
    ("founder", "name", "", ("founder", "name")),
    ("founder", "name", "Ada\x1bFounder", ("founder", "name")),
    ("founder", "name", "Ada\u200bFounder", ("founder", "name")),
    ("workload", "cache_hit_rate", -0.01, ("workload", "cache_hit_rate")),
    ("workload", "cache_hit_rate", 1.01, ("workload", "cache_hit_rate")),
    ("workload", "batch_share", -0.5, ("workload", "batch_share")),
    ("workload", "batch_share", 2, ("workload", "batch_share")),
    ("workload", "escalation", {"sonnet": -0.1, "opus": 0}, ("workload", "escalation", "sonnet")),
    ("workload", "escalation", {"sonnet": 1.1, "opus": 0}, ("workload", "escalation", "sonnet")),
    ("workload", "escalation", {"sonnet": 0, "opus": -0.1}, ("workload", "escalation", "opus")),
    ("workload", "escalation", {"sonnet": 0, "opus": 1.5}, ("workload", "escalation", "opus")),
    ("workload", "escalation", {"sonnet": 0.7, "opus": 0.4}, ("workload", "escalation")),
    ("workload", "escalation", "lots", ("workload", "escalation")),
    ("workload", "cached_prefix_tokens", 1801, ("workload", "cached_prefix_tokens")),
    ("workload", "cached_prefix_tokens", -1, ("workload", "cached_prefix_tokens")),
    ("workload", "monthly_requests", -1, ("workload", "monthly_requests")),
    ("workload", "monthly_requests", 10**12 + 1, ("workload", "monthly_requests")),
    ("workload", "monthly_requests", "many", ("workload", "monthly_requests")),
    ("workload", "input_tokens", -1, ("workload", "input_tokens")),
    ("workload", "input_tokens", 1_000_001, ("workload", "input_tokens")),
    ("workload", "output_tokens", -1, ("workload", "output_tokens")),
    ("workload", "output_tokens", 128_001, ("workload", "output_tokens")),
    ("workload", "monthly_growth", -0.51, ("workload", "monthly_growth")),
    ("workload", "monthly_growth", 5.01, ("workload", "monthly_growth")),
    ("workload", "description", "x" * 19, ("workload", "description")),
    ("workload", "description", "x" * 2001, ("workload", "description")),
    ("workload", "use_case", "chatbot", ("workload", "use_case")),
    ("workload", "region", "us-east-9", ("workload", "region")),
    ("workload", "baseline_tier", "gpt-5", ("workload", "baseline_tier")),
    ("workload", "endpoint", "mars", ("workload", "endpoint")),
    ("workload", "cascade", "sometimes", ("workload", "cascade")),
]


@pytest.mark.parametrize(
    ("section", "field", "value", "path"),
    INVALID,
    ids=[f"{section}.{field}={value!r:.30}" for section, field, value, _ in INVALID],
)
def test_it_refuses_an_invalid_field_naming_it_and_saves_nothing(
    api_client, payload, section, field, value, path, django_capture_on_commit_callbacks
):
    payload[section][field] = value
    before = _row_counts()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    errors = _error_at(response.json(), path)
    assert errors, response.json()
    assert _row_counts() == before
    assert callbacks == []
    assert mail.outbox == []


def test_it_names_the_accepted_stages_in_the_error(api_client, payload):
    payload["company"]["stage"] = "series_z"

    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 400
    message = _messages(response.json()["company"]["stage"])
    assert "series_z" in message
    for stage in ("bootstrapped", "pre_seed", "seed", "series_a", "series_b", "series_c_plus"):
        assert stage in message


def test_it_names_the_accepted_industries_use_cases_and_tiers(api_client, payload):
    payload["company"]["industry"] = "Fintech"
    payload["workload"]["use_case"] = "chatbot"
    payload["workload"]["baseline_tier"] = "gpt-5"

    body = api_client.post(URL, payload, format="json").json()

    assert "Financial Services" in _messages(body["company"]["industry"])
    assert "multi_step_reasoning" in _messages(body["workload"]["use_case"])
    assert "haiku, sonnet, opus" in _messages(body["workload"]["baseline_tier"])


def test_it_explains_an_escalation_above_one(api_client, payload):
    payload["workload"]["escalation"] = {"sonnet": 0.7, "opus": 0.4}

    body = api_client.post(URL, payload, format="json").json()

    assert set(body) == {"workload"}
    assert set(body["workload"]) == {"escalation"}
    assert "at most 1" in _messages(body["workload"]["escalation"])


def test_it_accepts_an_escalation_of_exactly_one_despite_float_rounding(api_client, payload):
    payload["workload"]["escalation"] = {"sonnet": 0.7, "opus": 0.3}  # 0.7 + 0.3 > 1.0 in floats

    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 201, response.content


def test_it_explains_a_cached_prefix_larger_than_the_prompt(api_client, payload):
    payload["workload"]["cached_prefix_tokens"] = 2000

    body = api_client.post(URL, payload, format="json").json()

    message = _messages(body["workload"]["cached_prefix_tokens"])
    assert "2000" in message and "1800" in message


def test_it_accepts_a_cached_prefix_equal_to_the_prompt(api_client, payload):
    payload["workload"]["cached_prefix_tokens"] = payload["workload"]["input_tokens"]

    assert api_client.post(URL, payload, format="json").status_code == 201


def test_it_accepts_the_bounds_themselves(api_client, payload):
    payload["workload"].update(
        monthly_requests=10**12,
        input_tokens=1_000_000,
        output_tokens=128_000,
        monthly_growth=5,
        cache_hit_rate=1,
        batch_share=0,
        description="x" * 2000,
    )
    payload["company"]["founded_on"] = timezone.localdate().isoformat()

    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    workload = Intake.objects.get(pk=response.json()["id"]).workload
    assert workload.monthly_requests == 10**12


def test_it_requires_a_state_for_a_us_company(api_client, payload):
    payload["company"]["state"] = ""
    before = _row_counts()

    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert "state" in response.json()["company"]
    assert _row_counts() == before


def test_it_does_not_require_a_state_outside_the_us(api_client, payload):
    payload["company"].update(country="DE", state="")

    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("country", ["USA", "840", "us"])
def test_it_normalises_other_iso_country_codes_to_alpha_2(api_client, payload, country):
    payload["company"]["country"] = country

    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    assert Intake.objects.get(pk=response.json()["id"]).startup.country.code == "US"


def test_it_accepts_a_company_without_an_aws_account_yet(api_client, payload):
    payload["company"]["aws_account_id"] = ""

    assert api_client.post(URL, payload, format="json").status_code == 201


@pytest.mark.parametrize("section", ["company", "founder", "workload"])
def test_it_refuses_a_missing_section(api_client, payload, section):
    del payload[section]
    before = _row_counts()

    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert section in response.json()
    assert _row_counts() == before


@pytest.mark.parametrize("section", ["company", "founder", "workload"])
@pytest.mark.parametrize("value", [None, "text", 42, ["a", "list"]])
def test_it_refuses_a_section_that_is_not_an_object(api_client, payload, section, value):
    payload[section] = value
    before = _row_counts()

    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert section in response.json()
    assert _row_counts() == before


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("company", "name"),
        ("company", "country"),
        ("company", "industry"),
        ("company", "founded_on"),
        ("company", "stage"),
        ("founder", "email"),
        ("workload", "use_case"),
        ("workload", "description"),
        ("workload", "region"),
        ("workload", "monthly_requests"),
        ("workload", "input_tokens"),
        ("workload", "output_tokens"),
    ],
)
def test_it_refuses_a_missing_required_field(api_client, payload, section, field):
    del payload[section][field]
    before = _row_counts()

    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()[section]
    assert _row_counts() == before


def test_it_collects_errors_of_all_sections_at_once(api_client, payload):
    payload["company"]["aws_account_id"] = "123"
    payload["founder"]["email"] = "nope"
    payload["workload"]["batch_share"] = 7

    body = api_client.post(URL, payload, format="json").json()

    assert "aws_account_id" in body["company"]
    assert "email" in body["founder"]
    assert "batch_share" in body["workload"]


@pytest.mark.parametrize(
    "raw",
    ['{"company": ', "{'company': {}}", "not json at all", '{"a": NaN}', "\x00\x01"],
)
def test_it_answers_400_not_500_to_malformed_json(api_client, raw):
    before = _row_counts()

    response = api_client.post(URL, raw, content_type="application/json")

    assert response.status_code == 400, response.content
    assert "detail" in response.json()
    assert _row_counts() == before


def test_it_answers_400_to_malformed_json_with_an_idempotency_key(api_client):
    response = api_client.post(
        URL, '{"company": ', content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-malformed"
    )

    assert response.status_code == 400
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("body", [[], [INTAKE_PAYLOAD], "a string", 42, None, True])
def test_it_refuses_a_json_body_that_is_not_an_object(api_client, body):
    before = _row_counts()

    response = api_client.post(URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400, response.content
    assert _row_counts() == before


def test_it_refuses_an_empty_body(api_client):
    response = api_client.post(URL, "", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) >= {"company", "founder", "workload"}


def test_it_refuses_an_unsupported_content_type(api_client):
    response = api_client.post(URL, "<intake/>", content_type="application/xml")

    assert response.status_code == 415
    assert not Intake.objects.exists()


# --- Property: whatever lands in a field, the answer is 201 or 400, never a 500 ----------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "0", "-1", "1e400", "nan", "inf", "2023-02-30", "US", "O123"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
company_fields = st.sampled_from(sorted(INTAKE_PAYLOAD["company"]))
workload_fields = st.sampled_from(sorted(INTAKE_PAYLOAD["workload"]) + ["escalation.sonnet"])
edits = st.lists(
    st.tuples(st.just("company"), company_fields, json_values)
    | st.tuples(st.just("workload"), workload_fields, json_values)
    | st.tuples(st.just("founder"), st.sampled_from(["name", "email"]), json_values),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=edits)
def test_it_never_answers_500_whatever_the_field_values(api_client, edits):
    body = intake_payload(email="property@example.com")
    for section, field, value in edits:
        if field == "escalation.sonnet":
            body[section]["escalation"] = {"sonnet": value, "opus": 0.0}
        else:
            body[section][field] = value
    intakes_before = Intake.objects.count()

    response = api_client.post(URL, body, format="json")

    assert response.status_code in (201, 400), (response.status_code, response.content)
    created = Intake.objects.count() - intakes_before
    assert created == (1 if response.status_code == 201 else 0)
