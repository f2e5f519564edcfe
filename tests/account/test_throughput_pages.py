"""Issue 20 on the pages: the quota headroom card on the founder's dashboard (`/my/`, with its
`?peak=` form) and on the partner's lead page (templates/workloads/_quota_headroom.html),
who sees which account's quotas, and who may read an intake's setup kit
(`GET /api/v1/intakes/{id}/setup/`).

The workload that outgrows Haiku 4.5's default quota (`BIG`, global endpoint):

    4,320,000 requests a month, none batched: 100 a minute on average, x 4 = 400 at the peak
    Haiku takes 95% (Sonnet 5%): 380 requests a minute; Sonnet 20
    10,000 tokens in, 1,000 out, no cache: 10,000 + 5 x 1,000 = 15,000 quota tokens a
    request on Haiku, 380 x 15,000 = 5,700,000 a minute > the default 5,000,000
    with ?peak=6: 600 a minute, Haiku 570
"""

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse

from credits.models import BedrockQuota, BillingAccess
from matching.models import IntakeStatus
from matching.services import intake_confirm, intake_token_hash
from tests.bedrock_account import HAIKU
from tests.factories import (
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)
from workloads import quota_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

DASHBOARD = "/my/"
BIG = {
    "monthly_requests": 4_320_000,
    "monthly_growth": 0,
    "batch_share": 0,
    "input_tokens": 10_000,
    "cached_prefix_tokens": 0,
    "cache_hit_rate": 0,
    "output_tokens": 1_000,
    "escalation_sonnet": 0.05,
    "escalation_opus": 0,
    "endpoint": "global",
}
READ_AT = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


# --- Helpers ----------------------------------------------------------------------------------


def founder_with_intake(name: str = "Dana", **workload):
    """A signed-up founder and their confirmed, checked intake."""
    founder = UserFactory(email=f"{name.lower()}@example.com", full_name=f"{name} Founder")
    startup = StartupFactory(founder=founder, name=f"{name} Labs")
    intake = IntakeFactory(
        workload=WorkloadFactory(startup=startup, **workload), status=IntakeStatus.READY
    )
    return founder, intake


def connect_account(startup, *, haiku_rpm: int, haiku_tpm: int = 50_000_000) -> None:
    """The founder's role is connected and the daily sync has read Haiku 4.5's quotas."""
    BillingAccess.objects.create(
        startup=startup,
        role_arn="arn:aws:iam::210987654321:role/CloudRouteRead",
        last_synced_at=READ_AT,
        usage_synced_at=READ_AT,
    )
    for kind, code, value in (("requests", "L-HKREQ", haiku_rpm), ("tokens", "L-HKTOK", haiku_tpm)):
        BedrockQuota.objects.create(
            startup=startup,
            region="us-west-2",
            quota_code=code,
            name=f"Global cross-region model inference {kind} per minute for Claude Haiku 4.5",
            model_id=HAIKU,
            scope="global",
            kind=kind,
            value=value,
            read_at=READ_AT,
        )


