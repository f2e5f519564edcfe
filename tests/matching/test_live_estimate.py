"""The live estimate under the intake form: POST /intake/estimate/ returns an htmx fragment."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from founders.forms import percent_text
from matching.models import Intake
from workloads import services as workload_services
from workloads.models import AuditEvent, PriceBook, Startup, Workload, WorkloadProjection
from workloads.selectors import price_cache_clear
from workloads.spend import to_cents

pytestmark = pytest.mark.django_db

URL = "/intake/estimate/"

WORKLOAD = {
    "monthly_requests": 500_000,
    "monthly_growth": 0.05,
    "input_tokens": 6000,
    "cached_prefix_tokens": 4500,
    "output_tokens": 300,
    "cache_hit_rate": 0.8,
    "batch_share": 0.2,
    "escalation_sonnet": 0.03,
    "escalation_opus": 0.01,
    "baseline_tier": "opus",
}


# Fractions in the model (WORKLOAD, overrides), percents in the form.
PERCENT_FIELDS = {
    "monthly_growth",
    "cache_hit_rate",
    "batch_share",
    "escalation_sonnet",
    "escalation_opus",
}


def _form_data(**overrides) -> dict[str, str]:
    """The workload part of the intake form, as htmx sends it ("workload-" prefixed), with
    the shares typed as percents."""
    values = {**WORKLOAD, **overrides}
    return {
        f"workload-{name}": percent_text(value) if name in PERCENT_FIELDS else str(value)
        for name, value in values.items()
        if value is not None
    }


def _figure(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">\$([^<]+)<', html)
    assert match, html
    return match.group(1)


def _money(value: float) -> str:
    """What the API would say for the amount, with thousands separators."""
    return f"{to_cents(value):,}"


def _row_counts() -> tuple[int, ...]:
    models = (get_user_model(), Startup, Workload, Intake, WorkloadProjection, AuditEvent)
    return tuple(model.objects.count() for model in models)


def test_it_shows_the_same_figures_as_the_workload_estimate_service(client):
    response = client.post(URL, _form_data(), headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    expected = workload_services.workload_estimate(workload=Workload(**WORKLOAD))
    first = expected.months[0]
    assert _figure(html, "estimate-monthly") == _money(first.cost)
    assert _figure(html, "estimate-baseline") == _money(first.baseline_cost)
    # The saving is the difference of the two figures shown, so they add up to the cent.
    saving = to_cents(first.baseline_cost) - to_cents(first.cost)
    assert _figure(html, "estimate-saving") == f"{saving:,}"
    assert _figure(html, "estimate-per-request") == f"{expected.per_request_cost:.6f}"
    assert "everything on Opus" in html


def test_it_shows_hand_checked_figures(client):
    # All on Haiku 4.5 (1.00/5.00): (2000*1 + 500*5)/1e6 = 0.0045 a request -> 4,500.00 for 1M;
    # all on Opus 4.6 (5.00/25.00): (2000*5 + 500*25)/1e6 = 0.0225 -> 22,500.00;
    # saving 18,000.00, which is 80%.
    data = _form_data(
        monthly_requests=1_000_000,
        monthly_growth=0,
        input_tokens=2000,
        cached_prefix_tokens=0,
        output_tokens=500,
        cache_hit_rate=0,
        batch_share=0,
        escalation_sonnet=0,
        escalation_opus=0,
    )

    html = client.post(URL, data).content.decode()

    assert _figure(html, "estimate-monthly") == "4,500.00"
    assert _figure(html, "estimate-baseline") == "22,500.00"
    assert _figure(html, "estimate-saving") == "18,000.00"
    assert "(80%)" in html
    assert _figure(html, "estimate-per-request") == "0.004500"


def test_it_rounds_to_the_cent_as_the_api_does(client, api_client):
    # 2000 requests of 735 input and 3 output tokens, 3% on Sonnet 5 (2/10): the month costs
    # exactly 1.545 (0.97*(735*1 + 3*5) + 0.03*(735*2 + 3*10) = 772.5 per 1M requests), an
    # exact half cent that float arithmetic may land on either side of. Half up: 1.55, in both
    # places.
    values = {
        "monthly_requests": 2000,
        "input_tokens": 735,
        "output_tokens": 3,
        "baseline_tier": "opus",
        "escalation": {"sonnet": 0.03, "opus": 0},
    }
    api = api_client.post("/api/v1/estimates/", values, format="json").json()
    data = _form_data(
        **{name: value for name, value in values.items() if name != "escalation"},
        monthly_growth=0,
        cached_prefix_tokens=0,
        cache_hit_rate=0,
        batch_share=0,
        escalation_sonnet=0.03,
        escalation_opus=0,
    )

    html = client.post(URL, data).content.decode()

    assert api["months"][0]["cost"] == "1.55"
    assert _figure(html, "estimate-monthly") == "1.55"
    # Opus 4.8: 2000*(735*5 + 3*25)/1e6 = 7.50; the saving shown is 7.50 - 1.55.
    assert _figure(html, "estimate-baseline") == api["months"][0]["baseline_cost"] == "7.50"
    assert _figure(html, "estimate-saving") == "5.95"


def test_it_shows_the_engines_warnings(client):
    # A 1000-token prefix is below Haiku 4.5's 4096-token minimum: Bedrock does not cache it.
    html = client.post(URL, _form_data(cached_prefix_tokens=1000)).content.decode()

    assert 'class="warnings"' in html
    assert "4,096-token minimum" in html


def test_it_needs_no_description_or_use_case(client):
    data = _form_data()
    assert not any(key.endswith(("description", "use_case", "region")) for key in data)

    response = client.post(URL, data)

    assert response.status_code == 200
    assert 'data-testid="estimate-monthly"' in response.content.decode()


def test_it_ignores_the_rest_of_the_intake_form(client):
    # htmx includes the whole form; half-typed company and founder fields change nothing.
    data = {
        **_form_data(),
        "company-name": "",
        "company-founded_on": "not a date",
        "founder-email": "not-an-e-mail",
        "workload-description": "short",
    }

    response = client.post(URL, data)

    assert 'data-testid="estimate-monthly"' in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "label"),
    [
        ({"escalation_sonnet": 0.7, "escalation_opus": 0.5}, "share needing sonnet"),
        ({"input_tokens": None}, "input tokens"),
        ({"input_tokens": "lots"}, "input tokens"),
        ({"monthly_requests": -5}, "monthly requests"),
        ({"cache_hit_rate": 1.5}, "cache hit rate"),
        ({"cached_prefix_tokens": 7000}, "cached prefix tokens"),
        ({"monthly_growth": 9}, "growth per month"),
        ({"baseline_tier": "gpt"}, "baseline tier"),
    ],
)
def test_it_says_which_fields_to_fix(client, overrides, label):
    response = client.post(URL, _form_data(**overrides))

    assert response.status_code == 200
    html = response.content.decode()
    assert "To see your estimate, fix:" in html
    assert label in html
    assert "data-testid" not in html
    assert ", ." not in html and ",." not in html  # one error, no stray separators


def test_it_asks_for_everything_when_nothing_is_typed(client):
    response = client.post(URL, {})

    assert response.status_code == 200
    html = response.content.decode()
    assert "To see your estimate, fix:" in html
    assert "monthly requests" in html


def test_it_says_estimates_are_unavailable_without_a_price_book(client):
    PriceBook.objects.all().delete()
    price_cache_clear()

    response = client.post(URL, _form_data())

    assert response.status_code == 200
    assert "Estimates are not available right now." in response.content.decode()


def test_it_only_accepts_post(client):
    response = client.get(URL)

    assert response.status_code == 405


def test_it_writes_nothing(client):
    before = _row_counts()

    client.post(URL, _form_data())
    client.post(URL, _form_data(escalation_sonnet=0.9, escalation_opus=0.9))

    assert _row_counts() == before


def test_it_checks_the_csrf_token_the_intake_page_sets():
    browser = Client(enforce_csrf_checks=True)

    assert browser.post(URL, _form_data()).status_code == 403

    page = browser.get("/intake/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(URL, {**_form_data(), "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert 'data-testid="estimate-monthly"' in response.content.decode()


def test_it_is_wired_into_the_intake_page(client):
    page = client.get("/intake/").content.decode()

    assert f'hx-post="{URL}"' in page
    assert 'hx-include="closest form"' in page


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        ({}, 'data-testid="estimate-monthly"'),
        # Invalid by a field validator, and by Workload.clean() (across fields): the rules the
        # model's CheckConstraints repeat, so the error is still shown.
        ({"cache_hit_rate": 1.5}, "cache hit rate"),
        ({"cached_prefix_tokens": 7000}, "cached prefix tokens"),
        ({"escalation_sonnet": 0.7, "escalation_opus": 0.5}, "share needing sonnet"),
    ],
)
def test_it_runs_no_queries_per_keystroke(django_assert_num_queries, overrides, shown):
    # Every keystroke posts the form, so the estimate must not touch the database (it used to
    # run ~24 queries each). 0 because: the prices come from the warm cache (the first post
    # fills it); an anonymous visitor without a session cookie loads no session or user; and
    # the form skips the model's CheckConstraints, which Django would check with a query each
    # (the field validators and Workload.clean() cover the same rules).
    browser = Client()
    browser.post(URL, _form_data())  # warms the price cache
    assert not browser.cookies  # ...and starts no session

    with django_assert_num_queries(0):
        response = browser.post(URL, _form_data(**overrides))

    assert response.status_code == 200
    assert shown in response.content.decode()


def test_it_names_the_prices_it_used_with_their_date_and_staleness(client):
    data = _form_data(
        monthly_requests=1000, input_tokens=735, output_tokens=3, cached_prefix_tokens=0
    )

    html = client.post(URL, data).content.decode()

    # The shipped book is dated 3 Sep 2026 and never refreshed here: more than 30 days old.
    prices = html[html.index('data-testid="estimate-prices"') :]
    prices = prices[: prices.index("</p>")]
    assert "Amazon Bedrock list prices (global endpoint), as of 3 Sep 2026" in prices
    assert "more than 30 days old" in prices
