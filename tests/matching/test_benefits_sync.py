"""The benefits sync against botocore's model (tests.aws_model.ModelStubber): a credit
allocation issues the credits of the firm's approved application, only the firm's own,
idempotently, each code counted by its own status. Never the network."""

import datetime as dt
from decimal import Decimal

import pytest

from credits.aws.benefits import list_credit_allocations
from credits.models import ApplicationStatus, CreditApplication, CreditGrant
from matching import services, tasks
from matching.models import AceCatalog, LeadStatus, PartnerAceAccount
from tests.aws_model import ModelStubber, stubbed_client
from tests.factories import (
    CreditApplicationFactory,
    LeadFactory,
    PartnerFactory,
    StartupFactory,
    WorkloadFactory,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
ISSUED_AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
EXPIRES_AT = dt.datetime(2028, 3, 31, 23, 0, tzinfo=dt.UTC)


def benefits_client():
    return stubbed_client("partnercentral-benefits")


@pytest.fixture
def stubbed():
    client = benefits_client()
    with ModelStubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect_list(stubber, summaries, *, next_token=None, token=None):
    params = {"Catalog": "Sandbox", "FulfillmentTypes": ["CREDITS"], "MaxResults": 100}
    if token:
        params["NextToken"] = token
    response = {"BenefitAllocationSummaries": summaries}
    if next_token:
        response["NextToken"] = next_token
    stubber.add_response("list_benefit_allocations", response, params)


def allocation_summary(allocation_id: str, application_id: str, status="ACTIVE") -> dict:
    return {
        "Id": allocation_id,
        "Catalog": "Sandbox",
        "Status": status,
        "BenefitApplicationId": application_id,
        "FulfillmentTypes": ["CREDITS"],
    }


def money(amount: str) -> dict:
    return {"Amount": amount, "CurrencyCode": "USD"}


def code(amount: str, *, expires=EXPIRES_AT, issued=ISSUED_AT, status="ACTIVE") -> dict:
    return {
        "AwsAccountId": "123456789012",
        "Value": money(amount),
        "AwsCreditCode": f"PC-{amount}",
        "Status": status,
        "IssuedAt": issued,
        "ExpiresAt": expires,
    }


def expect_allocation(stubber, allocation_id: str, application_id: str, codes: list[dict]):
    total = str(sum(Decimal(c["Value"]["Amount"]) for c in codes))
    stubber.add_response(
        "get_benefit_allocation",
        {
            "Id": allocation_id,
            "Catalog": "Sandbox",
            "Status": "ACTIVE",
            "BenefitApplicationId": application_id,
            "FulfillmentType": "CREDITS",
            "FulfillmentDetail": {
                "CreditDetails": {
                    "AllocatedAmount": money(total),
                    "IssuedAmount": money(total),
                    "Codes": codes,
                }
            },
        },
        {"Catalog": "Sandbox", "Identifier": allocation_id},
    )


def expect_application(stubber, application_id: str, opportunity_id: str | None):
    resources = (
        [
            f"arn:aws:partnercentral:us-east-1:111122223333:catalog/Sandbox/opportunity/{opportunity_id}"
        ]
        if opportunity_id
        else []
    )
    stubber.add_response(
        "get_benefit_application",
        {"Id": application_id, "Catalog": "Sandbox", "AssociatedResources": resources},
        {"Catalog": "Sandbox", "Identifier": application_id},
    )


def expect_one(stubber, allocation_id, application_id, opportunity_id, codes):
    expect_allocation(stubber, allocation_id, application_id, codes)
    expect_application(stubber, application_id, opportunity_id)


def firm_application(partner, *, opportunity_id: str, status=S.APPROVED, name="Acme"):
    startup = StartupFactory(name=name)
    LeadFactory(
        partner=partner, workload=WorkloadFactory(startup=startup), status=LeadStatus.ACCEPTED
    )
    return CreditApplicationFactory(
        startup=startup,
        status=status,
        ace_opportunity_id=opportunity_id,
        approved_amount=Decimal("25000.00"),
    )


@pytest.fixture
def partner():
    partner = PartnerFactory()
    PartnerAceAccount.objects.create(partner=partner, enabled=True, catalog=AceCatalog.SANDBOX)
    return partner


def test_an_allocation_issues_the_approved_applications_credits(partner, stubbed):
    client, stubber = stubbed
    application = firm_application(partner, opportunity_id="O2001")
    later = EXPIRES_AT + dt.timedelta(days=90)
    expect_list(stubber, [allocation_summary("benalloc-00000000000001", "benappl-00000000000001")])
    expect_one(
        stubber,
        "benalloc-00000000000001",
        "benappl-00000000000001",
        "O2001",
        [code("15000.00"), code("5000.00", expires=later)],
    )

    counts = services.benefits_sync_partner(partner_id=partner.pk, client=client)

    assert counts == {"allocations": 1, "issued": 1, "unchanged": 0, "unknown": 0, "skipped": 0}
    application.refresh_from_db()
    assert application.status == S.CREDITS_ISSUED
    assert application.issued_amount == Decimal("20000.00")
    grant = CreditGrant.objects.get(application=application)
    assert grant.amount == Decimal("20000.00")
    assert grant.expires_on == dt.date(2028, 3, 31)
    assert grant.issued_on == dt.date(2026, 3, 2)
    event = application.events.get(to_status=S.CREDITS_ISSUED)
    assert event.actor is None and "benalloc-00000000000001" in event.note and "O2001" in event.note


def test_a_second_run_changes_nothing(partner, stubbed):
    client, stubber = stubbed
    application = firm_application(partner, opportunity_id="O2002")
    for _ in range(2):
        expect_list(
            stubber, [allocation_summary("benalloc-00000000000002", "benappl-00000000000002")]
        )
        expect_one(
            stubber,
            "benalloc-00000000000002",
            "benappl-00000000000002",
            "O2002",
            [code("10000.00")],
        )

    first = services.benefits_sync_partner(partner_id=partner.pk, client=client)
    second = services.benefits_sync_partner(partner_id=partner.pk, client=client)

    assert first["issued"] == 1
    assert second == {"allocations": 1, "issued": 0, "unchanged": 1, "unknown": 0, "skipped": 0}
    assert CreditGrant.objects.filter(application=application).count() == 1
    assert application.events.filter(to_status=S.CREDITS_ISSUED).count() == 1


def test_unknown_links_and_other_firms_are_skipped(partner, stubbed):
    client, stubber = stubbed
    other_firm = PartnerFactory()
    theirs = firm_application(other_firm, opportunity_id="O2003", name="Theirs")
    expect_list(
        stubber,
        [
            allocation_summary(
                "benalloc-00000000000003", "benappl-00000000000003"
            ),  # another firm's
            allocation_summary(
                "benalloc-00000000000004", "benappl-00000000000004"
            ),  # no such opportunity
            allocation_summary(
                "benalloc-00000000000005", "benappl-00000000000005"
            ),  # no opportunity at all
        ],
    )
    expect_one(
        stubber, "benalloc-00000000000003", "benappl-00000000000003", "O2003", [code("1000.00")]
    )
    expect_one(
        stubber, "benalloc-00000000000004", "benappl-00000000000004", "O9999", [code("1000.00")]
    )
    expect_one(
        stubber, "benalloc-00000000000005", "benappl-00000000000005", None, [code("1000.00")]
    )

    counts = services.benefits_sync_partner(partner_id=partner.pk, client=client)

    assert counts == {"allocations": 3, "issued": 0, "unchanged": 0, "unknown": 3, "skipped": 0}
    theirs.refresh_from_db()
    assert theirs.status == S.APPROVED
    assert not CreditGrant.objects.exists()


def test_an_application_not_yet_approved_is_skipped(partner, stubbed):
    client, stubber = stubbed
    application = firm_application(partner, opportunity_id="O2006", status=S.IN_REVIEW)
    expect_list(stubber, [allocation_summary("benalloc-00000000000006", "benappl-00000000000006")])
    expect_one(
        stubber, "benalloc-00000000000006", "benappl-00000000000006", "O2006", [code("1000.00")]
    )

    counts = services.benefits_sync_partner(partner_id=partner.pk, client=client)

    assert counts["skipped"] == 1
    assert CreditApplication.objects.get(pk=application.pk).status == S.IN_REVIEW


def test_the_adapter_pages_and_skips_rows_it_cannot_map(stubbed):
    client, stubber = stubbed
    expect_list(
        stubber,
        [
            allocation_summary("benalloc-00000000000007", "benappl-00000000000007"),
            allocation_summary(
                "benalloc-00000000000008", "benappl-00000000000008", status="INACTIVE"
            ),
            {"Id": "benalloc-00000000000009"},  # no benefit application: cannot link back
        ],
        next_token="page-2",
    )
    expect_one(
        stubber, "benalloc-00000000000007", "benappl-00000000000007", "O2007", [code("300.50")]
    )
    expect_list(
        stubber,
        [allocation_summary("benalloc-00000000000010", "benappl-00000000000010")],
        token="page-2",
    )
    expect_allocation(
        stubber, "benalloc-00000000000010", "benappl-00000000000010", []
    )  # no codes yet

    allocations = list_credit_allocations(client, catalog="Sandbox")

    assert [(a.allocation_id, a.opportunity_id, a.amount, a.currency) for a in allocations] == [
        ("benalloc-00000000000007", "O2007", Decimal("300.50"), "USD")
    ]
    assert allocations[0].expires_on == dt.date(2028, 3, 31)


def test_the_task_issues_credits_after_the_ace_pull(partner, monkeypatch):
    application = firm_application(partner, opportunity_id="O2011")
    ace_client = stubbed_client("partnercentral-selling")
    client = benefits_client()
    monkeypatch.setattr(services, "ace_client_for", lambda account: ace_client)
    monkeypatch.setattr(services, "benefits_client_for", lambda account: client)
    monkeypatch.setattr(services, "ace_sync_partner", lambda **kwargs: {"moved": 0})
    with ModelStubber(client) as stubber:
        expect_list(
            stubber, [allocation_summary("benalloc-00000000000011", "benappl-00000000000011")]
        )
        expect_one(
            stubber, "benalloc-00000000000011", "benappl-00000000000011", "O2011", [code("2500.00")]
        )

        totals = tasks.sync_ace.delay().get()

        stubber.assert_no_pending_responses()
    assert totals["partners"] == 1 and totals["benefits_issued"] == 1
    assert CreditApplication.objects.get(pk=application.pk).status == S.CREDITS_ISSUED


def test_each_code_counts_by_its_own_status(stubbed):
    client, stubber = stubbed
    expect_list(stubber, [allocation_summary("benalloc-00000000000012", "benappl-00000000000012")])
    expect_one(
        stubber,
        "benalloc-00000000000012",
        "benappl-00000000000012",
        "O2012",
        [
            code("1000.00", status="ACTIVE"),
            code("250.00", status="FULFILLED"),  # redeemed onto the account: still issued
            code("9000.00", status="INACTIVE"),  # withdrawn: not the startup's
        ],
    )

    allocations = list_credit_allocations(client, catalog="Sandbox")

    assert [a.amount for a in allocations] == [Decimal("1250.00")]


def test_an_allocation_with_only_inactive_codes_issues_nothing(stubbed):
    client, stubber = stubbed
    expect_list(stubber, [allocation_summary("benalloc-00000000000013", "benappl-00000000000013")])
    expect_allocation(
        stubber,
        "benalloc-00000000000013",
        "benappl-00000000000013",
        [code("500.00", status="INACTIVE")],
    )

    assert list_credit_allocations(client, catalog="Sandbox") == []