def page(client, user, url: str = DASHBOARD, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return unescape(response.content.decode())


def headroom_rows(html: str) -> dict[str, str]:
    """Each tier's row of the headroom table, by tier."""
    rows = re.findall(r'<tr data-testid="headroom-(\w+)">(.*?)</tr>', html, re.DOTALL)
    return dict(rows)


def shortfall_lines(html: str) -> list[str]:
    found = re.findall(r'<td colspan="4" data-testid="shortfall">(.*?)</td>', html, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", "", line).split()) for line in found]


def quota_source(html: str, tier: str) -> str:
    [found] = re.findall(rf'data-testid="quota-source-{tier}">(.*?)</span>', html, re.DOTALL)
    return " ".join(found.split())


# --- The founder's dashboard -------------------------------------------------------------------


def test_each_tier_the_workload_uses_has_a_row_with_a_meter(client):
    founder, _ = founder_with_intake()  # the factory's workload: Sonnet 5%, Opus 0%

    html = page(client, founder)

    assert 'data-testid="quota-headroom"' in html
    rows = headroom_rows(html)
    assert list(rows) == ["haiku", "sonnet"]  # Opus takes no requests
    # Haiku 4.5's default has both quotas; Sonnet 5's only a tokens one.
    assert rows["haiku"].count("<meter") == 2
    assert rows["sonnet"].count("<meter") == 1
    assert 'aria-label="Tokens quota used at peak"' in rows["sonnet"]
    assert "95% of requests" in rows["haiku"]
    assert shortfall_lines(html) == []


def test_a_default_quota_cites_its_dated_source(client):
    founder, _ = founder_with_intake()

    source = quota_source(page(client, founder), "haiku")

    assert source.startswith(quota_data.QUOTAS_CITATION)
    assert "as quoted 2026-10-07" in source
    assert source.endswith("global cross-Region")


def test_a_workload_over_the_default_quota_shows_the_increase_to_ask_for(client):
    founder, _ = founder_with_intake(**BIG)

    html = page(client, founder)

    assert "380 requests" in headroom_rows(html)["haiku"]
    assert "5,700,000 quota tokens" in headroom_rows(html)["haiku"]
    [line] = shortfall_lines(html)
    assert line.startswith("Quota too low: Claude Haiku 4.5 (haiku) peaks at 5,700,000")
    assert "AWS's default global cross-Region quota is 5,000,000" in line
    assert line.endswith("request an increase to at least 5,700,000 tokens per minute.")


def test_the_accounts_own_quota_says_when_it_was_read_and_is_the_one_checked(client):
    founder, intake = founder_with_intake(**BIG)
    connect_account(intake.startup, haiku_rpm=300)

    html = page(client, founder)

    assert quota_source(html, "haiku") == "The account's global cross-Region quota, read 2026-11-30"
    assert "300 requests, 50,000,000 tokens a minute" in headroom_rows(html)["haiku"]
    [line] = shortfall_lines(html)
    assert "the account's global cross-Region quota is 300" in line
    assert line.endswith("request an increase to at least 380 requests per minute.")
    # Sonnet was not read from the account: still the dated default.
    assert quota_source(html, "sonnet").startswith(quota_data.QUOTAS_CITATION)


def test_a_peak_factor_in_the_query_changes_the_peak_shown(client):
    founder, _ = founder_with_intake(**BIG)

    default = headroom_rows(page(client, founder))["haiku"]
    six = page(client, founder, f"{DASHBOARD}?peak=6")

    assert "380 requests" in default
    assert "570 requests" in headroom_rows(six)["haiku"]
    assert "a peak-to-average factor of 6." in " ".join(six.split())
    assert 'name="peak" value="6"' in six


def test_an_invalid_peak_factor_answers_400_and_shows_the_error(client):
    founder, _ = founder_with_intake(**BIG)

    html = page(client, founder, f"{DASHBOARD}?peak=0", status=400)

    assert "Enter a number from 1 to 100, such as 4." in html
    assert 'aria-invalid="true"' in html
    # The card still shows the default factor's peak.
    assert "380 requests" in headroom_rows(html)["haiku"]


def test_an_unrelated_query_parameter_leaves_the_dashboard_alone(client):
    founder, _ = founder_with_intake()

    html = page(client, founder, f"{DASHBOARD}?utm_source=newsletter")

    assert "This field is required" not in html


def test_a_round_peak_factor_reads_as_typed(client):
    # (The factor is a normalized Decimal, 1E+1; the template's number formatting prints 10.)
    founder, _ = founder_with_intake()

    html = " ".join(page(client, founder, f"{DASHBOARD}?peak=10").split())

    assert "a peak-to-average factor of 10." in html


def test_a_founder_never_sees_another_startups_quotas(client):
    dana, dana_intake = founder_with_intake("Dana", **BIG)
    omar, omar_intake = founder_with_intake("Omar", **BIG)
    connect_account(dana_intake.startup, haiku_rpm=111)
    connect_account(omar_intake.startup, haiku_rpm=98_765, haiku_tpm=87_654_321)

    html = page(client, dana)

    assert "111 requests" in headroom_rows(html)["haiku"]
    assert "98,765" not in html and "87,654,321" not in html
    assert "at least 380 requests per minute" in " ".join(shortfall_lines(html))
    omar_html = page(client, omar)
    assert "98,765 requests" in headroom_rows(omar_html)["haiku"]
    assert shortfall_lines(omar_html) == []  # Omar's quota carries the same peak


# --- The partner's lead page ------------------------------------------------------------------


def test_the_partner_lead_page_shows_the_leads_shortfall(client):
    firm = PartnerFactory()
    member = PartnerMembershipFactory(partner=firm).user
    lead = LeadFactory(partner=firm, workload=WorkloadFactory(**BIG))

    html = page(client, member, reverse("partner-lead", args=[lead.pk]))

    assert list(headroom_rows(html)) == ["haiku", "sonnet"]
    [line] = shortfall_lines(html)
    assert line.endswith("request an increase to at least 5,700,000 tokens per minute.")
    assert "connect your AWS account" not in html


# --- Who may read the setup kit -----------------------------------------------------------------

TOKEN = "setup-kit-token-0123456789abcdef0123456789"


def setup_url(intake) -> str:
    return f"/api/v1/intakes/{intake.pk}/setup/"


def test_the_setup_kit_is_the_founders_alone(client):
    dana, intake = founder_with_intake("Dana")
    omar, _ = founder_with_intake("Omar")

    assert client.get(setup_url(intake)).status_code == 404  # anonymous
    client.force_login(omar)
    assert client.get(setup_url(intake)).status_code == 404  # another founder
    client.force_login(dana)
    response = client.get(setup_url(intake))
    assert response.status_code == 200
    assert {row["tier"] for row in response.json()["tiers"]} == {"haiku", "sonnet", "opus"}


def test_the_intakes_token_reads_the_kit_until_it_is_confirmed(client):
    intake = IntakeFactory(
        workload__startup__founder=None,
        founder=None,
        confirmed_at=None,
        email="new@founder.example",
        access_token_hash=intake_token_hash(TOKEN),
        status=IntakeStatus.READY,
    )
    bearer = {"HTTP_AUTHORIZATION": f"Token {TOKEN}"}

    assert client.get(setup_url(intake), **bearer).status_code == 200
    assert client.get(setup_url(intake), HTTP_AUTHORIZATION="Token wrong").status_code == 404
    assert client.get(setup_url(intake)).status_code == 404

    intake_confirm(intake_id=intake.pk, email=intake.email)

    # Confirmed, the intake is its account's alone: the token no longer opens it.
    assert client.get(setup_url(intake), **bearer).status_code == 404


def test_without_a_price_book_the_dashboard_still_renders_without_the_kit(client):
    """No tier models to name: the kit and the headroom are left out, never a 503 page."""
    from workloads.models import PriceBook

    founder, _ = founder_with_intake()
    PriceBook.objects.all().delete()

    html = page(client, founder)

    assert 'data-testid="setup-kit"' not in html
    assert 'data-testid="quota-headroom"' not in html
