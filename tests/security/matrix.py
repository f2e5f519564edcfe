"""The access matrix: who may call what, written as a table, and the routes the project has.

One row per page (URL name) and per API operation (OpenAPI operationId). Each row says, for
every role, what the request must answer, and which world object fills the URL's kwargs
(`"lead_id": "lead_x"` is partner X's lead, founder A's startup). test_access_matrix.py
checks the table against the URL conf and the schema, then makes every request.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

# partner_x and partner_y are plain members of firms X and Y; admin_x is an admin of firm X.
# The viewer is a read-only operator: staff holding every view permission and nothing else.
ROLES = (
    "anonymous",
    "founder_a",
    "founder_b",
    "partner_x",
    "admin_x",
    "partner_y",
    "operator",
    "viewer",
)


@dataclass(frozen=True)
class Expect:
    """A status; for a 302, the URL name of the sign-in page it must send to (None: a
    redirect anywhere but a sign-in page, e.g. back to the lead after a note)."""

    status: int
    login: str | None = None

    def __str__(self) -> str:
        return f"302 to {self.login}" if self.login else str(self.status)


OK = Expect(200)
NO_CONTENT = Expect(204)
BAD_REQUEST = Expect(400)
UNAUTHORIZED = Expect(401)
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
CONFLICT = Expect(409)
REDIRECT = Expect(302)
TO_LOGIN = Expect(302, "login")
TO_PARTNER_LOGIN = Expect(302, "partner-login")
TO_ADMIN_LOGIN = Expect(302, "admin:login")
LOGIN_PAGES = ("login", "partner-login", "admin:login")


def expect(default: Expect, **by_role: Expect) -> dict[str, Expect]:
    """Every role gets `default` unless named; the viewer, unless named, gets what the
    operator gets (reading is what both may do), and firm X's admin what its member gets
    (an admin may do all a member may)."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    if "operator" in by_role:
        by_role.setdefault("viewer", by_role["operator"])
    if "partner_x" in by_role:
        by_role.setdefault("admin_x", by_role["partner_x"])
    return {role: by_role.get(role, default) for role in ROLES}


@dataclass(frozen=True)
class Row:
    name: str  # URL name (pages) or operationId (API)
    expected: dict[str, Expect]
    method: str = "get"
    # URL kwarg -> the world object whose id fills it (or a literal, e.g. a bogus token).
    kwargs: dict[str, str] = field(default_factory=dict)
    # The body; a callable builds it from the world (for ids).
    data: dict | Callable[[dict], dict] = field(default_factory=dict)
    # API only: what a founder's intake token gets, where it differs from their session.
    by_token: dict[str, Expect] = field(default_factory=dict)


DECLINE = {"reason": "not_a_fit", "note": "Outside our practice."}
ROLE_ARN = "arn:aws:iam::210987654321:role/cloudroute-costs"

