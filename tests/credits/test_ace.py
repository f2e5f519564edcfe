"""The ACE adapter against botocore's model: every stubbed request and answer goes through
tests.aws_model.ModelStubber (enums, patterns, lengths, ranges, required members), on top
of what Stubber checks. Never the network."""

import datetime as dt
from decimal import Decimal

import pytest

from credits.aws import ace
from tests import aws_samples as samples
from tests.aws_model import ModelStubber, request_problems, stubbed_client

SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CLOSE = dt.date(2027, 3, 31)


@pytest.fixture
def client():
    return stubbed_client("partnercentral-selling")


@pytest.fixture
def stubber(client):
    with ModelStubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def customer(**overrides) -> ace.Customer:
    values = {
        "company_name": "Acme Robotics",
        "website": "https://acme.example",
        "industry": "Software and Internet",
        "country": "US",
        "state": "Washington",
        "postal_code": "98101",
        "aws_account_id": "123456789012",
    } | overrides
    return ace.Customer(**values)


def payload(**overrides) -> dict:
    values = {
        "application_id": 7,
        "customer": customer(),
        "business_problem": "We tag support tickets by urgency and area.",
        "monthly_spend": Decimal("1234.567"),
        "close_date": CLOSE,
        "delivery_models": ["Professional Services"],
        "national_security": False,
    } | overrides
    return ace.opportunity_payload(**values)


IDEMPOTENCY_KEY = "cloudroute-token-1"  # the filing's frozen ClientToken


def create_request(body: dict) -> dict:
    return {"Catalog": "Sandbox", "ClientToken": IDEMPOTENCY_KEY, **body}


def test_the_payload_has_every_member_ace_needs_for_submission(client):
    body = payload()

    assert body["Customer"]["Account"] == {
        "CompanyName": "Acme Robotics",
        "WebsiteUrl": "https://acme.example",
        "Industry": "Software and Internet",
        "Address": {"CountryCode": "US", "StateOrRegion": "Washington", "PostalCode": "98101"},
        "AwsAccountId": "123456789012",
    }
    assert body["LifeCycle"] == {"Stage": "Qualified", "TargetCloseDate": "2027-03-31"}
    assert body["NationalSecurity"] == "No"
    assert body["Project"]["CustomerUseCase"] == "AI Machine Learning and Analytics"
    assert body["Project"]["DeliveryModels"] == ["Professional Services"]
    assert body["Project"]["SalesActivities"] == [
        "Initialized discussions with customer",
        "Customer has shown interest in solution",
    ]
    assert body["Project"]["ExpectedCustomerSpend"] == [
        {"Amount": "1234.57", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
    ]
    assert body["PartnerOpportunityIdentifier"] == "cloudroute-application-7"
    assert request_problems(client, "create_opportunity", create_request(body)) == []


def test_the_stage_is_one_ace_accepts_for_submission(client):
    # "A lead and a prospect must be further matured to a Qualified opportunity before
    # submission" (botocore's model, LifeCycle.Stage).
    stages = client.meta.service_model.shape_for("Stage").enum
    assert payload()["LifeCycle"]["Stage"] in stages
    assert payload()["LifeCycle"]["Stage"] not in ("Prospect", "Closed Lost")


def test_the_payload_matches_the_model_outside_the_us(client):
    body = payload(customer=customer(country="DE", state="Bayern", postal_code=""))

    assert body["Customer"]["Account"]["Address"] == {"CountryCode": "DE"}
    assert request_problems(client, "create_opportunity", create_request(body)) == []


def test_a_national_security_project_may_go_without_a_website(client):
    body = payload(customer=customer(website="", industry="Government"), national_security=True)

    assert "WebsiteUrl" not in body["Customer"]["Account"]
    assert body["NationalSecurity"] == "Yes"
    assert request_problems(client, "create_opportunity", create_request(body)) == []


def test_the_members_come_from_the_models_own_lists(client):
    model = client.meta.service_model
    assert set(ace.DELIVERY_MODELS) == set(model.shape_for("DeliveryModel").enum)
    assert set(ace.SALES_ACTIVITIES) <= set(model.shape_for("SalesActivity").enum)
    assert set(ace.PRIMARY_NEEDS) <= set(model.shape_for("PrimaryNeedFromAws").enum)
    use_cases = model.shape_for("Project").members["CustomerUseCase"].documentation
    assert ace.CUSTOMER_USE_CASE in use_cases


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"monthly_spend": Decimal("0")}, "non-zero"),
        ({"monthly_spend": Decimal("0.001")}, "non-zero"),
        ({"business_problem": "too short"}, "20 to 2000"),
        ({"business_problem": "x" * 2001}, "20 to 2000"),
        ({"customer": customer(company_name="x" * 121)}, "1 to 120"),
        ({"customer": customer(website="")}, "website"),
        ({"customer": customer(website="https://" + "a" * 250 + ".example")}, "4 to 255"),
        ({"delivery_models": []}, "delivery models"),
        ({"delivery_models": ["Consulting"]}, "delivery models"),
    ],
)
def test_the_payload_refuses_what_ace_would_reject_and_never_cuts(overrides, message):
    with pytest.raises(ace.AcePayloadError, match=message):
        payload(**overrides)


def test_create_sends_the_frozen_body_and_token(client, stubber):
    body = payload()
    stubber.add_response(
        "create_opportunity", samples.create_opportunity_response(), create_request(body)
    )

    opportunity = ace.create_opportunity(
        client, catalog="Sandbox", client_token=IDEMPOTENCY_KEY, payload=body
    )

    assert opportunity == samples.OPPORTUNITY_ID


