"""The ACE sync against botocore's model (tests.aws_model.ModelStubber): ReviewStatus moves
our applications along the legal path, only the firm's own, idempotently; engagement tasks
still running are followed first. Never the network."""

import datetime as dt
import logging

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from credits.models import ApplicationEvent, ApplicationStatus, CreditApplication
from matching import services, tasks
from matching.models import AceCatalog, AceFiling, FilingStep, LeadStatus, PartnerAceAccount
from matching.services.ace import transition_path
from tests import aws_samples as samples
from tests.aws_model import ModelStubber, stubbed_client
from tests.factories import (
    CreditApplicationFactory,
    LeadFactory,
    PartnerFactory,
    StartupFactory,
    WorkloadFactory,
)
from workloads.services import workload_project

pytestmark = pytest.mark.django_db

S = ApplicationStatus
SYNCED_AT = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
NO_TASKS = {"engagements_completed": 0, "engagements_failed": 0}


def ace_client():
    return stubbed_client("partnercentral-selling")


@pytest.fixture
def stubbed():
    client = ace_client()
    with ModelStubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def summary(opportunity_id: str, review_status: str) -> dict:
    return {
        "Catalog": "Sandbox",
        "Id": opportunity_id,
        "LastModifiedDate": SYNCED_AT + dt.timedelta(minutes=5),
        "LifeCycle": {"ReviewStatus": review_status},
    }


def expect_list(stubber, summaries: list[dict], *, since: dt.datetime, catalog="Sandbox"):
    stubber.add_response(
        "list_opportunities",
        {"OpportunitySummaries": summaries},
        {
            "Catalog": catalog,
            "MaxResults": 100,
            "LastModifiedDate": {"AfterLastModifiedDate": since},
            "Sort": {"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"},
        },
    )


def firm_application(partner, *, opportunity_id: str, status=S.SUBMITTED, name="Acme"):
    startup = StartupFactory(name=name)
    LeadFactory(
        partner=partner, workload=WorkloadFactory(startup=startup), status=LeadStatus.ACCEPTED
    )
    return CreditApplicationFactory(
        startup=startup, status=status, ace_opportunity_id=opportunity_id
    )


@pytest.fixture
def partner():
    partner = PartnerFactory()
    PartnerAceAccount.objects.create(
        partner=partner, enabled=True, catalog=AceCatalog.SANDBOX, last_synced_at=SYNCED_AT
    )
    return partner


def test_the_sync_follows_ace_from_submitted_to_approved(partner, stubbed, monkeypatch):
    client, stubber = stubbed
    application = firm_application(partner, opportunity_id="O1001")
    first_run = SYNCED_AT + dt.timedelta(minutes=15)
    second_run = first_run + dt.timedelta(minutes=15)

    monkeypatch.setattr(timezone, "now", lambda: first_run)
    expect_list(stubber, [summary("O1001", "In review")], since=SYNCED_AT)
    counts = services.ace_sync_partner(partner_id=partner.pk, client=client)
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW
    assert counts == {
        "opportunities": 1,
        "moved": 1,
        "unchanged": 0,
        "unknown": 0,
        "skipped": 0,
        **NO_TASKS,
    }
    assert PartnerAceAccount.objects.get(partner=partner).last_synced_at == first_run

    monkeypatch.setattr(timezone, "now", lambda: second_run)
    expect_list(stubber, [summary("O1001", "Approved")], since=first_run)
    services.ace_sync_partner(partner_id=partner.pk, client=client)
    application.refresh_from_db()
    assert application.status == S.APPROVED
    assert application.approved_amount == application.requested_amount
    events = ApplicationEvent.objects.filter(application=application)
    assert [(e.from_status, e.to_status) for e in events] == [
        (S.SUBMITTED, S.IN_REVIEW),
        (S.IN_REVIEW, S.APPROVED),
    ]
    assert all(e.actor is None and "O1001" in e.note for e in events)


def test_the_sync_walks_the_legal_path_in_one_run(partner, stubbed):
    client, stubber = stubbed
    application = firm_application(partner, opportunity_id="O1002")
    expect_list(stubber, [summary("O1002", "Approved")], since=SYNCED_AT)

    services.ace_sync_partner(partner_id=partner.pk, client=client)

    steps = ApplicationEvent.objects.filter(application=application).values_list(
        "to_status", flat=True
    )
    assert list(steps) == [S.IN_REVIEW, S.APPROVED]


