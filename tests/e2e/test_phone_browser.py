"""Issue 13, item 8: the founder's pages on a phone. At 390 px wide nothing scrolls sideways
(a wide table scrolls inside its own `.table-scroll` box, never the page) and the spend chart,
with its axis labels, fits its box."""

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from credits.models import ApplicationEvent, ApplicationStatus, CreditApplication, CreditProgram
from credits.services import billing_access_get_or_create, startup_credits_refresh
from matching.models import IntakeStatus, LeadStatus, RoutingStatus
from tests.factories import (
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hasher"),
]

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(tempfile.gettempdir())  # /tmp/phone-*.png: look at them after a run
CHART_DRAWN = "() => window.Chart && Chart.getChart(document.querySelector('#spend-chart'))"
# Long words a phone must wrap: an e-mail address and a firm's contact address.
EMAIL = "maximiliana.abernathy-featherstonehaugh@extraordinarily-long-startup-name.example"


@pytest.fixture
def phone(chromium_browser):
    context = chromium_browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def founder():
    """A founder with a full dashboard: programs, a projection with credits, an accepted lead
    with its firm's contact, an application with its timeline, billing access."""
    user = UserFactory(email=EMAIL, full_name="Maximiliana Abernathy-Featherstonehaugh")
    startup = StartupFactory(
        founder=user, name="Extraordinarily Long Startup Name Incorporated Holdings"
    )
    workload = WorkloadFactory(startup=startup)
    IntakeFactory(
        workload=workload,
        status=IntakeStatus.READY,
        routing_status=RoutingStatus.ACCEPTED,
        email=user.email,
        founder_name=user.full_name,
        confirmed_at=timezone.now(),
    )
    startup_credits_refresh(startup_id=startup.pk, workload_id=workload.pk)
    firm = PartnerFactory(
        name="Northwind Cloud Consulting Partners International",
        contact_email="generative-ai-credit-applications@northwind-cloud-consulting.example",
    )
    LeadFactory(
        partner=firm,
        workload=workload,
        status=LeadStatus.ACCEPTED,
        offered_at=timezone.now() - dt.timedelta(hours=3),
        responded_at=timezone.now() - dt.timedelta(hours=2),
    )
    program = CreditProgram.objects.filter(code="bedrock_poc").latest("effective_from")
    application = CreditApplication.objects.create(
        startup=startup,
        program=program,
        status=ApplicationStatus.SUBMITTED,
        requested_amount=Decimal("25000.00"),
        ace_opportunity_id="O1234567890123",
    )
    ApplicationEvent.objects.create(application=application, to_status=ApplicationStatus.DRAFT)
    ApplicationEvent.objects.create(
        application=application,
        from_status=ApplicationStatus.DRAFT,
        to_status=ApplicationStatus.SUBMITTED,
    )
    billing_access_get_or_create(startup_id=startup.pk)
    return user


def _sign_in(page: Page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def _page_width(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def _wider_than_the_page(page: Page) -> list[str]:
    """The outermost elements reaching past the viewport's right edge (outside a box that
    scrolls them): what to fix."""
    return page.evaluate(
        """(limit) => {
            // Inside a box that scrolls (or clips) its content, e.g. `.table-scroll` or a
            // `pre`, an element may be wider than the page without widening it.
            const scrolled = (el) => {
                for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                    if (getComputedStyle(up).overflowX !== 'visible') return true;
                }
                return false;
            };
            const over = (el) => el && el !== document.body && !scrolled(el)
                && el.getBoundingClientRect().width > 0
                && el.getBoundingClientRect().right > limit + 0.5;
            return [...document.querySelectorAll('body *')]
                .filter((el) => over(el) && !over(el.parentElement))
                .map((el) => `${el.tagName.toLowerCase()}.${el.className}`
                     + ` "${el.textContent.trim().slice(0, 40)}"`
                     + ` right=${Math.round(el.getBoundingClientRect().right)}`);
        }""",
        PHONE["width"],
    )


def _screenshots(page: Page, name: str) -> None:
    """The whole page, and screen-high pieces of it (a full-page PNG of a long page is too
    tall to look at)."""
    page.screenshot(path=SCREENSHOTS / f"phone-{name}.png", full_page=True)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    for n, top in enumerate(range(0, height, PHONE["height"])):
        clip = {"x": 0, "y": top, "width": PHONE["width"], "height": PHONE["height"]}
        page.screenshot(path=SCREENSHOTS / f"phone-{name}-{n}.png", full_page=True, clip=clip)


def _assert_no_sideways_scroll(page: Page, name: str) -> None:
    _screenshots(page, name)
    assert _page_width(page) <= PHONE["width"], _wider_than_the_page(page)


def test_the_dashboard_fits_a_phone(live_server, phone: Page, founder):
    phone.emulate_media(reduced_motion="reduce")
    _sign_in(phone, live_server, founder)

    phone.goto(f"{live_server.url}/my/")
    phone.wait_for_function(CHART_DRAWN)

    expect(phone.get_by_test_id("projection")).to_be_visible()
    expect(phone.get_by_test_id("programs")).to_be_visible()
    expect(phone.get_by_test_id("partner")).to_be_visible()
    expect(phone.get_by_test_id("billing-access")).to_be_visible()
    _assert_no_sideways_scroll(phone, "dashboard")


def test_the_chart_and_its_labels_fit_their_box_on_a_phone(live_server, phone: Page, founder):
    phone.emulate_media(reduced_motion="reduce")
    _sign_in(phone, live_server, founder)
    phone.goto(f"{live_server.url}/my/")
    phone.wait_for_function(CHART_DRAWN)

    chart = phone.evaluate(
        """() => {
            const canvas = document.querySelector('#spend-chart');
            const chart = Chart.getChart(canvas);
            const box = canvas.parentElement.getBoundingClientRect();
            const c = canvas.getBoundingClientRect();
            const x = chart.scales.x;
            return {
                box: {left: box.left, right: box.right, width: box.width},
                canvas: {left: c.left, right: c.right, width: c.width},
                area: {left: chart.chartArea.left, right: chart.chartArea.right,
                       width: chart.chartArea.width},
                xTicks: x.ticks.length,
                yLabels: chart.scales.y.ticks.map((t) => t.label),
            };
        }"""
    )
    box, canvas, area = chart["box"], chart["canvas"], chart["area"]
    assert box["left"] >= 0 and box["right"] <= PHONE["width"], chart
    assert canvas["left"] >= box["left"] - 0.5 and canvas["right"] <= box["right"] + 0.5, chart
    # The axes leave the bars most of the width, and the month labels do not crowd.
    assert area["width"] >= 0.6 * canvas["width"], chart
    assert chart["xTicks"] <= 12, chart
    phone.locator(".chart-box").screenshot(path=SCREENSHOTS / "phone-chart.png")


def test_the_intake_form_fits_a_phone(live_server, phone: Page):
    phone.goto(f"{live_server.url}/intake/")

    expect(phone.locator("h1")).to_be_visible()
    _assert_no_sideways_scroll(phone, "intake")


def test_the_account_page_fits_a_phone(live_server, phone: Page, founder):
    _sign_in(phone, live_server, founder)

    phone.goto(f"{live_server.url}/my/account/")

    expect(phone.get_by_test_id("account-delete")).to_be_visible()
    _assert_no_sideways_scroll(phone, "account")
