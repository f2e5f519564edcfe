"""The body CloudRoute sent to CreateOpportunity before issue 15 (credits/aws/ace.py at
commit 28f9202, for a US startup typed "WA" and, for the country check, one registered in
"KP"), held to the model: the plain Stubber takes it, tests.aws_model does not. This is the
proof that the model-validating helper bites on what production used to send."""

from botocore.stub import Stubber

from tests.aws_model import ModelStubber, request_problems, stubbed_client

BEFORE = {
    "Catalog": "Sandbox",
    "ClientToken": "cloudroute-application-7",
    "PartnerOpportunityIdentifier": "cloudroute-application-7",
    "Origin": "Partner Referral",
    "OpportunityType": "Net New Business",
    "PrimaryNeedsFromAws": ["Co-Sell - Architectural Validation"],
    "Customer": {
        "Account": {
            "CompanyName": "Acme Robotics",
            "Industry": "Software and Internet",
            "Address": {"CountryCode": "KP", "StateOrRegion": "WA", "PostalCode": "98101"},
            "AwsAccountId": "123456789012",
        }
    },
    "Project": {
        "Title": "Acme Robotics: Claude on Amazon Bedrock",
        "CustomerBusinessProblem": "We tag support tickets by urgency and area.",
        "ExpectedCustomerSpend": [
            {
                "Amount": "900.00",
                "CurrencyCode": "USD",
                "Frequency": "Monthly",
                "TargetCompany": "AWS",
            }
        ],
    },
    "LifeCycle": {"Stage": "Prospect", "TargetCloseDate": "2027-03-31"},
}


def test_the_plain_stubber_took_the_old_body():
    client = stubbed_client("partnercentral-selling")
    with Stubber(client) as stubber:
        stubber.add_response("create_opportunity", {"Id": "O1"}, BEFORE)
        assert client.create_opportunity(**BEFORE)["Id"] == "O1"


def test_the_model_check_refuses_the_old_body():
    problems = request_problems(
        stubbed_client("partnercentral-selling"), "create_opportunity", BEFORE
    )

    assert any("StateOrRegion='WA'" in problem for problem in problems), problems
    assert any("CountryCode='KP'" in problem for problem in problems), problems


def test_a_model_stubber_fails_the_call_that_sends_it():
    client = stubbed_client("partnercentral-selling")
    with ModelStubber(client) as stubber:
        stubber.add_response("create_opportunity", {"Id": "O1"})
        try:
            client.create_opportunity(**BEFORE)
        except AssertionError as error:
            assert "StateOrRegion" in str(error)
        else:
            raise AssertionError("the old body went through")
