"""The live estimate under the intake form follows what the founder types (htmx)."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from founders.forms import WorkloadForm
from workloads import services as workload_services
from workloads.models import Workload
from workloads.selectors import price_cache_clear

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).parent / "artifacts"


def expected_monthly_cost(**changes) -> str:
    """Month-1 cost as the page formats it, from the form's defaults plus `changes`."""
    price_cache_clear()
    fields = {**WorkloadForm.INITIAL, **changes}
    workload = Workload(**{k: v for k, v in fields.items() if k not in ("use_case", "region")})
    estimate = workload_services.workload_estimate(workload=workload)
    return f"${estimate.months[0].cost:,.2f}"


def test_it_updates_the_estimate_as_the_founder_types(live_server, page: Page):
    page.goto(f"{live_server.url}/intake/")
    monthly = page.locator("[data-testid=estimate-monthly]")
    # On load, the estimate of the form's defaults.
    expect(monthly).to_have_text(expected_monthly_cost())

    # Typing doubles the volume: the figure follows without a page reload.
    page.fill("#id_workload-monthly_requests", "1000000")
    expect(monthly).to_have_text(expected_monthly_cost(monthly_requests=1_000_000))
    expect(page.locator("[data-testid=estimate-per-request]")).to_contain_text("$0.")
    expect(page.locator("[data-testid=estimate-saving]")).to_contain_text("$")

    # An impossible mix says what to fix instead of a figure.
    page.fill("#id_workload-escalation_sonnet", "90")  # percents
    page.fill("#id_workload-escalation_opus", "50")
    expect(page.locator("#live-estimate")).to_contain_text("To see your estimate, fix")
    expect(monthly).to_have_count(0)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.fill("#id_workload-escalation_opus", "5")
    expect(monthly).to_be_visible()
    page.locator("#live-estimate").screenshot(path=str(ARTIFACTS / "live-estimate.png"))
