"""The production Content-Security-Policy, enforced in a real browser, breaks no page: the
intake form (its presets script and the htmx live estimate), the founder's dashboard (the
chart), a partner's lead page (countdown and chart), the API docs and the Django admin."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PartnerFactory, PartnerMembershipFactory, UserFactory
from tests.matching.partner_helpers import PASSWORD, make_lead

from .test_intake_browser import CHART_DRAWN, fill_intake

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hasher"),
]

# Chromium logs each refusal as "Refused to ... Content Security Policy ..."; the event
# listener below also reports what was blocked and where.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} `
                + `${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def enforced_csp(settings):
    """The production policy, enforced (the test settings run with DEBUG's report-only)."""
    settings.SECURE_CSP = settings.CLOUDROUTE_CSP
    settings.SECURE_CSP_REPORT_ONLY = {}


@pytest.fixture
def violations(page: Page) -> list[str]:
    """The CSP violations the page reports, across navigations."""
    found: list[str] = []

    def collect(message) -> None:
        if "Content Security Policy" in message.text or "CSP violation" in message.text:
            found.append(message.text)

    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", collect)
    return found


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url)
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit], #login-form input[type=submit]").click()


def test_no_page_breaks_the_enforced_policy(live_server, page: Page, enforced_csp, violations):
    response = page.goto(f"{live_server.url}/intake/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    fill_intake(page)
    # static/js/use-case-presets.js ran: "Coding assistant" pre-filled its shares.
    expect(page.locator("#id_workload-escalation_sonnet")).to_have_value("50")  # percent
    # htmx swapped in the live estimate.
    expect(page.locator("#live-estimate")).not_to_contain_text("Your estimate appears here")
    page.get_by_role("button", name="See my credits and savings").click()
    page.wait_for_url(re.compile(r"/my/$"))
    page.wait_for_function(CHART_DRAWN)

    firm = PartnerFactory(name="Northwind Cloud")
    PartnerMembershipFactory(partner=firm, user__email="partner@northwind.test")
    lead = make_lead(firm, name="Quartz Health")
    _sign_in(page, f"{live_server.url}/partner/login/", "partner@northwind.test")
    page.wait_for_url(re.compile(r"/partner/$"))
    page.goto(f"{live_server.url}/partner/leads/{lead.pk}/")
    expect(page.locator("time[data-countdown]").first).to_have_text(re.compile(r"left$"))

    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("CloudRoute API")

    UserFactory(email="ops@cloudroute.test", is_staff=True, is_superuser=True)
    _sign_in(page, f"{live_server.url}/admin/login/", "ops@cloudroute.test")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{live_server.url}/admin/matching/lead/")
    expect(page.locator("#result_list")).to_be_visible()

    assert violations == []
    # The check can fail: an inline style is refused and reported.
    with page.expect_console_message(lambda message: "CSP violation" in message.text):
        page.evaluate("document.body.setAttribute('style', 'color: red')")
