"""A partner signs in to the portal in a real browser, watches the accept-by countdown tick
and accepts a lead; the founder's contact details appear only then."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from credits.services import startup_credits_refresh
from matching.models import DeclineReason, LeadStatus
from tests.factories import PartnerFactory, PartnerMembershipFactory
from tests.matching.partner_helpers import PASSWORD, make_lead

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hasher"),
]

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def northwind():
    """Northwind's member and a lead worth opening (programs and projection computed), next
    to a few others in every state."""
    firm = PartnerFactory(name="Northwind Cloud", contact_email="leads@northwind.test")
    PartnerMembershipFactory(
        partner=firm, user__email="partner@northwind.test", user__full_name="Nora Partner"
    )
    now = timezone.now()
    lead = make_lead(firm, name="Nimbus Notes Inc.")
    startup_credits_refresh(startup_id=lead.startup_id, workload_id=lead.workload_id)
    make_lead(
        firm,
        name="Quartz Health",
        offered_at=now - dt.timedelta(hours=3, minutes=20),
        accept_by=now + dt.timedelta(minutes=40),
    )
    make_lead(
        firm,
        name="Orbit Freight",
        status=LeadStatus.ACCEPTED,
        offered_at=now - dt.timedelta(days=1),
        responded_at=now - dt.timedelta(hours=22),
    )
    make_lead(
        firm,
        name="Lumen Legal",
        status=LeadStatus.DECLINED,
        decline_reason=DeclineReason.OUT_OF_REGION,
        offered_at=now - dt.timedelta(days=2),
        responded_at=now - dt.timedelta(days=2, hours=-1),
    )
    return lead


def test_a_partner_signs_in_watches_the_countdown_and_accepts(live_server, page: Page, northwind):
    lead = northwind
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/partner/")
    page.wait_for_url(re.compile(r"/partner/login/\?next="))
    page.fill("#id_username", "partner@northwind.test")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(re.compile(r"/partner/$"))
    expect(page.locator("h1")).to_have_text("Your leads")
    expect(page.get_by_role("link", name="Partner portal")).to_be_visible()
    rows = page.locator('[data-testid="leads"] tbody tr')
    expect(rows).to_have_count(4)
    countdown = page.locator(f'[data-testid="lead-{lead.pk}"] time[data-countdown]')
    expect(countdown).to_have_text(re.compile(r"^3h 5\dm \d\ds left$"))
    first = countdown.inner_text()
    # The script re-writes it every second.
    expect(countdown).not_to_have_text(first, timeout=3_000)
    expect(page.locator("time.countdown.urgent")).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "partner-inbox.png", full_page=True)

    page.get_by_role("link", name="Offered").click()
    expect(rows).to_have_count(2)

    page.get_by_role("link", name="Nimbus Notes Inc.").click()
    expect(page.locator("h1")).to_have_text("Nimbus Notes Inc.")
    expect(page.get_by_test_id("contact-hidden")).to_be_visible()
    expect(page.get_by_test_id("programs")).to_be_visible()
    expect(page.get_by_test_id("projection")).to_be_visible()
    expect(page.get_by_text("nimbus@founder.test")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "partner-lead-offered.png", full_page=True)
    page.get_by_test_id("respond").screenshot(path=ARTIFACTS / "partner-lead-answer.png")

    page.get_by_role("button", name="Accept this lead").click()

    expect(page.get_by_test_id("lead-status")).to_have_text("Accepted")
    expect(page.get_by_text("You accepted Nimbus Notes Inc.")).to_be_visible()
    expect(page.get_by_test_id("contact-name")).to_have_text("Fay Founder")
    expect(page.get_by_test_id("contact-email")).to_have_text("nimbus@founder.test")
    expect(page.get_by_test_id("contact-aws-account")).to_have_text("123456789012")

    page.fill("#id_body", "Intro call booked for Monday.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_test_id("notes")).to_contain_text("Intro call booked for Monday.")
    page.screenshot(path=ARTIFACTS / "partner-lead.png", full_page=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=ARTIFACTS / "partner-lead-top.png")

    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED
