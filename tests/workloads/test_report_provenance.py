"""Issue 14, "truth of the numbers": the founder's stored projection says where its prices come
from (the book's own date and source, not the projection's), whether they are stale as of the
day it is read, each tier's model, lifecycle and the unit prices actually charged; the what-if
card says how cost moves with each lever; the CSV carries the same facts. Projections stored
before these facts were still render."""

import csv
import datetime as dt
import html as html_module
import io
import json
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from credits.services import billing_access_get_or_create
from matching.models import IntakeStatus
from tests.factories import IntakeFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import PriceBook
from workloads.pricebook_data import CURRENT_DATE
from workloads.reports import CSV_COLUMNS, PRICE_CSV_COLUMNS, projection_csv, projection_report
from workloads.services import workload_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/my/"
ILLUSTRATIVE = "representative-2026"
# The what-if slopes of a stored projection, with one lever of each sign.
SENSITIVITY = {
    "month": 1,
    "per_point": {
        "escalation_sonnet": "12.34",
        "escalation_opus": "0.00",
        "cache_hit_rate": "-1.23",
    },
    "curves": {
        "escalation_sonnet": [
            {"share": f"{n / 10:.2f}", "monthly_cost": f"{100 + 1234 * n / 10:.2f}"}
            for n in range(11)
        ],
        "escalation_opus": [
            {"share": f"{n / 10:.2f}", "monthly_cost": "100.00"} for n in range(11)
        ],
        "cache_hit_rate": [
            {"share": f"{n / 10:.2f}", "monthly_cost": f"{223 - 123 * n / 10:.2f}"}
            for n in range(11)
        ],
    },
}


@pytest.fixture
def founder():
    return UserFactory(email="dana@example.com", full_name="Dana Founder")


def _ready_workload(founder, **workload):
    startup = StartupFactory(founder=founder, name="Dana Robotics")
    intake = IntakeFactory(
        workload=WorkloadFactory(startup=startup, **workload), status=IntakeStatus.READY
    )
    return intake.workload


def _html(projection, *, on: dt.date | None = None) -> str:
    """The projection as the dashboard's include renders it, read as of `on`."""
    report = projection_report(projection=projection, on=on)
    return render_to_string(
        "workloads/_projection.html", {"report": report, "workload": projection.workload}
    )


def _text(html: str) -> str:
    """The words of some HTML, whitespace collapsed: what a reader sees."""
    words = " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([.,;:)])", r"\1", words)


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


def _badge(html: str, testid: str) -> str:
    return _text(re.search(rf'data-testid="{testid}">(.*?)</span>', html).group(1))


def _stored_before_provenance(projection):
    """The same projection as stored before issue 14: no book provenance, no unit prices, no
    sensitivity."""
    for key in ("price_book", "unit_prices"):
        projection.inputs.pop(key, None)
    projection.result.pop("sensitivity", None)
    projection.save(update_fields=["inputs", "result"])
    return projection


# --- The book: its own date and source, not the projection's ------------------------------


def test_it_names_the_books_own_date_and_source_not_the_projections(client, founder):
    today = timezone.localdate()
    book_date = today - dt.timedelta(days=10)
    PriceBook.objects.filter(slug="bedrock-current").update(
        effective_from=book_date, source="AWS Price List API, test capture"
    )
    workload = _ready_workload(founder)
    projection = workload_project(workload_id=workload.pk)
    client.force_login(founder)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert report.price_book["effective_from"] == book_date
    assert report.price_book["stale"] is False
    prices = _section(html, "prices-used")
    assert f'data-testid="price-book-date">{book_date.day} {book_date:%b %Y}</time>' in prices
    assert "AWS Price List API, test capture" in _text(prices)
    assert "prices-stale" not in html
    # The projection's own date is named as such, and never as the prices' date.
    computed = f"{projection.created_at.day} {projection.created_at:%b %Y}"
    assert f"computed on {computed} with these prices; that is not their date" in _text(prices)
    head = _text(_section(html, "projection"))
    assert f"dated {book_date.day} {book_date:%b %Y}" in head
    assert f"Projection computed on {computed}: the day we ran these numbers" in head
    assert "Price as of" not in html