def test_the_sync_is_idempotent(partner, stubbed):
    client, stubber = stubbed
    application = firm_application(partner, opportunity_id="O1003")
    expect_list(stubber, [summary("O1003", "In review")], since=SYNCED_AT)
    services.ace_sync_partner(partner_id=partner.pk, client=client)
    synced_at = PartnerAceAccount.objects.get(partner=partner).last_synced_at
    expect_list(stubber, [summary("O1003", "In review")], since=synced_at)

    counts = services.ace_sync_partner(partner_id=partner.pk, client=client)

    assert counts["moved"] == 0 and counts["unchanged"] == 1
    assert ApplicationEvent.objects.filter(application=application).count() == 1


def test_the_sync_skips_unknown_ids_and_other_firms_applications(partner, stubbed):
    client, stubber = stubbed
    other_firm = PartnerFactory()
    theirs = firm_application(other_firm, opportunity_id="O2001", name="Theirs")
    ours = firm_application(partner, opportunity_id="O2002", name="Ours")
    # An offered (not accepted) lead does not make the application the firm's.
    offered = StartupFactory(name="Offered")
    LeadFactory(partner=partner, workload=WorkloadFactory(startup=offered))
    not_yet = CreditApplicationFactory(
        startup=offered, status=S.SUBMITTED, ace_opportunity_id="O2003"
    )
    expect_list(
        stubber,
        [
            summary("O2001", "Rejected"),
            summary("O2002", "Rejected"),
            summary("O2003", "Rejected"),
            summary("O9999", "Approved"),
        ],
        since=SYNCED_AT,
    )

    counts = services.ace_sync_partner(partner_id=partner.pk, client=client)

    assert counts == {
        "opportunities": 4,
        "moved": 1,
        "unchanged": 0,
        "unknown": 3,
        "skipped": 0,
        **NO_TASKS,
    }
    assert CreditApplication.objects.get(pk=ours.pk).status == S.REJECTED
    assert CreditApplication.objects.get(pk=theirs.pk).status == S.SUBMITTED
    assert CreditApplication.objects.get(pk=not_yet.pk).status == S.SUBMITTED


def test_an_illegal_move_is_skipped_and_logged_not_raised(partner, stubbed, caplog):
    client, stubber = stubbed
    closed = firm_application(partner, opportunity_id="O3001", status=S.REJECTED, name="Closed")
    fine = firm_application(partner, opportunity_id="O3002", name="Fine")
    issued = firm_application(
        partner, opportunity_id="O3003", status=S.SUBMITTED, name="Issued later"
    )
    CreditApplication.objects.filter(pk=issued.pk).update(
        status=S.CREDITS_ISSUED, issued_amount="1000.00"
    )
    expect_list(
        stubber,
        [
            summary("O3001", "In review"),
            summary("O3002", "Action Required"),
            summary("O3003", "Approved"),
        ],
        since=SYNCED_AT,
    )

    with caplog.at_level(logging.WARNING, logger="matching.services.ace"):
        counts = services.ace_sync_partner(partner_id=partner.pk, client=client)

    assert counts == {
        "opportunities": 3,
        "moved": 1,
        "unchanged": 1,
        "unknown": 0,
        "skipped": 1,
        **NO_TASKS,
    }
    assert CreditApplication.objects.get(pk=closed.pk).status == S.REJECTED
    assert CreditApplication.objects.get(pk=fine.pk).status == S.ACTION_REQUIRED
    assert CreditApplication.objects.get(pk=issued.pk).status == S.CREDITS_ISSUED
    assert "cannot move from rejected to in_review" in caplog.text


def test_a_move_that_fails_its_checks_is_skipped(partner, stubbed):
    client, stubber = stubbed
    # Draft -> submitted runs ACE's pre-submission check: no AWS account id fails it.
    draft = firm_application(partner, opportunity_id="O4001", status=S.DRAFT)
    draft.startup.aws_account_id = ""
    draft.startup.save(update_fields=["aws_account_id"])
    expect_list(stubber, [summary("O4001", "Submitted")], since=SYNCED_AT)

    counts = services.ace_sync_partner(partner_id=partner.pk, client=client)

    assert counts["skipped"] == 1
    assert CreditApplication.objects.get(pk=draft.pk).status == S.DRAFT
    assert PartnerAceAccount.objects.get(partner=partner).last_synced_at != SYNCED_AT


