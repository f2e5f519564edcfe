"""Issue 14 in a real browser: the dashboard names its prices' own date and source, warns when
they are stale, shows each tier's lifecycle and in-Region prices, and draws the what-if chart,
on a laptop and on a phone."""

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from matching.models import IntakeStatus
from tests.factories import IntakeFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import PriceBook
from workloads.services import workload_project

from .test_phone_browser import PHONE, _sign_in, _wider_than_the_page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hasher"),
]

SCREENSHOTS = Path(tempfile.gettempdir())  # /tmp/prices-*.png: look at them after a run
CHARTS_DRAWN = """() => window.Chart && Chart.getChart(document.querySelector('#spend-chart'))
    && Chart.getChart(document.querySelector('#sensitivity-chart'))"""


def _founder(*, book_slug: str | None = None):
    """A founder whose in-Region workload is projected with prices dated 45 days ago."""
    user = UserFactory(email="ada@example.com", full_name="Ada Founder")
    workload = WorkloadFactory(
        startup=StartupFactory(founder=user, name="Ada Analytics"),
        endpoint="regional",
        escalation_sonnet=0.1,
        escalation_opus=0.02,
    )
    IntakeFactory(workload=workload, status=IntakeStatus.READY)
    book_date = timezone.localdate() - dt.timedelta(days=45)
    PriceBook.objects.filter(slug="bedrock-current").update(effective_from=book_date)
    workload_project(workload_id=workload.pk, book_slug=book_slug)
    return user, book_date


def _open_dashboard(page: Page, live_server, user) -> None:
    page.emulate_media(reduced_motion="reduce")
    _sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/my/")
    page.wait_for_function(CHARTS_DRAWN)


def test_the_dashboard_says_where_its_prices_come_from(live_server, page: Page):
    user, book_date = _founder()

    _open_dashboard(page, live_server, user)

    prices = page.get_by_test_id("prices-used")
    expect(page.get_by_test_id("price-book-date")).to_have_text(
        f"{book_date.day} {book_date:%b %Y}"
    )
    expect(page.get_by_test_id("prices-stale")).to_be_visible()
    expect(page.get_by_test_id("prices-stale")).to_contain_text(
        f"These prices are from {book_date.day} {book_date:%b %Y}, more than 30 days ago; "
        "AWS may have changed them."
    )
    expect(prices).to_contain_text("that is not their date")
    expect(page.get_by_test_id("price-haiku")).to_contain_text("$1.10")
    expect(page.get_by_test_id("premium-haiku")).to_have_text("in-Region prices, 10% above global")
    # A row's note is one click away.
    note = page.get_by_test_id("price-note-sonnet")
    expect(note.locator("p")).to_be_hidden()
    note.locator("summary").click()
    expect(note.locator("p")).to_be_visible()
    prices.screenshot(path=SCREENSHOTS / "prices-used.png")

    card = page.get_by_test_id("sensitivity")
    expect(page.get_by_test_id("sensitivity-escalation_sonnet")).to_contain_text(
        "Each +1% of requests escalated to Sonnet adds $"
    )
    expect(page.get_by_test_id("sensitivity-cache_hit_rate")).to_contain_text(
        "Each +1% of cache hits saves $"
    )
    canvas = page.locator("#sensitivity-chart")
    expect(canvas).to_have_attribute("role", "img")
    expect(canvas).to_have_attribute("aria-label", re.compile(r"^Line chart of month 1's cost"))
    chart = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector('#sensitivity-chart'));
            return {
                labels: chart.data.datasets.map((set) => set.label),
                points: chart.data.datasets.map((set) => set.data.length),
                x: [chart.scales.x.min, chart.scales.x.max],
            };
        }"""
    )
    assert chart == {
        "labels": ["Escalated to Sonnet", "Escalated to Opus", "Cache hit rate"],
        "points": [11, 11, 11],
        "x": [0, 100],
    }
    card.screenshot(path=SCREENSHOTS / "prices-sensitivity.png")
    page.screenshot(path=SCREENSHOTS / "prices-dashboard.png", full_page=True)


def test_an_illustrative_book_is_labelled_with_its_retired_models(live_server, page: Page):
    user, _ = _founder(book_slug="representative-2026")

    _open_dashboard(page, live_server, user)

    expect(page.get_by_test_id("price-book-illustrative")).to_have_text("Illustrative prices")
    expect(page.get_by_test_id("prices-stale")).to_contain_text("illustrative prices")
    expect(page.get_by_test_id("lifecycle-haiku")).to_have_text(
        "End of life since 10 Sep 2026, move to Claude Haiku 4.5"
    )
    expect(page.get_by_test_id("lifecycle-opus")).to_have_text(
        "Legacy — ends 8 Jan 2027, move to Claude Opus 4.8"
    )
    page.get_by_test_id("prices-used").screenshot(path=SCREENSHOTS / "prices-illustrative.png")


def test_the_prices_and_the_what_if_chart_fit_a_phone(live_server, chromium_browser):
    user, _ = _founder()
    context = chromium_browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    phone = context.new_page()
    try:
        _open_dashboard(phone, live_server, user)

        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], _wider_than_the_page(phone)
        box = phone.locator(".sensitivity-box").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        # The price table scrolls inside its own box, never the page.
        scroll = phone.get_by_test_id("prices-used").locator(".table-scroll")
        assert scroll.evaluate("(el) => el.scrollWidth > el.clientWidth")
        phone.get_by_test_id("prices-used").screenshot(path=SCREENSHOTS / "prices-phone.png")
        phone.get_by_test_id("sensitivity").screenshot(
            path=SCREENSHOTS / "prices-phone-sensitivity.png"
        )
    finally:
        context.close()
