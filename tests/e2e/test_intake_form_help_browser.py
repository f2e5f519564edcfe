"""The intake form helps in a real browser: the error summary takes focus and its links move
focus to the fields; percents typed land as fractions; the state field follows the country,
and the form works without JavaScript too (issue 13, item 5)."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from workloads.choices import US_STATES
from workloads.models import Startup, Workload

from .test_intake_browser import fill_intake as fill_whole_intake

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# /tmp/e2e-intake-errors.png on Linux: look at it after a run.
SCREENSHOT = Path(tempfile.gettempdir()) / "e2e-intake-errors.png"
SUBMIT = "See my credits and savings"


def fill_intake(page: Page, *, aws_account_id: str, email: str) -> None:
    """The whole form as test_intake_browser fills it, with shares typed as percents."""
    fill_whole_intake(page, aws_account_id=aws_account_id)
    page.fill("#id_workload-cache_hit_rate", "25")
    page.fill("#id_workload-escalation_sonnet", "3.5")
    page.fill("#id_workload-escalation_opus", "1")
    page.fill("#id_workload-monthly_growth", "-12.5")
    page.fill("#id_founder-email", email)


def test_the_summary_takes_focus_and_its_links_reach_the_fields(live_server, page: Page):
    page.goto(f"{live_server.url}/intake/")
    fill_intake(page, aws_account_id="1234-5678-9012-3", email="grace@")

    page.get_by_role("button", name=SUBMIT).click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("heading")).to_have_text("Please fix 2 answers")
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_contain_text("this one has 13")
    page.screenshot(path=SCREENSHOT, full_page=True)

    links.nth(0).click()
    account = page.locator("#id_company-aws_account_id")
    expect(account).to_be_focused()
    # Nothing was cut: the 13 digits the founder typed are still there to correct.
    expect(account).to_have_value("1234-5678-9012-3")
    expect(account).to_have_attribute("aria-invalid", "true")
    links.nth(1).click()
    expect(page.locator("#id_founder-email")).to_be_focused()
    assert not Startup.objects.exists()

    # The founder fixes both; the percents typed are still percents.
    expect(page.locator("#id_workload-escalation_sonnet")).to_have_value("3.5")
    page.fill("#id_company-aws_account_id", "2109-8765-4321")
    page.fill("#id_founder-email", "grace@nimbus-notes.example")
    with page.expect_navigation():
        page.get_by_role("button", name=SUBMIT).click()

    startup = Startup.objects.get()
    assert startup.aws_account_id == "210987654321"
    assert startup.state == "Washington"
    workload = Workload.objects.get()
    assert workload.cache_hit_rate == 0.25
    assert (workload.escalation_sonnet, workload.escalation_opus) == (0.035, 0.01)
    assert workload.monthly_growth == -0.125


def test_presets_fill_in_percents(live_server, page: Page):
    page.goto(f"{live_server.url}/intake/")
    sonnet = page.locator("#id_workload-escalation_sonnet")
    opus = page.locator("#id_workload-escalation_opus")
    expect(sonnet).to_have_value("3")
    expect(page.locator("#id_workload-cache_hit_rate")).to_have_value("80")

    page.select_option("#id_workload-use_case", label="Coding assistant")  # 0.5 / 0.15

    expect(sonnet).to_have_value("50")
    expect(opus).to_have_value("15")


def test_the_state_field_follows_the_country(live_server, page: Page):
    page.goto(f"{live_server.url}/intake/")
    us_state = page.locator("#id_company-state")
    region = page.locator("#id_company-state_or_region")
    expect(us_state).to_be_visible()
    expect(region).to_be_hidden()
    assert us_state.locator("option").count() == len(US_STATES) + 1

    page.select_option("#id_company-country", "DE")

    expect(us_state).to_be_hidden()
    expect(region).to_be_visible()
    page.select_option("#id_company-country", "US")
    expect(us_state).to_be_visible()


def test_without_javascript_both_state_fields_show_and_the_summary_is_there(
    live_server, chromium_browser
):
    context = chromium_browser.new_context(java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/intake/")
        expect(page.locator("#id_company-state")).to_be_visible()
        expect(page.locator("#id_company-state_or_region")).to_be_visible()
        expect(page.get_by_text("State or region (other countries)")).to_be_visible()

        fill_intake(page, aws_account_id="123", email="grace@nimbus-notes.example")
        page.select_option("#id_company-state", "")
        page.fill("#id_company-state_or_region", "wa")  # typed in the wrong box
        page.get_by_role("button", name=SUBMIT).click()

        summary = page.locator("#error-summary")
        expect(summary.get_by_role("heading")).to_have_text("Please fix 1 answer")
        expect(summary).to_contain_text("AWS account id")
        assert not Startup.objects.exists()
    finally:
        context.close()
