"""The ACE adapter against botocore.stub.Stubber: never the network.

Stubber checks request types, required members and the stubbed responses against botocore's
service model; `assert_matches_model` adds the enums and patterns it leaves out."""

import datetime as dt
import re
from decimal import Decimal

import boto3
import pytest
from botocore.stub import Stubber

from credits.aws import ace
from tests.factories import CreditApplicationFactory, StartupFactory, WorkloadFactory

pytestmark = pytest.mark.django_db

SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def client():
    return boto3.client(
        "partnercentral-selling",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def stubber(client):
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def application():
    startup = StartupFactory(
        name="Acme Robotics",
        website="https://acme.example",
        postal_code="98101",
        aws_account_id="123456789012",
    )
    WorkloadFactory(startup=startup, description="We tag support tickets by urgency and area.")
    return CreditApplicationFactory(startup=startup, target_close_date=dt.date(2026, 9, 30))


def assert_matches_model(client, operation: str, params: dict) -> None:
    """Every string we send is one of the member's enum values and matches its pattern."""
    shape = client.meta.service_model.operation_model(operation).input_shape

    def walk(shape, value, where):
        if shape.type_name == "structure":
            assert isinstance(value, dict), where
            assert set(shape.required_members) <= set(value), where
            for name, member in value.items():
                assert name in shape.members, f"{where}.{name} is not in the model"
                walk(shape.members[name], member, f"{where}.{name}")
        elif shape.type_name == "list":
            for index, item in enumerate(value):
                walk(shape.member, item, f"{where}[{index}]")
        elif shape.type_name == "string":
            if shape.enum:
                assert value in shape.enum, f"{where}={value!r} is not one of the enum"
            pattern = shape.metadata.get("pattern")
            try:
                compiled = re.compile(pattern) if pattern else None
            except re.error:
                compiled = None  # \p{L} and friends: Python's re cannot read them
            if compiled is not None:
                assert compiled.fullmatch(value), f"{where}={value!r} !~ {pattern}"

    walk(shape, params, operation)


def summary(opportunity_id: str, review_status: str, **extra) -> dict:
    return {
        "Catalog": "Sandbox",
        "Id": opportunity_id,
        "LastModifiedDate": SINCE + dt.timedelta(hours=1),
        "LifeCycle": {"ReviewStatus": review_status, "Stage": "Prospect"},
        **extra,
    }


def test_payload_has_what_ace_needs_and_matches_the_model(client, application):
    payload = ace.opportunity_payload(application, monthly_spend=Decimal("1234.567"))

    account = payload["Customer"]["Account"]
    assert account == {
        "CompanyName": "Acme Robotics",
        "WebsiteUrl": "https://acme.example",
        "Industry": "Software and Internet",
        "Address": {"CountryCode": "US", "StateOrRegion": "Washington", "PostalCode": "98101"},
        "AwsAccountId": "123456789012",
    }
    assert payload["Project"]["CustomerBusinessProblem"] == (
        "We tag support tickets by urgency and area."
    )
    assert payload["Project"]["ExpectedCustomerSpend"] == [
        {"Amount": "1234.57", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
    ]
    assert payload["LifeCycle"]["TargetCloseDate"] == "2026-09-30"
    assert payload["Origin"] == "Partner Referral"
    assert payload["OpportunityType"] == "Net New Business"
    assert payload["PrimaryNeedsFromAws"] == ["Co-Sell - Architectural Validation"]
    params = {"Catalog": "Sandbox", "ClientToken": ace.client_token(application), **payload}
    assert_matches_model(client, "CreateOpportunity", params)


def test_payload_leaves_out_blank_optional_fields(client):
    startup = StartupFactory(
        name="Tiny Co", website="", country="DE", state="", aws_account_id="", postal_code=""
    )
    application = CreditApplicationFactory(startup=startup)
    payload = ace.opportunity_payload(
        application, monthly_spend=Decimal("50"), business_problem="A" * 25
    )
    assert payload["Customer"]["Account"] == {
        "CompanyName": "Tiny Co",
        "Industry": "Software and Internet",
        "Address": {"CountryCode": "DE"},
    }
    assert payload["LifeCycle"]["TargetCloseDate"]  # a default 90 days out
    assert_matches_model(
        client, "CreateOpportunity", {"Catalog": "AWS", "ClientToken": "t", **payload}
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"monthly_spend": Decimal("0")}, "non-zero"),
        ({"monthly_spend": Decimal("0.001")}, "non-zero"),
        ({"monthly_spend": Decimal("10"), "business_problem": "too short"}, "20 to 2000"),
        ({"monthly_spend": Decimal("10"), "business_problem": "x" * 2001}, "20 to 2000"),
    ],
)
def test_payload_refuses_what_ace_would_reject(application, kwargs, message):
    with pytest.raises(ace.AcePayloadError, match=message):
        ace.opportunity_payload(application, **kwargs)


