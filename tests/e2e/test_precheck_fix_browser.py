"""A partner fixes what ACE's pre-submission check names on the lead page, in a real browser:
the notice names the missing website, the firm types it in the fix form and saves, the notice
goes and the "File with ACE" button (disabled while the check lists problems) is enabled."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from credits.models import ApplicationEvent
from credits.services import application_create
from matching.models import AceCatalog, LeadStatus, PartnerAceAccount
from tests.factories import PartnerFactory, PartnerMembershipFactory
from tests.matching.partner_helpers import PASSWORD, make_lead
from workloads.models import Startup
from workloads.services import workload_project

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hasher"),
]

# Where a reviewer looks at the page before and after the fix (a fixed, well-known path).
SCREENSHOT = "/tmp/precheck_fix.png"  # noqa: S108
BEFORE = "/tmp/precheck_fix_before.png"  # noqa: S108


@pytest.fixture
def draft_without_website():
    """Northwind (filing in ACE with its solution) accepted Acme's lead and started a draft
    that lacks only the startup's website."""
    firm = PartnerFactory(name="Northwind Cloud")
    PartnerAceAccount.objects.create(
        partner=firm,
        enabled=True,
        catalog=AceCatalog.SANDBOX,
        solution_id="S-0059612",
        delivery_models=["Professional Services"],
    )
    member = PartnerMembershipFactory(
        partner=firm, user__email="partner@northwind.test", user__full_name="Nora Partner"
    ).user
    lead = make_lead(firm, status=LeadStatus.ACCEPTED, responded_at=timezone.now())
    workload_project(workload_id=lead.workload_id)  # a non-zero expected monthly spend
    Startup.objects.filter(pk=lead.startup_id).update(website="")
    application = application_create(
        startup_id=lead.startup_id,
        program_code="bedrock_poc",
        requested_amount=Decimal("25000"),
        actor=member,
    )
    return lead, application


def test_a_partner_fixes_the_website_the_check_names(
    live_server, page: Page, draft_without_website
):
    lead, application = draft_without_website
    lead_url = f"{live_server.url}/partner/leads/{lead.pk}/"

    page.goto(lead_url)
    page.wait_for_url(re.compile(r"/partner/login/\?next="))
    page.fill("#id_username", "partner@northwind.test")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/partner/leads/{lead.pk}/$"))

    card = page.get_by_test_id(f"application-{application.pk}")
    notice = card.get_by_test_id("precheck")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("website")
    expect(notice).to_contain_text("Enter the company's website")
    file_button = card.get_by_role("button", name="File with ACE and submit")
    expect(file_button).to_be_disabled()

    form = card.get_by_test_id("precheck-fix")
    website = form.locator(f'input[name="fix-{application.pk}-website"]')
    expect(website).to_be_visible()
    card.screenshot(path=BEFORE)
    website.fill("https://acme-robotics.example")
    form.get_by_role("button", name="Save for ACE").click()

    page.wait_for_url(re.compile(rf"/partner/leads/{lead.pk}/#applications$"))
    expect(
        page.get_by_text("Saved. The founder sees what you changed in the timeline.")
    ).to_be_visible()
    expect(card.get_by_test_id("precheck")).to_have_count(0)
    expect(card.get_by_test_id("precheck-fix")).to_have_count(0)
    expect(card).to_contain_text("Northwind Cloud corrected the website for ACE.")
    expect(file_button).to_be_enabled()
    # From the success message down to the application's card (the box is in the viewport,
    # scrolled to #applications).
    box = card.bounding_box()
    box["y"] += page.evaluate("window.scrollY")
    page.screenshot(
        path=SCREENSHOT,
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": box["y"] + box["height"] + 80},
    )

    assert Startup.objects.get(pk=lead.startup_id).website == "https://acme-robotics.example"
    assert ApplicationEvent.objects.filter(
        application=application, note="Northwind Cloud corrected the website for ACE."
    ).exists()