# Server-rendered pages and the non-API views (API operations are in API below).
PAGES = [
    Row("home", expect(OK)),
    Row("healthz", expect(OK)),
    Row("healthz-db", expect(OK)),
    # Only a bearer METRICS_TOKEN opens it (none of the roles has it; tests/cloudroute/
    # test_metrics.py sends it); without one it is the site's 404, whoever asks.
    Row("metrics", expect(NOT_FOUND)),
    Row("intake", expect(OK)),
    # The live estimate under the form: anyone; an empty form renders its errors.
    Row("intake-estimate", expect(OK), method="post"),
    # Signed in without intakes (partners, operators): an empty dashboard, nobody else's.
    Row("founder-dashboard", expect(OK, anonymous=TO_LOGIN)),
    Row(
        "founder-billing-access",
        expect(NOT_FOUND, anonymous=TO_LOGIN, founder_a=REDIRECT, founder_b=REDIRECT),
        method="post",
        data={"role_arn": ROLE_ARN},
    ),
    Row(
        "founder-billing-access-start",
        expect(NOT_FOUND, anonymous=TO_LOGIN, founder_a=REDIRECT, founder_b=REDIRECT),
        method="post",
    ),
    Row(
        "founder-projection-csv",
        expect(NOT_FOUND, anonymous=TO_LOGIN, founder_a=OK, founder_b=OK),
    ),
    # Only the founder's own newest workload; nothing measured yet: a 409, nothing saved.
    Row(
        "founder-usage-apply",
        expect(NOT_FOUND, anonymous=TO_LOGIN, founder_a=CONFLICT, founder_b=CONFLICT),
        method="post",
        data={"measured_through": "2026-11-30"},
    ),
    Row(
        "founder-projection-csv-by-id",
        expect(NOT_FOUND, anonymous=TO_LOGIN, founder_a=OK),
        kwargs={"projection_id": "projection_a"},
    ),
    # The founder's account (founders/account.py): founders only; staff and partners 404.
    Row("founder-account", expect(NOT_FOUND, anonymous=TO_LOGIN, founder_a=OK, founder_b=OK)),
    Row(
        "founder-account-export",
        expect(NOT_FOUND, anonymous=TO_LOGIN, founder_a=OK, founder_b=OK),
    ),
    # Founder A's address typed: A's account goes (a redirect); B typed the wrong one (400).
    Row(
        "founder-account-delete",
        expect(NOT_FOUND, anonymous=TO_LOGIN, founder_a=REDIRECT, founder_b=BAD_REQUEST),
        method="post",
        data={"email": "founder-a@example.com"},
    ),
    Row("founder-account-deleted", expect(OK)),
    Row("signin-link", expect(BAD_REQUEST), kwargs={"token": "bogus_token"}),
    # The e-mailed confirmation link: a forged token is refused alike for everyone.
    Row("intake-confirm", expect(BAD_REQUEST), kwargs={"token": "bogus_token"}),
    Row("intake-confirm", expect(BAD_REQUEST), method="post", kwargs={"token": "bogus_token"}),
    # "E-mail me a new link": a page anyone may use; the answer never says who has an account.
    Row("founder-link-request", expect(OK)),
    Row("founder-link-request", expect(OK), method="post", data={"email": "x@example.com"}),
    # Changing the answers: the signed-in founder's own newest startup only.
    Row("founder-edit", expect(NOT_FOUND, anonymous=TO_LOGIN, founder_a=OK, founder_b=OK)),
    Row("partner-login", expect(OK, partner_x=REDIRECT, partner_y=REDIRECT)),
    # Firm admins' second sign-in step: the world's partners are plain members and runs with
    # OTP_REQUIRED off, so no account here uses it (tests/cloudroute/test_two_factor.py does).
    Row("partner-2fa-verify", expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN)),
    Row("partner-2fa-verify", expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN), method="post"),
    Row("partner-2fa-setup", expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN)),
    Row("partner-2fa-recovery-codes", expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN)),
    Row(
        "partner-2fa-recovery-codes",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN),
        method="post",
    ),
    # A forgotten password: pages anyone may use; the answer never says who has an account
    # (only partner users get the e-mail: tests/matching/test_partner_password_reset.py).
    Row("partner-password-reset", expect(OK)),
    Row(
        "partner-password-reset",
        expect(REDIRECT),
        method="post",
        data={"email": "x@example.com"},
    ),
    Row("partner-password-reset-done", expect(OK)),
    # Applying to join is public; an empty form is a 400 for everyone, and changes nothing.
    Row("partner-apply", expect(OK)),
    Row("partner-apply", expect(BAD_REQUEST), method="post"),
    Row("partner-apply-sent", expect(OK)),
    Row(
        "partner-password-reset-confirm",
        expect(OK),
        kwargs={"uidb64": "MQ", "token": "not-a-token"},
    ),
    Row("partner-password-reset-complete", expect(OK)),
    # The firm's profile: every member reads it, only its admins change it (firm X's admin
    # posting an empty form: 400; tests/matching/test_partner_profile.py has the rest).
    Row(
        "partner-profile",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=OK, partner_y=OK),
    ),
    Row(
        "partner-profile",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=BAD_REQUEST,
            partner_y=FORBIDDEN,
        ),
        method="post",
    ),
    # The firm's team: every member sees it; only admins invite, remove or withdraw (firm X's
    # admin: the invitation is sent, another firm's or no membership or invitation is a 404).
    Row("partner-team", expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=OK, partner_y=OK)),
    Row(
        "partner-team-invite",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=REDIRECT,
            partner_y=FORBIDDEN,
        ),
        method="post",
        data={"email": "new@example.com", "role": "admin"},
    ),
    Row(
        "partner-team-remove",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=NOT_FOUND,
            partner_y=FORBIDDEN,
        ),
        method="post",
        kwargs={"membership_id": "999999"},
    ),
    Row(
        "partner-team-revoke",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=NOT_FOUND,
            partner_y=FORBIDDEN,
        ),
        method="post",
        kwargs={"invitation_id": "999999"},
    ),
    # Webhooks in the portal: firm X's admin only (members: 403; another firm's: 404).
    Row(
        "partner-webhooks",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=OK,
            partner_y=FORBIDDEN,
        ),
    ),
    Row(
        "partner-webhooks",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=BAD_REQUEST,
            partner_y=FORBIDDEN,
        ),
        method="post",
    ),
    Row(
        "partner-webhook-rotate",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=OK,
            partner_y=FORBIDDEN,
        ),
        method="post",
        kwargs={"webhook_id": "webhook_x"},
    ),
    Row(
        "partner-webhook-rotate",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=NOT_FOUND,
            partner_y=FORBIDDEN,
        ),
        method="post",
        kwargs={"webhook_id": "webhook_y"},
    ),
    Row(
        "partner-webhook-delete",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=REDIRECT,
            partner_y=FORBIDDEN,
        ),
        method="post",
        kwargs={"webhook_id": "webhook_x"},
    ),
    Row(
        "partner-webhook-delete",
        expect(
            NOT_FOUND,
            anonymous=TO_PARTNER_LOGIN,
            partner_x=FORBIDDEN,
            admin_x=NOT_FOUND,
            partner_y=FORBIDDEN,
        ),
        method="post",
        kwargs={"webhook_id": "webhook_y"},
    ),
    # An invitation link is its own credential: a made-up one is a 400 for everyone.
    Row("partner-invitation", expect(BAD_REQUEST), kwargs={"token": "1-forged"}),
    # Giving a lead to a teammate: the firm's own lead only (nobody is a valid owner).
    Row(
        "partner-lead-owner",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=REDIRECT),
        method="post",
        kwargs={"lead_id": "lead_x"},
        data={"owner": ""},
    ),
    # Earnings and the CSV exports: each firm its own rows (tests/matching/test_partner_earnings).
    Row(
        "partner-earnings",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=OK, partner_y=OK),
    ),
    Row(
        "partner-earnings-csv",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=OK, partner_y=OK),
    ),
    Row(
        "partner-leads-csv",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=OK, partner_y=OK),
    ),
    Row("partner-inbox", expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=OK, partner_y=OK)),
    Row(
        "partner-scorecard",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=OK, partner_y=OK),
    ),
    Row(
        "partner-lead",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=OK),
        kwargs={"lead_id": "lead_x"},
    ),
    # X's lead is already accepted: the owner reaches the service and gets its 409.
    Row(
        "partner-lead-accept",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=CONFLICT),
        method="post",
        kwargs={"lead_id": "lead_x"},
    ),
    Row(
        "partner-lead-decline",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=CONFLICT),
        method="post",
        kwargs={"lead_id": "lead_x"},
        data=DECLINE,
    ),
    Row(
        "partner-lead-note",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=REDIRECT),
        method="post",
        kwargs={"lead_id": "lead_x"},
        data={"body": "Called the founder."},
    ),
    # Founder A already has an open application for the program: 409 for its partner.
    Row(
        "partner-application-create",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=CONFLICT),
        method="post",
        kwargs={"lead_id": "lead_x"},
        data={"program": "bedrock_poc", "requested_amount": "25000"},
    ),
    Row(
        "partner-application-transition",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=REDIRECT),
        method="post",
        kwargs={"application_id": "application_a"},
        data=lambda w: {f"application-{w['application_a'].pk}-to": "canceled"},
    ),
    # Firm X has no ACE account CloudRoute manages: 409 for its partner.
    # Only the accepting firm fixes what the check names; another firm's application is a
    # 404, a founder never reaches the portal (404), a partner of firm X posting nothing is
    # a 400 (no field changed).
    Row(
        "partner-application-precheck-fix",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=BAD_REQUEST),
        method="post",
        kwargs={"application_id": "application_a"},
    ),
    Row(
        "partner-application-file-with-ace",
        expect(NOT_FOUND, anonymous=TO_PARTNER_LOGIN, partner_x=CONFLICT),
        method="post",
        kwargs={"application_id": "application_a"},
    ),
    Row("login", expect(OK)),
    Row("logout", expect(REDIRECT), method="post"),
    Row("api-schema", expect(OK)),
    Row("api-docs", expect(OK)),
]