def test_create_opportunity_sends_a_stable_client_token(client, stubber, application):
    payload = ace.opportunity_payload(application, monthly_spend=Decimal("900"))
    expected = {
        "Catalog": "Sandbox",
        "ClientToken": f"cloudroute-application-{application.pk}",
        **payload,
    }
    response = {"Id": "O1234567", "LastModifiedDate": SINCE}
    # A retry after a timeout sends the very same request, token included.
    stubber.add_response("create_opportunity", response, expected)
    stubber.add_response("create_opportunity", response, expected)

    first = ace.create_opportunity(
        client, catalog="Sandbox", application=application, monthly_spend=Decimal("900")
    )
    second = ace.create_opportunity(
        client, catalog="Sandbox", application=application, monthly_spend=Decimal("900")
    )
    assert first == second == "O1234567"


def test_create_opportunity_refuses_an_unknown_catalog(client, stubber, application):
    with pytest.raises(ValueError, match="catalog"):
        ace.create_opportunity(
            client, catalog="Prod", application=application, monthly_spend=Decimal("1")
        )


def test_submit_opportunity_asks_for_co_sell(client, stubber):
    stubber.add_response(
        "submit_opportunity",
        {},
        {
            "Catalog": "AWS",
            "Identifier": "O1234567",
            "InvolvementType": "Co-Sell",
            "Visibility": "Full",
        },
    )
    assert ace.submit_opportunity(client, catalog="AWS", opportunity_id="O1234567") is None


def test_list_changed_opportunities_follows_next_token(client, stubber):
    request = {
        "Catalog": "Sandbox",
        "MaxResults": 100,
        "LastModifiedDate": {"AfterLastModifiedDate": SINCE},
        "Sort": {"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"},
    }
    stubber.add_response(
        "list_opportunities",
        {"OpportunitySummaries": [summary("O1", "Submitted")], "NextToken": "page-2"},
        request,
    )
    stubber.add_response(
        "list_opportunities",
        {"OpportunitySummaries": [summary("O2", "Approved"), summary("O3", "In review")]},
        {**request, "NextToken": "page-2"},
    )
    summaries = ace.list_changed_opportunities(client, catalog="Sandbox", since=SINCE)
    assert [item["Id"] for item in summaries] == ["O1", "O2", "O3"]


def test_a_repeated_next_token_stops_the_listing(client, stubber):
    request = {
        "Catalog": "AWS",
        "MaxResults": 100,
        "LastModifiedDate": {"AfterLastModifiedDate": SINCE},
        "Sort": {"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"},
    }
    page = {"OpportunitySummaries": [summary("O1", "Submitted")], "NextToken": "same"}
    stubber.add_response("list_opportunities", page, request)
    stubber.add_response("list_opportunities", page, {**request, "NextToken": "same"})
    assert len(ace.list_changed_opportunities(client, catalog="AWS", since=SINCE)) == 2


def test_review_status_maps_to_our_states(client):
    model_statuses = (
        client.meta.service_model.operation_model("ListOpportunities")
        .output_shape.members["OpportunitySummaries"]
        .member.members["LifeCycle"]
        .members["ReviewStatus"]
        .enum
    )
    assert set(ace.REVIEW_STATUS_TO_STATE) == set(model_statuses)
    assert ace.review_state(summary("O1", "In review")) == "in_review"
    assert ace.review_state(summary("O1", "Action Required")) == "action_required"
    assert ace.review_state({"Id": "O1"}) is None
    assert ace.review_state({"LifeCycle": {"ReviewStatus": "Something new"}}) is None
