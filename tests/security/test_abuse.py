"""Abuse of the public surface: password guessing on every endpoint that takes a password,
rate limits that a forged X-Forwarded-For cannot reset, and CSRF on every page that accepts
a POST. The endpoint lists are generated from the URL conf, so a new view is covered (or
fails here) without anyone remembering to add it."""

import uuid

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from matching.models import LeadStatus, PartnerMembership, WebhookEndpoint
from tests.factories import (
    CreditApplicationFactory,
    IntakeFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    UserFactory,
)
from tests.matching.partner_helpers import PASSWORD, make_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def _url_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """(route, name, callback) of every URL pattern, e.g. ("admin/login/", "admin:login", f)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}{entry.name}", entry.callback


def _takes_a_password(callback) -> str | None:
    """How the view takes a password: "form" (a sign-in page), "api" (an input serializer
    with a password field) or None."""
    view_class = getattr(callback, "view_class", None)
    if (view_class and issubclass(view_class, LoginView)) or callback == admin.site.login:
        return "form"
    serializer = getattr(view_class, "InputSerializer", None)
    if serializer is not None and "password" in serializer().fields:
        return "api"
    return None


PASSWORD_ENDPOINTS = {
    f"/{route}": kind
    for route, _, callback in _url_patterns()
    if (kind := _takes_a_password(callback))
}


def test_it_finds_every_endpoint_that_takes_a_password():
    assert PASSWORD_ENDPOINTS == {
        "/login/": "form",
        "/partner/login/": "form",
        "/admin/login/": "form",
        "/api/v1/auth/token/": "api",
    }


def _sign_in(url: str, kind: str, password: str, address: str) -> tuple[int, bool]:
    """(status, signed in?) of one attempt as ana@example.com from `address`."""
    if kind == "api":
        response = Client().post(
            url,
            {"email": "ana@example.com", "password": password},
            content_type="application/json",
            REMOTE_ADDR=address,
        )
        return response.status_code, "token" in response.json()
    client = Client()
    response = client.post(
        url, {"username": "ana@example.com", "password": password}, REMOTE_ADDR=address
    )
    return response.status_code, "_auth_user_id" in client.session


@pytest.mark.parametrize(("url", "kind"), PASSWORD_ENDPOINTS.items())
def test_a_guesser_is_locked_out_but_the_owner_elsewhere_is_not(settings, url, kind):
    settings.AXES_FAILURE_LIMIT = 3
    # Staff and a partner member, so every sign-in page would let her in.
    PartnerMembershipFactory(user=UserFactory(email="ana@example.com", is_staff=True))

    for _ in range(3):
        _sign_in(url, kind, "wrong", address="203.0.113.9")
    locked_status, locked_in = _sign_in(url, kind, PASSWORD, address="203.0.113.9")
    # The lockout is per e-mail *and* address: a guesser cannot lock the owner out.
    owner_status, owner_in = _sign_in(url, kind, PASSWORD, address="198.51.100.7")

    assert not locked_in
    # A form answers with axes' 429; the token API with its usual 400 (no lockout oracle).
    assert locked_status == (429 if kind == "form" else 400)
    assert owner_in
    assert owner_status == (302 if kind == "form" else 200)


# --- Rate limits and X-Forwarded-For -------------------------------------------------


@pytest.fixture
def two_estimates_a_minute(settings):
    def configure(*, num_proxies: int) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "NUM_PROXIES": num_proxies,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                "estimate": "2/minute",
            },
        }

    return configure


def _address() -> str:
    """A fresh address per test: the cache holding the counts may be a shared Redis."""
    octets = uuid.uuid4().bytes[:3]
    return "10." + ".".join(str(octet) for octet in octets)


def _estimate(client: Client, *, remote_addr: str, forwarded_for: str) -> int:
    # An empty body is a 400, counted like any other request: the throttle runs first.
    return client.post(
        "/api/v1/estimates/",
        {},
        content_type="application/json",
        REMOTE_ADDR=remote_addr,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    ).status_code


def test_a_forged_forwarded_for_does_not_reset_the_limit_without_a_proxy(
    client, two_estimates_a_minute
):
    two_estimates_a_minute(num_proxies=0)
    address = _address()

    statuses = [_estimate(client, remote_addr=address, forwarded_for=_address()) for _ in range(3)]

    assert statuses == [400, 400, 429]


def test_behind_one_proxy_the_address_it_appended_is_limited(client, two_estimates_a_minute):
    two_estimates_a_minute(num_proxies=1)
    proxy, founder, neighbour = _address(), _address(), _address()

    # The client may send any X-Forwarded-For; our proxy appends the address it saw.
    statuses = [
        _estimate(client, remote_addr=proxy, forwarded_for=f"{_address()}, {founder}")
        for _ in range(3)
    ]
    neighbour_status = _estimate(client, remote_addr=proxy, forwarded_for=neighbour)

    assert statuses == [400, 400, 429]
    # The proxy's own address is not what is limited: another client through it is served.
    assert neighbour_status == 400


# --- CSRF ----------------------------------------------------------------------------


def _is_page(route: str, name: str) -> bool:
    """Server-rendered pages: not the API (token or anonymous, no cookies), not the admin's
    own views (Django's), except the admin sign-in."""
    if route.startswith("api/"):
        return False
    return not name.startswith("admin:") or name == "admin:login"


PAGES = sorted((name, route) for route, name, _ in _url_patterns() if _is_page(route, name))


@pytest.fixture
def accounts(settings):
    """A founder with an intake, and a partner member whose firm accepted a lead with an
    application (no ACE account: filing it stops before any AWS call). Two-factor sign-in is
    on, for the firm's admin, whom the /partner/2fa/ pages are for (members never use it)."""
    settings.OTP_REQUIRED = True
    intake = IntakeFactory()
    firm = PartnerFactory()
    partner = PartnerMembershipFactory(partner=firm).user
    firm_admin = PartnerMembershipFactory(partner=firm, role=PartnerMembership.Role.ADMIN).user
    lead = make_lead(firm, status=LeadStatus.ACCEPTED)
    application = CreditApplicationFactory(startup=lead.startup)
    webhook = WebhookEndpoint.objects.create(
        partner=firm, url="https://crm.example/hook", events=["lead.offered"]
    )
    return {
        "founder": intake.founder,
        "intake": intake,
        "partner": partner,
        "firm_admin": firm_admin,
        "url_kwargs": {
            "lead_id": lead.pk,
            "application_id": application.pk,
            "projection_id": 1,
            "token": "not-a-token",
            "membership_id": 1,
            "invitation_id": 1,
            "webhook_id": webhook.pk,
            "uidb64": "MQ",
        },
    }


# What only a firm's admins may change (a member gets a 403 after CSRF passes).
FIRM_ADMIN_PAGES = {
    "partner-profile",
    "partner-team-invite",
    "partner-team-remove",
    "partner-team-revoke",
    "partner-webhooks",
    "partner-webhook-rotate",
    "partner-webhook-delete",
}


def _user_for(name: str, accounts: dict):
    """The role a page is for, so a refusal can only come from the CSRF check."""
    if name.startswith("partner-2fa-") or name in FIRM_ADMIN_PAGES:
        return accounts["firm_admin"]
    if name.startswith("partner-") and name != "partner-login":
        return accounts["partner"]
    if name.startswith("founder-"):
        return accounts["founder"]
    return None


def _csrf_client(user) -> tuple[Client, str]:
    """A client that enforces CSRF like a browser, signed in as `user`, and its CSRF token."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get(reverse("login"))  # renders {% csrf_token %}: sets the cookie
    return client, client.cookies[django_settings.CSRF_COOKIE_NAME].value


@pytest.mark.parametrize(("name", "route"), PAGES, ids=[name for name, _ in PAGES])
def test_every_page_refuses_a_post_without_the_csrf_token(accounts, name, route):
    url_kwargs = {key: value for key, value in accounts["url_kwargs"].items() if key in route}
    url = reverse(name, kwargs=url_kwargs)
    client, token = _csrf_client(_user_for(name, accounts))

    forged = client.post(url, {})
    genuine = client.post(url, {}, HTTP_X_CSRFTOKEN=token)

    assert forged.status_code == 403
    assert b"CSRF verification failed" in forged.content
    # With the token the same user gets past CSRF and past the role check (a GET-only page
    # answers 405).
    assert genuine.status_code not in (403, 404), genuine.status_code
    assert "/login/" not in genuine.get("Location", "")


def test_the_session_authenticated_api_checks_csrf_too(accounts):
    """DRF enforces CSRF for a session user (a token caller sends no cookie to forge)."""
    url = reverse("api-intake-detail", kwargs={"intake_id": accounts["intake"].pk})
    client, token = _csrf_client(accounts["founder"])

    forged = client.post(url, {}, content_type="application/json")
    genuine = client.post(url, {}, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert forged.status_code == 403
    assert "CSRF Failed" in forged.json()["detail"]
    assert genuine.status_code == 405  # past CSRF: the intake is read-only
