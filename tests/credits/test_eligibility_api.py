"""POST /api/v1/eligibility/ (docs/architecture.md#the-eligibility-contract): the shape,
 the verdicts against the shipped programs,
a 400 naming the field for every bad input, the throttle and the programs' current terms.

The engine's own cases are in test_eligibility.py; these go through HTTP and the database
(the programs come from the credits data migration).
"""

import datetime as dt
import json
import secrets
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from credits.eligibility import RULE_VERSION, STAGES
from credits.models import CreditProgram, EligibilitySnapshot
from tests.factories import StartupFactory
from workloads.models import Startup

pytestmark = pytest.mark.django_db

URL = "/api/v1/eligibility/"

# A seed-stage startup with a provider's Org ID: Portfolio applies, so Founders is superseded.
SEED_WITH_ORG_ID = {
    "stage": "seed",
    "founded_on": "2023-05-10",
    "website": "https://acme.example",
    "aws_account_id": "210987654321",
    "aws_paid_plan": True,
    "uses_china_regions": False,
    "activate_org_id": "VC-ORG-1234",
    "prior_activate_credits": "0.00",
    "generative_ai": True,
}
PROGRAM_KEYS = {
    "code",
    "name",
    "family",
    "verdict",
    "filed_by",
    "amount_min",
    "amount_max",
    "expected_amount",
    "reasons",
    "warnings",
}


def _post(api_client, body, **extra):
    return api_client.post(URL, body, format="json", **extra)


def _programs(response) -> dict[str, dict]:
    return {program["code"]: program for program in response.json()["programs"]}


def _reason(program: dict, code: str) -> dict:
    return next(reason for reason in program["reasons"] if reason["code"] == code)


def _new_terms(code: str, *, effective_from: dt.date, **changes) -> CreditProgram:
    """A new row of terms for a shipped program, as "Save as new" in the admin makes one."""
    row = CreditProgram.objects.filter(code=code).order_by("-effective_from").first()
    row.pk = None
    row.effective_from = effective_from
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()
    return row


# --- the happy paths ----------------------------------------------------------------------


def test_it_answers_with_the_shape_of_design_section_5(api_client):
    response = _post(api_client, SEED_WITH_ORG_ID)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"programs", "recommended", "total_expected", "rule_version"}
    assert body["rule_version"] == RULE_VERSION
    # The founder's own programs first, then partner-filed, then the accelerator.
    assert [program["code"] for program in body["programs"]] == [
        "activate_portfolio",
        "activate_founders",
        "bedrock_poc",
        "genai_accelerator",
    ]
    for program in body["programs"]:
        assert set(program) == PROGRAM_KEYS
        assert program["verdict"] in ("eligible", "ineligible", "superseded", "competitive")
        for money in ("amount_min", "amount_max", "expected_amount"):
            assert isinstance(program[money], str)
            assert Decimal(program[money]).as_tuple().exponent == -2  # cents, as text
        assert program["reasons"], program["code"]
        for reason in program["reasons"]:
            assert set(reason) == {"code", "passed", "message", "fix"}
            assert isinstance(reason["passed"], bool)
            assert reason["message"]
        assert isinstance(program["warnings"], list)


def test_it_recommends_portfolio_over_founders_for_a_seed_startup_with_an_org_id(api_client):
    response = _post(api_client, SEED_WITH_ORG_ID)

    programs = _programs(response)
    portfolio = programs["activate_portfolio"]
    assert portfolio["name"] == "AWS Activate Portfolio"
    assert portfolio["verdict"] == "eligible"
    assert portfolio["filed_by"] == "founder"
    # The current terms (2025): up to $200,000, typically $100,000.
    assert portfolio["amount_min"] == "0.00"
    assert portfolio["amount_max"] == "200000.00"
    assert portfolio["expected_amount"] == "100000.00"
    assert all(reason["passed"] for reason in portfolio["reasons"])
    assert _reason(portfolio, "has_provider_org_id")["message"] == (
        "You have an Activate Provider Organization ID."
    )
    founders = programs["activate_founders"]
    assert founders["verdict"] == "superseded"
    assert founders["expected_amount"] == "0.00"
    poc = programs["bedrock_poc"]
    assert (poc["verdict"], poc["filed_by"], poc["expected_amount"]) == (
        "eligible",
        "partner",
        "25000.00",  # no projected spend: the typical award
    )
    # No window announced yet: the accelerator is not open to apply.
    accelerator = programs["genai_accelerator"]
    assert accelerator["verdict"] == "ineligible"
    assert _reason(accelerator, "application_window_open")["passed"] is False
    body = response.json()
    assert body["recommended"] == ["activate_portfolio", "bedrock_poc"]
    assert body["total_expected"] == "125000.00"


