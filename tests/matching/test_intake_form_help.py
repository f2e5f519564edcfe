"""The intake page helps instead of truncating: percents, AWS account ids with dashes, US
states from ACE's list, names without control characters, an error summary, and help and
errors linked to their fields for screen readers (issue 13, item 5)."""

import re
from html.parser import HTMLParser

import pytest

from founders.forms import CompanyForm, FounderForm, WorkloadEstimateForm, WorkloadForm
from tests.factories import StartupFactory, WorkloadFactory
from tests.matching.test_intake_form import _form_data
from workloads.choices import US_STATES
from workloads.models import Startup, Workload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/intake/"
SHARES = ("cache_hit_rate", "batch_share", "escalation_sonnet", "escalation_opus")


def _section(data: dict[str, str], prefix: str) -> dict[str, str]:
    return {key: value for key, value in data.items() if key.startswith(f"{prefix}-")}


def _company(**overrides) -> CompanyForm:
    data = _section(_form_data(), "company")
    data.update({f"company-{name}": value for name, value in overrides.items()})
    return CompanyForm(data)


def _workload(form_class=WorkloadForm, **overrides) -> WorkloadForm:
    data = _section(_form_data(), "workload")
    data.update({f"workload-{name}": value for name, value in overrides.items()})
    return form_class(data)


def _founder(**overrides) -> FounderForm:
    data = _section(_form_data(), "founder")
    data.update({f"founder-{name}": value for name, value in overrides.items()})
    return FounderForm(data)


class _Ids(HTMLParser):
    """Every id in a page, and every element's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if attributes.get("id"):
            self.ids.add(attributes["id"])


def _parse(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


def _errors(response) -> list:
    """The forms' errors of a refused page, for an assertion message."""
    if response.status_code != 400:
        return []
    names = ("company_form", "workload_form", "founder_form")
    return [response.context[name].errors for name in names]


def _element(page: _Ids, element_id: str) -> dict[str, str | None]:
    return next(attrs for _, attrs in page.elements if attrs.get("id") == element_id)


# --- 1. Shares as percents ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("25", 0.25), ("3.5", 0.035), ("0", 0.0), ("100", 1.0), ("33.3", 0.333), ("0.1", 0.001)],
)
def test_a_percent_is_cleaned_to_the_exact_fraction(typed, stored):
    form = _workload(cache_hit_rate=typed, batch_share=typed)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["cache_hit_rate"] == stored  # exactly, not approximately
    assert form.cleaned_data["batch_share"] == stored
    assert isinstance(form.cleaned_data["cache_hit_rate"], float)


@pytest.mark.parametrize(("typed", "stored"), [("-50", -0.5), ("500", 5.0), ("4", 0.04)])
def test_growth_is_a_percent_from_minus_50_to_500(typed, stored):
    form = _workload(monthly_growth=typed)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["monthly_growth"] == stored


@pytest.mark.parametrize("field", SHARES)
@pytest.mark.parametrize("typed", ["-1", "100.01", "150", "abc", "", "NaN", "Infinity"])
def test_a_share_out_of_range_is_refused_in_percent(field, typed):
    form = _workload(**{field: typed})

    assert not form.is_valid()
    assert form.errors[field] == ["Enter a percentage between 0 and 100."]


@pytest.mark.parametrize("typed", ["-51", "501", "many"])
def test_growth_out_of_range_is_refused_in_percent(typed):
    form = _workload(monthly_growth=typed)

    assert not form.is_valid()
    assert form.errors["monthly_growth"] == ["Enter a percentage between -50 and 500."]


def test_sonnet_and_opus_above_100_percent_are_refused_once_in_percent():
    form = _workload(escalation_sonnet="70", escalation_opus="40.5")

    assert not form.is_valid()
    assert form.errors["escalation_sonnet"] == [
        "Sonnet and Opus add up to 110.5%; together they can be at most 100% "
        "(Haiku takes the rest)."
    ]
    assert "escalation_opus" not in form.errors


