"""The founder connects their AWS bill on /my/: the ExternalId first, then the role ARN."""

import pytest

from credits.models import BillingAccess
from credits.services import billing_access_get_or_create
from founders.views import SESSION_INTAKES
from tests.factories import IntakeFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

URL = "/my/billing-access/"
START_URL = "/my/billing-access/start/"
ROLE_ARN = "arn:aws:iam::210987654321:role/CloudRouteCosts"


def _intake_for(founder, name: str):
    startup = StartupFactory(founder=founder, name=name)
    return IntakeFactory(workload=WorkloadFactory(startup=startup))


@pytest.fixture
def founder():
    return UserFactory(email="dana@example.com", full_name="Dana Founder")


def test_the_dashboard_offers_to_connect_and_writes_nothing(client, founder):
    intake = _intake_for(founder, "Dana Robotics")
    client.force_login(founder)

    html = client.get("/my/").content.decode()

    # A GET never writes: the ExternalId is made when the founder asks for it.
    assert not BillingAccess.objects.filter(startup=intake.startup).exists()
    assert "Connect your AWS bill" in html
    assert 'action="/my/billing-access/start/"' in html
    assert 'data-testid="external-id"' not in html


def test_the_dashboard_shows_the_external_id_once_the_founder_starts(client, founder, settings):
    settings.CLOUDROUTE_AWS_ACCOUNT_ID = "111122223333"
    intake = _intake_for(founder, "Dana Robotics")
    client.force_login(founder)

    response = client.post(START_URL)

    assert response.status_code == 302
    assert response.url == "/my/#billing-access"
    html = client.get("/my/").content.decode()
    access = BillingAccess.objects.get(startup=intake.startup)
    assert access.role_arn == ""
    assert "Connect your AWS bill" in html
    assert access.external_id in html
    assert "arn:aws:iam::111122223333:root" in html
    assert "ce:GetCostAndUsage" in html
    assert 'action="/my/billing-access/"' in html


def test_starting_twice_keeps_one_external_id(client, founder):
    intake = _intake_for(founder, "Dana Robotics")
    client.force_login(founder)

    client.post(START_URL)
    first = BillingAccess.objects.get(startup=intake.startup).external_id
    client.post(START_URL)

    assert list(BillingAccess.objects.values_list("external_id", flat=True)) == [first]


def test_starting_needs_a_signed_in_founder_with_a_startup(client, founder):
    assert client.post(START_URL).status_code == 302  # to the sign-in page
    client.force_login(founder)
    assert client.post(START_URL).status_code == 404  # no startup yet
    assert client.get(START_URL).status_code == 405
    assert not BillingAccess.objects.exists()


def test_it_stores_the_role_and_keeps_the_external_id(client, founder):
    intake = _intake_for(founder, "Dana Robotics")
    external_id = billing_access_get_or_create(startup_id=intake.startup_id).external_id
    client.force_login(founder)

    response = client.post(URL, {"role_arn": f"  {ROLE_ARN} "})

    assert response.status_code == 302
    assert response.url == "/my/"
    access = BillingAccess.objects.get(startup=intake.startup)
    assert access.role_arn == ROLE_ARN
    assert access.external_id == external_id
    event = AuditEvent.objects.get(action="billing_access.granted")
    assert event.actor == founder
    assert event.data["role_arn"] == ROLE_ARN
    html = client.get("/my/").content.decode()
    assert "Role saved" in html
    assert 'data-testid="billing-connected"' in html
    assert ROLE_ARN in html
    assert external_id in html


def test_it_shows_the_last_sync_time_once_connected(client, founder):
    intake = _intake_for(founder, "Dana Robotics")
    BillingAccess.objects.create(
        startup=intake.startup,
        role_arn=ROLE_ARN,
        last_synced_at="2026-03-02T09:05:00Z",
    )
    client.force_login(founder)

    html = client.get("/my/").content.decode()

    assert "Last synced" in html
    assert "2 Mar 2026, 09:05 UTC" in html


@pytest.mark.parametrize(
    "role_arn",
    ["", "not-an-arn", "arn:aws:iam::123:role/Short", "arn:aws:iam::210987654321:user/Bob"],
)
def test_it_refuses_a_bad_arn_and_saves_nothing(client, founder, role_arn):
    intake = _intake_for(founder, "Dana Robotics")
    client.force_login(founder)

    response = client.post(URL, {"role_arn": role_arn})

    assert response.status_code == 400
    assert response.context["billing_form"].errors["role_arn"]
    assert 'name="role_arn"' in response.content.decode()
    assert not BillingAccess.objects.filter(startup=intake.startup).exclude(role_arn="").exists()
    assert not AuditEvent.objects.filter(action="billing_access.granted").exists()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.post(URL, {"role_arn": ROLE_ARN})

    assert response.status_code == 302
    assert response.url == f"/login/?next={URL}"
    assert not BillingAccess.objects.exists()


def test_a_browser_that_only_submitted_an_intake_must_sign_in(client, founder):
    intake = _intake_for(founder, "Dana Robotics")
    session = client.session
    session[SESSION_INTAKES] = [intake.pk]
    session.save()

    dashboard = client.get("/my/")
    response = client.post(URL, {"role_arn": ROLE_ARN})

    assert dashboard.status_code == 200
    assert "Connect your AWS bill" not in dashboard.content.decode()
    assert response.status_code == 302
    assert response.url == f"/login/?next={URL}"
    assert not BillingAccess.objects.exists()


def test_a_founder_only_ever_sets_their_own_latest_startup(client, founder):
    other = _intake_for(UserFactory(email="eve@example.com"), "Eve Labs")
    theirs = billing_access_get_or_create(startup_id=other.startup_id)
    mine = _intake_for(founder, "Dana Robotics")
    client.force_login(founder)

    response = client.post(
        URL, {"role_arn": ROLE_ARN, "startup": other.startup_id, "startup_id": other.startup_id}
    )

    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.role_arn == ""
    assert BillingAccess.objects.get(startup=mine.startup).role_arn == ROLE_ARN


def test_a_signed_in_user_without_a_startup_gets_404(client, founder):
    client.force_login(founder)

    assert client.post(URL, {"role_arn": ROLE_ARN}).status_code == 404


def test_it_refuses_get(client, founder):
    _intake_for(founder, "Dana Robotics")
    client.force_login(founder)

    assert client.get(URL).status_code == 405