def test_it_shows_the_last_refresh_from_aws(founder):
    refreshed = timezone.localtime() - dt.timedelta(days=2)
    PriceBook.objects.filter(slug="bedrock-current").update(refreshed_at=refreshed)
    projection = workload_project(workload_id=_ready_workload(founder).pk)

    html = _html(projection)

    assert "price-book-refreshed" in html
    assert f"Last checked against AWS's Price List on {refreshed.day} {refreshed:%b %Y}." in _text(
        html
    )
    # Fresh because of the refresh, though the book's own date is months old.
    assert "prices-stale" not in html


@pytest.mark.parametrize(
    ("days_after", "stale"), [(30, False), (31, True)], ids=["30-days", "31-days"]
)
def test_it_judges_staleness_when_read(founder, days_after, stale):
    projection = workload_project(workload_id=_ready_workload(founder).pk)
    on = CURRENT_DATE + dt.timedelta(days=days_after)

    html = _html(projection, on=on)

    assert projection_report(projection=projection, on=on).price_book["stale"] is stale
    warning = "These prices are from 3 Sep 2026, more than 30 days ago; AWS may have changed them."
    assert (warning in _text(html)) is stale
    assert ('data-testid="prices-stale"' in html) is stale
    assert ("they may be out of date" in _text(_section(html, "projection"))) is stale


def test_a_projection_stored_fresh_reads_stale_later(founder):
    """`stale` as stored is the storing day's; the page judges it again."""
    projection = workload_project(workload_id=_ready_workload(founder).pk)
    projection.inputs["price_book"]["stale"] = False
    projection.save(update_fields=["inputs"])

    assert projection_report(projection=projection, on=dt.date(2027, 6, 1)).price_book["stale"]


# --- Illustrative books and lifecycles --------------------------------------------------


def test_it_labels_an_illustrative_book_and_its_retired_models(founder):
    projection = workload_project(workload_id=_ready_workload(founder).pk, book_slug=ILLUSTRATIVE)

    html = _html(projection, on=dt.date(2026, 1, 2))

    prices = _section(html, "prices-used")
    assert 'data-testid="price-book-illustrative">Illustrative prices<' in prices
    # Illustrative prices are never today's, however recent their date.
    assert "These are illustrative prices, not AWS's current ones" in _text(prices)
    assert "(illustrative)" in _text(_section(html, "projection"))
    assert _badge(prices, "lifecycle-haiku") == (
        "End of life since 10 Sep 2026, move to Claude Haiku 4.5"
    )
    assert _badge(prices, "lifecycle-opus") == "Legacy — ends 8 Jan 2027, move to Claude Opus 4.8"
    # The engine's warnings name them too.
    assert "projection-warnings" in html


def test_it_gives_an_active_model_no_lifecycle_badge(founder):
    projection = workload_project(workload_id=_ready_workload(founder).pk)

    html = _html(projection)

    assert "lifecycle-" not in _section(html, "prices-used")


# --- Unit prices charged ------------------------------------------------------------------


def test_it_shows_the_in_region_prices_charged(founder):
    projection = workload_project(workload_id=_ready_workload(founder, endpoint="regional").pk)

    report = projection_report(projection=projection)
    html = _html(projection)

    assert report.regional and report.prices_charged
    haiku = next(price for price in report.prices if price["tier"] == "haiku")
    assert haiku["name"] == "Claude Haiku 4.5"
    # 1.00 / 5.00 / 1.25 / 0.10 / 0.50 / 2.50 in the book (global), 10% more in-Region.
    assert haiku["shown"] == {
        "input": "1.10",
        "output": "5.50",
        "cache_write": "1.375",
        "cache_read": "0.11",
        "batch_input": "0.55",
        "batch_output": "2.75",
    }
    row = _text(html[html.index('data-testid="price-haiku"') :].split("</tr>")[0])
    assert "$1.10 $5.50 $1.375 $0.11 $0.55 $2.75" in row
    assert "in-Region prices, 10% above global" in row
    assert "as charged on your in-Region endpoint (10% above the global price" in _text(html)


def test_it_shows_the_global_prices_on_a_global_endpoint(founder):
    projection = workload_project(workload_id=_ready_workload(founder).pk)

    html = _html(projection)

    row = _text(html[html.index('data-testid="price-haiku"') :].split("</tr>")[0])
    assert "$1.00 $5.00 $1.25 $0.10 $0.50 $2.50" in row
    assert "in-Region" not in _section(html, "prices-used")


