"""The founder's journey in a real browser: confirm before any partner sees the intake, an
intake naming someone else's account changes nothing of it, a re-submit updates instead of
duplicating, a new link by e-mail, changing the answers, and one truth on the dashboard once
AWS issues credits."""

import datetime as dt
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from core.formatting import month_start
from credits.models import ApplicationStatus, CreditGrant
from credits.services import startup_outcome_refresh
from matching.models import Intake, Lead, LeadStatus
from matching.signin import signin_url
from tests.factories import (
    CreditApplicationFactory,
    CreditProgramFactory,
    IntakeFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)
from tests.matching.routing_helpers import routable_partner
from workloads.models import Startup

from .test_intake_browser import fill_intake

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

URL_IN_MAIL = re.compile(r"https?://\S+")
SCREENSHOTS = Path(tempfile.gettempdir())  # /tmp/journey-*.png: look at them after a run


def _link(message) -> str:
    """The link in an e-mail, on the live server (SITE_URL is the test settings' host)."""
    url = URL_IN_MAIL.search(message.body).group(0)
    return "/" + url.split("/", 3)[3]


def _submit(page: Page, live_server, *, email: str = "grace@nimbus-notes.example") -> None:
    page.goto(f"{live_server.url}/intake/")
    fill_intake(page)
    page.fill("#id_founder-email", email)
    page.get_by_role("button", name="See my credits and savings").click()
    page.wait_for_url(re.compile(r"/my/$"))


def _sign_in(page: Page, live_server, user) -> None:
    """Through the e-mailed sign-in link, as a founder would: a page, then its button."""
    page.goto(live_server.url + "/" + signin_url(user=user).split("/", 3)[3])
    page.get_by_test_id("signin-button").click()
    page.wait_for_url(re.compile(r"/my/$"))


@pytest.fixture
def partner():
    return routable_partner(name="Northwind Cloud")


def test_nothing_reaches_a_partner_before_the_founder_confirms(
    live_server, page: Page, mailoutbox, partner
):
    _submit(page, live_server)

    # The checks and the estimate are there at once; the partner is not.
    expect(page.get_by_test_id("confirm-email")).to_be_visible()
    expect(page.get_by_test_id("projection")).to_be_visible()
    expect(page.locator('[data-step="confirmed"]')).to_have_attribute("aria-current", "step")
    expect(page.get_by_test_id("what-next")).to_contain_text("Open the link we e-mailed you")
    page.screenshot(path=SCREENSHOTS / "journey-unconfirmed.png", full_page=True)
    assert not Lead.objects.exists()
    [message] = mailoutbox
    assert message.subject == "Confirm your CloudRoute intake"
    assert "Nimbus" not in message.subject

    # Opening the link changes nothing (mail scanners follow links); the button does.
    page.goto(live_server.url + _link(message))
    expect(page.get_by_test_id("confirm-form")).to_contain_text("Nimbus Notes Inc.")
    page.screenshot(path=SCREENSHOTS / "journey-confirm.png", full_page=True)
    assert Intake.objects.get().confirmed_at is None
    page.get_by_test_id("confirm-button").click()

    page.wait_for_url(re.compile(r"/my/$"))
    expect(page.get_by_test_id("confirm-email")).to_have_count(0)
    expect(page.get_by_test_id("partner-offered")).to_be_visible()
    expect(page.locator('[data-step="offered"]')).to_have_class("done")
    lead = Lead.objects.get()
    assert (lead.partner, lead.status) == (partner, LeadStatus.OFFERED)
    # The link worked once.
    page.goto(live_server.url + _link(message))
    expect(page.get_by_test_id("link-used")).to_be_visible()
    assert Lead.objects.count() == 1


def test_an_intake_naming_someone_elses_account_changes_nothing_of_it(
    live_server, chromium_browser: Browser, page: Page, mailoutbox, partner
):
    victim = UserFactory(email="grace@nimbus-notes.example", full_name="Grace Victim")
    IntakeFactory(workload=WorkloadFactory(startup=StartupFactory(founder=victim, name="Real Co")))

    _submit(page, live_server)  # an attacker's browser, typing the victim's address

    victim_context = chromium_browser.new_context()
    victim_page = victim_context.new_page()
    try:
        _sign_in(victim_page, live_server, victim)
        expect(victim_page.get_by_role("heading", name="Real Co")).to_be_visible()
        expect(victim_page.get_by_text("Nimbus Notes Inc.")).to_have_count(0)
    finally:
        victim_context.close()
    assert list(victim.startups.values_list("name", flat=True)) == ["Real Co"]
    assert not Lead.objects.exists()
    # Only the address's owner could confirm it: the e-mail went to the victim's inbox.
    assert [m.to for m in mailoutbox] == [["grace@nimbus-notes.example"]]