def test_create_refuses_an_unknown_catalog(client, stubber):
    with pytest.raises(ValueError, match="catalog"):
        ace.create_opportunity(client, catalog="Prod", client_token="t", payload=payload())


def test_associate_names_the_firms_solution(client, stubber):
    stubber.add_response(
        "associate_opportunity",
        {},
        {
            "Catalog": "AWS",
            "OpportunityIdentifier": samples.OPPORTUNITY_ID,
            "RelatedEntityType": "Solutions",
            "RelatedEntityIdentifier": samples.SOLUTION_ID,
        },
    )

    ace.associate_solution(
        client,
        catalog="AWS",
        opportunity_id=samples.OPPORTUNITY_ID,
        solution_id=samples.SOLUTION_ID,
    )


def test_start_engagement_asks_for_co_sell_and_reads_the_task(client, stubber):
    stubber.add_response(
        "start_engagement_from_opportunity_task",
        samples.engagement_task("IN_PROGRESS"),
        {
            "Catalog": "Sandbox",
            "ClientToken": "cloudroute-token-2",
            "Identifier": samples.OPPORTUNITY_ID,
            "AwsSubmission": {"InvolvementType": "Co-Sell", "Visibility": "Full"},
        },
    )

    task = ace.start_engagement(
        client,
        catalog="Sandbox",
        opportunity_id=samples.OPPORTUNITY_ID,
        client_token="cloudroute-token-2",
    )

    assert (task.task_id, task.status, task.opportunity_id) == (
        samples.TASK_ID,
        "IN_PROGRESS",
        samples.OPPORTUNITY_ID,
    )


def test_engagement_tasks_are_listed_through_the_paginator(client, stubber):
    request = {"Catalog": "Sandbox", "TaskIdentifier": [samples.TASK_ID]}
    stubber.add_response(
        "list_engagement_from_opportunity_tasks",
        {"TaskSummaries": [samples.engagement_task("FAILED")], "NextToken": "page-2"},
        request,
    )
    stubber.add_response(
        "list_engagement_from_opportunity_tasks",
        {"TaskSummaries": []},
        {**request, "NextToken": "page-2"},
    )

    tasks = ace.list_engagement_tasks(client, catalog="Sandbox", task_ids=[samples.TASK_ID])

    assert [(task.status, task.reason_code) for task in tasks] == [
        ("FAILED", "OpportunityValidationFailed")
    ]
    assert "WebsiteUrl" in tasks[0].message


def list_request(catalog="Sandbox") -> dict:
    return {
        "Catalog": catalog,
        "MaxResults": 100,
        "LastModifiedDate": {"AfterLastModifiedDate": SINCE},
        "Sort": {"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"},
    }


def test_changed_opportunities_follow_the_paginator_across_pages(client, stubber):
    stubber.add_response(
        "list_opportunities",
        {
            "OpportunitySummaries": [samples.opportunity_summary("O1", "Submitted")],
            "NextToken": "page-2",
        },
        list_request(),
    )
    stubber.add_response(
        "list_opportunities",
        {
            "OpportunitySummaries": [
                samples.opportunity_summary("O2", "Approved"),
                samples.opportunity_summary("O3", "In review"),
            ]
        },
        {**list_request(), "NextToken": "page-2"},
    )

    summaries = ace.list_changed_opportunities(client, catalog="Sandbox", since=SINCE)

    assert [item["Id"] for item in summaries] == ["O1", "O2", "O3"]


def test_the_listing_stops_after_max_pages(client, stubber, monkeypatch):
    monkeypatch.setattr(ace, "MAX_PAGES", 2)
    page = {
        "OpportunitySummaries": [samples.opportunity_summary("O1", "Submitted")],
        "NextToken": "more",
    }
    stubber.add_response("list_opportunities", page, list_request("AWS"))
    stubber.add_response(
        "list_opportunities",
        {**page, "NextToken": "more-2"},
        {**list_request("AWS"), "NextToken": "more"},
    )

    assert len(ace.list_changed_opportunities(client, catalog="AWS", since=SINCE)) == 2


def test_review_status_maps_to_our_states(client):
    model_statuses = client.meta.service_model.shape_for("ReviewStatus").enum
    assert set(ace.REVIEW_STATUS_TO_STATE) == set(model_statuses)
    assert ace.review_state(samples.opportunity_summary("O1", "In review")) == "in_review"
    assert ace.review_state(samples.opportunity_summary("O1", "Action Required")) == (
        "action_required"
    )
    assert ace.review_state({"Id": "O1"}) is None
    assert ace.review_state({"LifeCycle": {"ReviewStatus": "Something new"}}) is None


def test_engagement_tasks_are_asked_ten_ids_a_call(client, stubber):
    ids = [f"task-{n:013d}" for n in range(11)]
    stubber.add_response(
        "list_engagement_from_opportunity_tasks",
        {"TaskSummaries": []},
        {"Catalog": "AWS", "TaskIdentifier": ids[:10]},
    )
    stubber.add_response(
        "list_engagement_from_opportunity_tasks",
        {"TaskSummaries": [samples.engagement_task("COMPLETE", TaskId=ids[10])]},
        {"Catalog": "AWS", "TaskIdentifier": ids[10:]},
    )

    tasks = ace.list_engagement_tasks(client, catalog="AWS", task_ids=ids)

    assert [task.task_id for task in tasks] == [ids[10]]
