"""A partner firm runs itself, in a real browser: a partner resets a forgotten password from
the sign-in page through the e-mailed link; a firm admin's profile change (out of office)
sends the next lead to another firm; an admin invites a teammate, who joins through the link
and finds the lead the admin gave them under "Mine"; the earnings page and its CSV."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from credits.models import ApplicationStatus
from matching.models import (
    Commission,
    IntakeStatus,
    Lead,
    LeadStatus,
    PartnerMembership,
    PartnerTier,
)
from matching.services import lead_route
from tests.factories import CreditApplicationFactory, IntakeFactory, PartnerMembershipFactory
from tests.matching.partner_helpers import PASSWORD, make_lead
from tests.matching.routing_helpers import routable_partner

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hasher"),
]

NEW_PASSWORD = "a-new-and-long-passphrase-42"
SCREENSHOT = "/tmp/partner_profile.png"  # noqa: S108


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/partner/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/partner/$"))


def test_a_partner_resets_a_forgotten_password(live_server, page: Page, settings):
    settings.SITE_URL = live_server.url
    PartnerMembershipFactory(user__email="ana@northwind.test")

    page.goto(f"{live_server.url}/partner/login/")
    page.get_by_test_id("forgot-password").click()
    page.fill("#id_email", "ana@northwind.test")
    page.get_by_role("button", name="E-mail me a link").click()
    expect(page.get_by_test_id("password-reset-sent")).to_be_visible()

    link = re.search(r"http\S+/partner/password-reset/\S+/\S+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(link.group(0))
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_test_id("password-reset-complete")).to_be_visible()

    sign_in(page, live_server.url, "ana@northwind.test", NEW_PASSWORD)
    expect(page.get_by_role("link", name="Profile")).to_be_visible()


def test_an_admins_profile_change_sends_the_next_lead_elsewhere(live_server, page: Page):
    northwind = routable_partner(name="Northwind Cloud", tier=PartnerTier.PREMIER)
    bluebird = routable_partner(name="Bluebird Partners", tier=PartnerTier.SELECT)
    PartnerMembershipFactory(
        partner=northwind,
        user__email="ada@northwind.test",
        role=PartnerMembership.Role.ADMIN,
    )
    # Before the change the better-scored Northwind would get it.
    first = IntakeFactory(status=IntakeStatus.READY)
    assert lead_route(startup_id=first.startup_id).chosen == northwind

    sign_in(page, live_server.url, "ada@northwind.test", PASSWORD)
    page.get_by_role("link", name="Profile").click()
    today = timezone.localdate()
    page.fill("#id_away_from", today.isoformat())
    page.fill("#id_away_until", (today + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved. The next lead is routed with it.")).to_be_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)

    second = IntakeFactory(status=IntakeStatus.READY)
    decision = lead_route(startup_id=second.startup_id)

    assert decision.chosen == bluebird
    assert Lead.objects.get(startup_id=second.startup_id).partner == bluebird


def test_an_admin_invites_a_teammate_who_joins_and_gets_a_lead(live_server, page: Page, settings):
    settings.SITE_URL = live_server.url
    firm = routable_partner(name="Northwind Cloud")
    PartnerMembershipFactory(
        partner=firm, user__email="ada@northwind.test", role=PartnerMembership.Role.ADMIN
    )
    lead = make_lead(firm, name="Acme Robotics")

    sign_in(page, live_server.url, "ada@northwind.test", PASSWORD)
    page.get_by_role("link", name="Team").click()
    page.fill("#id_email", "nia@northwind.test")
    page.get_by_role("button", name="E-mail an invitation").click()
    expect(page.get_by_test_id("invitation-nia@northwind.test")).to_be_visible()
    link = re.search(r"http\S+/partner/invitations/\S+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body

    # The invited teammate joins in another browser context, with the e-mailed link.
    teammate = page.context.browser.new_context().new_page()
    teammate.goto(link.group(0))
    teammate.fill("#id_full_name", "Nia New")
    teammate.fill("#id_password1", NEW_PASSWORD)
    teammate.fill("#id_password2", NEW_PASSWORD)
    teammate.get_by_role("button", name="Join the team").click()
    teammate.wait_for_url(re.compile(r"/partner/$"))

    # The admin gives the lead to Nia; Nia finds it under "Mine".
    page.goto(f"{live_server.url}/partner/leads/{lead.pk}/")
    page.select_option("#id_owner", label="Nia New")
    page.get_by_role("button", name="Give the lead to them").click()
    expect(page.get_by_test_id("lead-owner")).to_have_text("Nia New")
    teammate.goto(f"{live_server.url}/partner/")
    teammate.get_by_test_id("filter-mine").click()
    expect(teammate.get_by_test_id(f"lead-{lead.pk}")).to_be_visible()


def test_the_earnings_page_and_its_csv(live_server, page: Page):
    firm = routable_partner(name="Northwind Cloud")
    PartnerMembershipFactory(partner=firm, user__email="max@northwind.test")
    lead = make_lead(firm, name="=cmd()", status=LeadStatus.ACCEPTED, responded_at=timezone.now())
    application = CreditApplicationFactory(
        startup=lead.startup,
        status=ApplicationStatus.CREDITS_ISSUED,
        issued_amount=Decimal("25000"),
        approved_amount=Decimal("25000"),
    )
    Commission.objects.create(
        application=application,
        partner=firm,
        credits_issued=Decimal("25000"),
        rate=Decimal("0.1"),
        amount=Decimal("2500.00"),
    )

    sign_in(page, live_server.url, "max@northwind.test", PASSWORD)
    page.get_by_role("link", name="Earnings").click()
    expect(page.get_by_test_id("total-due")).to_have_text("$2,500.00")
    with page.expect_download() as download:
        page.get_by_test_id("earnings-csv").click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: PTH123, SIM115

    assert text.splitlines()[0].startswith("recorded_on,company,program")
    assert "'=cmd()" in text and ",2500.00," in text