# API operations. Partners and the operator send their API token, founders their intake's
# token (what the intake API hands out), anonymous nothing.
NO_TOKEN = {"anonymous": UNAUTHORIZED, "founder_a": UNAUTHORIZED, "founder_b": UNAUTHORIZED}
# Webhooks are for a firm's admins: its members and outsiders are refused (403) before any
# lookup; firm X's admin asking for firm Y's webhook gets a 404.
ADMINS_ONLY = {**NO_TOKEN, "partner_x": FORBIDDEN, "partner_y": FORBIDDEN}
API = [
    Row("partner_webhooks_list", expect(FORBIDDEN, **ADMINS_ONLY, admin_x=OK)),
    # An empty body: a 400 naming url and events, for the admin only.
    Row(
        "partner_webhooks_create",
        expect(FORBIDDEN, **ADMINS_ONLY, admin_x=BAD_REQUEST),
        method="post",
    ),
    Row(
        "partner_webhooks_retrieve",
        expect(FORBIDDEN, **ADMINS_ONLY, admin_x=OK),
        kwargs={"webhook_id": "webhook_x"},
    ),
    Row(
        "partner_webhooks_retrieve",
        expect(FORBIDDEN, **ADMINS_ONLY, admin_x=NOT_FOUND),
        kwargs={"webhook_id": "webhook_y"},
    ),
    Row(
        "partner_webhooks_deliveries",
        expect(FORBIDDEN, **ADMINS_ONLY, admin_x=OK),
        kwargs={"webhook_id": "webhook_x"},
    ),
    Row(
        "partner_webhooks_deliveries",
        expect(FORBIDDEN, **ADMINS_ONLY, admin_x=NOT_FOUND),
        kwargs={"webhook_id": "webhook_y"},
    ),
    Row(
        "partner_webhooks_rotate",
        expect(FORBIDDEN, **ADMINS_ONLY, admin_x=OK),
        method="post",
        kwargs={"webhook_id": "webhook_x"},
    ),
    Row(
        "partner_webhooks_rotate",
        expect(FORBIDDEN, **ADMINS_ONLY, admin_x=NOT_FOUND),
        method="post",
        kwargs={"webhook_id": "webhook_y"},
    ),
    Row(
        "partner_webhooks_destroy",
        expect(FORBIDDEN, **ADMINS_ONLY, admin_x=NO_CONTENT),
        method="delete",
        kwargs={"webhook_id": "webhook_x"},
    ),
    Row(
        "partner_webhooks_destroy",
        expect(FORBIDDEN, **ADMINS_ONLY, admin_x=NOT_FOUND),
        method="delete",
        kwargs={"webhook_id": "webhook_y"},
    ),
    # Public endpoints: reachable by everyone; an empty body is a 400 naming the fields.
    Row("v1_auth_token_create", expect(BAD_REQUEST), method="post"),
    # Revoking takes the API token itself: a session or an intake's token is not one.
    Row(
        "v1_auth_token_destroy",
        expect(UNAUTHORIZED, partner_x=NO_CONTENT, partner_y=NO_CONTENT, operator=NO_CONTENT),
        method="delete",
    ),
    Row("v1_eligibility_create", expect(BAD_REQUEST), method="post"),
    Row("v1_estimates_create", expect(BAD_REQUEST), method="post"),
    Row("v1_intakes_create", expect(BAD_REQUEST), method="post"),
    # Signed in, founder A reads their intake; its token stopped working when A confirmed it
    # (whoever typed an intake holds its token: once confirmed it is the account's alone).
    Row(
        "v1_intakes_retrieve",
        expect(NOT_FOUND, anonymous=NOT_FOUND, founder_a=OK),
        kwargs={"intake_id": "intake_a"},
        by_token={"founder_a": NOT_FOUND},
    ),
    # The setup kit has the intake's own access.
    Row(
        "v1_intakes_setup_retrieve",
        expect(NOT_FOUND, anonymous=NOT_FOUND, founder_a=OK),
        kwargs={"intake_id": "intake_a"},
        by_token={"founder_a": NOT_FOUND},
    ),
    # A signed-in non-member (the operator) is refused the firm-wide lists.
    Row("partner_leads_list", expect(FORBIDDEN, **NO_TOKEN, partner_x=OK, partner_y=OK)),
    Row("partner_applications_list", expect(FORBIDDEN, **NO_TOKEN, partner_x=OK, partner_y=OK)),
    Row(
        "partner_leads_retrieve",
        expect(NOT_FOUND, **NO_TOKEN, partner_x=OK),
        kwargs={"lead_id": "lead_x"},
    ),
    Row(
        "v1_partner_leads_accept_create",
        expect(NOT_FOUND, **NO_TOKEN, partner_x=CONFLICT),
        method="post",
        kwargs={"lead_id": "lead_x"},
    ),
    Row(
        "v1_partner_leads_decline_create",
        expect(NOT_FOUND, **NO_TOKEN, partner_x=CONFLICT),
        method="post",
        kwargs={"lead_id": "lead_x"},
        data=DECLINE,
    ),
    Row(
        "partner_applications_create",
        expect(NOT_FOUND, **NO_TOKEN, partner_x=CONFLICT, operator=FORBIDDEN),
        method="post",
        data=lambda w: {
            "lead": w["lead_x"].pk,
            "program": "bedrock_poc",
            "requested_amount": "25000.00",
        },
    ),
    Row(
        "partner_applications_retrieve",
        expect(NOT_FOUND, **NO_TOKEN, partner_x=OK, operator=FORBIDDEN),
        kwargs={"application_id": "application_a"},
    ),
    Row(
        "partner_applications_transition",
        expect(NOT_FOUND, **NO_TOKEN, partner_x=OK, operator=FORBIDDEN),
        method="post",
        kwargs={"application_id": "application_a"},
        data={"to": "canceled"},
    ),
    Row(
        "partner_applications_file_with_ace",
        expect(NOT_FOUND, **NO_TOKEN, partner_x=CONFLICT, operator=FORBIDDEN),
        method="post",
        kwargs={"application_id": "application_a"},
    ),
]