@pytest.mark.parametrize(
    ("monthly_spend", "expected"),
    [
        ("8000", "16000.00"),  # two months of spend
        ("3000.50", "10000.00"),  # below the program's minimum: the minimum
        ("40000", "50000.00"),  # above its maximum: the maximum
        ("0", "10000.00"),
        (None, "25000.00"),  # not given: the typical award
    ],
)
def test_it_sizes_the_proof_of_concept_to_the_projected_spend(api_client, monthly_spend, expected):
    response = _post(api_client, {**SEED_WITH_ORG_ID, "projected_monthly_spend": monthly_spend})

    assert response.status_code == 200, response.content
    assert _programs(response)["bedrock_poc"]["expected_amount"] == expected
    assert response.json()["total_expected"] == str(Decimal("100000.00") + Decimal(expected))


def test_it_recommends_founders_without_an_org_id(api_client):
    response = _post(api_client, {**SEED_WITH_ORG_ID, "activate_org_id": ""})

    assert response.status_code == 200, response.content
    programs = _programs(response)
    portfolio = programs["activate_portfolio"]
    assert portfolio["verdict"] == "ineligible"
    org_id = _reason(portfolio, "has_provider_org_id")
    assert org_id["passed"] is False
    assert "Organization ID" in org_id["fix"]
    assert portfolio["reasons"][0] == org_id  # the failed reason first
    founders = programs["activate_founders"]
    assert (founders["verdict"], founders["expected_amount"]) == ("eligible", "1000.00")
    assert founders["amount_max"] == "5000.00"  # the 2025 terms, not the older $1,000 only
    body = response.json()
    assert body["recommended"] == ["activate_founders", "bedrock_poc"]
    assert body["total_expected"] == "26000.00"


def test_it_turns_a_series_b_startup_down_for_activate_and_says_why(api_client):
    response = _post(api_client, {**SEED_WITH_ORG_ID, "stage": "series_b"})

    assert response.status_code == 200, response.content
    programs = _programs(response)
    for code in ("activate_portfolio", "activate_founders"):
        program = programs[code]
        assert program["verdict"] == "ineligible"
        assert program["expected_amount"] == "0.00"
        stage = _reason(program, "pre_series_b")
        assert stage["passed"] is False
        assert "Series B" in stage["message"]
        assert "up to Series A" in stage["message"]
        assert program["reasons"][0] == stage
    assert response.json()["recommended"] == ["bedrock_poc"]
    assert response.json()["total_expected"] == "25000.00"


def test_it_takes_only_the_required_fields(api_client):
    response = _post(api_client, {"stage": "pre_seed", "founded_on": "2025-01-01"})

    assert response.status_code == 200, response.content
    programs = _programs(response)
    # Defaults: no website, free plan, no account id, generative AI.
    founders = programs["activate_founders"]
    assert founders["verdict"] == "ineligible"
    failed = {reason["code"] for reason in founders["reasons"] if not reason["passed"]}
    assert failed == {"has_web_presence", "aws_paid_account"}
    assert _reason(programs["bedrock_poc"], "valid_aws_account_id")["passed"] is False
    assert _reason(programs["bedrock_poc"], "generative_ai_workload")["passed"] is True
    assert response.json()["recommended"] == []
    assert response.json()["total_expected"] == "0.00"


def test_it_turns_the_generative_ai_programs_down_without_generative_ai(api_client):
    response = _post(api_client, {**SEED_WITH_ORG_ID, "generative_ai": False})

    programs = _programs(response)
    for code in ("bedrock_poc", "genai_accelerator"):
        assert programs[code]["verdict"] == "ineligible"
        assert _reason(programs[code], "generative_ai_workload")["passed"] is False
    assert response.json()["recommended"] == ["activate_portfolio"]


def test_it_does_not_reveal_whether_an_org_id_is_used_by_another_startup(api_client):
    StartupFactory(activate_org_id="VC-ORG-1234")

    response = _post(api_client, SEED_WITH_ORG_ID)

    portfolio = _programs(response)["activate_portfolio"]
    assert portfolio["verdict"] == "eligible"
    assert _reason(portfolio, "org_id_not_reused")["passed"] is True


def test_it_stores_nothing(api_client):
    _post(api_client, SEED_WITH_ORG_ID)

    assert not Startup.objects.exists()
    assert not EligibilitySnapshot.objects.exists()


# --- bad input: a 400 naming the field ----------------------------------------------------


