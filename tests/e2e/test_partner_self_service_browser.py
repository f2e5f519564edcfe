"""A partner firm runs itself, in a real browser: a partner resets a forgotten password from
the sign-in page through the e-mailed link, and a firm admin's profile change (out of office)
sends the next lead to another firm."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from matching.models import IntakeStatus, Lead, PartnerMembership, PartnerTier
from matching.services import lead_route
from tests.factories import IntakeFactory, PartnerMembershipFactory
from tests.matching.partner_helpers import PASSWORD
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