def test_it_shows_each_rows_date_source_and_note(founder):
    projection = workload_project(workload_id=_ready_workload(founder).pk)
    details = {row["tier"]: row for row in projection.inputs["price_details"]}
    assert details["sonnet"]["source"] == projection.inputs["price_book"]["source"]
    # A row whose source is not the book's names its own (a link here).
    details["opus"]["source"] = "https://aws.amazon.com/bedrock/pricing/"
    projection.save(update_fields=["inputs"])

    html = _html(projection)

    def row(tier: str) -> str:
        return html[html.index(f'data-testid="price-{tier}"') :].split("</tr>")[0]

    assert _text(row("sonnet")).endswith("3 Sep 2026, the book's source (above)")
    assert re.search(
        r'3 Sep 2026, <a href="https://aws.amazon.com/bedrock/pricing/"[^>]*>source</a></td>',
        row("opus"),
    )
    note = _section(html, "prices-used")
    assert 'data-testid="price-note-sonnet"' in note
    assert details["sonnet"]["note"][:40] in _text(note)


# --- Stored before issue 14 ---------------------------------------------------------------


def test_a_projection_stored_before_provenance_still_renders(client, founder):
    workload = _ready_workload(founder, endpoint="regional")
    projection = _stored_before_provenance(workload_project(workload_id=workload.pk))
    client.force_login(founder)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert report.sensitivity is None and not report.prices_charged
    assert report.price_book["recorded"] is False
    assert 'data-testid="sensitivity"' not in html
    assert "sensitivity-chart" not in html
    prices = _text(_section(html, "prices-used"))
    assert projection.price_book.name in prices
    assert "each price's date and source are in the table" in prices
    # The book's global prices, said to be before the premium.
    assert "before the in-Region premium" in prices
    assert "$1.00 $5.00" in prices


def test_a_projection_stored_before_price_details_still_renders(client, founder):
    projection = _stored_before_provenance(
        workload_project(workload_id=_ready_workload(founder).pk)
    )
    projection.inputs.pop("price_details")
    projection.save(update_fields=["inputs"])
    client.force_login(founder)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    for model_id in projection.result["models"].values():
        assert model_id in _section(html, "prices-used")
    assert "These prices have no recorded date" in _text(html)
    rows = list(csv.reader(io.StringIO(projection_csv(projection=projection))))
    assert [row[0] for row in rows[-7:-4]] == ["haiku", "sonnet", "opus"]


@pytest.mark.parametrize("stored_before", [False, True], ids=["now", "before-issue-14"])
def test_the_dashboard_reads_the_prices_in_a_fixed_number_of_queries(
    client, founder, django_assert_num_queries, stored_before
):
    projection = workload_project(workload_id=_ready_workload(founder).pk)
    if stored_before:
        _stored_before_provenance(projection)
    billing_access_get_or_create(startup_id=projection.workload.startup_id)
    client.force_login(founder)

    # The nine of tests/matching/test_dashboard_projection.py: session, user, intakes
    # (+startup, workload), the newest projection with its price book, actual spend,
    # eligibility snapshot, live lead, credit applications, billing access. The book's name
    # of an old projection comes from the joined price book: no query more. Since issue 20,
    # the setup kit and the quota check: the default book's tier prices (three queries, cold
    # here; cached for a minute after) and the Region's inference profiles.
    with django_assert_num_queries(13):
        response = client.get(URL)

    assert 'data-testid="prices-used"' in response.content.decode()


# --- What if: how cost moves with each lever -----------------------------------------------