def test_sonnet_and_opus_of_exactly_100_percent_are_accepted():
    form = _workload(escalation_sonnet="70", escalation_opus="30")

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["escalation_sonnet"], form.cleaned_data["escalation_opus"]) == (
        0.7,
        0.3,
    )


def test_the_page_shows_the_shares_as_percents_with_percent_labels(client):
    html = client.get(URL).content.decode()
    page = _parse(html)

    expected = {
        "monthly_growth": "5",
        "cache_hit_rate": "80",
        "batch_share": "20",
        "escalation_sonnet": "3",
        "escalation_opus": "0",
    }
    for name, value in expected.items():
        widget = _element(page, f"id_workload-{name}")
        assert widget["value"] == value, name
        label = re.search(rf'<label for="id_workload-{name}">([^<]*)</label>', html)
        assert label and "(%)" in label.group(1), name
    assert _element(page, "id_workload-cache_hit_rate")["max"] == "100"
    assert _element(page, "id_workload-monthly_growth")["min"] == "-50"


def test_the_percent_help_never_speaks_in_fractions(client):
    response = client.get(URL)

    for name in (*SHARES, "monthly_growth"):
        help_text = str(response.context["workload_form"][name].help_text)
        assert not re.search(r"\b0 to 1\b|0\.\d", help_text), help_text


def test_a_percent_typed_in_the_page_is_saved_as_a_fraction(client):
    data = _form_data(
        **{
            "workload-cache_hit_rate": "25",
            "workload-batch_share": "10",
            "workload-escalation_sonnet": "3.5",
            "workload-escalation_opus": "1",
            "workload-monthly_growth": "-12.5",
        }
    )

    response = client.post(URL, data)

    assert response.status_code == 302, _errors(response)
    workload = Workload.objects.get()
    assert workload.cache_hit_rate == 0.25
    assert workload.batch_share == 0.1
    assert workload.escalation_sonnet == 0.035
    assert workload.escalation_opus == 0.01
    assert workload.monthly_growth == -0.125


def test_the_live_estimate_takes_the_same_percents():
    form = _workload(WorkloadEstimateForm, cache_hit_rate="25", escalation_sonnet="3.5")

    assert form.is_valid(), form.errors
    assert form.instance.cache_hit_rate == 0.25
    assert form.instance.escalation_sonnet == 0.035

    refused = _workload(WorkloadEstimateForm, batch_share="150")
    assert not refused.is_valid()
    assert refused.errors["batch_share"] == ["Enter a percentage between 0 and 100."]


def test_the_live_estimate_shows_a_percent_error_by_its_label(client):
    data = _section(_form_data(**{"workload-cache_hit_rate": "150"}), "workload")

    html = client.post("/intake/estimate/", data).content.decode()

    assert "To see your estimate, fix: cache hit rate (%)" in html


# --- 8. Endpoint and cascade ------------------------------------------------------------------


def test_the_workload_form_takes_endpoint_and_cascade(client):
    data = _form_data(**{"workload-endpoint": "regional", "workload-cascade": "on"})

    response = client.post(URL, data)

    assert response.status_code == 302, _errors(response)
    workload = Workload.objects.get()
    assert (workload.endpoint, workload.cascade) == ("regional", True)


def test_endpoint_and_cascade_default_when_left_out():
    form = _workload()

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["endpoint"], form.cleaned_data["cascade"]) == ("global", False)


def test_an_unknown_endpoint_is_refused():
    form = _workload(endpoint="mars")

    assert not form.is_valid()
    assert "endpoint" in form.errors


def test_the_live_estimate_uses_endpoint_and_cascade():
    form = _workload(WorkloadEstimateForm, endpoint="regional", cascade="on")

    assert form.is_valid(), form.errors
    assert (form.instance.endpoint, form.instance.cascade) == ("regional", True)


