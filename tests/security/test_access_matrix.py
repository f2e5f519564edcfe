"""Issue 7 §3: every page and API operation × every role, against the table in matrix.py.

A route added without a row fails `test_it_has_a_row_for_every_route`. Each cell is its own
test (`partner-lead[partner_y]`): the status, for a 302 where it goes, that the answer names
no other owner's startup, and that an unsafe request changes no row another role owns.
"""

import dataclasses
import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from credits.models import ApplicationEvent, BillingAccess, CreditApplication, CreditProgram
from credits.services import billing_access_get_or_create
from matching.models import (
    Intake,
    IntakeStatus,
    Lead,
    LeadNote,
    LeadStatus,
    Partner,
    PartnerMembership,
    WebhookEndpoint,
)
from matching.services.intake import intake_token_hash
from tests.cloudroute.test_admin import NO_ADD, SINGLETONS
from tests.factories import (
    CreditApplicationFactory,
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)
from workloads.models import Startup, Workload, WorkloadProjection
from workloads.services import workload_project

from .matrix import (
    API,
    LOGIN_PAGES,
    PAGES,
    ROLES,
    TO_ADMIN_LOGIN,
    Expect,
    Row,
    admin_pages,
    api_operations,
    url_routes,
)

pytestmark = pytest.mark.django_db

# Two founders, each with a startup whose lead is with one firm: A's with X, B's with Y.
SIDES = {"a": "x", "b": "y"}
STARTUP_NAMES = {"a": "Quokka Analytics", "b": "Wombat Robotics"}
INTAKE_TOKENS = {"a": "intake-token-of-founder-a", "b": "intake-token-of-founder-b"}
# Which startups a role may see by name; any other in an answer is a leak.
VISIBLE_STARTUPS = {
    "anonymous": set(),
    "founder_a": {"a"},
    "founder_b": {"b"},
    "partner_x": {"a"},
    "admin_x": {"a"},
    "partner_y": {"b"},
    "operator": {"a", "b"},
    "viewer": {"a", "b"},
}
# A role that acts for another's rows: firm X's admin owns what firm X's member owns.
FIRM_OF = {"admin_x": "partner_x"}
# World objects whose admin change page is in the matrix.
WORLD_MODELS = {
    "startup_a": Startup,
    "workload_a": Workload,
    "intake_a": Intake,
    "projection_a": WorkloadProjection,
    "partner_x": Partner,
    "lead_x": Lead,
    "application_a": CreditApplication,
}


