"""Filing a draft with ACE from the partner flow (service, API and portal button), against
botocore.stub.Stubber: one create and one submit, a stable ClientToken on retries, firms that
file by hand get a 409, another firm's application a 404. Never the network."""

from decimal import Decimal

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from credits.aws.ace import client_token
from credits.models import ApplicationEvent, ApplicationStatus, CreditApplication
from credits.services import ApplicationInputError, ApplicationTransitionError, application_create
from matching.models import AceCatalog, Lead, LeadStatus, PartnerAceAccount
from matching.services import AceUnavailableError, application_file_with_ace
from matching.services import ace as ace_services
from tests.factories import PartnerFactory, PartnerMembershipFactory
from workloads.services import workload_project

from .partner_helpers import make_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

OPPORTUNITY = "O7654321"


def file_url(application_id: int) -> str:
    return f"/api/v1/partner/applications/{application_id}/file-with-ace/"


@pytest.fixture
def stubbed():
    client = boto3.client(
        "partnercentral-selling",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def firm_x():
    firm = PartnerFactory(name="Northwind Cloud")
    PartnerAceAccount.objects.create(partner=firm, enabled=True, catalog=AceCatalog.SANDBOX)
    return firm


@pytest.fixture
def member_x(firm_x):
    return PartnerMembershipFactory(partner=firm_x, user__email="ana@northwind.test").user


@pytest.fixture
def draft(firm_x, member_x) -> CreditApplication:
    lead = make_lead(firm_x, status=LeadStatus.ACCEPTED, responded_at=timezone.now())
    workload_project(workload_id=lead.workload_id)  # a non-zero expected monthly spend
    return application_create(
        startup_id=lead.startup_id,
        program_code="bedrock_poc",
        requested_amount=Decimal("25000"),
        actor=member_x,
    )


def api_for(user) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def create_params(application) -> dict:
    return {
        "Catalog": "Sandbox",
        "ClientToken": client_token(application),
        "PartnerOpportunityIdentifier": client_token(application),
        "Origin": "Partner Referral",
        "OpportunityType": "Net New Business",
        "PrimaryNeedsFromAws": ANY,
        "Customer": ANY,
        "Project": ANY,
        "LifeCycle": ANY,
    }


def expect_create(stubber, application, opportunity_id=OPPORTUNITY):
    stubber.add_response("create_opportunity", {"Id": opportunity_id}, create_params(application))


def expect_submit(stubber, opportunity_id=OPPORTUNITY):
    stubber.add_response(
        "submit_opportunity",
        {},
        {
            "Catalog": "Sandbox",
            "Identifier": opportunity_id,
            "InvolvementType": "Co-Sell",
            "Visibility": "Full",
        },
    )


def test_filing_creates_submits_and_moves_the_draft_to_submitted(draft, firm_x, member_x, stubbed):
    client, stubber = stubbed
    expect_create(stubber, draft)
    expect_submit(stubber)

    application = application_file_with_ace(
        application_id=draft.pk, partner=firm_x, actor=member_x, client=client
    )

    assert (application.status, application.ace_opportunity_id) == ("submitted", OPPORTUNITY)
    event = ApplicationEvent.objects.filter(application=draft).latest("id")
    assert (event.from_status, event.to_status, event.actor) == ("draft", "submitted", member_x)
    assert OPPORTUNITY in event.note


def test_the_api_files_with_ace(draft, member_x, stubbed, monkeypatch):
    client, stubber = stubbed
    monkeypatch.setattr(ace_services, "ace_client_for", lambda account: client)
    expect_create(stubber, draft)
    expect_submit(stubber)

    response = api_for(member_x).post(file_url(draft.pk))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["ace_opportunity_id"]) == ("submitted", OPPORTUNITY)
    # Exactly one create and one submit: the Stubber has nothing left, and a second
    # filing of the now-submitted application never reaches ACE.
    again = api_for(member_x).post(file_url(draft.pk))
    assert again.status_code == 409