# --- 2. AWS account ids ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["1234-5678-9012", "1234 5678 9012", " 123456789012 ", "1234 - 5678 - 9012"]
)
def test_an_aws_account_id_with_dashes_or_spaces_is_normalised(typed):
    form = _company(aws_account_id=typed)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["aws_account_id"] == "123456789012"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("1234-5678-9012-3", "this one has 13"),
        ("2109876543210", "this one has 13"),
        ("12345678901", "this one has 11"),
        ("1234_5678_9012", "other characters"),
        ("abcdefghijkl", "other characters"),
        ("１２３４５６７８９０１２", "other characters"),  # full-width digits
    ],
)
def test_anything_but_12_digits_is_refused_not_cut(typed, says):
    form = _company(aws_account_id=typed)

    assert not form.is_valid()
    [message] = form.errors["aws_account_id"]
    assert message.startswith("An AWS account id is 12 digits")
    assert says in message


def test_a_dashed_aws_account_id_is_saved_as_12_digits(client):
    response = client.post(URL, _form_data(**{"company-aws_account_id": "2109-8765-4321"}))

    assert response.status_code == 302, _errors(response)
    assert Startup.objects.get().aws_account_id == "210987654321"


def test_no_intake_input_makes_the_browser_cut_what_is_typed(client):
    html = client.get(URL).content.decode()

    assert "maxlength" not in html
    assert "pattern=" not in html


# --- 3. US states ----------------------------------------------------------------------------


def test_a_us_company_picks_its_state_from_aces_list(client):
    html = client.get(URL).content.decode()

    select = re.search(r'<select name="company-state".*?</select>', html, re.S)
    assert select
    values = re.findall(r'<option value="([^"]*)"', select.group(0))
    assert values == ["", *US_STATES.values()]
    assert "Washington" in values and "Puerto Rico" in values
    # Other countries type their region; both fields show without JavaScript.
    assert 'name="company-state_or_region"' in html
    assert "State (US companies)" in html
    assert "State or region (other countries)" in html
    assert "js/intake-state.js" in html


@pytest.mark.parametrize(
    ("picked", "typed", "stored"),
    [
        ("Washington", "", "Washington"),
        ("Dist. of Columbia", "", "Dist. of Columbia"),
        ("WA", "", "Washington"),  # a code posted by a script
        ("", "wa", "Washington"),  # typed into the text field without JavaScript
        ("", "puerto rico", "Puerto Rico"),
        ("Oregon", "Bavaria", "Oregon"),  # the text field does not count for the US
    ],
)
def test_a_us_state_is_stored_by_its_full_name(picked, typed, stored):
    form = _company(country="US", state=picked, state_or_region=typed)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["state"] == stored
    assert "state_or_region" not in form.cleaned_data  # Startup(**cleaned_data) must work


@pytest.mark.parametrize("typed", ["", "Bavaria", "W"])
def test_a_us_company_without_a_state_is_refused_once(typed):
    form = _company(country="US", state="", state_or_region=typed)

    assert not form.is_valid()
    # One message, the page's (Startup.clean would add its own "e.g. WA" one).
    assert form.errors["state"] == ["Choose the state or territory of your US address."]


@pytest.mark.parametrize("picked", ["\U0001f984", "Atlantis", "Washington; DROP TABLE", "XX"])
def test_a_us_state_outside_the_list_is_refused(picked):
    form = _company(country="US", state=picked)

    assert not form.is_valid()
    assert form.errors["state"] == ["Choose your state or territory from the list."]


@pytest.mark.parametrize(
    ("picked", "typed", "stored"),
    [("", "Bayern", "Bayern"), ("", "", ""), ("Washington", "Berlin", "Berlin")],
)
def test_another_country_types_its_region(picked, typed, stored):
    form = _company(country="DE", state=picked, state_or_region=typed)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["state"] == stored