def _build_world() -> dict:
    now = timezone.now()
    program = CreditProgram.objects.filter(code="bedrock_poc").latest("effective_from")
    world: dict = {
        "users": {
            "operator": UserFactory(email="operator@example.com", is_staff=True, is_superuser=True),
            "viewer": UserFactory(email="viewer@example.com", is_staff=True),
        },
        # What each role sends as `Authorization: Token ...`: a founder the intake's token,
        # partners and the operator their API token.
        "api_tokens": {},
    }
    for side, firm in SIDES.items():
        founder = UserFactory(email=f"founder-{side}@example.com")
        startup = StartupFactory(founder=founder, name=STARTUP_NAMES[side])
        workload = WorkloadFactory(startup=startup)
        intake = IntakeFactory(
            workload=workload,
            status=IntakeStatus.READY,
            access_token_hash=intake_token_hash(INTAKE_TOKENS[side]),
        )
        partner = PartnerFactory(name=f"Firm {firm.upper()}", slug=f"firm-{firm}")
        member = PartnerMembershipFactory(
            partner=partner, user=UserFactory(email=f"member-{firm}@example.com")
        ).user
        # Accepted, so the firm sees the startup's applications.
        lead = LeadFactory(
            partner=partner,
            workload=workload,
            status=LeadStatus.ACCEPTED,
            offered_at=now - dt.timedelta(hours=2),
            responded_at=now - dt.timedelta(hours=1),
        )
        billing_access_get_or_create(startup_id=startup.pk)
        world.update(
            {
                f"startup_{side}": startup,
                f"workload_{side}": workload,
                f"intake_{side}": intake,
                f"projection_{side}": workload_project(workload_id=workload.pk),
                f"partner_{firm}": partner,
                f"lead_{firm}": lead,
                f"application_{side}": CreditApplicationFactory(startup=startup, program=program),
            }
        )
        world["users"][f"founder_{side}"] = founder
        world["users"][f"partner_{firm}"] = member
        world["api_tokens"][f"founder_{side}"] = INTAKE_TOKENS[side]
        world[f"webhook_{firm}"] = WebhookEndpoint.objects.create(
            partner=partner, url=f"https://crm.firm-{firm}.example/hook", events=["lead.offered"]
        )
    world["users"]["admin_x"] = PartnerMembershipFactory(
        partner=world["partner_x"],
        user=UserFactory(email="admin-x@example.com"),
        role=PartnerMembership.Role.ADMIN,
    ).user
    world["users"]["viewer"].user_permissions.set(
        Permission.objects.filter(codename__startswith="view_")
    )
    for role in ("partner_x", "admin_x", "partner_y", "operator", "viewer"):
        world["api_tokens"][role] = Token.objects.create(user=world["users"][role]).key
    # One session per role, signed in once: each cell's client only carries its cookie.
    world["sessions"] = {}
    for role, user in world["users"].items():
        client = Client()
        client.force_login(user)
        world["sessions"][role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test runs
    in a savepoint of it, so one cell's changes never reach the next."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield _build_world()
        transaction.set_rollback(True)


def _rows_owned(world) -> dict[str, list]:
    """The rows each role may change: a founder the startup's billing access; a firm its
    lead, the lead's notes, and the startup's applications and their events."""
    owned = {}
    for side, firm in SIDES.items():
        startup, lead = world[f"startup_{side}"], world[f"lead_{firm}"]
        owned[f"founder_{side}"] = list(BillingAccess.objects.filter(startup=startup).values())
        owned[f"partner_{firm}"] = [
            list(Lead.objects.filter(pk=lead.pk).values()),
            list(LeadNote.objects.filter(lead=lead).values()),
            list(CreditApplication.objects.filter(startup=startup).values()),
            list(ApplicationEvent.objects.filter(application__startup=startup).values()),
            list(WebhookEndpoint.objects.filter(partner=world[f"partner_{firm}"]).values()),
        ]
    return owned


def _assert_outcome(response, expected: Expect, role: str) -> None:
    assert response.status_code == expected.status, (
        f"{role}: expected {expected}, got {response.status_code} "
        f"{response.get('Location', '')}".rstrip()
    )
    if expected.status == 302:
        location = response["Location"]
        login_urls = {name: reverse(name) for name in LOGIN_PAGES}
        if expected.login:
            assert location.startswith(login_urls[expected.login] + "?next="), location
        else:
            assert not location.startswith(tuple(login_urls.values())), location
    # Whatever the status (a 409 renders the lead page too), no other owner's startup.
    body = b"".join(response) if response.streaming else response.content
    for side, name in STARTUP_NAMES.items():
        if side not in VISIBLE_STARTUPS[role]:
            assert name.encode() not in body, f"{role} sees {name}"


def _run(client, row: Row, path: str, role: str, world, *, api: bool) -> None:
    if row.method == "get":
        _assert_outcome(client.get(path), row.expected[role], role)
        return
    data = row.data(world) if callable(row.data) else row.data
    before = _rows_owned(world)
    if api:
        response = getattr(client, row.method)(path, data, format="json")
    else:
        response = client.post(path, data)
    after = _rows_owned(world)

    for owner, rows in before.items():
        if owner != FIRM_OF.get(role, role):
            assert after[owner] == rows, f"{role}'s {row.name} changed rows of {owner}"
    _assert_outcome(response, row.expected[role], role)


def _cells(rows: list[Row]):
    return [pytest.param(row, role, id=f"{row.name}[{role}]") for row in rows for role in ROLES]


# --- Completeness ---------------------------------------------------------------------


def test_it_has_a_row_for_every_route():
    operations = api_operations()
    api_paths = {path for _, path in operations.values()}
    routes = [route for route in url_routes() if not route.route.startswith("admin/")]
    unnamed = [route.route for route in routes if not route.name]
    pages = {route.name: route for route in routes if route.openapi_path not in api_paths}
    rows = {row.name: row for row in PAGES}

    assert not unnamed, f"Name these URL patterns so the access matrix can list them: {unnamed}"
    missing = sorted(set(pages) - set(rows))
    assert not missing, (
        f"New page(s) {missing}: add a row to PAGES in tests/security/matrix.py saying what "
        "each role gets."
    )
    assert not set(rows) - set(pages), f"Rows for routes that are gone: {set(rows) - set(pages)}"
    for name, row in rows.items():
        assert set(row.kwargs) == pages[name].kwargs, f"{name}: fill {set(pages[name].kwargs)}"

    api_rows = {row.name: row for row in API}
    missing_ops = sorted(set(operations) - set(api_rows))
    assert not missing_ops, (
        f"New API operation(s) {missing_ops}: add a row to API in tests/security/matrix.py "
        "saying what each role gets."
    )
    assert not set(api_rows) - set(operations), "Rows for API operations that are gone"
    for name, row in api_rows.items():
        method, path = operations[name]
        assert row.method == method, f"{name} is a {method.upper()}"
        parameters = set(re.findall(r"{(\w+)}", path))
        assert set(row.kwargs) == parameters, f"{name}: fill {parameters}"


# --- The cells ------------------------------------------------------------------------


def _fill(world, key: str):
    """A world object's id, or the literal itself for a kwarg that is not an id."""
    return world[key].pk if key in world else key


def _client_for(role: str, world, client: Client | None = None) -> Client:
    """A client signed in as the role (through its session cookie)."""
    client = client or Client()
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][role]
    return client