def test_the_first_sync_looks_back_30_days(stubbed, monkeypatch):
    client, stubber = stubbed
    partner = PartnerFactory()
    PartnerAceAccount.objects.create(partner=partner, enabled=True, catalog=AceCatalog.AWS)
    now = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    expect_list(stubber, [], since=now - dt.timedelta(days=30), catalog="AWS")

    counts = services.ace_sync_partner(partner_id=partner.pk, client=client)

    assert counts["opportunities"] == 0
    assert PartnerAceAccount.objects.get(partner=partner).last_synced_at == now


def test_a_disabled_account_is_not_synced(stubbed):
    client, _ = stubbed
    partner = PartnerFactory()
    PartnerAceAccount.objects.create(partner=partner, enabled=False)

    counts = services.ace_sync_partner(partner_id=partner.pk, client=client)

    assert counts["opportunities"] == 0  # and no call was made: the Stubber had none queued
    assert PartnerAceAccount.objects.get(partner=partner).last_synced_at is None


@pytest.mark.parametrize(
    ("current", "target", "path"),
    [
        (S.SUBMITTED, S.APPROVED, [S.IN_REVIEW, S.APPROVED]),
        (S.DRAFT, S.IN_REVIEW, [S.SUBMITTED, S.IN_REVIEW]),
        (S.ACTION_REQUIRED, S.APPROVED, [S.IN_REVIEW, S.APPROVED]),
        (S.IN_REVIEW, S.IN_REVIEW, []),
        (S.APPROVED, S.IN_REVIEW, None),
        (S.REJECTED, S.APPROVED, None),
        (S.DRAFT, S.DRAFT, []),
        (S.SUBMITTED, S.DRAFT, None),
    ],
)
def test_transition_path(current, target, path):
    assert transition_path(current, target) == path


def test_the_task_syncs_every_enabled_firm(partner, monkeypatch):
    client = ace_client()
    application = firm_application(partner, opportunity_id="O5001")
    disabled = PartnerFactory()
    PartnerAceAccount.objects.create(partner=disabled, enabled=False)
    with ModelStubber(client) as stubber:
        expect_list(stubber, [summary("O5001", "In review")], since=SYNCED_AT)
        monkeypatch.setattr(services, "ace_client_for", lambda account: client)
        monkeypatch.setattr(services, "benefits_client_for", lambda account: None)

        totals = tasks.sync_ace.delay().get()

        stubber.assert_no_pending_responses()
    assert totals["partners"] == 1 and totals["moved"] == 1
    assert CreditApplication.objects.get(pk=application.pk).status == S.IN_REVIEW


def test_the_task_skips_firms_without_credentials(partner, monkeypatch):
    monkeypatch.setattr(services, "ace_client_for", lambda account: None)
    assert tasks.sync_ace.delay().get() == {"partners": 0, "failed": 0}


def test_the_task_is_scheduled_every_15_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sync-ace-opportunities"]
    assert entry == {"task": tasks.sync_ace.name, "schedule": 900.0}
    assert tasks.sync_ace.name == "matching.sync_ace"


@pytest.fixture
def no_aws_credentials(monkeypatch):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-role lookup


def test_no_client_without_credentials(partner, no_aws_credentials):
    assert services.ace_client_for(partner.ace_account) is None


