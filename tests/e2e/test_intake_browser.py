"""A founder fills the intake form in a real browser and lands on their dashboard."""

import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.formatting import month_start
from matching.models import Intake, IntakeStatus
from matching.services import intake_process
from workloads.choices import USE_CASE_PRESETS, UseCase
from workloads.models import WorkloadProjection
from workloads.services import workload_project
from workloads.spend import CreditGrant

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# /tmp/e2e-dashboard.png on Linux: look at it after a run.
SCREENSHOT = Path(tempfile.gettempdir()) / "e2e-dashboard.png"


def fill_intake(page: Page, *, aws_account_id: str = "210987654321") -> None:
    """Fill every section of the form as a founder would, without submitting."""
    page.fill("#id_company-name", "Nimbus Notes Inc.")
    page.fill("#id_company-website", "https://nimbus-notes.example")
    page.select_option("#id_company-country", "US")
    page.select_option("#id_company-state", "Washington")
    page.fill("#id_company-postal_code", "98101")
    # By value: the option labels are Django's title-cased member names.
    page.select_option("#id_company-industry", value="Software and Internet")
    page.fill("#id_company-founded_on", "2024-02-29")
    page.select_option("#id_company-stage", "seed")
    page.fill("#id_company-aws_account_id", aws_account_id)
    page.check("#id_company-aws_paid_plan")

    page.select_option("#id_workload-use_case", label="Coding assistant")
    page.fill(
        "#id_workload-description",
        "An in-editor assistant that reviews pull requests and suggests fixes.",
    )
    page.select_option("#id_workload-region", "us-west-2")
    page.fill("#id_workload-monthly_requests", "250000")

    page.fill("#id_founder-name", "Grace Hopper")
    page.fill("#id_founder-email", "grace@nimbus-notes.example")


def test_founder_submits_the_intake_and_sees_it_ready(live_server, page: Page, mailoutbox):
    page.goto(f"{live_server.url}/intake/")
    expect(page.locator("h1")).to_contain_text("Tell us about your company")
    fill_intake(page)

    # Picking a use case pre-fills its typical escalation shares (USE_CASE_PRESETS).
    coding = USE_CASE_PRESETS[UseCase.CODING]
    assert (coding["sonnet"], coding["opus"]) == (0.5, 0.15)
    sonnet = page.locator("#id_workload-escalation_sonnet")
    opus = page.locator("#id_workload-escalation_opus")
    # The fields take percents (the presets and the model keep fractions).
    expect(sonnet).to_have_value("50")
    expect(opus).to_have_value("15")
    page.select_option("#id_workload-use_case", label="Classification / tagging")
    expect(sonnet).to_have_value("3")
    expect(opus).to_have_value("0")
    # The founder settles on coding after all.
    page.select_option("#id_workload-use_case", label="Coding assistant")
    expect(sonnet).to_have_value("50")

    page.get_by_role("button", name="See my credits and savings").click()

    page.wait_for_url(re.compile(r"/my/$"))
    expect(page.locator("h1")).to_have_text("Hello Grace")
    expect(page.get_by_role("heading", name="Nimbus Notes Inc.")).to_be_visible()
    # Tasks run inline in non-integration tests, so the checks are done by the redirect.
    expect(page.get_by_test_id("intake-status")).to_have_text("Ready")
    expect(page.get_by_test_id("workload-facts")).to_contain_text("Coding assistant")
    expect(page.get_by_test_id("workload-facts")).to_contain_text("50% / 15%")
    # Not confirmed yet: the page says so, and offers a new link.
    expect(page.get_by_test_id("confirm-email")).to_contain_text("grace@nimbus-notes.example")
    page.screenshot(path=SCREENSHOT, full_page=True)

    intake = Intake.objects.select_related("startup", "workload").get()
    assert intake.status == IntakeStatus.READY
    assert intake.attempts == 1
    assert intake.startup.name == "Nimbus Notes Inc."
    assert intake.startup.aws_paid_plan is True
    assert intake.workload.use_case == UseCase.CODING
    assert (intake.workload.escalation_sonnet, intake.workload.escalation_opus) == (0.5, 0.15)
    # No account yet: it is made (or found) when the e-mailed link is used.
    assert intake.founder is None and intake.email == "grace@nimbus-notes.example"
    # The confirmation link went out (locmem backend, same process as the live server).
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["grace@nimbus-notes.example"]
    assert "/confirm/" in mailoutbox[0].body


def test_invalid_aws_account_id_keeps_the_founder_on_the_form(live_server, page: Page):
    page.goto(f"{live_server.url}/intake/")
    fill_intake(page, aws_account_id="123")

    page.get_by_role("button", name="See my credits and savings").click()

    expect(page.locator(".errorlist")).to_contain_text("12 digits")
    assert re.search(r"/intake/$", page.url), page.url
    # What the founder typed is kept.
    expect(page.locator("#id_company-name")).to_have_value("Nimbus Notes Inc.")
    expect(page.locator("#id_company-aws_account_id")).to_have_value("123")
    assert not Intake.objects.exists()


