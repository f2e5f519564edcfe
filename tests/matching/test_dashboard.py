"""The founder's dashboard at /my/."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from credits.services import billing_access_get_or_create
from matching.models import Intake, IntakeStatus, LeadStatus, PartnerTier, RoutingStatus
from tests.factories import (
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/my/"


def _intake_for(founder, name: str, **kwargs):
    startup = StartupFactory(founder=founder, name=name)
    return IntakeFactory(workload=WorkloadFactory(startup=startup), **kwargs)


@pytest.fixture
def founder():
    return UserFactory(email="dana@example.com", full_name="Dana Founder")


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url == "/login/?next=/my/"


def test_it_shows_the_founder_their_startup_status_and_workload(client, founder):
    _intake_for(founder, "Dana Robotics", status=IntakeStatus.PROCESSING)
    client.force_login(founder)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello Dana" in html
    assert "Dana Robotics" in html
    assert "Checking programs and partners" in html
    assert 'data-testid="intake-status"' in html
    assert "Classification / tagging" in html
    assert "400,000" in html
    assert response.context["latest"].startup.name == "Dana Robotics"


def test_it_shows_a_ready_intake_as_ready_and_stops_polling(client, founder):
    _intake_for(founder, "Dana Robotics", status=IntakeStatus.READY)
    client.force_login(founder)

    html = client.get(URL).content.decode()

    assert ">Ready<" in html
    assert "hx-get" not in html


def test_it_polls_while_the_intake_is_pending(client, founder):
    _intake_for(founder, "Dana Robotics", status=IntakeStatus.RECEIVED)
    client.force_login(founder)

    html = client.get(URL).content.decode()

    assert 'hx-get="/my/"' in html
    assert 'hx-trigger="every 2s"' in html


def test_it_never_shows_another_founders_startup(client, founder):
    _intake_for(founder, "Dana Robotics")
    _intake_for(UserFactory(email="eve@example.com"), "Eve Secret Labs")
    client.force_login(founder)

    response = client.get(URL)

    html = response.content.decode()
    assert "Dana Robotics" in html
    assert "Eve Secret Labs" not in html
    assert [intake.startup.name for intake in response.context["intakes"]] == ["Dana Robotics"]


def test_it_invites_a_founder_without_an_intake_to_start_one(client, founder):
    _intake_for(UserFactory(email="eve@example.com"), "Eve Secret Labs")
    client.force_login(founder)

    response = client.get(URL)

    html = response.content.decode()
    assert "You have not submitted an intake yet" in html
    assert 'href="/intake/"' in html
    assert "Eve Secret Labs" not in html
    assert response.context["latest"] is None


def test_it_shows_the_latest_intake_first_and_lists_the_earlier_ones(client, founder):
    first = _intake_for(founder, "First Try Inc")
    _intake_for(founder, "Second Try Inc")
    Intake.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(founder)

    response = client.get(URL)

    assert response.context["latest"].startup.name == "Second Try Inc"
    html = response.content.decode()
    assert "Earlier intakes" in html
    assert html.index("Second Try Inc") < html.index("First Try Inc")


def test_it_returns_only_the_status_fragment_to_htmx(client, founder):
    _intake_for(founder, "Dana Robotics", status=IntakeStatus.PROCESSING)
    client.force_login(founder)

    response = client.get(URL, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="intake-status"')
    assert "Checking programs and partners" in html
    assert "<html" not in html
    assert "Hello Dana" not in html
    assert "Your workload" not in html


def test_it_refuses_post(client, founder):
    client.force_login(founder)

    assert client.post(URL).status_code == 405


@pytest.mark.parametrize("intake_count", [1, 15])
def test_it_reads_the_dashboard_in_a_fixed_number_of_queries(
    client, founder, django_assert_num_queries, intake_count
):
    for n in range(intake_count):
        latest = _intake_for(founder, f"Startup {n}")
    # The first visit makes the billing access (select, savepoint, insert, release: three
    # queries more than below, once); count a visit after it.
    billing_access_get_or_create(startup_id=latest.startup_id)
    client.force_login(founder)

    # 1. the session (django_session)
    # 2. the signed-in user (cloudroute_user)
    # 3. the founder's intakes with their startup and workload (one join, at most 20 rows)
    # 4. the latest intake's newest projection, if any (none here; see
    #    test_dashboard_projection.py for the page with one; with a projection, one more
    #    query reads the startup's actual spend next to it)
    # 5. the latest startup's newest eligibility snapshot, if any
    # 6. the latest startup's live lead with its partner, if any
    # 7. the latest startup's credit applications with their programs and grants (none
    #    here, so no events query; see tests/credits/test_outcome.py for the page with them)
    # 8. the latest startup's billing access (its ExternalId; signed-in founders only)
    # (No outcome query: the badge reads the projection the page shows.)
    # 9-11. the default book's tier prices for the setup kit and the quota check (cold here;
    #    cached for a minute after)
    # 12. the inference profiles of the workload's Region (the setup kit)
    with django_assert_num_queries(12):
        response = client.get(URL)

    assert response.status_code == 200
    assert len(response.context["intakes"]) == intake_count
    assert response.content.decode().count("Startup ") >= intake_count


def test_it_lists_at_most_twenty_intakes(client, founder):
    for n in range(22):
        _intake_for(founder, f"Startup {n}")
    client.force_login(founder)

    response = client.get(URL)

    assert len(response.context["intakes"]) == 20


# --- the partner ------------------------------------------------------------------------


def _lead_for(founder, **kwargs):
    intake = _intake_for(founder, "Dana Robotics", status=IntakeStatus.READY)
    partner = PartnerFactory(
        name="Northwind Cloud", tier=PartnerTier.PREMIER, contact_email="leads@northwind.test"
    )
    offered_at = dt.datetime(2026, 3, 2, 9, 5, tzinfo=dt.UTC)
    return LeadFactory(
        workload=intake.workload,
        partner=partner,
        offered_at=offered_at,
        accept_by=offered_at + dt.timedelta(hours=4),
        **kwargs,
    )


def test_it_tells_the_founder_when_the_offered_partner_must_accept(client, founder):
    _lead_for(founder)
    client.force_login(founder)

    html = client.get(URL).content.decode()

    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    # With the date: a time alone is ambiguous once the deadline is tomorrow.
    assert (
        "We offered your lead to a vetted partner; they have until 2 Mar, 13:05 UTC to accept"
        in text
    )
    assert 'datetime="2026-03-02T13:05:00+00:00"' in html
    assert "Northwind Cloud" not in html  # not named until they accept


def test_it_shows_the_partner_who_accepted_with_tier_and_contact(client, founder):
    _lead_for(founder, status=LeadStatus.ACCEPTED)
    client.force_login(founder)

    html = client.get(URL).content.decode()

    assert 'data-testid="partner"' in html
    assert "<strong>Northwind Cloud</strong>, an AWS Premier Tier" in html
    assert 'href="mailto:leads@northwind.test"' in html
    assert "We offered your lead" not in html


def test_it_names_no_partner_after_a_decline(client, founder):
    _lead_for(founder, status=LeadStatus.DECLINED, decline_reason="not_a_fit")
    Intake.objects.update(routing_status=RoutingStatus.UNROUTED)
    client.force_login(founder)

    html = client.get(URL).content.decode()

    assert "Northwind Cloud" not in html
    assert "our team is finding one by hand" in html