def test_a_resubmit_updates_the_company_instead_of_opening_a_second_lead(
    live_server, page: Page, mailoutbox, partner
):
    _submit(page, live_server)
    page.goto(live_server.url + _link(mailoutbox[0]))
    page.get_by_test_id("confirm-button").click()
    page.wait_for_url(re.compile(r"/my/$"))
    first_lead = Lead.objects.get()

    # The founder, signed out, sends the intake again for the same company.
    page.context.clear_cookies()
    _submit(page, live_server)
    page.goto(live_server.url + _link(mailoutbox[-1]))
    startup = Startup.objects.get(founder__isnull=False)
    expect(page.locator(f'input[name="company"][value="{startup.pk}"]')).to_be_checked()
    page.get_by_test_id("confirm-button").click()
    page.wait_for_url(re.compile(r"/my/$"))

    assert Startup.objects.count() == 1
    assert Lead.objects.get() == first_lead  # the same lead, now on the new workload
    assert Intake.objects.filter(startup=startup).count() == 2
    first_lead.refresh_from_db()
    assert first_lead.workload_id == Intake.objects.filter(startup=startup).first().workload_id
    expect(page.get_by_test_id("earlier-intakes")).to_contain_text("Nimbus Notes Inc.")


def test_a_founder_asks_for_a_new_link_from_the_sign_in_page(live_server, page: Page, mailoutbox):
    founder = UserFactory(email="ada@acme.example", full_name="Ada Founder")
    IntakeFactory(workload=WorkloadFactory(startup=StartupFactory(founder=founder, name="Acme")))

    page.goto(f"{live_server.url}/login/")
    link_form = page.get_by_test_id("link-request")
    link_form.get_by_label("Your e-mail address").fill("ada@acme.example")
    link_form.get_by_role("button", name="E-mail me a link").click()
    expect(page.get_by_test_id("link-sent")).to_contain_text("ada@acme.example")

    [message] = mailoutbox
    assert message.subject == "Your CloudRoute sign-in link"
    page.goto(live_server.url + _link(message))
    page.get_by_test_id("signin-button").click()
    page.wait_for_url(re.compile(r"/my/$"))
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()

    # An unknown address gets the same page, and no e-mail.
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Your e-mail address").fill("nobody@nowhere.example")
    page.get_by_role("button", name="E-mail me a link").click()
    expect(page.get_by_test_id("link-sent")).to_contain_text("nobody@nowhere.example")
    assert len(mailoutbox) == 1


def test_the_founder_changes_the_workload_and_sees_the_projection_change(
    live_server, page: Page, mailoutbox
):
    _submit(page, live_server)
    page.goto(live_server.url + _link(mailoutbox[0]))
    page.get_by_test_id("confirm-button").click()
    page.wait_for_url(re.compile(r"/my/$"))
    before = page.get_by_test_id("projection-month1").inner_text()

    page.get_by_test_id("edit-intake").click()
    page.fill("#id_workload-monthly_requests", "500000")  # twice the traffic
    page.get_by_test_id("save-edit").click()
    page.wait_for_url(re.compile(r"/my/$"))

    after = page.get_by_test_id("projection-month1").inner_text()
    money = lambda text: Decimal(text.strip("$").replace(",", ""))  # noqa: E731
    assert money(after) == pytest.approx(money(before) * 2, abs=Decimal("0.02"))
    expect(page.get_by_test_id("workload-facts").first).to_contain_text("500,000")
    expect(page.get_by_test_id("earlier-intakes")).to_be_visible()


def test_badge_and_projection_agree_once_credits_are_issued_and_expiry_shows(
    live_server, page: Page
):
    founder = UserFactory(email="dana@example.com", full_name="Dana Founder")
    startup = StartupFactory(founder=founder, name="Dana Robotics")
    IntakeFactory(workload=WorkloadFactory(startup=startup, monthly_growth=0.0))
    today = timezone.localdate()
    program = CreditProgramFactory(covers_bedrock_third_party=True)
    application = CreditApplicationFactory(
        startup=startup,
        program=program,
        status=ApplicationStatus.CREDITS_ISSUED,
        issued_amount=Decimal("25000.00"),
        approved_amount=Decimal("25000.00"),
    )
    # Far more than this workload spends before it expires at the end of month 3.
    CreditGrant.objects.create(
        application=application,
        startup=startup,
        program=program,
        amount=Decimal("25000.00"),
        issued_on=today - dt.timedelta(days=1),
        expires_on=month_start(today, 4) - dt.timedelta(days=1),
        covers_bedrock_third_party=True,
    )
    startup_outcome_refresh(startup_id=startup.pk)

    _sign_in(page, live_server, founder)

    paid_from = month_start(today, 4)
    expect(page.get_by_test_id("outcome-badge")).to_contain_text(
        f"you start paying in {paid_from:%B %Y}"
    )
    expect(page.get_by_test_id("start-paying")).to_contain_text(f"{paid_from:%B %Y} (month 4)")
    expect(page.get_by_test_id("credits-expiring")).to_contain_text(
        f"at the end of {month_start(today, 3):%B %Y} (month 3)"
    )
    expect(page.get_by_test_id("expired-header")).to_be_visible()
    expect(page.locator("tr.first-paid th")).to_contain_text(f"{paid_from:%B %Y}")
    expect(page.locator('[data-step="issued"]')).to_have_class("done")
    expect(page.get_by_test_id("what-next")).to_have_count(0)
    # The prices used, with their date and source.
    expect(page.get_by_test_id("projection-models")).to_contain_text("Price date and source")
    page.screenshot(path=SCREENSHOTS / "journey-issued.png", full_page=True)