@pytest.mark.parametrize(("row", "role"), _cells(PAGES))
def test_page(world, row: Row, role: str):
    kwargs = {kwarg: _fill(world, key) for kwarg, key in row.kwargs.items()}
    _run(_client_for(role, world), row, reverse(row.name, kwargs=kwargs), role, world, api=False)


# Partners and the operator call the API with their API token, founders with their
# intake's token; a founder's signed-in browser (its session) must get the same answers.
API_CELLS = [
    *_cells(API),
    *(
        pytest.param(row, f"{role}/session", id=f"{row.name}[{role}/session]")
        for row in API
        for role in ("founder_a", "founder_b")
    ),
]


@pytest.mark.parametrize(("row", "role"), API_CELLS)
def test_api_operation(world, row: Row, role: str):
    role, by_session = role.removesuffix("/session"), role.endswith("/session")
    client = _client_for(role, world, APIClient()) if by_session else APIClient()
    if role != "anonymous" and not by_session:
        client.credentials(HTTP_AUTHORIZATION=f"Token {world['api_tokens'][role]}")
        if role in row.by_token:
            row = dataclasses.replace(row, expected={**row.expected, **row.by_token})
    _, path = api_operations()[row.name]
    for kwarg, key in row.kwargs.items():
        path = path.replace(f"{{{kwarg}}}", str(_fill(world, key)))
    _run(client, row, path, role, world, api=True)


ADMIN_PAGES = list(admin_pages(no_add=NO_ADD, singletons=SINGLETONS, world_models=WORLD_MODELS))


@pytest.mark.parametrize(
    ("page", "role"),
    [
        pytest.param(page, role, id=f"{page.label}[{role}]")
        for page in ADMIN_PAGES
        for role in ROLES
    ],
)
def test_admin_page(world, page, role: str):
    kwargs = {}
    if page.app_label:
        kwargs["app_label"] = page.app_label
    if page.world_key:
        kwargs["object_id"] = world[page.world_key].pk
    response = _client_for(role, world).get(reverse(page.url_name, kwargs=kwargs))

    expected = {"operator": page.operator, "viewer": page.viewer}.get(role, TO_ADMIN_LOGIN)
    _assert_outcome(response, expected, role)
