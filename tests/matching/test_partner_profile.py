"""The firm's profile page: its admins change what routing filters on and what ACE says about
the firm, with an audit entry; members read it; the next lead is routed with it at once."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import IntakeStatus, Partner, PartnerAceAccount, PartnerMembership, PartnerTier
from matching.scoring import LeadProfile, PartnerProfile, failed_filters
from matching.services import ProfileInputError, lead_route, partner_profile_update
from tests.factories import IntakeFactory, PartnerMembershipFactory
from tests.matching.routing_helpers import routable_partner
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/partner/profile/"
TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def firm():
    firm = routable_partner(name="Northwind Cloud", tier=PartnerTier.PREMIER)
    PartnerAceAccount.objects.create(partner=firm, enabled=True, solution_id="S-0059612")
    return firm


@pytest.fixture
def admin(firm):
    return PartnerMembershipFactory(
        partner=firm, user__email="ada@northwind.test", role=PartnerMembership.Role.ADMIN
    ).user


@pytest.fixture
def member(firm):
    return PartnerMembershipFactory(partner=firm, user__email="max@northwind.test").user


def form_data(firm, **changes) -> dict:
    data = {
        "competencies": firm.competencies,
        "regions": firm.regions,
        "stages": firm.stages,
        "capacity": firm.capacity,
        "away_from": "",
        "away_until": "",
        "solution_id": "S-0059612",
        "delivery_models": ["Professional Services"],
    }
    return data | changes


def test_an_admin_saves_the_profile_and_it_is_audited(client, firm, admin):
    client.force_login(admin)

    response = client.post(
        URL, form_data(firm, capacity=3, regions=["eu-west-1", "us-west-2"], solution_id="S-42")
    )

    assert response.status_code == 302
    firm.refresh_from_db()
    assert (firm.capacity, firm.regions) == (3, ["eu-west-1", "us-west-2"])
    assert PartnerAceAccount.objects.get(partner=firm).solution_id == "S-42"
    event = AuditEvent.objects.get(action="partner.profile_updated")
    assert event.actor == admin
    assert event.data["capacity"] == {"before": 10, "after": 3}
    assert event.data["solution_id"] == {"before": "S-0059612", "after": "S-42"}
    assert "delivery_models" in event.data


def test_a_member_reads_the_profile_but_cannot_change_it(client, firm, member):
    client.force_login(member)

    page = client.get(URL)
    assert page.status_code == 200
    assert 'data-testid="profile-read-only"' in page.text
    assert "disabled" in page.text

    response = client.post(URL, form_data(firm, capacity=1))

    assert response.status_code == 403
    firm.refresh_from_db()
    assert firm.capacity == 10
    assert not AuditEvent.objects.filter(action="partner.profile_updated").exists()
    with pytest.raises(Exception, match="admins"):
        partner_profile_update(partner=firm, actor=member, values={"capacity": 1})


def test_another_firms_admin_changes_only_their_own(client, firm):
    other = routable_partner(name="Bluebird")
    other_admin = PartnerMembershipFactory(
        partner=other, user__email="bo@bluebird.test", role=PartnerMembership.Role.ADMIN
    ).user
    client.force_login(other_admin)

    client.post(URL, form_data(other, capacity=2))

    firm.refresh_from_db()
    other.refresh_from_db()
    assert (firm.capacity, other.capacity) == (10, 2)
    assert "Northwind" not in client.get(URL).text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": "-1"}, "capacity"),
        ({"capacity": "100000"}, "capacity"),
        ({"away_from": "2027-01-10", "away_until": "2027-01-01"}, "away_until"),
        ({"solution_id": "solution-1"}, "solution_id"),
        ({"regions": ["mars-north-1"]}, "regions"),
    ],
)
def test_a_bad_value_is_a_400_under_its_field_and_nothing_is_saved(
    client, firm, admin, changes, field
):
    client.force_login(admin)

    response = client.post(URL, form_data(firm, **changes))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    firm.refresh_from_db()
    assert firm.capacity == 10 and firm.away_until is None
    assert not AuditEvent.objects.filter(action="partner.profile_updated").exists()


def test_the_service_refuses_values_outside_the_lists(firm, admin):
    with pytest.raises(ProfileInputError) as raised:
        partner_profile_update(
            partner=firm, actor=admin, values={"competencies": ["astrology"], "capacity": 4}
        )

    assert list(raised.value.fields) == ["competencies"]
    assert Partner.objects.get(pk=firm.pk).capacity == 10


def test_a_firm_without_an_ace_account_sees_no_ace_fields(client, admin, firm):
    PartnerAceAccount.objects.filter(partner=firm).delete()
    client.force_login(admin)

    page = client.get(URL).text

    assert 'name="solution_id"' not in page and 'name="capacity"' in page


def test_the_next_lead_is_routed_with_the_saved_profile(
    client, firm, admin, django_capture_on_commit_callbacks
):
    runner_up = routable_partner(name="Runner Up", tier=PartnerTier.SELECT)
    today = timezone.localdate()
    client.force_login(admin)
    client.post(
        URL,
        form_data(firm, away_from=today.isoformat(), away_until=(today + dt.timedelta(days=7))),
    )

    intake = IntakeFactory(status=IntakeStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        decision = lead_route(startup_id=intake.startup_id)

    assert decision.chosen == runner_up
    rejected = {row["partner_id"]: row["failed"] for row in decision.ranking["rejected"]}
    assert rejected[firm.pk] == ["away"]


def profile(**values) -> PartnerProfile:
    return PartnerProfile(
        id=1,
        name="Northwind",
        tier="advanced",
        competencies=frozenset(),
        countries=frozenset(),
        regions=frozenset(),
        stages=frozenset(),
        industries=frozenset(),
        capacity=10,
        open_leads=0,
        vetting_expires_on=TODAY + dt.timedelta(days=90),
        **values,
    )


LEAD = LeadProfile(
    country="US", region="us-west-2", stage="seed", industry="Other", competencies=frozenset()
)


@pytest.mark.parametrize(
    ("away_from", "away_until", "away"),
    [
        (None, TODAY, True),
        (TODAY, TODAY + dt.timedelta(days=3), True),
        (TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=3), False),  # not yet
        (TODAY - dt.timedelta(days=5), TODAY - dt.timedelta(days=1), False),  # back
    ],
)
def test_out_of_office_runs_from_its_first_to_its_last_day(away_from, away_until, away):
    failed = failed_filters(profile(away_from=away_from, away_until=away_until), LEAD, today=TODAY)

    assert ("away" in failed) is away


def test_the_profile_page_reads_in_a_fixed_number_of_queries(
    client, admin, django_assert_num_queries
):
    client.force_login(admin)
    client.get(URL)
    # session, user, membership (+partner), the ACE account, the admin check
    with django_assert_num_queries(5):
        assert client.get(URL).status_code == 200


def test_a_firm_away_later_still_gets_leads_now(firm, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    Partner.objects.filter(pk=firm.pk).update(
        away_from=today + dt.timedelta(days=5), away_until=today + dt.timedelta(days=10)
    )
    intake = IntakeFactory(status=IntakeStatus.READY)

    with django_capture_on_commit_callbacks(execute=True):
        decision = lead_route(startup_id=intake.startup_id)

    assert decision.chosen == firm


def test_a_first_day_away_without_a_last_one_is_refused(firm, admin):
    with pytest.raises(ProfileInputError) as refused:
        partner_profile_update(
            partner=firm,
            actor=admin,
            values={"away_from": timezone.localdate(), "away_until": None},
        )
    assert "last day out of office" in refused.value.fields["away_until"][0]
    firm.refresh_from_db()
    assert firm.away_from is None


def test_a_refusal_without_fields_is_shown_above_the_form(client, firm, admin, monkeypatch):
    from core.errors import ConflictError

    def refuse(**kwargs):
        raise ConflictError("Someone else saved the profile a moment ago; check and save again.")

    monkeypatch.setattr("portal.views.profile.partner_profile_update", refuse)
    client.force_login(admin)
    response = client.post("/partner/profile/", {"capacity": "5"})

    assert response.status_code == 409
    assert b"Someone else saved the profile a moment ago" in response.content
