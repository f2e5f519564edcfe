"""Filing a draft with ACE (service, API and portal button) in AWS's order: create at stage
Qualified, associate the firm's solution, start the engagement; against botocore's model
(tests.aws_model.ModelStubber). One test per rule: the frozen payload and its token on every
retry, the opportunity id kept at once, resuming at the failed step, a refused body thawed,
the firm's solution and delivery models required. Never the network."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from credits.models import ApplicationEvent, ApplicationStatus, CreditApplication
from credits.services import ApplicationInputError, ApplicationTransitionError, application_create
from matching import services
from matching.models import AceCatalog, AceFiling, FilingStep, Lead, LeadStatus, PartnerAceAccount
from matching.services import AceUnavailableError, ace_filing, application_file_with_ace
from tests import aws_samples as samples
from tests.aws_model import ModelStubber, stubbed_client
from tests.factories import PartnerFactory, PartnerMembershipFactory
from workloads.models import WorkloadProjection
from workloads.services import workload_project

from .partner_helpers import make_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

OPPORTUNITY = samples.OPPORTUNITY_ID


def file_url(application_id: int) -> str:
    return f"/api/v1/partner/applications/{application_id}/file-with-ace/"


@pytest.fixture
def stubbed():
    client = stubbed_client("partnercentral-selling")
    with ModelStubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def firm_x():
    firm = PartnerFactory(name="Northwind Cloud")
    PartnerAceAccount.objects.create(
        partner=firm,
        enabled=True,
        catalog=AceCatalog.SANDBOX,
        solution_id=samples.SOLUTION_ID,
        delivery_models=["Professional Services", "Managed Services"],
    )
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


def filing_of(application) -> AceFiling:
    return AceFiling.objects.get(application=application)


def create_params(filing: AceFiling) -> dict:
    return {"Catalog": "Sandbox", "ClientToken": filing.client_token, **filing.request}


class Ace:
    """What the test tells the stubbed ACE to answer, step by step. The create's expected
    parameters are read from the filing once it exists (the body is frozen there)."""

    def __init__(self, stubber):
        self.stubber = stubber

    def create(self, application=None, *, params=None):
        self.stubber.add_response(
            "create_opportunity",
            samples.create_opportunity_response(),
            params or (create_params(filing_of(application)) if application else None),
        )

    def associate(self):
        self.stubber.add_response(
            "associate_opportunity",
            {},
            {
                "Catalog": "Sandbox",
                "OpportunityIdentifier": OPPORTUNITY,
                "RelatedEntityType": "Solutions",
                "RelatedEntityIdentifier": samples.SOLUTION_ID,
            },
        )

    def engage(self, status="COMPLETE", token=None):
        params = {
            "Catalog": "Sandbox",
            "Identifier": OPPORTUNITY,
            "AwsSubmission": {"InvolvementType": "Co-Sell", "Visibility": "Full"},
        }
        if token is not None:
            params["ClientToken"] = token
        self.stubber.add_response(
            "start_engagement_from_opportunity_task",
            samples.engagement_task(status),
            params if token is not None else None,
        )

    def error(self, operation, code, status):
        self.stubber.add_client_error(operation, service_error_code=code, http_status_code=status)


def file(draft, firm_x, member_x, client):
    return application_file_with_ace(
        application_id=draft.pk, partner=firm_x, actor=member_x, client=client
    )


def test_filing_creates_associates_engages_and_submits(draft, firm_x, member_x, stubbed):
    client, stubber = stubbed
    ace = Ace(stubber)
    ace.create()
    ace.associate()
    ace.engage("COMPLETE")

    application = file(draft, firm_x, member_x, client)

    assert (application.status, application.ace_opportunity_id) == ("submitted", OPPORTUNITY)
    filing = filing_of(draft)
    assert (filing.step, filing.engagement_status, filing.solution_id) == (
        FilingStep.DONE,
        "COMPLETE",
        samples.SOLUTION_ID,
    )
    body = filing.request
    assert body["LifeCycle"]["Stage"] == "Qualified"
    assert body["Customer"]["Account"]["WebsiteUrl"] == "https://startup.example"
    assert body["Customer"]["Account"]["Address"]["StateOrRegion"] == "Washington"
    assert body["NationalSecurity"] == "No"
    assert body["Project"]["DeliveryModels"] == ["Professional Services", "Managed Services"]
    event = ApplicationEvent.objects.filter(application=draft).latest("id")
    assert (event.from_status, event.to_status, event.actor) == ("draft", "submitted", member_x)
    assert OPPORTUNITY in event.note


def test_a_us_state_stored_as_its_code_is_sent_by_its_full_name(draft, firm_x, member_x, stubbed):
    draft.startup.state = "WA"
    draft.startup.save(update_fields=["state"])
    client, stubber = stubbed
    ace = Ace(stubber)
    ace.create()
    ace.associate()
    ace.engage("COMPLETE")

    file(draft, firm_x, member_x, client)

    assert filing_of(draft).request["Customer"]["Account"]["Address"]["StateOrRegion"] == (
        "Washington"
    )


def test_a_retry_resends_the_frozen_body_and_token_although_the_data_moved(
    draft, firm_x, member_x, stubbed
):
    client, stubber = stubbed
    ace = Ace(stubber)
    ace.error("create_opportunity", "ThrottlingException", 429)
    with pytest.raises(AceUnavailableError):
        file(draft, firm_x, member_x, client)
    frozen = filing_of(draft)
    sent = create_params(frozen)

    # The newest projection changes the amount; a default close date would move too.
    projection = WorkloadProjection.objects.filter(workload__startup=draft.startup).latest("id")
    projection.result["months"][0]["cost"] = "99999.99"
    projection.save(update_fields=["result"])

    ace.create(params=sent)
    ace.associate()
    ace.engage("COMPLETE")
    application = file(draft, firm_x, member_x, client)

    assert application.status == ApplicationStatus.SUBMITTED
    assert filing_of(draft).client_token == frozen.client_token


def test_the_opportunity_id_is_kept_as_soon_as_create_succeeds(draft, firm_x, member_x, stubbed):
    client, stubber = stubbed
    ace = Ace(stubber)
    ace.create()
    ace.error("associate_opportunity", "InternalServerException", 500)

    with pytest.raises(AceUnavailableError, match="associate"):
        file(draft, firm_x, member_x, client)

    draft.refresh_from_db()
    assert (draft.status, draft.ace_opportunity_id) == ("draft", OPPORTUNITY)
    filing = filing_of(draft)
    assert (filing.step, filing.opportunity_id) == (FilingStep.ASSOCIATE, OPPORTUNITY)
    assert "InternalServerException" in filing.last_error

    # The retry resumes at the association: no second CreateOpportunity is queued.
    ace.associate()
    ace.engage("COMPLETE")
    assert file(draft, firm_x, member_x, client).status == ApplicationStatus.SUBMITTED


def test_a_failed_engagement_keeps_aces_message_and_retries_under_a_new_token(
    draft, firm_x, member_x, stubbed
):
    client, stubber = stubbed
    sent_tokens = []
    client.meta.events.register(
        "provide-client-params.partnercentral-selling.StartEngagementFromOpportunityTask",
        lambda params, **_: sent_tokens.append(params["ClientToken"]),
    )
    ace = Ace(stubber)
    ace.create()
    ace.associate()
    ace.engage("FAILED")

    with pytest.raises(AceUnavailableError, match="OpportunityValidationFailed"):
        file(draft, firm_x, member_x, client)

    filing = filing_of(draft)
    assert (filing.step, filing.engagement_status) == (FilingStep.ENGAGE, "FAILED")
    assert "WebsiteUrl" in filing.engagement_message
    # The failed task's token would only return the failed task again.
    assert filing.engagement_token != sent_tokens[0]
    ace.engage("COMPLETE", token=filing.engagement_token)
    assert file(draft, firm_x, member_x, client).status == ApplicationStatus.SUBMITTED


def test_an_engagement_still_running_leaves_a_draft_the_sync_submits(
    draft, firm_x, member_x, stubbed
):
    client, stubber = stubbed
    ace = Ace(stubber)
    ace.create()
    ace.associate()
    ace.engage("IN_PROGRESS")

    application = file(draft, firm_x, member_x, client)

    assert (application.status, application.ace_opportunity_id) == ("draft", OPPORTUNITY)
    assert filing_of(draft).engagement_status == "IN_PROGRESS"

    stubber.add_response(
        "list_engagement_from_opportunity_tasks",
        {"TaskSummaries": [samples.engagement_task("COMPLETE")]},
        {"Catalog": "Sandbox", "TaskIdentifier": [samples.TASK_ID]},
    )
    counts = ace_filing.ace_engagements_follow(
        partner_id=firm_x.pk, client=client, catalog="Sandbox"
    )

    assert counts == {"engagements_completed": 1, "engagements_failed": 0}
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
    assert filing_of(draft).step == FilingStep.DONE


def test_a_body_ace_refused_is_thawed_and_the_fix_goes_out_under_a_new_token(
    draft, firm_x, member_x, stubbed
):
    client, stubber = stubbed
    ace = Ace(stubber)
    ace.error("create_opportunity", "ValidationException", 400)
    with pytest.raises(AceUnavailableError):
        file(draft, firm_x, member_x, client)
    refused = filing_of(draft)
    assert refused.request == {} and refused.step == FilingStep.CREATE

    draft.startup.website = "https://acme-robotics.example"
    draft.startup.save(update_fields=["website"])
    ace.create()
    ace.associate()
    ace.engage("COMPLETE")
    file(draft, firm_x, member_x, client)

    filing = filing_of(draft)
    assert filing.client_token != refused.client_token
    assert filing.request["Customer"]["Account"]["WebsiteUrl"] == "https://acme-robotics.example"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"solution_id": ""}, "solution id"),
        ({"delivery_models": []}, "delivery models"),
    ],
)
def test_the_firms_solution_and_delivery_models_are_required(
    draft, firm_x, member_x, stubbed, change, words
):
    PartnerAceAccount.objects.filter(partner=firm_x).update(**change)

    with pytest.raises(ApplicationInputError) as raised:
        file(draft, firm_x, member_x, stubbed[0])

    assert words in " ".join(raised.value.errors["precheck"])
    assert not AceFiling.objects.filter(application=draft).exists()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("website", "", "website"),
        ("website", "https://" + "a" * 250 + ".example", "255"),
        ("state", "Wsh", "not a US state"),
        ("aws_account_id", "", "12-digit AWS account id"),
    ],
)
def test_the_precheck_names_what_ace_would_refuse_and_nothing_is_sent(
    draft, member_x, stubbed, monkeypatch, field, value, words
):
    monkeypatch.setattr(ace_filing, "ace_client_for", lambda account: stubbed[0])
    setattr(draft.startup, field, value)
    draft.startup.save(update_fields=[field])

    response = api_for(member_x).post(file_url(draft.pk))

    assert response.status_code == 400
    assert any(words in problem for problem in response.json()["precheck"])
    assert not AceFiling.objects.filter(application=draft).exists()


def test_a_national_security_project_needs_a_government_customer(draft, firm_x, member_x, stubbed):
    CreditApplication.objects.filter(pk=draft.pk).update(national_security=True)

    with pytest.raises(ApplicationInputError) as raised:
        file(draft, firm_x, member_x, stubbed[0])

    assert "Government" in " ".join(raised.value.errors["precheck"])


def test_the_api_files_and_shows_where_the_filing_stands(draft, member_x, stubbed, monkeypatch):
    client, stubber = stubbed
    monkeypatch.setattr(ace_filing, "ace_client_for", lambda account: client)
    ace = Ace(stubber)
    ace.create()
    ace.associate()
    ace.engage("COMPLETE")

    response = api_for(member_x).post(file_url(draft.pk))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["ace_opportunity_id"]) == ("submitted", OPPORTUNITY)
    assert body["ace_filing"]["step"] == "done"
    assert body["ace_filing"]["engagement_status"] == "COMPLETE"
    # A second filing of the now-submitted application never reaches ACE.
    assert api_for(member_x).post(file_url(draft.pk)).status_code == 409


def test_the_api_answers_502_when_ace_fails(draft, member_x, stubbed, monkeypatch):
    client, stubber = stubbed
    monkeypatch.setattr(ace_filing, "ace_client_for", lambda account: client)
    Ace(stubber).error("create_opportunity", "ThrottlingException", 429)

    response = api_for(member_x).post(file_url(draft.pk))

    assert response.status_code == 502
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


@pytest.mark.parametrize("account", ["disabled", "none"])
def test_a_firm_that_files_by_hand_gets_a_409(draft, firm_x, member_x, account):
    if account == "disabled":
        PartnerAceAccount.objects.filter(partner=firm_x).update(enabled=False)
    else:
        PartnerAceAccount.objects.filter(partner=firm_x).delete()

    response = api_for(member_x).post(file_url(draft.pk))

    assert response.status_code == 409
    assert response.json() == {"detail": ace_filing.NO_ACE_ACCOUNT}
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_another_firms_application_is_a_404(draft):
    firm_y = PartnerFactory(name="Bluebird Partners")
    PartnerAceAccount.objects.create(partner=firm_y, enabled=True)
    member_y = PartnerMembershipFactory(partner=firm_y, user__email="bo@bluebird.test").user

    assert api_for(member_y).post(file_url(draft.pk)).status_code == 404
    with pytest.raises(CreditApplication.DoesNotExist):
        application_file_with_ace(application_id=draft.pk, partner=firm_y, actor=member_y)


def test_only_a_draft_is_filed(draft, firm_x, member_x, stubbed):
    CreditApplication.objects.filter(pk=draft.pk).update(status=ApplicationStatus.CANCELED)

    with pytest.raises(ApplicationTransitionError, match="Only a draft"):
        file(draft, firm_x, member_x, stubbed[0])


def test_an_ace_payload_error_names_the_field(draft, firm_x, member_x, stubbed, monkeypatch):
    monkeypatch.setattr(ace_filing, "workload_expected_monthly_spend", lambda workload: Decimal(0))
    monkeypatch.setattr(ace_filing, "filing_problems", lambda **kwargs: {})

    with pytest.raises(ApplicationInputError) as raised:
        file(draft, firm_x, member_x, stubbed[0])

    assert list(raised.value.errors) == ["expected_monthly_spend"]


def test_the_portal_card_has_the_button_for_drafts_of_an_ace_firm(
    client, draft, firm_x, member_x, stubbed, monkeypatch
):
    ace_client, stubber = stubbed
    monkeypatch.setattr(ace_filing, "ace_client_for", lambda account: ace_client)
    client.force_login(member_x)
    lead = Lead.objects.get(startup_id=draft.startup_id, partner=firm_x)
    lead_page = f"/partner/leads/{lead.pk}/"
    assert 'data-testid="file-with-ace"' in client.get(lead_page).text

    ace = Ace(stubber)
    ace.create()
    ace.associate()
    ace.engage("COMPLETE")
    response = client.post(f"/partner/applications/{draft.pk}/file-with-ace/")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.ace_opportunity_id) == ("submitted", OPPORTUNITY)
    assert 'data-testid="file-with-ace"' not in client.get(lead_page).text

    PartnerAceAccount.objects.filter(partner=firm_x).update(enabled=False)
    response = client.post(f"/partner/applications/{draft.pk}/file-with-ace/")
    assert response.status_code == 409


def test_the_services_package_exports_the_filing():
    assert services.application_file_with_ace is ace_filing.application_file_with_ace


def test_a_filing_under_way_in_another_request_is_a_409_and_sends_nothing(
    draft, firm_x, member_x, stubbed
):
    client, stubber = stubbed
    ace = Ace(stubber)
    ace.error("create_opportunity", "ThrottlingException", 429)
    with pytest.raises(AceUnavailableError):
        file(draft, firm_x, member_x, client)
    assert filing_of(draft).claimed_until is None  # released after the failure
    AceFiling.objects.filter(application=draft).update(
        claimed_until=timezone.now() + dt.timedelta(minutes=5)
    )

    with pytest.raises(ApplicationTransitionError, match="being filed"):
        file(draft, firm_x, member_x, client)

    # A claim left by a crashed request lapses.
    AceFiling.objects.filter(application=draft).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )
    ace.create(draft)
    ace.associate()
    ace.engage("COMPLETE")
    assert file(draft, firm_x, member_x, client).status == ApplicationStatus.SUBMITTED


def test_a_frozen_body_is_resent_without_the_check_and_submits_whatever_changed_since(
    draft, firm_x, member_x, stubbed
):
    client, stubber = stubbed
    ace = Ace(stubber)
    ace.create()
    ace.associate()
    ace.engage("IN_PROGRESS")
    file(draft, firm_x, member_x, client)
    # Since then the founder's data no longer passes the check (no website any more).
    draft.startup.website = ""
    draft.startup.save(update_fields=["website"])

    stubber.add_response(
        "list_engagement_from_opportunity_tasks",
        {"TaskSummaries": [samples.engagement_task("COMPLETE")]},
        {"Catalog": "Sandbox", "TaskIdentifier": [samples.TASK_ID]},
    )
    application = file(draft, firm_x, member_x, client)

    # ACE holds and submitted the body sent: CloudRoute records it, the check aside.
    assert (application.status, application.ace_opportunity_id) == ("submitted", OPPORTUNITY)


def test_a_role_ace_refuses_to_lend_is_a_502_not_a_500(draft, member_x, monkeypatch):
    from botocore.exceptions import ClientError

    def refuse(account):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")

    monkeypatch.setattr(ace_filing, "ace_client_for", refuse)

    response = api_for(member_x).post(file_url(draft.pk))

    assert response.status_code == 502
    assert "role" in response.json()["detail"]


def test_the_sync_leaves_a_filing_another_request_holds(draft, firm_x, member_x, stubbed):
    client, stubber = stubbed
    ace = Ace(stubber)
    ace.create()
    ace.associate()
    ace.engage("IN_PROGRESS")
    file(draft, firm_x, member_x, client)
    AceFiling.objects.filter(application=draft).update(
        claimed_until=timezone.now() + dt.timedelta(minutes=5)
    )
    stubber.add_response(
        "list_engagement_from_opportunity_tasks",
        {"TaskSummaries": [samples.engagement_task("COMPLETE")]},
        {"Catalog": "Sandbox", "TaskIdentifier": [samples.TASK_ID]},
    )

    counts = ace_filing.ace_engagements_follow(
        partner_id=firm_x.pk, client=client, catalog="Sandbox"
    )

    assert counts == {"engagements_completed": 0, "engagements_failed": 0}
    assert filing_of(draft).engagement_status == "IN_PROGRESS"