def test_it_names_the_accepted_stages(api_client):
    response = _post(api_client, {**SEED_WITH_ORG_ID, "stage": "series_z"})

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"stage"}
    message = body["stage"][0]
    assert '"series_z" is not accepted' in message
    for stage in STAGES:
        assert stage in message


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("founded_on", "10/05/2023", "YYYY-MM-DD"),
        ("founded_on", "2023-02-30", "YYYY-MM-DD"),
        ("founded_on", "", "YYYY-MM-DD"),
        ("founded_on", None, "null"),
        ("founded_on", "1899-12-31", "1900"),
        ("website", "not a url", "URL"),
        ("website", "acme dot example", "URL"),
        ("aws_account_id", "12345", "12-digit"),
        ("aws_account_id", "1234-5678-9012", "12-digit"),
        ("aws_account_id", "12345678901a", "12-digit"),
        ("prior_activate_credits", "-1", "greater than or equal to 0"),
        ("prior_activate_credits", "10000000.01", "less than or equal to 10000000"),
        ("prior_activate_credits", "lots", "number"),
        ("projected_monthly_spend", "-0.01", "greater than or equal to 0"),
        ("projected_monthly_spend", "NaN", "number"),
        ("projected_monthly_spend", "Infinity", "number"),
        ("projected_monthly_spend", "1e400", ""),
        ("aws_paid_plan", "sure", "boolean"),
        ("uses_china_regions", "nope", "boolean"),
        ("generative_ai", "maybe", "boolean"),
        ("generative_ai", [True], "boolean"),
        ("activate_org_id", "x" * 65, "64"),
        ("stage", "", "not accepted"),
        ("stage", None, "null"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(api_client, field, value, words):
    response = _post(api_client, {**SEED_WITH_ORG_ID, field: value})

    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {field}, body
    assert words in " ".join(body[field])


def test_it_refuses_a_founding_date_in_the_future(api_client):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = _post(api_client, {**SEED_WITH_ORG_ID, "founded_on": tomorrow.isoformat()})

    assert response.status_code == 400
    assert set(response.json()) == {"founded_on"}
    assert "future" in response.json()["founded_on"][0]


def test_it_accepts_a_company_founded_today(api_client):
    today = timezone.localdate().isoformat()

    response = _post(api_client, {**SEED_WITH_ORG_ID, "founded_on": today})

    assert response.status_code == 200, response.content


def test_it_names_every_missing_required_field(api_client):
    response = _post(api_client, {})

    assert response.status_code == 400
    assert set(response.json()) == {"stage", "founded_on"}


def test_it_refuses_json_that_does_not_parse(api_client):
    response = api_client.post(URL, '{"stage": "seed",', content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([SEED_WITH_ORG_ID], "Invalid data. Expected a dictionary, but got list."),
        ("seed", "Invalid data. Expected a dictionary, but got str."),
        (12, "Invalid data. Expected a dictionary, but got int."),
        (None, "No data provided"),
    ],
)
def test_it_refuses_a_body_that_is_not_an_object(api_client, body, message):
    response = api_client.post(URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [message]}


def test_it_refuses_get(api_client):
    assert api_client.get(URL).status_code == 405


FIELDS = [*SEED_WITH_ORG_ID, "projected_monthly_spend"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats()  # NaN and +-Infinity are sent as JSON literals, which must be a 400 too
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "1e400",
            "-0",
            "0.5",
            "2023-05-10",
            "2023-05-10T10:00:00Z",
            "0001-01-01",
            "9999-12-31",
            "123456789012",
            "https://acme.example",
            "true",
            "seed",
            "series_b",
            "\x00",
            "1" * 400,
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children)
    ),
    max_leaves=6,
)


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(FIELDS), value=json_values)
def test_it_never_answers_500_whatever_json_a_field_holds(api_client, field, value):
    raw = json.dumps({**SEED_WITH_ORG_ID, field: value})  # allow_nan: NaN becomes a literal

    response = api_client.post(URL, raw, content_type="application/json")

    assert response.status_code in (200, 400), response.content
    body = response.json()
    if response.status_code == 400:
        assert set(body) <= {field, "detail"}, body
    else:
        assert body["rule_version"] == RULE_VERSION


# --- throttling ---------------------------------------------------------------------------