# --- What the project has ----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # "admin:index" for namespaced ones
    route: str  # "partner/leads/<int:lead_id>/"
    kwargs: frozenset[str]

    @property
    def openapi_path(self) -> str:
        """As the schema writes it: /partner/leads/{lead_id}/."""
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)


def url_routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """Every URL pattern of the URL conf, recursively, with its full name and kwargs."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from url_routes(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and ":".join(filter(None, [namespace, pattern.name]))
            kwargs = set(pattern.pattern.regex.groupindex) | set(
                re.findall(r"<(?:\w+:)?(\w+)>", route)
            )
            yield Route(name=name, route=route, kwargs=frozenset(kwargs))


@cache
def api_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path template), from drf-spectacular's generated schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        operation["operationId"]: (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


# --- The Django admin, as a group ----------------------------------------------------------


@dataclass(frozen=True)
class AdminPage:
    url_name: str
    operator: Expect  # every other role is sent to the admin's sign-in
    viewer: Expect  # the read-only operator: reads what the operator reads, adds nothing
    app_label: str | None = None  # for an app's index
    world_key: str | None = None  # the world object a change page opens

    @property
    def label(self) -> str:
        return self.url_name + (f":{self.app_label}" if self.app_label else "")


def admin_pages(*, no_add: set, singletons: set, world_models: dict) -> Iterator[AdminPage]:
    """The index, each app's index, every registered model's changelist and add page, and
    the change page of each world object whose model is registered. All of them go through
    `AdminSite.admin_view`, as do the admin's other URLs."""
    yield AdminPage("admin:index", OK, OK)
    registered = sorted(admin.site._registry, key=lambda model: model._meta.label)
    for app_label in sorted({model._meta.app_label for model in registered}):
        yield AdminPage("admin:app_list", OK, OK, app_label=app_label)
    for model in registered:
        key = (model._meta.app_label, model._meta.model_name)
        prefix = f"admin:{key[0]}_{key[1]}"
        # A one-row model's changelist opens its row.
        changelist = REDIRECT if key in singletons else OK
        yield AdminPage(f"{prefix}_changelist", changelist, changelist)
        yield AdminPage(f"{prefix}_add", FORBIDDEN if key in no_add else OK, FORBIDDEN)
    for world_key, model in world_models.items():
        if model in admin.site._registry:
            url_name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
            # The viewer's change page is the read-only view of the row.
            yield AdminPage(url_name, OK, OK, world_key=world_key)
