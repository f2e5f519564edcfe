"""The founder's spend projection on /my/ and its CSV download."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone

from core.formatting import month_start
from credits.services import billing_access_get_or_create
from matching.models import IntakeStatus
from tests.factories import IntakeFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import WorkloadProjection
from workloads.services import workload_project
from workloads.spend import CreditGrant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/my/"


def _intake_for(founder, name: str, **kwargs):
    startup = StartupFactory(founder=founder, name=name)
    return IntakeFactory(workload=WorkloadFactory(startup=startup), **kwargs)


def _money(value: str) -> str:
    """As the page shows a stored cent string: "$12,345.60"."""
    return f"${intcomma(value)}"


@pytest.fixture
def founder():
    return UserFactory(email="dana@example.com", full_name="Dana Founder")


@pytest.fixture
def projected(founder):
    """A ready intake of Dana's with a stored projection (no credits yet, 24 months)."""
    intake = _intake_for(founder, "Dana Robotics", status=IntakeStatus.READY)
    projection = workload_project(workload_id=intake.workload_id)
    return intake, projection


def test_it_shows_the_headline_numbers_and_every_month(client, founder, projected):
    _, projection = projected
    result = projection.result
    client.force_login(founder)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert report.projection == projection
    first = result["months"][0]
    assert report.month1_cost == Decimal(first["cost"])
    assert report.month1_baseline == Decimal(first["baseline_cost"])
    saving = (Decimal(first["baseline_cost"]) - Decimal(first["cost"])) * 100
    assert report.saving_percent == (saving / Decimal(first["baseline_cost"])).quantize(
        Decimal("0.1")
    )
    assert f'data-testid="projection-month1">{_money(first["cost"])}<' in html
    assert f'data-testid="projection-baseline">{_money(first["baseline_cost"])}<' in html
    assert f'data-testid="projection-saving">{report.saving_percent}%<' in html
    assert "per request" in html
    # No credits are matched yet: the page says so instead of "0 months at $0".
    assert "No credits yet" in html
    assert "months at $0" not in html
    # The table: one body row per month, each with its stored money values.
    assert len(result["months"]) == 24
    table = html[html.index('data-testid="projection-table"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    assert body.count("<tr") == 24
    for row in result["months"]:
        assert f'<th scope="row">{row["month"]} <span class="help">' in body
        assert _money(row["cost"]) in body
        assert _money(row["baseline_cost"]) in body
    # The chart, its data as JSON (not built as strings) and the vendored Chart.js.
    assert '<canvas id="spend-chart"' in html
    assert '<script id="projection-chart-data" type="application/json">' in html
    assert "/static/vendor/chart-4.6.1.umd.min.js" in html
    assert "/static/js/projection-chart.js" in html
    assert report.chart["cost"][0] == float(first["cost"])
    assert len(report.chart["labels"]) == 24
    # Savings, scenarios, models and the download link.
    for name in ("tiering", "caching", "batch"):
        assert _money(result["savings"][name]) in html
    for name in ("as_entered", "no_caching", "no_batch", "all_haiku"):
        assert projection.scenarios[name]["label"] in html
        assert _money(projection.scenarios[name]["total_cost"]) in html
    assert "Everything on Opus" in html
    for model_id in result["models"].values():
        assert model_id in html
    assert f'href="/my/projections/{projection.pk}.csv"' in html


def test_it_shows_months_at_zero_when_credits_cover_the_start(client, founder):
    intake = _intake_for(founder, "Dana Robotics", status=IntakeStatus.READY)
    projection = workload_project(
        workload_id=intake.workload_id,
        credits=[CreditGrant(amount=1000, start_month=1, valid_months=12)],
    )
    client.force_login(founder)

    response = client.get(URL)

    first_paid = projection.result["first_out_of_pocket_month"]
    assert first_paid is not None and first_paid > 1
    report = response.context["report"]
    assert report.has_credits is True
    assert report.months_at_zero == first_paid - 1
    assert report.chart["firstOutOfPocketIndex"] == first_paid - 1
    html = response.content.decode()
    paid_from = report.first_out_of_pocket_on
    assert paid_from == month_start(timezone.localdate(), first_paid)
    assert f"{paid_from:%B %Y}</time> (month {first_paid})" in html
    assert 'class="first-paid"' in html


def test_it_says_the_projection_is_being_calculated_before_it_exists(client, founder):
    _intake_for(founder, "Dana Robotics", status=IntakeStatus.PROCESSING)
    client.force_login(founder)

    response = client.get(URL)

    html = response.content.decode()
    assert response.context["report"] is None
    assert "is being calculated" in html
    assert "as soon as the checks above finish" in html
    assert "spend-chart" not in html
    assert "chart-4.6.1" not in html


def test_it_shows_the_projection_of_the_latest_intake_only(client, founder, projected):
    _, older_projection = projected
    newer = _intake_for(founder, "Dana Robotics II", status=IntakeStatus.READY)
    client.force_login(founder)

    response = client.get(URL)

    assert response.context["latest"] == newer
    assert response.context["report"] is None
    assert f"/my/projections/{older_projection.pk}.csv" not in response.content.decode()


def test_it_reloads_the_page_when_a_polled_intake_becomes_ready(client, founder, projected):
    client.force_login(founder)

    response = client.get(URL, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_it_keeps_polling_while_the_intake_is_pending(client, founder):
    _intake_for(founder, "Dana Robotics", status=IntakeStatus.PROCESSING)
    client.force_login(founder)

    response = client.get(URL, headers={"HX-Request": "true"})

    assert "HX-Refresh" not in response.headers
    assert 'hx-trigger="every 2s"' in response.content.decode()


def test_it_never_shows_a_projection_to_another_founder(client, projected):
    _, projection = projected
    eve = UserFactory(email="eve@example.com")
    _intake_for(eve, "Eve Labs", status=IntakeStatus.READY)
    client.force_login(eve)

    response = client.get(URL)

    html = response.content.decode()
    assert response.context["report"] is None
    assert "Dana Robotics" not in html
    assert f"/my/projections/{projection.pk}.csv" not in html
    assert client.get(f"/my/projections/{projection.pk}.csv").status_code == 404
    # Eve's own "latest" CSV is hers (none yet), never Dana's.
    assert client.get("/my/projection.csv").status_code == 404


@pytest.mark.parametrize("url", ["/my/projection.csv", "/my/projections/1.csv"])
def test_it_sends_an_anonymous_csv_request_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"/login/?next={url}"


@pytest.mark.parametrize("by_id", [False, True])
def test_it_downloads_the_projection_as_csv(client, founder, projected, by_id):
    _, projection = projected
    client.force_login(founder)
    url = f"/my/projections/{projection.pk}.csv" if by_id else "/my/projection.csv"

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="cloudroute-projection-dana-robotics.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # The month table, then a blank line and the prices (tests/workloads/test_report_provenance.py).
    rows = rows[: rows.index([])]
    months = projection.result["months"]
    assert len(rows) == len(months) + 1 == 25
    assert rows[0] == [
        "month",
        "requests",
        "cost",
        "baseline_cost",
        "credits_applied",
        "credits_remaining",
        "out_of_pocket",
        "credits_expired",
    ]
    for row, month in zip(rows[1:], months, strict=True):
        assert row == [
            str(month["month"]),
            str(month["requests"]),
            month["cost"],
            month["baseline_cost"],
            month["credits_applied"],
            month["credits_remaining"],
            month["out_of_pocket"],
            month["credits_expired"],
        ]


def test_it_has_no_csv_before_the_projection_exists(client, founder):
    _intake_for(founder, "Dana Robotics", status=IntakeStatus.PROCESSING)
    client.force_login(founder)

    assert client.get("/my/projection.csv").status_code == 404
    assert client.get("/my/projections/999999.csv").status_code == 404


def test_it_refuses_to_post_to_the_csv(client, founder, projected):
    client.force_login(founder)

    assert client.post("/my/projection.csv").status_code == 405


@pytest.mark.parametrize("intake_count", [1, 10])
def test_it_reads_the_dashboard_with_a_projection_in_a_fixed_number_of_queries(
    client, founder, django_assert_num_queries, intake_count
):
    for n in range(intake_count):
        intake = _intake_for(founder, f"Startup {n}", status=IntakeStatus.READY)
        workload_project(workload_id=intake.workload_id)
    assert WorkloadProjection.objects.count() == intake_count
    # The first visit makes the billing access (three queries more, once); count a later one.
    billing_access_get_or_create(startup_id=intake.startup_id)
    client.force_login(founder)

    # 1. the session (django_session)
    # 2. the signed-in user (cloudroute_user)
    # 3. the founder's intakes with their startup and workload (one join, at most 20 rows)
    # 4. the latest intake's newest projection with its price book (one join)
    # 5. the latest startup's imported actual spend, aligned to the projection (none here)
    # 6. the latest startup's newest eligibility snapshot (none here)
    # 7. the latest startup's live lead with its partner (none here)
    # 8. the latest startup's credit applications with their programs and grants (none
    #    here, so no events query; see tests/credits/test_outcome.py for the page with them)
    # 9. the latest startup's billing access (its ExternalId; signed-in founders only)
    # (No outcome query: the badge reads the projection the page shows.)
    # 10-12. the default book's tier prices for the setup kit and the quota check (cold here;
    #    cached for a minute after)
    # 13. the inference profiles of the workload's Region (the setup kit)
    with django_assert_num_queries(13):
        response = client.get(URL)

    assert response.status_code == 200
    assert response.context["report"] is not None
    assert len(response.context["intakes"]) == intake_count
