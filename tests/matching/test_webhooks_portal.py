"""/partner/webhooks/: a firm's admins see their receivers and the latest deliveries, add
one (its secret shown once, on that answer only), rotate and delete; members are refused."""

import pytest

from matching.models import PartnerMembership, WebhookDelivery, WebhookEndpoint
from matching.services import webhook_create
from tests.factories import PartnerFactory, PartnerMembershipFactory

pytestmark = [pytest.mark.django_db]

URL = "https://crm.northwind.example/hooks"


@pytest.fixture(autouse=True)
def public_names(fake_dns):
    fake_dns["crm.northwind.example"] = ["93.184.216.34"]


@pytest.fixture
def firm():
    return PartnerFactory(name="Northwind Cloud")


@pytest.fixture
def admin(firm):
    return PartnerMembershipFactory(partner=firm, role=PartnerMembership.Role.ADMIN).user


def test_an_admin_adds_a_receiver_and_sees_the_secret_only_once(client, firm, admin):
    client.force_login(admin)
    response = client.post(
        "/partner/webhooks/", {"url": URL, "events": ["lead.offered", "lead.accepted"]}
    )

    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get(partner=firm)
    assert endpoint.secret.encode() in response.content
    page = client.get("/partner/webhooks/")
    assert endpoint.secret.encode() not in page.content
    assert URL.encode() in page.content


def test_a_refused_url_is_a_400_under_its_field(client, admin):
    client.force_login(admin)
    response = client.post(
        "/partner/webhooks/", {"url": "https://169.254.169.254/", "events": ["lead.offered"]}
    )

    assert response.status_code == 400
    assert "169.254.169.254" in " ".join(response.context["form"].errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_the_deliveries_show_tries_and_the_last_answer(client, firm, admin):
    endpoint, _ = webhook_create(partner=firm, actor=admin, url=URL, events=["lead.offered"])
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_key="k",
        event_type="lead.offered",
        payload={},
        attempts=3,
        last_status_code=502,
        last_error="HTTP 502: bad gateway",
    )
    client.force_login(admin)
    page = client.get("/partner/webhooks/").content.decode()

    assert "HTTP 502" in page and "bad gateway" in page and "retrying" in page


def test_rotating_shows_the_new_secret_and_deleting_removes_it(client, firm, admin):
    endpoint, old = webhook_create(partner=firm, actor=admin, url=URL, events=["lead.offered"])
    client.force_login(admin)

    rotated = client.post(f"/partner/webhooks/{endpoint.pk}/rotate/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.encode() in rotated.content

    assert client.post(f"/partner/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_a_member_is_refused_and_another_firms_receiver_is_not_found(client, firm, admin):
    endpoint, _ = webhook_create(partner=firm, actor=admin, url=URL, events=["lead.offered"])
    member = PartnerMembershipFactory(partner=firm).user
    client.force_login(member)
    refused = client.get("/partner/webhooks/")
    assert refused.status_code == 403
    assert b"Only your firm&#x27;s admins manage its webhooks." in refused.content
    assert client.post(f"/partner/webhooks/{endpoint.pk}/delete/").status_code == 403

    other_admin = PartnerMembershipFactory(role=PartnerMembership.Role.ADMIN).user
    client.force_login(other_admin)
    assert client.post(f"/partner/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert client.post(f"/partner/webhooks/{endpoint.pk}/rotate/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
