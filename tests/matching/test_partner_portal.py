"""The partner portal (/partner/): sign-in, inbox, lead page, answers, notes, scorecard, and
isolation between firms, founders and anonymous visitors."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from credits.services import startup_credits_refresh
from matching.models import DeclineReason, Lead, LeadNote, LeadStatus
from tests.factories import PartnerFactory, PartnerMembershipFactory, UserFactory

from .partner_helpers import PASSWORD, bulk_leads, make_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

INBOX = "/partner/"


def lead_url(lead: Lead, action: str = "") -> str:
    return f"/partner/leads/{lead.pk}/{action + '/' if action else ''}"


@pytest.fixture
def firm_x():
    return PartnerFactory(name="Northwind Cloud")


@pytest.fixture
def firm_y():
    return PartnerFactory(name="Bluebird Partners")


@pytest.fixture
def member_x(firm_x):
    return PartnerMembershipFactory(
        partner=firm_x, user__email="ana@northwind.test", user__full_name="Ana North"
    ).user


@pytest.fixture
def member_y(firm_y):
    return PartnerMembershipFactory(partner=firm_y, user__email="bo@bluebird.test").user


@pytest.fixture
def lead_x(firm_x):
    return make_lead(firm_x)


@pytest.fixture
def x_client(client, member_x):
    client.force_login(member_x)
    return client


# --- Access ---------------------------------------------------------------------------


PAGES = ["/partner/", "/partner/scorecard/", "LEAD"]
ACTIONS = ["accept", "decline", "notes"]


def _all_urls(lead):
    gets = [lead_url(lead) if url == "LEAD" else url for url in PAGES]
    posts = [lead_url(lead, action) for action in ACTIONS]
    return gets, posts


def test_it_sends_anonymous_visitors_to_the_partner_sign_in(client, lead_x):
    gets, posts = _all_urls(lead_x)
    for url in gets + posts:
        response = client.post(url) if url in posts else client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/partner/login/?next="), url
    assert Lead.objects.get().status == LeadStatus.OFFERED


@pytest.mark.parametrize("who", ["founder", "staff"])
def test_it_is_a_404_for_signed_in_users_without_a_firm(client, lead_x, who):
    user = lead_x.startup.founder if who == "founder" else UserFactory(is_staff=True)
    client.force_login(user)
    gets, posts = _all_urls(lead_x)

    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"reason": "not_a_fit", "body": "x"}).status_code == 404, url
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.OFFERED
    assert not LeadNote.objects.exists()


def test_it_is_a_404_for_another_firms_lead(client, lead_x, member_y, firm_y):
    own = make_lead(firm_y, name="Yonder Labs")
    client.force_login(member_y)

    assert client.get(lead_url(lead_x)).status_code == 404
    assert client.post(lead_url(lead_x, "accept")).status_code == 404
    assert client.post(lead_url(lead_x, "decline"), {"reason": "not_a_fit"}).status_code == 404
    assert client.post(lead_url(lead_x, "notes"), {"body": "Mine now"}).status_code == 404
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.OFFERED
    assert not LeadNote.objects.exists()
    inbox = client.get(INBOX).content.decode()
    assert "Yonder Labs" in inbox
    assert "Acme Robotics" not in inbox
    assert client.get(lead_url(own)).status_code == 200


def test_it_is_a_404_for_a_lead_that_does_not_exist(x_client):
    assert x_client.get("/partner/leads/999999/").status_code == 404


# --- Sign-in --------------------------------------------------------------------------


def test_it_signs_a_partner_in_with_email_and_password(client, member_x):
    response = client.post(
        "/partner/login/", {"username": "Ana@Northwind.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == INBOX
    assert client.get(INBOX).status_code == 200


def test_it_follows_next_after_sign_in(client, member_x, lead_x):
    response = client.post(
        f"/partner/login/?next={lead_url(lead_x)}",
        {"username": "ana@northwind.test", "password": PASSWORD, "next": lead_url(lead_x)},
    )

    assert response.url == lead_url(lead_x)


def test_it_refuses_a_wrong_password(client, member_x):
    response = client.post("/partner/login/", {"username": member_x.email, "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct e-mail address and password" in response.content.decode()
    assert client.get(INBOX).status_code == 302


def test_it_refuses_an_account_without_a_firm(client):
    UserFactory(email="fay@founder.test")

    response = client.post(
        "/partner/login/", {"username": "fay@founder.test", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert "does not belong to a partner firm" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_sends_a_signed_in_partner_from_the_sign_in_page_to_the_inbox(x_client):
    response = x_client.get("/partner/login/")

    assert response.status_code == 302
    assert response.url == INBOX


def test_it_shows_the_sign_in_form_to_a_signed_in_founder(client, lead_x):
    client.force_login(lead_x.startup.founder)

    response = client.get("/partner/login/")

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_the_nav_links_the_portal_for_partners_only(x_client, client, lead_x):
    html = x_client.get(INBOX).content.decode()
    assert 'href="/partner/">Partner portal</a>' in html
    # On other pages too, once the partner has been in the portal (a session flag: no query).
    assert 'href="/partner/">Partner portal</a>' in x_client.get("/").content.decode()

    client.force_login(lead_x.startup.founder)
    html = client.get("/").content.decode()
    assert "Partner portal" not in html
    assert "My dashboard" in html


# --- Inbox ----------------------------------------------------------------------------


def test_the_inbox_lists_only_the_firms_leads(x_client, firm_x, firm_y, lead_x):
    make_lead(firm_y, name="Yonder Labs")

    response = x_client.get(INBOX)

    html = response.content.decode()
    assert response.status_code == 200
    assert [lead.pk for lead in response.context["page"].object_list] == [lead_x.pk]
    assert "Acme Robotics" in html
    assert "Yonder Labs" not in html
    assert 'data-testid="filter-all">All <span class="count">1</span>' in html


def test_the_inbox_shows_a_live_countdown_for_offered_leads(x_client, lead_x):
    html = x_client.get(INBOX).content.decode()

    countdown = re.search(
        r'<time class="countdown" datetime="([^"]+)"[^>]*data-countdown '
        r'data-seconds-left="(\d+)">([^<]+)</time>',
        html,
    )
    assert countdown is not None
    assert dt.datetime.fromisoformat(countdown.group(1)) == lead_x.accept_by
    assert 4 * 3600 - 60 < int(countdown.group(2)) <= 4 * 3600
    assert re.fullmatch(r"3h 5\dm \d\ds left", countdown.group(3))
    assert '<script src="/static/js/countdown.js" defer></script>' in html
    # No inline script: every <script> loads a file.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_the_countdown_says_when_time_is_up(x_client, firm_x):
    now = timezone.now()
    make_lead(firm_x, offered_at=now - dt.timedelta(hours=5), accept_by=now - dt.timedelta(hours=1))

    html = x_client.get(INBOX).content.decode()

    assert 'class="countdown overdue"' in html
    assert "time is up" in html


@pytest.mark.parametrize("status", LeadStatus.values)
def test_the_inbox_filters_by_status(x_client, firm_x, status):
    now = timezone.now()
    for n, each in enumerate(LeadStatus.values):
        make_lead(
            firm_x,
            name=f"{each.capitalize()} Co",
            status=each,
            responded_at=None if each == LeadStatus.OFFERED else now,
            decline_reason=DeclineReason.NOT_A_FIT if each == LeadStatus.DECLINED else "",
            offered_at=now - dt.timedelta(minutes=n),
        )

    response = x_client.get(INBOX, {"status": status})

    leads = list(response.context["page"].object_list)
    assert [lead.status for lead in leads] == [status]
    assert f"{status.capitalize()} Co" in response.content.decode()
    assert 'class="filter active"' in response.content.decode()


def test_an_unknown_status_filter_shows_every_lead(x_client, lead_x):
    response = x_client.get(INBOX, {"status": "bogus"})

    assert response.status_code == 200
    assert response.context["status"] == ""
    assert len(response.context["page"].object_list) == 1


def test_the_inbox_pages_by_fifty(x_client, firm_x):
    bulk_leads(firm_x, 51)

    first = x_client.get(INBOX)
    second = x_client.get(INBOX, {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert 'rel="next"' in first.content.decode()
    assert len(second.context["page"].object_list) == 1
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("lead_count", [10, 500])
def test_the_inbox_reads_in_a_fixed_number_of_queries(
    client, member_x, firm_x, django_assert_num_queries, lead_count
):
    bulk_leads(firm_x, lead_count)
    client.force_login(member_x)
    client.get(INBOX)  # the first visit stores the portal flag in the session (one write)

    # 1. the session (django_session)
    # 2. the signed-in user (cloudroute_user)
    # 3. the user's membership with its firm (one join)
    # 4. the firm's leads counted by status (the filter tabs)
    # 5. the paginator's count of the listed leads
    # 6. the page of leads with startup, workload and founder (one join, at most 50 rows)
    with django_assert_num_queries(6):
        response = client.get(INBOX)

    assert response.status_code == 200
    assert response.context["page"].paginator.count == lead_count
    assert response.content.decode().count('data-countdown data-seconds-left="') == min(
        lead_count, 50
    )


# --- Lead page ------------------------------------------------------------------------


def test_the_lead_page_shows_the_company_and_workload_but_hides_the_contact(x_client, lead_x):
    response = x_client.get(lead_url(lead_x))

    html = response.content.decode()
    assert response.status_code == 200
    for text in ["Acme Robotics", "Seed", "Software and Internet", "United States of America"]:
        assert text in html, text
    assert "https://startup.example" in html
    assert "Classification" in html
    assert "us-west-2" in html
    assert 'data-testid="contact-hidden"' in html
    for secret in ["acme@founder.test", "Fay Founder", "123456789012"]:
        assert secret not in html, secret
    assert "Accept this lead" in html


def test_the_lead_page_hides_the_account_id_even_in_the_eligibility_reasons(x_client, lead_x):
    # The program cards explain each verdict; none of the reasons may quote the account id.
    startup_credits_refresh(startup_id=lead_x.startup_id, workload_id=lead_x.workload_id)

    html = x_client.get(lead_url(lead_x)).content.decode()

    assert 'data-testid="program-bedrock_poc"' in html
    assert "123456789012" not in html


def test_the_lead_page_reuses_the_program_cards_and_the_projection(x_client, lead_x):
    startup_credits_refresh(startup_id=lead_x.startup_id, workload_id=lead_x.workload_id)

    response = x_client.get(lead_url(lead_x))

    html = response.content.decode()
    assert response.context["eligibility"]["programs"]
    assert response.context["report"] is not None
    assert 'data-testid="programs"' in html
    assert 'data-testid="projection"' in html
    # The CSV download is the founder's (scoped to them): not offered here.
    assert "Download CSV" not in html


def test_the_lead_page_says_when_nothing_was_computed_yet(x_client, lead_x):
    html = x_client.get(lead_url(lead_x)).content.decode()

    assert 'data-testid="programs-pending"' in html
    assert 'data-testid="projection-pending"' in html


def test_accepting_shows_the_contact(x_client, lead_x, member_x):
    response = x_client.post(lead_url(lead_x, "accept"), follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(lead_url(lead_x), 302)]
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.ACCEPTED
    assert lead_x.responded_at is not None
    assert "You accepted Acme Robotics" in html
    assert 'data-testid="contact-name">Fay Founder<' in html
    assert "mailto:acme@founder.test" in html
    assert '<code data-testid="contact-aws-account">123456789012</code>' in html
    assert "contact-hidden" not in html
    assert "Accept this lead" not in html


def test_accepting_after_the_accept_by_time_is_a_409(x_client, firm_x):
    now = timezone.now()
    lead = make_lead(
        firm_x, offered_at=now - dt.timedelta(hours=5), accept_by=now - dt.timedelta(minutes=1)
    )

    response = x_client.post(lead_url(lead, "accept"))

    assert response.status_code == 409
    assert "accept-by time has passed" in response.content.decode()
    assert 'data-testid="lead-error"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED
    assert "123456789012" not in response.content.decode()


def test_accepting_a_declined_lead_is_a_409(x_client, firm_x):
    lead = make_lead(
        firm_x,
        status=LeadStatus.DECLINED,
        decline_reason=DeclineReason.NO_CAPACITY,
        responded_at=timezone.now(),
    )

    response = x_client.post(lead_url(lead, "accept"))

    assert response.status_code == 409
    assert "no longer open: it is Declined" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.DECLINED


def test_accept_and_decline_refuse_get(x_client, lead_x):
    assert x_client.get(lead_url(lead_x, "accept")).status_code == 405
    assert x_client.get(lead_url(lead_x, "decline")).status_code == 405
    assert x_client.get(lead_url(lead_x, "notes")).status_code == 405


def test_declining_with_a_reason(x_client, lead_x):
    response = x_client.post(
        lead_url(lead_x, "decline"), {"reason": "out_of_region", "note": "EU only"}, follow=True
    )

    assert response.redirect_chain == [(INBOX, 302)]
    assert "You declined Acme Robotics" in response.content.decode()
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.DECLINED
    assert lead_x.decline_reason == DeclineReason.OUT_OF_REGION
    assert lead_x.decline_note == "EU only"


def test_declining_for_other_needs_a_note(x_client, lead_x):
    response = x_client.post(lead_url(lead_x, "decline"), {"reason": "other", "note": "  "})

    assert response.status_code == 400
    assert response.context["decline_form"].errors == {
        "note": ['Add a note that explains the reason "other".']
    }
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.OFFERED


@pytest.mark.parametrize("reason", ["", "too_busy"])
def test_declining_needs_a_reason_from_the_list(x_client, lead_x, reason):
    response = x_client.post(lead_url(lead_x, "decline"), {"reason": reason})

    assert response.status_code == 400
    assert "reason" in response.context["decline_form"].errors
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.OFFERED


def test_declining_an_accepted_lead_is_a_409(x_client, lead_x, member_x):
    x_client.post(lead_url(lead_x, "accept"))

    response = x_client.post(lead_url(lead_x, "decline"), {"reason": "not_a_fit"})

    assert response.status_code == 409
    assert "no longer open: it is Accepted" in response.content.decode()
    lead_x.refresh_from_db()
    assert lead_x.status == LeadStatus.ACCEPTED


def test_notes_are_added_and_listed(x_client, lead_x, member_x):
    response = x_client.post(lead_url(lead_x, "notes"), {"body": "Call on Monday."}, follow=True)

    assert response.redirect_chain == [(lead_url(lead_x) + "#notes", 302)]
    note = LeadNote.objects.get()
    assert (note.lead, note.author, note.body) == (lead_x, member_x, "Call on Monday.")
    html = response.content.decode()
    assert "Call on Monday." in html
    assert "Ana North" in html


def test_an_empty_note_is_refused(x_client, lead_x):
    response = x_client.post(lead_url(lead_x, "notes"), {"body": "   "})

    assert response.status_code == 400
    assert "Write something in the note." in response.content.decode()
    assert not LeadNote.objects.exists()


def test_the_page_lists_only_the_notes_on_that_lead(x_client, firm_x, lead_x, member_x):
    other = make_lead(firm_x, name="Other Startup")
    LeadNote.objects.create(lead=other, author=member_x, body="About the other one")
    LeadNote.objects.create(lead=lead_x, author=member_x, body="About Acme")

    html = x_client.get(lead_url(lead_x)).content.decode()

    assert "About Acme" in html
    assert "About the other one" not in html


# --- Scorecard ------------------------------------------------------------------------


def test_the_scorecard_shows_the_firms_track_record(x_client, firm_x, firm_y):
    now = timezone.now()
    answered = {"offered_at": now - dt.timedelta(hours=2), "responded_at": now}
    make_lead(firm_x, name="One Co", status=LeadStatus.ACCEPTED, **answered)
    make_lead(
        firm_x,
        name="Two Co",
        status=LeadStatus.DECLINED,
        decline_reason=DeclineReason.NOT_A_FIT,
        **answered,
    )
    make_lead(firm_x, name="Three Co", status=LeadStatus.EXPIRED)
    make_lead(firm_x, name="Four Co")
    make_lead(firm_y, name="Their Co", status=LeadStatus.ACCEPTED, **answered)

    response = x_client.get("/partner/scorecard/")

    html = response.content.decode()
    assert response.status_code == 200
    # Answered: accepted + declined + expired = 3; one accepted; two in time.
    assert 'data-testid="acceptance-rate">33%<' in html
    assert 'data-testid="sla-hit-rate">67%<' in html
    assert 'data-testid="approval-rate">–<' in html
    assert 'data-testid="count-offered">1<' in html
    assert 'data-testid="count-accepted">1<' in html
    assert 'data-testid="count-declined">1<' in html
    assert 'data-testid="count-expired">1<' in html
    assert 'data-testid="count-withdrawn">0<' in html
    assert "Northwind Cloud" in html