def _random_address() -> str:
    """A fresh client address: the throttle's cache may be shared with other runs (Redis)."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def test_it_throttles_the_eligibility_scope(api_client, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "eligibility": "2/minute"},
    }
    address = _random_address()

    responses = [_post(api_client, SEED_WITH_ORG_ID, REMOTE_ADDR=address) for _ in range(3)]
    other = _post(api_client, SEED_WITH_ORG_ID, REMOTE_ADDR=_random_address())

    assert [response.status_code for response in responses] == [200, 200, 429]
    assert "throttled" in responses[2].json()["detail"].lower()
    assert int(responses[2]["Retry-After"]) > 0
    assert other.status_code == 200  # another client's budget is its own


def test_it_counts_bad_requests_against_the_throttle(api_client, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "eligibility": "2/minute"},
    }
    address = _random_address()

    statuses = [
        _post(api_client, {"stage": "nope"}, REMOTE_ADDR=address).status_code for _ in range(3)
    ]

    assert statuses == [400, 400, 429]


# --- the programs' current terms ----------------------------------------------------------


def test_it_uses_terms_effective_today(api_client):
    _new_terms(
        "activate_portfolio",
        effective_from=timezone.localdate(),
        amount_max=Decimal("300000"),
        typical_amount=Decimal("150000"),
    )

    response = _post(api_client, SEED_WITH_ORG_ID)

    portfolio = _programs(response)["activate_portfolio"]
    assert portfolio["amount_max"] == "300000.00"
    assert portfolio["expected_amount"] == "150000.00"
    assert response.json()["total_expected"] == "175000.00"


def test_it_ignores_terms_that_take_effect_in_the_future(api_client):
    _new_terms(
        "activate_portfolio",
        effective_from=timezone.localdate() + dt.timedelta(days=1),
        amount_max=Decimal("300000"),
    )

    response = _post(api_client, SEED_WITH_ORG_ID)

    assert _programs(response)["activate_portfolio"]["amount_max"] == "200000.00"


def test_it_hides_a_program_whose_current_terms_are_inactive(api_client):
    CreditProgram.objects.filter(code="bedrock_poc").update(is_active=False)

    response = _post(api_client, SEED_WITH_ORG_ID)

    assert "bedrock_poc" not in _programs(response)
    assert response.json()["recommended"] == ["activate_portfolio"]
    assert response.json()["total_expected"] == "100000.00"


def test_it_does_not_fall_back_to_older_terms_when_the_current_ones_are_inactive(api_client):
    # Portfolio has two rows (2020: up to $100,000; 2025: up to $200,000). Unticking the
    # current one retires the program; it must not bring the 2020 terms back.
    current = CreditProgram.objects.filter(code="activate_portfolio").latest("effective_from")
    CreditProgram.objects.filter(pk=current.pk).update(is_active=False)

    response = _post(api_client, SEED_WITH_ORG_ID)

    programs = _programs(response)
    assert "activate_portfolio" not in programs
    assert programs["activate_founders"]["verdict"] == "eligible"  # nothing supersedes it now
    assert response.json()["recommended"] == ["activate_founders", "bedrock_poc"]


def test_it_retires_a_program_from_the_date_of_an_inactive_row(api_client):
    today = timezone.localdate()
    _new_terms("bedrock_poc", effective_from=today + dt.timedelta(days=30), is_active=False)

    before = _post(api_client, SEED_WITH_ORG_ID)
    _new_terms("genai_accelerator", effective_from=today, is_active=False)
    after = _post(api_client, SEED_WITH_ORG_ID)

    assert "bedrock_poc" in _programs(before)  # retired only from next month
    assert "genai_accelerator" in _programs(before)
    assert "genai_accelerator" not in _programs(after)


def test_it_shows_a_program_an_operator_adds(api_client):
    CreditProgram.objects.create(
        code="zz_regional_grant",
        name="Regional cloud grant",
        family="partner_funding",
        filed_by="invite",
        amount_min=Decimal("0"),
        amount_max=Decimal("5000"),
        typical_amount=Decimal("5000"),
        effective_from=dt.date(2025, 1, 1),
        source_url="https://example.com/grant",
    )

    response = _post(api_client, SEED_WITH_ORG_ID)

    programs = response.json()["programs"]
    assert programs[-1]["code"] == "zz_regional_grant"  # after the shipped ones
    assert programs[-1]["verdict"] == "ineligible"  # no rules yet: an operator reviews it
    assert [reason["code"] for reason in programs[-1]["reasons"]] == ["no_rules"]


# --- queries ------------------------------------------------------------------------------


def test_it_answers_in_one_query(api_client, django_assert_num_queries):
    # 1. the active credit program rows effective today (all codes, newest first); no
    #    session or user (anonymous, no authentication classes) and the throttle uses the cache
    with django_assert_num_queries(1):
        response = _post(api_client, SEED_WITH_ORG_ID)

    assert response.status_code == 200
