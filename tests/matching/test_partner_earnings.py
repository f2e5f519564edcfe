"""The firm's earnings page (commissions per month: due, invoiced, paid) and its CSV exports
(commissions, leads): only the firm's own rows, cells escaped against formula injection, the
founder's contact only for accepted leads, a fixed number of queries."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from credits.models import ApplicationStatus
from matching.models import Commission, CommissionStatus, LeadStatus
from tests.factories import CreditApplicationFactory, PartnerFactory, PartnerMembershipFactory

from .partner_helpers import make_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


@pytest.fixture
def firm():
    return PartnerFactory(name="Northwind Cloud", slug="northwind")


@pytest.fixture
def member(firm):
    return PartnerMembershipFactory(partner=firm, user__email="max@northwind.test").user


def commission(firm, amount: str, status=CommissionStatus.DUE, *, name="Acme", months_ago=0):
    lead = make_lead(firm, name=name, status=LeadStatus.ACCEPTED, responded_at=timezone.now())
    application = CreditApplicationFactory(
        startup=lead.startup,
        status=ApplicationStatus.CREDITS_ISSUED,
        issued_amount=Decimal("25000"),
        approved_amount=Decimal("25000"),
    )
    row = Commission.objects.create(
        application=application,
        partner=firm,
        credits_issued=Decimal("25000"),
        rate=Decimal("0.1"),
        amount=Decimal(amount),
        status=status,
        invoiced_on=timezone.localdate() if status != CommissionStatus.DUE else None,
        paid_on=timezone.localdate() if status == CommissionStatus.PAID else None,
    )
    recorded = timezone.now() - dt.timedelta(days=32 * months_ago)
    Commission.objects.filter(pk=row.pk).update(created_at=recorded)
    return row


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_earnings_page_sums_each_month_by_state(client, firm, member):
    commission(firm, "2500.00", name="Acme Robotics")
    commission(firm, "1000.00", CommissionStatus.PAID, name="Beta Labs")
    commission(firm, "400.00", CommissionStatus.INVOICED, name="Gamma AI", months_ago=2)
    commission(PartnerFactory(name="Bluebird"), "9999.00", name="Theirs")
    client.force_login(member)

    page = client.get("/partner/earnings/")

    assert page.status_code == 200
    months = page.context["months"]
    assert [(row["due"], row["invoiced"], row["paid"]) for row in months] == [
        (Decimal("2500.00"), Decimal("0"), Decimal("1000.00")),
        (Decimal("0"), Decimal("400.00"), Decimal("0")),
    ]
    assert 'data-testid="total-due">$2,500.00<' in page.text
    assert "9,999" not in page.text


def test_the_commissions_csv_has_only_the_firms_rows_escaped(client, firm, member):
    commission(firm, "2500.00", name="=HYPERLINK(evil)")
    commission(PartnerFactory(name="Bluebird"), "9999.00", name="Theirs")
    client.force_login(member)

    response = client.get("/partner/earnings.csv")

    assert response["Content-Type"].startswith("text/csv")
    assert "northwind-commissions-" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:3] == ["recorded_on", "company", "program"]
    assert len(rows) == 2
    assert rows[1][1] == "'=HYPERLINK(evil)"  # a formula is text, never run
    assert rows[1][5] == "2500.00"


def test_the_leads_csv_shows_the_contact_only_after_acceptance(client, firm, member):
    accepted = make_lead(firm, name="Acme Robotics", status=LeadStatus.ACCEPTED)
    offered = make_lead(firm, name="Beta Labs")
    make_lead(PartnerFactory(name="Bluebird"), name="Theirs Inc")
    client.force_login(member)

    rows = {row[0]: row for row in read_csv(client.get("/partner/leads.csv"))[1:]}

    assert set(rows) == {str(accepted.pk), str(offered.pk)}
    assert rows[str(accepted.pk)][13] == "acme@founder.test"
    assert rows[str(offered.pk)][12:] == ["", "", ""]


@pytest.mark.parametrize(
    "url", ["/partner/earnings/", "/partner/earnings.csv", "/partner/leads.csv"]
)
def test_a_founder_or_stranger_never_reaches_them(client, url):
    from tests.factories import UserFactory

    assert client.get(url).status_code == 302  # to the partner sign-in
    client.force_login(UserFactory(email="fay@founder.test"))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [1, 6])
def test_they_read_in_a_fixed_number_of_queries(
    client, firm, member, django_assert_num_queries, count
):
    for n in range(count):
        commission(firm, "100.00", name=f"Startup {n}", months_ago=n)
    client.force_login(member)
    client.get("/partner/earnings/")
    # session, user, membership (+partner), the grouped months
    with django_assert_num_queries(4):
        client.get("/partner/earnings/")
    # session, user, membership (+partner), the commissions (+startup, program)
    with django_assert_num_queries(4):
        client.get("/partner/earnings.csv")
    # session, user, membership (+partner), the leads (+startup, workload, founder, owner)
    with django_assert_num_queries(4):
        client.get("/partner/leads.csv")