def test_a_region_with_control_characters_is_refused():
    form = _company(country="DE", state_or_region="Bay\u202eern")

    assert not form.is_valid()
    assert "U+202E" in form.errors["state_or_region"][0]


def test_a_region_too_long_is_refused_in_words():
    form = _company(country="DE", state_or_region="x" * 65)

    assert not form.is_valid()
    assert form.errors["state_or_region"] == [
        "Keep this answer to 64 characters or fewer (it has 65)."
    ]


def test_the_page_saves_the_full_state_name(client):
    response = client.post(URL, _form_data(**{"company-state": "Texas"}))

    assert response.status_code == 302, _errors(response)
    assert Startup.objects.get().state == "Texas"


# --- 4. Names ----------------------------------------------------------------------------------


CONTROL = ["\x00", "\x1b", "\x1f", "\x7f", "\u202e", "\u200b", "\ufeff", "\x85"]


@pytest.mark.parametrize("character", CONTROL)
def test_a_company_name_with_a_control_character_is_refused(character):
    form = _company(name=f"Acme{character}Analytics")

    assert not form.is_valid()
    [message] = form.errors["name"]
    assert message.startswith("The company name contains a hidden control character")
    assert f"U+{ord(character):04X}" in message


@pytest.mark.parametrize("character", CONTROL)
def test_a_founder_name_with_a_control_character_is_refused(character):
    form = _founder(name=f"Ada{character}Lovelace")

    assert not form.is_valid()
    [message] = form.errors["name"]
    assert message.startswith("Your name contains a hidden control character")


@pytest.mark.parametrize(
    "name", ["Zoë Ørsted-Łukasz", "Müller & Söhne GmbH", "می\u200cخواهم", "O'Brien, Inc. 株式会社"]
)
def test_real_names_are_accepted(name):
    assert _company(name=name).is_valid()
    assert _founder(name=name).is_valid()


def test_a_name_with_a_control_character_saves_nothing(client):
    response = client.post(URL, _form_data(**{"company-name": "Acme\u202eexe.doc"}))

    assert response.status_code == 400
    assert not Startup.objects.exists()


# --- 7. Messages in a founder's words --------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "company-name",
            "x" * 121,
            "Keep the company name to 120 characters or fewer (it has 121).",
        ),
        ("company-name", "", "Enter your company's name."),
        (
            "company-postal_code",
            "9" * 21,
            "Keep the postal code to 20 characters or fewer (it has 21).",
        ),
        ("founder-name", "x" * 151, "Keep your name to 150 characters or fewer (it has 151)."),
        ("founder-name", "", "Enter your name."),
        ("founder-email", "ada@", "Enter an e-mail address like you@company.com."),
        ("company-website", "acme", "Enter the full web address, e.g. https://acme.example."),
    ],
)
def test_the_page_speaks_a_founders_words(client, field, value, message):
    response = client.post(URL, _form_data(**{field: value}))

    assert response.status_code == 400
    prefix, name = field.split("-", 1)
    assert response.context[f"{prefix}_form"].errors[name] == [message]
    html = response.content.decode()
    assert "Ensure this value" not in html
    assert "0.25" not in " ".join(re.findall(r'class="errorlist"[^>]*>(.*?)</ul>', html))


# --- 5. The error summary --------------------------------------------------------------------


def test_no_summary_on_a_fresh_form(client):
    assert "error-summary" not in client.get(URL).content.decode().split("<form", 1)[1]


def test_the_summary_lists_each_refused_answer_as_a_link_to_its_field(client):
    data = _form_data(**{"company-aws_account_id": "1234-5678-9012-3", "founder-email": "nope"})

    response = client.post(URL, data)

    assert response.status_code == 400
    html = response.content.decode()
    page = _parse(html)
    summary = _element(page, "error-summary")
    assert summary["role"] == "alert"
    assert summary["tabindex"] == "-1"
    assert "data-error-summary" in summary
    assert "Please fix 2 answers" in html
    block = html[
        html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))
    ]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', block)
    assert [target for target, _ in links] == ["id_company-aws_account_id", "id_founder-email"]
    assert "this one has 13" in links[0][1]
    assert links[1][1].startswith("E-mail: Enter an e-mail address")
    for target, _ in links:
        assert target in page.ids
    assert "js/error-summary.js" in html


