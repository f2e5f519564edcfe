"""Django's Content-Security-Policy: enforced in production, report-only with DEBUG on, and
no page we render relies on inline script or style (which the policy refuses)."""

import json
import secrets
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.cloudroute.test_settings import _manage
from tests.factories import (
    IntakeFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    UserFactory,
)
from tests.matching.partner_helpers import make_lead

EXPECTED_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}

# Printed by a fresh process with the given environment: the CSP headers of the response
# to PATH.
HEADERS_OF_A_RESPONSE = """
import json
from django.test import Client
response = Client().get(PATH, secure=True)
print(json.dumps({
    "status": response.status_code,
    "enforced": response.headers.get("Content-Security-Policy"),
    "report_only": response.headers.get("Content-Security-Policy-Report-Only"),
}))
"""


def _directives(header: str) -> dict[str, set[str]]:
    directives = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        directives[name] = set(values)
    return directives


def _csp_headers(*, path: str, debug: bool) -> dict:
    result = _manage(
        "shell",
        "-c",
        HEADERS_OF_A_RESPONSE.replace("PATH", repr(path)),
        DEBUG=str(debug).lower(),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_enforces_the_policy_in_production():
    # A 404 page: rendering ours would need the production static manifest (collectstatic).
    headers = _csp_headers(path="/no-such-page/", debug=False)

    assert headers["status"] == 404
    assert _directives(headers["enforced"]) == EXPECTED_POLICY
    assert headers["report_only"] is None


def test_it_only_reports_with_debug_on():
    # Not a 404: Django exempts its debug error pages from the policy.
    headers = _csp_headers(path="/login/", debug=True)

    assert headers["status"] == 200
    assert headers["enforced"] is None
    assert _directives(headers["report_only"]) == EXPECTED_POLICY


class InlineCodeFinder(HTMLParser):
    """Collects what the policy would refuse: inline scripts, <style> blocks, style=""
    attributes and on*="" event handlers. A JSON data block (json_script) is not code."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if (
            tag == "script"
            and "src" not in attributes
            and attributes.get("type") != ("application/json")
        ):
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.found.append(f'<{tag} {name}="..."> at line {self.getpos()[0]}')


def _inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_spots_what_the_policy_refuses():
    html = (
        '<script>alert(1)</script><script type="application/json">{}</script>'
        '<script src="/static/app.js"></script><style>b {}</style>'
        '<p style="color: red" onclick="go()">'
    )

    assert len(_inline_code(html)) == 4


@pytest.fixture
def founder_client(client):
    intake = IntakeFactory()
    client.force_login(intake.founder)
    return client


@pytest.fixture
def partner_client(client):
    firm = PartnerFactory()
    member = PartnerMembershipFactory(partner=firm).user
    client.force_login(member)
    client.lead = make_lead(firm)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/intake/", "/login/", "/partner/login/", "/admin/login/", "/api/docs/"]
)
def test_public_pages_have_no_inline_code(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert _inline_code(response.content.decode()) == []


@pytest.mark.django_db
def test_the_live_estimate_has_no_inline_code(client):
    body = {"workload-monthly_requests": "1000", "workload-input_tokens": "100"}

    response = client.post("/intake/estimate/", body)

    assert response.status_code == 200
    assert _inline_code(response.content.decode()) == []


@pytest.mark.django_db
def test_the_founder_dashboard_has_no_inline_code(founder_client):
    response = founder_client.get("/my/")

    assert response.status_code == 200
    assert _inline_code(response.content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["partner-inbox", "partner-lead", "partner-scorecard"])
def test_partner_pages_have_no_inline_code(partner_client, name):
    kwargs = {"lead_id": partner_client.lead.pk} if name == "partner-lead" else {}

    response = partner_client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 200
    assert _inline_code(response.content.decode()) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_password_hasher")
def test_admin_pages_have_no_inline_code(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    lead = make_lead(PartnerFactory())

    for url in ["/admin/", "/admin/matching/lead/", f"/admin/matching/lead/{lead.pk}/change/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _inline_code(response.content.decode()) == [], url