def test_a_retry_after_a_failure_reuses_the_client_token(draft, firm_x, member_x, stubbed):
    client, stubber = stubbed
    stubber.add_client_error(
        "create_opportunity",
        service_error_code="ThrottlingException",
        http_status_code=429,
        expected_params=create_params(draft),
    )
    with pytest.raises(AceUnavailableError):
        application_file_with_ace(
            application_id=draft.pk, partner=firm_x, actor=member_x, client=client
        )
    draft.refresh_from_db()
    assert (draft.status, draft.ace_opportunity_id) == ("draft", "")

    # Created, then the submit fails: the retry's create (same token) returns the same id.
    expect_create(stubber, draft)
    stubber.add_client_error(
        "submit_opportunity", service_error_code="InternalServerException", http_status_code=500
    )
    with pytest.raises(AceUnavailableError):
        application_file_with_ace(
            application_id=draft.pk, partner=firm_x, actor=member_x, client=client
        )

    expect_create(stubber, draft)
    expect_submit(stubber)
    application = application_file_with_ace(
        application_id=draft.pk, partner=firm_x, actor=member_x, client=client
    )
    assert (application.status, application.ace_opportunity_id) == ("submitted", OPPORTUNITY)


def test_the_api_answers_502_when_ace_fails(draft, member_x, stubbed, monkeypatch):
    client, stubber = stubbed
    monkeypatch.setattr(ace_services, "ace_client_for", lambda account: client)
    stubber.add_client_error(
        "create_opportunity", service_error_code="ThrottlingException", http_status_code=429
    )

    response = api_for(member_x).post(file_url(draft.pk))

    assert response.status_code == 502
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


@pytest.mark.parametrize("account", ["disabled", "none"])
def test_a_firm_that_files_by_hand_gets_a_409(draft, firm_x, member_x, stubbed, account):
    if account == "disabled":
        PartnerAceAccount.objects.filter(partner=firm_x).update(enabled=False)
    else:
        PartnerAceAccount.objects.filter(partner=firm_x).delete()

    response = api_for(member_x).post(file_url(draft.pk))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This firm files in Partner Central itself; enter the ACE opportunity id by hand."
    }
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_another_firms_application_is_a_404(draft, stubbed):
    firm_y = PartnerFactory(name="Bluebird Partners")
    PartnerAceAccount.objects.create(partner=firm_y, enabled=True)
    member_y = PartnerMembershipFactory(partner=firm_y, user__email="bo@bluebird.test").user

    assert api_for(member_y).post(file_url(draft.pk)).status_code == 404
    with pytest.raises(CreditApplication.DoesNotExist):
        application_file_with_ace(application_id=draft.pk, partner=firm_y, actor=member_y)


def test_only_a_draft_is_filed(draft, firm_x, member_x, stubbed):
    CreditApplication.objects.filter(pk=draft.pk).update(status=ApplicationStatus.CANCELED)

    with pytest.raises(ApplicationTransitionError, match="Only a draft"):
        application_file_with_ace(
            application_id=draft.pk, partner=firm_x, actor=member_x, client=stubbed[0]
        )


def test_a_failing_precheck_is_a_400_and_nothing_is_sent(draft, member_x, stubbed, monkeypatch):
    client, _ = stubbed
    monkeypatch.setattr(ace_services, "ace_client_for", lambda account: client)
    draft.startup.aws_account_id = ""
    draft.startup.save(update_fields=["aws_account_id"])

    response = api_for(member_x).post(file_url(draft.pk))

    assert response.status_code == 400
    assert "12-digit AWS account id" in response.json()["precheck"][0]


def test_an_ace_payload_error_names_the_field(draft, firm_x, member_x, stubbed, monkeypatch):
    monkeypatch.setattr(ace_services, "_expected_monthly_spend", lambda startup_id: Decimal(0))

    with pytest.raises(ApplicationInputError) as raised:
        application_file_with_ace(
            application_id=draft.pk, partner=firm_x, actor=member_x, client=stubbed[0]
        )

    assert list(raised.value.errors) == ["expected_monthly_spend"]


def test_the_portal_card_has_the_button_for_drafts_of_an_ace_firm(
    client, draft, firm_x, member_x, stubbed, monkeypatch
):
    ace_client, stubber = stubbed
    monkeypatch.setattr(ace_services, "ace_client_for", lambda account: ace_client)
    client.force_login(member_x)
    lead = Lead.objects.get(startup_id=draft.startup_id, partner=firm_x)
    lead_page = f"/partner/leads/{lead.pk}/"
    assert 'data-testid="file-with-ace"' in client.get(lead_page).text

    expect_create(stubber, draft)
    expect_submit(stubber)
    response = client.post(f"/partner/applications/{draft.pk}/file-with-ace/")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.ace_opportunity_id) == ("submitted", OPPORTUNITY)
    assert 'data-testid="file-with-ace"' not in client.get(lead_page).text

    PartnerAceAccount.objects.filter(partner=firm_x).update(enabled=False)
    response = client.post(f"/partner/applications/{draft.pk}/file-with-ace/")
    assert response.status_code == 409