def test_it_says_how_cost_moves_with_each_lever(founder):
    projection = workload_project(workload_id=_ready_workload(founder).pk)
    projection.result["sensitivity"] = SENSITIVITY
    projection.save(update_fields=["result"])

    html = _html(projection)

    card = _section(html, "sensitivity")
    sentences = _text(card)
    assert "Each +1% of requests escalated to Sonnet adds $12.34 a month." in sentences
    assert "Each +1% of requests escalated to Opus has no effect on the cost." in sentences
    assert "Each +1% of cache hits saves $1.23 a month." in sentences
    assert 'role="img"' in card and 'aria-describedby="sensitivity-sentences"' in card
    data = json.loads(
        re.search(
            r'id="sensitivity-chart-data" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert data["month"] == 1
    assert [series["name"] for series in data["series"]] == list(SENSITIVITY["curves"])
    sonnet = data["series"][0]["points"]
    assert [point["x"] for point in sonnet] == [n * 10 for n in range(11)]
    assert sonnet[0]["y"] == 100.0 and sonnet[-1]["y"] == 1334.0


def test_the_real_sensitivity_matches_the_page(founder):
    """The engine's slopes, as the service stores them, reach the page unchanged."""
    projection = workload_project(workload_id=_ready_workload(founder).pk)

    report = projection_report(projection=projection)

    stored = projection.result["sensitivity"]["per_point"]
    assert {lever["name"]: lever["change"] for lever in report.sensitivity["levers"]} == {
        name: Decimal(value) for name, value in stored.items()
    }
    sonnet = Decimal(stored["escalation_sonnet"])
    assert sonnet > 0  # escalating to Sonnet costs more than Haiku
    assert f"adds ${sonnet:,.2f} a month" in _text(_html(projection))


# --- The CSV ------------------------------------------------------------------------------


def _csv_blocks(text: str) -> tuple[list[list[str]], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    blank = rows.index([])
    return rows[:blank], rows[blank + 1 :]


@pytest.mark.parametrize(
    ("on", "stale"), [(dt.date(2026, 9, 10), "no"), (dt.date(2026, 12, 1), "yes")]
)
def test_the_csv_has_the_months_then_the_prices(founder, on, stale):
    workload = _ready_workload(founder, endpoint="regional")
    projection = workload_project(workload_id=workload.pk)

    months, prices = _csv_blocks(projection_csv(projection=projection, on=on))

    assert months[0] == list(CSV_COLUMNS)
    assert len(months) == len(projection.result["months"]) + 1
    assert prices[0] == list(PRICE_CSV_COLUMNS)
    by_tier = {row[0]: row for row in prices[1:4]}
    assert list(by_tier) == ["haiku", "sonnet", "opus"]
    haiku = dict(zip(PRICE_CSV_COLUMNS, by_tier["haiku"], strict=True))
    assert haiku == {
        "tier": "haiku",
        "model_id": "anthropic.claude-haiku-4-5-20251001-v1:0",
        "model": "Claude Haiku 4.5",
        "lifecycle": "active",
        # Charged in-Region: 10% above the book's global prices.
        "input": "1.10",
        "output": "5.50",
        "cache_write": "1.375",
        "cache_read": "0.11",
        "batch_input": "0.55",
        "batch_output": "2.75",
        "price_date": "2026-09-03",
        "source": projection.inputs["price_details"][0]["source"],
    }
    book = projection.inputs["price_book"]
    assert prices[4:] == [
        ["price_book", book["name"]],
        ["price_book_date", "2026-09-03"],
        ["price_book_source", book["source"]],
        ["prices_stale", stale],
    ]


def test_the_csv_names_a_retired_model_and_a_missing_price(founder):
    projection = workload_project(workload_id=_ready_workload(founder).pk, book_slug=ILLUSTRATIVE)

    _, prices = _csv_blocks(projection_csv(projection=projection, on=dt.date(2026, 1, 2)))

    by_tier = {row[0]: dict(zip(PRICE_CSV_COLUMNS, row, strict=True)) for row in prices[1:4]}
    assert by_tier["haiku"]["lifecycle"] == "end_of_life"
    assert by_tier["haiku"]["cache_read"] == ""  # Claude 3 Haiku has no prompt caching
    assert by_tier["opus"]["lifecycle"] == "legacy"
    assert prices[-1] == ["prices_stale", "yes"]  # an illustrative book always is


def test_the_csv_of_a_projection_stored_before_provenance(founder):
    projection = _stored_before_provenance(
        workload_project(workload_id=_ready_workload(founder).pk)
    )

    _, prices = _csv_blocks(projection_csv(projection=projection, on=dt.date(2026, 9, 10)))

    haiku = dict(zip(PRICE_CSV_COLUMNS, prices[1], strict=True))
    assert (haiku["input"], haiku["price_date"]) == ("1.00", "2026-09-03")
    assert prices[4:] == [
        ["price_book", projection.price_book.name],
        ["price_book_date", ""],
        ["price_book_source", ""],
        ["prices_stale", "no"],  # by its newest price row's date
    ]