ARTIFACTS = Path(__file__).parent / "artifacts"
CHART_DRAWN = "() => window.Chart && Chart.getChart(document.querySelector('#spend-chart'))"


def test_founder_sees_the_spend_projection_chart(live_server, page: Page):
    # No animation: the screenshot shows the finished chart, not a frame of its entrance.
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/intake/")
    fill_intake(page)
    page.get_by_role("button", name="See my credits and savings").click()

    page.wait_for_url(re.compile(r"/my/$"))
    page.wait_for_function(CHART_DRAWN)

    projection = WorkloadProjection.objects.get()
    months = projection.result["months"]
    chart = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector('#spend-chart'));
            return {labels: chart.data.labels.length,
                    datasets: chart.data.datasets.map((d) => d.label)};
        }"""
    )
    # The eligibility step found credits (Activate Founders and the partner-filed PoC pool),
    # so the chart splits each month into what credits pay and what the founder pays.
    assert chart == {
        "labels": 24,
        "datasets": [
            "Paid by credits",
            "Out of pocket",
            "Everything on Opus (frontier)",
            "Credits left",
        ],
    }
    programs = page.get_by_test_id("programs")
    expect(programs.get_by_test_id("program-activate_founders")).to_contain_text("Eligible")
    expect(programs.get_by_test_id("program-bedrock_poc")).to_contain_text("Eligible")
    expect(programs.get_by_test_id("program-activate_portfolio")).to_contain_text("Ineligible")
    expect(programs.get_by_test_id("total-expected")).to_have_text("$11,000")
    rows = page.get_by_test_id("projection-table").locator("tbody tr")
    expect(rows).to_have_count(24)
    # Each month by number and by calendar month (month 1 is this month).
    today = timezone.localdate()
    expect(rows.nth(0).locator("th")).to_have_text(f"1 {month_start(today, 1):%B %Y}")
    expect(rows.nth(23).locator("th")).to_have_text(f"24 {month_start(today, 24):%B %Y}")
    month1 = f"${Decimal(months[0]['cost']):,.2f}"  # "$2,623.73"
    expect(page.get_by_test_id("projection-month1")).to_have_text(month1)
    expect(page.get_by_test_id("projection-credits")).to_contain_text("at $0")
    expect(page.get_by_test_id("scenarios").locator("li")).to_have_count(5)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "cloudroute-projection-nimbus-notes-inc.csv"
    lines = Path(download.path()).read_text().splitlines()
    assert lines.index("") == 25  # the months; then a blank line and the prices used

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)


def test_the_dashboard_reloads_with_the_chart_when_the_intake_finishes(live_server, page: Page):
    page.goto(f"{live_server.url}/intake/")
    fill_intake(page)
    page.get_by_role("button", name="See my credits and savings").click()
    page.wait_for_url(re.compile(r"/my/$"))
    # Put the intake back to "received", without a projection, as if no worker had run yet.
    WorkloadProjection.objects.all().delete()
    Intake.objects.update(status=IntakeStatus.RECEIVED)
    page.reload()
    expect(page.get_by_test_id("projection-pending")).to_be_visible()
    expect(page.locator("#spend-chart")).to_have_count(0)

    # The worker runs: it stores the projection and marks the intake ready. The next poll
    # (every 2 s) gets HX-Refresh and the whole page reloads with the chart.
    intake_process(intake_id=Intake.objects.get().pk)

    page.wait_for_function(CHART_DRAWN)
    expect(page.get_by_test_id("intake-status")).to_have_text("Ready")
    expect(page.get_by_test_id("projection-table").locator("tbody tr")).to_have_count(24)


def test_the_chart_marks_the_month_the_credits_run_out(live_server, page: Page):
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/intake/")
    fill_intake(page)
    page.get_by_role("button", name="See my credits and savings").click()
    page.wait_for_url(re.compile(r"/my/$"))
    # Matched programs will pass their grants; here, one that lasts a few months.
    intake = Intake.objects.get()
    grant = CreditGrant(amount=15_000, start_month=1, valid_months=12)
    projection = workload_project(workload_id=intake.workload_id, credits=[grant])
    first_paid = projection.result["first_out_of_pocket_month"]
    assert first_paid is not None and 1 < first_paid <= 12

    page.reload()
    page.wait_for_function(CHART_DRAWN)

    chart = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector('#spend-chart'));
            return {datasets: chart.data.datasets.map((d) => d.label),
                    marker: chart.options.plugins.firstPaidMonthMarker.index};
        }"""
    )
    assert chart == {
        "datasets": [
            "Paid by credits",
            "Out of pocket",
            "Everything on Opus (frontier)",
            "Credits left",
        ],
        "marker": first_paid - 1,
    }
    expect(page.get_by_test_id("projection-credits")).to_contain_text(
        f"{first_paid - 1} months at $0"
    )
    first_paid_row = page.locator("table.months tr.first-paid th")
    paid_from = month_start(timezone.localdate(), first_paid)
    expect(first_paid_row).to_have_text(f"{first_paid} {paid_from:%B %Y}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard-credits.png", full_page=True)
    page.get_by_test_id("projection").screenshot(path=ARTIFACTS / "projection-credits.png")
