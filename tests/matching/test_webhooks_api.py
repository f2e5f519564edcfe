"""`/api/v1/partner/webhooks/`: a firm's admins register, list, rotate and delete webhooks
and read their deliveries; members are refused, another firm's webhook is a 404, and a URL
that would reach a private or loopback address is a 400 naming `url`."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from matching.models import PartnerMembership, WebhookDelivery, WebhookEndpoint
from matching.services import webhook_create
from matching.services.webhooks import MAX_ENDPOINTS
from tests.factories import PartnerFactory, PartnerMembershipFactory, UserFactory
from workloads.models import AuditEvent

pytestmark = [pytest.mark.django_db]

WEBHOOKS = "/api/v1/partner/webhooks/"
ADMIN = PartnerMembership.Role.ADMIN
PUBLIC = "https://crm.northwind.example/hooks"


def api_as(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture(autouse=True)
def public_names(fake_dns):
    fake_dns["crm.northwind.example"] = ["93.184.216.34"]
    fake_dns["crm.bluebird.example"] = ["93.184.216.35"]
    fake_dns["intranet.northwind.example"] = ["10.0.0.7"]
    fake_dns["mixed.northwind.example"] = ["93.184.216.34", "192.168.1.20"]


@pytest.fixture
def firm_x():
    return PartnerFactory(name="Northwind Cloud")


@pytest.fixture
def admin_x(firm_x):
    return PartnerMembershipFactory(
        partner=firm_x, user__email="ada@northwind.test", role=ADMIN
    ).user


@pytest.fixture
def member_x(firm_x):
    return PartnerMembershipFactory(partner=firm_x, user__email="max@northwind.test").user


@pytest.fixture
def admin_y():
    firm = PartnerFactory(name="Bluebird Partners")
    return PartnerMembershipFactory(partner=firm, user__email="bo@bluebird.test", role=ADMIN).user


@pytest.fixture
def hook_x(firm_x, admin_x):
    endpoint, _ = webhook_create(
        partner=firm_x, actor=admin_x, url=PUBLIC, events=["lead.offered", "lead.accepted"]
    )
    return endpoint


def test_an_admin_registers_a_webhook_and_sees_its_secret_once(firm_x, admin_x):
    api = api_as(admin_x)
    response = api.post(
        WEBHOOKS, {"url": PUBLIC, "events": ["lead.offered", "credits.issued"]}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["url"] == PUBLIC
    assert body["events"] == ["lead.offered", "credits.issued"]
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert WebhookEndpoint.objects.get(partner=firm_x).secret == body["secret"]
    assert AuditEvent.objects.filter(action="webhook.created", actor=admin_x).exists()

    listed = api.get(WEBHOOKS).json()
    assert [hook["id"] for hook in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert (listed[0]["delivered"], listed[0]["failed"], listed[0]["pending"]) == (0, 0, 0)
    assert "secret" not in api.get(f"{WEBHOOKS}{body['id']}/").json()


def test_rotating_returns_a_new_secret_and_keeps_the_old_one_for_a_day(hook_x, admin_x):
    old = hook_x.secret
    response = api_as(admin_x).post(f"{WEBHOOKS}{hook_x.pk}/rotate/")

    assert response.status_code == 200
    hook_x.refresh_from_db()
    assert response.json()["secret"] == hook_x.secret != old
    assert hook_x.previous_secret == old
    assert (hook_x.previous_secret_until - hook_x.rotated_at).total_seconds() == 24 * 3600


def test_deleting_removes_the_webhook_and_its_deliveries(hook_x, admin_x):
    WebhookDelivery.objects.create(
        endpoint=hook_x, event_key="k", event_type="lead.offered", payload={}
    )
    response = api_as(admin_x).delete(f"{WEBHOOKS}{hook_x.pk}/")

    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert AuditEvent.objects.filter(action="webhook.deleted").exists()


def test_the_deliveries_list_shows_attempts_and_the_last_answer(hook_x, admin_x):
    WebhookDelivery.objects.create(
        endpoint=hook_x,
        event_key="k",
        event_type="lead.offered",
        payload={"data": {}},
        attempts=2,
        last_status_code=500,
        last_error="HTTP 500: receiver broke",
    )
    body = api_as(admin_x).get(f"{WEBHOOKS}{hook_x.pk}/deliveries/").json()

    assert body["count"] == 1
    delivery = body["results"][0]
    assert delivery["state"] == "retrying"
    assert (delivery["attempts"], delivery["last_status_code"]) == (2, 500)
    assert delivery["last_error"] == "HTTP 500: receiver broke"
    assert "payload" not in delivery


# --- who may -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, suffix",
    [("get", ""), ("get", "{id}/"), ("delete", "{id}/"), ("post", "{id}/rotate/"),
     ("get", "{id}/deliveries/"), ("post", "")],
)  # fmt: skip
def test_a_member_who_is_not_an_admin_is_refused(hook_x, member_x, method, suffix):
    response = getattr(api_as(member_x), method)(
        WEBHOOKS + suffix.format(id=hook_x.pk),
        {"url": PUBLIC, "events": ["lead.offered"]},
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only your firm's admins manage its webhooks."}
    assert WebhookEndpoint.objects.get() == hook_x


@pytest.mark.parametrize(
    "method, suffix",
    [("get", "{id}/"), ("delete", "{id}/"), ("post", "{id}/rotate/"), ("get", "{id}/deliveries/")],
)
def test_another_firms_webhook_is_not_found(hook_x, admin_y, method, suffix):
    secret = hook_x.secret
    response = getattr(api_as(admin_y), method)(WEBHOOKS + suffix.format(id=hook_x.pk))

    assert response.status_code == 404
    hook_x.refresh_from_db()
    assert hook_x.secret == secret
    assert api_as(admin_y).get(WEBHOOKS).json() == []


def test_a_founder_or_anonymous_caller_cannot_use_it(hook_x):
    founder = UserFactory(email="fay@founder.test")
    assert APIClient().get(WEBHOOKS).status_code == 401
    assert api_as(founder).get(WEBHOOKS).status_code == 403


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, says",
    [
        ("http://crm.northwind.example/hooks", "Use an https:// URL."),
        ("https://localhost/hooks", "127.0.0.1, a private, loopback or reserved address"),
        ("https://127.0.0.1:8000/", "127.0.0.1, a private"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://intranet.northwind.example/", "10.0.0.7"),
        ("https://mixed.northwind.example/", "192.168.1.20"),
        ("https://[::1]/", "::1"),
        ("https://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1"),
        ("https://nowhere.invalid/", "does not resolve"),
        ("https://ada:pw@crm.northwind.example/", "Leave the user name and password out"),
        ("crm.northwind.example/hooks", "Use an https:// URL."),
        ("", "This field may not be blank."),
    ],
)
def test_a_url_we_must_not_call_is_a_400_naming_url(admin_x, url, says):
    response = api_as(admin_x).post(
        WEBHOOKS, {"url": url, "events": ["lead.offered"]}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["url"]
    assert says in response.json()["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_with_debug_on_a_loopback_receiver_over_http_is_accepted(admin_x, settings):
    settings.DEBUG = True
    api = api_as(admin_x)
    ok = api.post(
        WEBHOOKS, {"url": "http://localhost:9000/h", "events": ["lead.offered"]}, format="json"
    )
    private = api.post(
        WEBHOOKS, {"url": "http://10.1.2.3/h", "events": ["lead.offered"]}, format="json"
    )

    assert ok.status_code == 201
    assert private.status_code == 400 and "10.1.2.3" in private.json()["url"][0]


@pytest.mark.parametrize(
    "events, says",
    [
        ([], "Ensure this field has at least 1 elements."),
        (["lead.sold"], '"lead.sold" is not a valid choice.'),
        ("lead.offered", 'Expected a list of items but got type "str".'),
        (None, "This field may not be null."),
    ],
)
def test_events_outside_the_list_are_a_400_naming_events(admin_x, events, says):
    response = api_as(admin_x).post(WEBHOOKS, {"url": PUBLIC, "events": events}, format="json")

    assert response.status_code == 400
    assert says in str(response.json()["events"])
    assert not WebhookEndpoint.objects.exists()


def test_duplicate_events_are_kept_once(admin_x):
    response = api_as(admin_x).post(
        WEBHOOKS, {"url": PUBLIC, "events": ["lead.offered", "lead.offered"]}, format="json"
    )
    assert response.json()["events"] == ["lead.offered"]


def test_a_firm_has_at_most_ten_webhooks(firm_x, admin_x):
    for _ in range(MAX_ENDPOINTS):
        webhook_create(partner=firm_x, actor=admin_x, url=PUBLIC, events=["lead.offered"])
    response = api_as(admin_x).post(
        WEBHOOKS, {"url": PUBLIC, "events": ["lead.offered"]}, format="json"
    )

    assert response.status_code == 400
    assert "at most 10 webhooks" in response.json()["url"][0]
    assert WebhookEndpoint.objects.count() == MAX_ENDPOINTS