def test_the_client_assumes_the_firms_role(partner, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    account = partner.ace_account
    account.role_arn = "arn:aws:iam::111122223333:role/CloudRouteAce"
    account.external_id = "cloudroute-ext-42"
    account.save()
    stubbers = []
    original = boto3.session.Session.client

    def client(self, service_name, *args, **kwargs):
        made = original(self, service_name, *args, **kwargs)
        if service_name == "sts":
            # The regional endpoint, not the legacy global sts.amazonaws.com.
            assert made.meta.region_name == "us-east-1"
            assert made.meta.endpoint_url == "https://sts.us-east-1.amazonaws.com"
            stubber = ModelStubber(made)
            stubber.add_response(
                "assume_role",
                {
                    "Credentials": {
                        "AccessKeyId": "ASIAEXAMPLEEXAMPLE",
                        "SecretAccessKey": "secret",
                        "SessionToken": "session-token",
                        "Expiration": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                    }
                },
                {
                    "RoleArn": account.role_arn,
                    "RoleSessionName": "cloudroute-ace-sync",
                    "ExternalId": "cloudroute-ext-42",
                },
            )
            stubber.activate()
            stubbers.append(stubber)
        return made

    monkeypatch.setattr(boto3.session.Session, "client", client)

    ace = services.ace_client_for(account)

    assert ace.meta.service_model.service_name == "partnercentral-selling"
    assert ace.meta.region_name == "us-east-1"
    assert ace._request_signer._credentials.access_key == "ASIAEXAMPLEEXAMPLE"
    assert len(stubbers) == 1
    stubbers[0].assert_no_pending_responses()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role_arn", "arn:aws:iam::1234:role/Short"),
        ("role_arn", "arn:aws:s3:::bucket"),
        ("external_id", "x"),
        ("external_id", "has spaces in it"),
        ("solution_id", "S-abc"),
        ("delivery_models", ["Consulting"]),
        ("delivery_models", "Resell"),
    ],
)
def test_the_firms_ace_settings_are_validated(partner, field, value):
    account = partner.ace_account
    setattr(account, field, value)

    with pytest.raises(ValidationError) as raised:
        account.full_clean()

    assert field in raised.value.message_dict


def test_valid_ace_settings_pass(partner):
    account = partner.ace_account
    account.role_arn = "arn:aws:iam::111122223333:role/CloudRouteAce"
    account.external_id = "cloudroute-ext-42"
    account.solution_id = samples.SOLUTION_ID
    account.delivery_models = ["SaaS or PaaS", "Professional Services"]

    account.full_clean()


def test_the_sync_follows_a_running_engagement_before_the_review(partner, stubbed):
    client, stubber = stubbed
    draft = firm_application(partner, opportunity_id=samples.OPPORTUNITY_ID, status=S.DRAFT)
    # Submitting runs the pre-submission check: a projected spend, as at filing time.
    workload_project(workload_id=draft.startup.workloads.get().pk)
    AceFiling.objects.create(
        application=draft,
        partner=partner,
        catalog="Sandbox",
        step=FilingStep.ENGAGE,
        client_token="cloudroute-a",
        request={"Origin": "Partner Referral"},
        opportunity_id=samples.OPPORTUNITY_ID,
        engagement_token="cloudroute-b",
        engagement_task_id=samples.TASK_ID,
        engagement_status="IN_PROGRESS",
    )
    stubber.add_response(
        "list_engagement_from_opportunity_tasks",
        {"TaskSummaries": [samples.engagement_task("COMPLETE")]},
        {"Catalog": "Sandbox", "TaskIdentifier": [samples.TASK_ID]},
    )
    expect_list(stubber, [summary(samples.OPPORTUNITY_ID, "In review")], since=SYNCED_AT)

    counts = services.ace_sync_partner(partner_id=partner.pk, client=client)

    assert counts["engagements_completed"] == 1 and counts["moved"] == 1
    assert CreditApplication.objects.get(pk=draft.pk).status == S.IN_REVIEW
    assert AceFiling.objects.get(application=draft).step == FilingStep.DONE


def test_a_failed_engagement_found_by_the_sync_keeps_the_draft(partner, stubbed):
    client, stubber = stubbed
    draft = firm_application(partner, opportunity_id=samples.OPPORTUNITY_ID, status=S.DRAFT)
    filing = AceFiling.objects.create(
        application=draft,
        partner=partner,
        catalog="Sandbox",
        step=FilingStep.ENGAGE,
        client_token="cloudroute-c",
        request={"Origin": "Partner Referral"},
        opportunity_id=samples.OPPORTUNITY_ID,
        engagement_token="cloudroute-d",
        engagement_task_id=samples.TASK_ID,
        engagement_status="IN_PROGRESS",
    )
    stubber.add_response(
        "list_engagement_from_opportunity_tasks",
        {"TaskSummaries": [samples.engagement_task("FAILED")]},
        {"Catalog": "Sandbox", "TaskIdentifier": [samples.TASK_ID]},
    )
    expect_list(stubber, [], since=SYNCED_AT)

    counts = services.ace_sync_partner(partner_id=partner.pk, client=client)

    assert counts["engagements_failed"] == 1
    filing.refresh_from_db()
    assert filing.engagement_status == "FAILED" and filing.engagement_token != "cloudroute-d"
    assert "WebsiteUrl" in filing.engagement_message
    assert CreditApplication.objects.get(pk=draft.pk).status == S.DRAFT