def test_the_summary_counts_one_answer(client):
    response = client.post(URL, _form_data(**{"workload-batch_share": "101"}))

    html = response.content.decode()
    assert "Please fix 1 answer<" in html
    assert 'href="#id_workload-batch_share"' in html


def test_the_summary_includes_the_cross_field_error_in_percent(client):
    data = _form_data(**{"workload-escalation_sonnet": "80", "workload-escalation_opus": "30"})

    html = client.post(URL, data).content.decode()

    assert 'href="#id_workload-escalation_sonnet"' in html
    assert "Sonnet and Opus add up to 110%" in html
    assert "sonnet + opus must be at most 1" not in html


def test_the_page_has_no_inline_script(client):
    html = client.post(URL, _form_data(**{"founder-email": "x"})).content.decode()

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attributes, body in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert body.strip() == "" or 'type="application/json"' in attributes


# --- 6. Help and errors linked for screen readers ---------------------------------------------


def test_every_described_by_points_at_an_element_of_the_page(client):
    for response in (client.get(URL), client.post(URL, _form_data(**{"founder-email": "x"}))):
        page = _parse(response.content.decode())
        described = [attrs for _, attrs in page.elements if attrs.get("aria-describedby")]
        assert len(described) > 20
        for attrs in described:
            for target in attrs["aria-describedby"].split():
                assert target in page.ids, (attrs.get("id"), target)


def test_help_text_has_the_id_django_describes_it_by(client):
    html = client.get(URL).content.decode()
    page = _parse(html)

    widget = _element(page, "id_company-aws_account_id")
    assert widget["aria-describedby"] == "id_company-aws_account_id_helptext"
    assert re.search(
        r'<p class="help" id="id_company-aws_account_id_helptext">12 digits, top right', html
    )
    assert '_help"' not in html  # the old id


def test_a_refused_field_is_invalid_and_described_by_its_error(client):
    response = client.post(URL, _form_data(**{"company-aws_account_id": "123"}))

    page = _parse(response.content.decode())
    widget = _element(page, "id_company-aws_account_id")
    assert widget["aria-invalid"] == "true"
    assert widget["aria-describedby"].split() == [
        "id_company-aws_account_id_helptext",
        "id_company-aws_account_id_error",
    ]
    error = _element(page, "id_company-aws_account_id_error")
    assert error["class"] == "errorlist"
    assert "aria-invalid" not in _element(page, "id_company-name")


def test_a_checkbox_is_described_by_its_help_too(client):
    page = _parse(client.get(URL).content.decode())

    widget = _element(page, "id_company-aws_paid_plan")
    assert widget["aria-describedby"] == "id_company-aws_paid_plan_helptext"
    assert "id_company-aws_paid_plan_helptext" in page.ids


# --- Editing a saved startup (the forms with an instance) --------------------------------------


def test_a_saved_workload_shows_its_fractions_as_percents():
    workload = WorkloadFactory(escalation_sonnet=0.035, cache_hit_rate=0.9, monthly_growth=-0.5)

    form = WorkloadForm(instance=workload)

    assert form["escalation_sonnet"].value() == "3.5"
    assert form["cache_hit_rate"].value() == "90"
    assert form["monthly_growth"].value() == "-50"


def test_a_saved_startup_shows_its_state_in_the_field_for_its_country():
    us = StartupFactory(state="Washington")
    abroad = StartupFactory(country="DE", state="Bayern")

    assert CompanyForm(instance=us)["state"].value() == "Washington"
    form = CompanyForm(instance=abroad)
    assert form["state_or_region"].value() == "Bayern"
    assert not form["state"].value()
