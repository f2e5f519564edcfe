"""Operators see before they act, in a real browser: the Assign page scores every firm and
disables the one that already had the lead; the routing dry run names who would get it and
changes nothing in the database."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from matching.models import Lead, PartnerTier, RoutingDecision
from matching.services import lead_decline, lead_route
from tests.factories import IntakeFactory, UserFactory
from tests.matching.partner_helpers import PASSWORD
from tests.matching.routing_helpers import routable_partner
from workloads.models import AuditEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hasher"),
]


@pytest.fixture
def operator(settings):
    settings.OTP_REQUIRED = False  # the two-factor step has its own browser test
    return UserFactory(email="olive@cloudroute.test", is_staff=True, is_superuser=True)


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "olive@cloudroute.test")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()


def test_the_assign_page_and_the_dry_run(live_server, page: Page, operator):
    best = routable_partner(name="Best Fit", tier=PartnerTier.PREMIER)
    routable_partner(name="Only Germany", countries=["DE"])
    intake = IntakeFactory()
    lead = lead_route(startup_id=intake.startup_id).lead
    lead_decline(lead_id=lead.pk, partner=best, actor=None, reason="no_capacity")
    runner = routable_partner(name="Runner Up")
    sign_in(page, live_server.url)

    # The dry run: who would get it now, and why; nothing is written.
    def counts() -> tuple[int, ...]:
        return tuple(model.objects.count() for model in (Lead, RoutingDecision, AuditEvent))

    before = counts()
    page.goto(live_server.url + reverse("admin:matching_intake_change", args=[intake.pk]))
    page.get_by_role("link", name="Who would get it now, and why").click()
    expect(page.get_by_test_id("decision-chosen")).to_contain_text("Runner Up")
    expect(page.get_by_test_id("decision-rejected")).to_contain_text("country_not_served")
    expect(page.get_by_test_id("decision-rejected")).to_contain_text("already_offered")
    assert counts() == before

    # The assign page: scores and filters per firm, the firm that had it disabled.
    page.goto(live_server.url + reverse("admin:matching_intake_changelist"))
    page.check(f"input[name=_selected_action][value='{intake.pk}']")
    page.select_option("select[name=action]", "assign_partner")
    page.click("button[name=index]")
    expect(page.get_by_test_id("assign-firms")).to_be_visible()
    expect(page.locator(f"#partner-{best.pk}")).to_be_disabled()
    expect(page.get_by_test_id(f"assign-firm-{best.pk}")).to_contain_text("already had this lead")
    page.screenshot(path="tests/e2e/artifacts/assign-page.png", full_page=True)
    page.check(f"#partner-{runner.pk}")
    page.click("input[name=apply]")

    expect(page.locator(".messagelist")).to_contain_text("Offered to Runner Up: 1 of 1.")
    assert Lead.objects.filter(startup=intake.startup, partner=runner).exists()


def test_a_bulk_reroute_runs_in_the_background_with_progress(
    live_server, page: Page, operator, monkeypatch
):
    """The job is held (its task not run) so the page shows it running; the test then moves
    it a row at a time and htmx's polling shows each step, then the result."""
    from matching.models import BulkJob
    from matching.services.jobs import bulk_job_step

    monkeypatch.setattr("matching.services.jobs.run_bulk_job_task.delay", lambda job_id: None)
    routable_partner(name="First Firm", tier=PartnerTier.PREMIER)
    routable_partner(name="Second Firm")
    intakes = [IntakeFactory(), IntakeFactory()]
    for intake in intakes:
        lead_route(startup_id=intake.startup_id)
    sign_in(page, live_server.url)

    page.goto(live_server.url + reverse("admin:matching_intake_changelist"))
    for intake in intakes:
        page.check(f"input[name=_selected_action][value='{intake.pk}']")
    page.select_option("select[name=action]", "reroute_now")
    page.click("button[name=index]")

    expect(page.get_by_test_id("job-count")).to_have_text("0 of 2")
    job = BulkJob.objects.get()
    bulk_job_step(job_id=job.pk)
    expect(page.get_by_test_id("job-count")).to_have_text("1 of 2", timeout=5000)
    bulk_job_step(job_id=job.pk)
    bulk_job_step(job_id=job.pk)  # nothing left: the job is marked done
    expect(page.get_by_test_id("job-summary")).to_contain_text("Re-routed: 2 of 2.", timeout=5000)
    page.screenshot(path="tests/e2e/artifacts/bulk-job.png", full_page=True)


def test_a_settings_change_shows_in_its_history(live_server, page: Page, operator):
    from matching.models import RoutingSettings

    settings_row = RoutingSettings.load()
    before = settings_row.accept_hours
    sign_in(page, live_server.url)
    page.goto(
        live_server.url + reverse("admin:matching_routingsettings_change", args=[settings_row.pk])
    )
    page.fill("#id_accept_hours", str(before + 2))
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_be_visible()

    page.goto(
        live_server.url + reverse("admin:matching_routingsettings_history", args=[settings_row.pk])
    )
    change = page.get_by_test_id("audited-change").first
    expect(change).to_contain_text("olive@cloudroute.test")
    expect(change).to_contain_text(f"accept_hours: {before} → {before + 2}")
