"""Query budgets: every page and list costs the same number of queries with 10 rows as with
500, and that number is written down here with what each query is for. The module also makes
sure no new page or list route slips in without a budget, and that the N+1 guard bites."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from zeal import NPlusOneError, zeal_context

from matching import selectors
from matching.models import IntakeStatus, Lead
from tests.conftest import ZEAL_ALLOWLIST
from tests.factories import PartnerMembershipFactory
from tests.matching.partner_helpers import bulk_leads
from workloads.models import WorkloadProjection

from .world import World, world_create, world_grow

SMALL, LARGE = 10, 500


@dataclass(frozen=True)
class Case:
    route: str  # the URL name the page is served under
    url: Callable[[World], str]
    viewer: str  # founder, partner, partner_api or operator
    budget: int
    status: int = 200
    headers: dict = field(default_factory=dict)
    prepare: Callable[[World], None] | None = None
    label: str = ""

    @property
    def id(self) -> str:
        return self.label or self.route


def _pending(world: World) -> None:
    """The intake status partial polls only while the founder's intake is being processed."""
    type(world.intake).objects.filter(pk=world.intake.pk).update(status=IntakeStatus.PROCESSING)


def _projection_id(world: World) -> int:
    return WorkloadProjection.objects.get(workload=world.intake.workload_id).pk


def _admin(name: str, *args) -> Callable[[World], str]:
    return lambda world: reverse(f"admin:{name}", args=[arg(world) for arg in args])


HTMX = {"HX-Request": "true"}


PAGE_CASES = [
    # Founder pages (signed in by the e-mailed link: a session).
    # session, user, intakes (+startup, workload), projection, spend actuals, snapshot,
    # live lead (+partner), applications (+program, grant), their events, billing role (the
    # badge reads the projection: no outcome query), the Region's inference profiles (the
    # setup kit; no account quotas or measured usage until the account was read)
    Case("founder-dashboard", lambda w: reverse("founder-dashboard"), "founder", budget=11),
    # session, user, latest intake (+startup, workload): the two forms filled from it
    Case("founder-edit", lambda w: reverse("founder-edit"), "founder", budget=3),
    # session, user, intakes (+startup, workload)
    Case(
        "founder-dashboard",
        lambda w: reverse("founder-dashboard"),
        "founder",
        budget=3,
        headers=HTMX,
        prepare=_pending,
        label="founder-dashboard[intake status]",
    ),
    # session, user, latest intake (+startup, workload), its projection
    Case("founder-projection-csv", lambda w: reverse("founder-projection-csv"), "founder", 4),
    # session, user, the projection (+workload, startup) scoped to the founder's intakes
    Case(
        "founder-projection-csv-by-id",
        lambda w: reverse("founder-projection-csv-by-id", args=[_projection_id(w)]),
        "founder",
        budget=3,
    ),
    # session, user, partner membership (founders only), startups (+has_history), audit count
    Case("founder-account", lambda w: reverse("founder-account"), "founder", budget=5),
    # session, user, partner membership, startups, newest projections, workloads, intakes,
    # snapshots, leads (+partner), applications (+program, grant), their events, spend actuals,
    # outcomes, billing access, audit events
    # (+1 since issue 15: the account's credits; +2 since issue 20: Bedrock quotas and usage)
    Case("founder-account-export", lambda w: reverse("founder-account-export"), "founder", 18),
    # session, user, the intake (+startup, workload, founder)
    Case(
        "api-intake-detail",
        lambda w: reverse("api-intake-detail", args=[w.intake.pk]),
        "founder",
        budget=3,
    ),
    # session, user, the intake (+startup, workload, founder), the Region's inference profiles
    # (the book's prices are cached)
    Case(
        "api-intake-setup",
        lambda w: reverse("api-intake-setup", args=[w.intake.pk]),
        "founder",
        budget=4,
    ),
    # Partner portal (session) and partner API (token).
    # session, user, membership (+partner), count, counts by status, page (+startup, workload,
    # founder)
    Case("partner-inbox", lambda w: reverse("partner-inbox"), "partner", 6),
    # session, user, membership (+partner), filtered count, counts by status, page
    Case(
        "partner-inbox",
        lambda w: reverse("partner-inbox") + "?status=accepted",
        "partner",
        budget=6,
        label="partner-inbox[status]",
    ),
    # session, user, membership (+partner), lead stats, application stats, the partner,
    # accept times, counts by status
    Case("partner-scorecard", lambda w: reverse("partner-scorecard"), "partner", 8),
    # session, user, membership (+partner), the ACE account, the admin check
    Case("partner-profile", lambda w: reverse("partner-profile"), "partner", 5),
    # session, user, membership (+partner), members (+users), open invitations, admin check
    Case("partner-team", lambda w: reverse("partner-team"), "partner", 6),
    # session, user, membership (+partner), the grouped months / the rows with what they show
    Case("partner-earnings", lambda w: reverse("partner-earnings"), "partner", 4),
    # session, user, membership (+partner), the admin check, endpoints with their counts,
    # the latest deliveries (+endpoint)
    Case("partner-webhooks", lambda w: reverse("partner-webhooks"), "partner", 6),
    Case("partner-earnings-csv", lambda w: reverse("partner-earnings-csv"), "partner", 4),
    Case("partner-leads-csv", lambda w: reverse("partner-leads-csv"), "partner", 4),
    # session, user, membership (+partner), lead (+startup, workload, founder), snapshot,
    # projection, notes (+author), ACE account exists, applications (+startup, program), their
    # events (+actor), the draft's precheck: workload, projection; programs for the create form;
    # the team for the owner form; the account's quotas for the throughput check (issue 20)
    Case("partner-lead", lambda w: reverse("partner-lead", args=[w.lead.pk]), "partner", 15),
    # token (+user, membership, partner), count, page (+startup, workload, founder)
    Case("api-partner-lead-list", lambda w: reverse("api-partner-lead-list"), "partner_api", 3),
    # token (+user, membership, partner), lead (+startup, workload, founder), snapshot,
    # projection, notes (+author)
    Case(
        "api-partner-lead-detail",
        lambda w: reverse("api-partner-lead-detail", args=[w.lead.pk]),
        "partner_api",
        budget=5,
    ),
    # token (+user, membership, partner), count, page (+startup, program), events (+actor)
    Case(
        "api-partner-application-list",
        lambda w: reverse("api-partner-application-list"),
        "partner_api",
        budget=4,
    ),
    # token (+user, membership, partner), application (+startup, program), events (+actor),
    # precheck: workload, projection (the ACE filing is joined to the application)
    Case(
        "api-partner-application-detail",
        lambda w: reverse("api-partner-application-detail", args=[w.application.pk]),
        "partner_api",
        budget=5,
    ),
    # token (+user, membership, partner), the admin check, the endpoints with their counts
    Case(
        "api-partner-webhook-list",
        lambda w: reverse("api-partner-webhook-list"),
        "partner_api",
        budget=3,
    ),
    # token (+user, membership, partner), the admin check, the endpoint with its counts
    Case(
        "api-partner-webhook-detail",
        lambda w: reverse("api-partner-webhook-detail", args=[w.webhook.pk]),
        "partner_api",
        budget=3,
    ),
    # token (+user, membership, partner), the admin check, the endpoint, count, page
    Case(
        "api-partner-webhook-deliveries",
        lambda w: reverse("api-partner-webhook-deliveries", args=[w.webhook.pk]),
        "partner_api",
        budget=5,
    ),
    # Operators' custom admin pages.
    # session, user, the operators' home (the intakes' queues in one aggregate, at-risk
    # outcomes, unconfirmed price books), recent actions
    Case("admin:index", _admin("index"), "operator", 6),
    # session, user, filtered count, full count, page (+startup, founder); a queue has no
    # date hierarchy (matching.admin.intakes.IntakeChangeList)
    Case(
        "admin:matching_intake_changelist",
        lambda w: reverse("admin:matching_intake_changelist") + "?queue=all",
        "operator",
        budget=5,
        label="admin:review-queue",
    ),
    # session, user, the report (one grouped query)
    Case("admin:matching_commission_report", _admin("matching_commission_report"), "operator", 3),
    # session, user, the intake (+startup), the routing preview: the newest intake (+startup,
    # workload), the firms that had the lead, the settings row, the directory (partners and
    # its aggregates)
    Case(
        "admin:matching_intake_simulate",
        lambda w: reverse("admin:matching_intake_simulate", args=[w.intake.pk]),
        "operator",
        budget=9,
    ),
    # session, user, the report (one grouped query)
    Case(
        "admin:matching_commission_report",
        lambda w: reverse("admin:matching_commission_report") + "?format=csv",
        "operator",
        budget=3,
        label="admin:matching_commission_report[csv]",
    ),
    # session, user, counts by state, issued dates, at-risk count, programs, partners
    Case(
        "admin:matching_commission_pipeline",
        _admin("matching_commission_pipeline"),
        "operator",
        budget=7,
    ),
    # session, user, decision (+startup, chosen, lead and its startup and partner, actor)
    Case(
        "admin:matching_routingdecision_change",
        _admin("matching_routingdecision_change", lambda w: w.decision.pk),
        "operator",
        budget=3,
    ),
    # session, user, lead (+startup, partner, workload and its startup), notes inline
    # (+author), routing log (+chosen, actor, lead)
    Case(
        "admin:matching_lead_change",
        _admin("matching_lead_change", lambda w: w.lead.pk),
        "operator",
        budget=5,
    ),
    # session, user, application, events inline (+actor), program choices, raw-id startup,
    # read-only startup and program
    Case(
        "admin:credits_creditapplication_change",
        _admin("credits_creditapplication_change", lambda w: w.application.pk),
        "operator",
        budget=8,
    ),
    # session, user, startup, workloads inline (+startup), snapshots inline (+startup),
    # raw-id founder, the latest snapshot (a read-only field)
    Case(
        "admin:workloads_startup_change",
        _admin("workloads_startup_change", lambda w: w.intake.startup_id),
        "operator",
        budget=7,
    ),
    # session, user, partner, memberships inline (+user, partner), each member's raw-id user
    # (a firm has a handful), the ACE account inline
    Case(
        "admin:matching_partner_change",
        _admin("matching_partner_change", lambda w: w.partner.pk),
        "operator",
        budget=6,
    ),
]

# Every registered model's changelist: what one page of 100 rows costs an operator. Each
# starts with the session and the user (2) and has the filtered count and the full count (2)
# and the page with its list_select_related (1); then, where the admin declares them, one
# query per list_filter that lists values (a foreign key's choices, or a field's distinct
# values) and two for date_hierarchy (the first date, then the dates of the top level).
CHANGELIST_BUDGETS: dict[str, int] = {
    "auth.Group": 5,
    "django_celery_beat.PeriodicTask": 8,  # + distinct task names, start_time hierarchy (2)
    "django_celery_beat.ClockedSchedule": 5,
    "django_celery_beat.CrontabSchedule": 5,
    "django_celery_beat.SolarSchedule": 5,
    "django_celery_beat.IntervalSchedule": 5,
    "cloudroute.User": 5,
    "workloads.Workload": 5,  # page (+startup)
    "workloads.AuditEvent": 9,  # + content types, distinct actions, created_at hierarchy (2)
    "workloads.PriceBook": 5,
    "workloads.ModelPrice": 8,  # + books, effective_from hierarchy (2)
    "credits.CreditProgram": 7,  # + effective_from hierarchy (2)
    "workloads.Startup": 7,  # page (+founder), created_at hierarchy (2)
    "credits.EligibilitySnapshot": 8,  # + distinct rule versions, created_at hierarchy (2)
    "credits.CreditApplication": 6,  # + programs; page (+startup, program)
    "credits.CreditGrant": 8,  # + programs, expires_on hierarchy (2)
    "credits.BillingAccess": 5,  # page (+startup)
    "credits.MonthlySpendActual": 7,  # + month hierarchy (2)
    "credits.BedrockQuota": 8,  # + distinct regions, scopes and kinds
    "credits.BedrockUsageDay": 7,  # + day hierarchy (2)
    "workloads.InferenceProfile": 5,  # the Region filter lists the field's choices
    "matching.Commission": 8,  # + partners, created_at hierarchy (2)
    "matching.Intake": 7,  # page (+startup, founder), created_at hierarchy (2)
    "matching.IdempotencyKey": 6,  # + distinct scopes
    "matching.Lead": 8,  # + partners, offered_at hierarchy (2); page (+startup, partner)
    "matching.Partner": 5,
    "matching.JoinApplication": 5,
    "matching.BulkJob": 5,
    "matching.RoutingSettings": 3,  # session, user, the settings row (then a redirect to it)
    "matching.RoutingDecision": 8,  # + partners, created_at hierarchy (2)
    "axes.AccessAttempt": 8,  # + distinct paths, attempt_time hierarchy (2)
    "axes.AccessLog": 8,  # + distinct paths, attempt_time hierarchy (2)
    "axes.AccessFailureLog": 8,  # + distinct paths, attempt_time hierarchy (2)
    "otp_totp.TOTPDevice": 5,  # page (+user)
    "otp_static.StaticDevice": 5,
}


def _changelist_cases() -> list[Case]:
    cases = []
    for model in admin.site._registry:
        name = f"{model._meta.app_label}_{model._meta.model_name}_changelist"
        label = model._meta.label
        cases.append(
            Case(
                f"admin:{name}",
                _admin(name),
                "operator",
                CHANGELIST_BUDGETS[label],
                status=302 if label == "matching.RoutingSettings" else 200,
            )
        )
    return cases


CASES = PAGE_CASES + _changelist_cases()


def _viewer(case: Case, world: World):
    return {
        "founder": world.founder,
        "partner": world.partner_user,
        "partner_api": None,  # the token, in the headers
        "operator": world.operator,
    }[case.viewer]


def _headers(case: Case, world: World) -> dict:
    if case.viewer == "partner_api":
        return {"Authorization": f"Token {world.partner_token}", **case.headers}
    return case.headers


def _client(case: Case, world: World, clients: dict[str, Client]) -> Client:
    """One signed-in client per viewer, shared by every page that viewer reads."""
    if case.viewer not in clients:
        clients[case.viewer] = Client()
        viewer = _viewer(case, world)
        if viewer is not None:
            clients[case.viewer].force_login(viewer)
    return clients[case.viewer]


def _queries(client: Client, case: Case, world: World) -> list[str]:
    """The SQL of one request, under the N+1 guard (one context per request, as the zeal
    middleware would wrap it)."""
    url = case.url(world)
    with zeal_context(), CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=_headers(case, world))
    assert response.status_code == case.status, (url, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker) -> dict[str, list | Exception]:
    """Each case's queries with 10 and with 500 rows, measured on one world for the whole
    module (building 500 rows of every table once, not once per page), then rolled back."""
    figures: dict[str, list | Exception] = {}
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ZEAL_ALLOWLIST=ZEAL_ALLOWLIST,
        ),
        transaction.atomic(),
    ):
        world = world_create()
        clients: dict[str, Client] = {}
        for size in (SMALL, LARGE):
            world_grow(world, size)
            for case in CASES:
                if isinstance(figures.get(case.id), Exception):
                    continue
                client = _client(case, world, clients)
                try:
                    if size == SMALL:
                        _queries(client, case, world)  # the warm-up
                    with transaction.atomic():  # undo what the case prepared
                        if case.prepare:
                            case.prepare(world)
                        figures.setdefault(case.id, []).append(_queries(client, case, world))
                        transaction.set_rollback(True)
                except (AssertionError, NPlusOneError) as error:
                    figures[case.id] = error  # reported by the case's own test
        transaction.set_rollback(True)
    return figures


def _listing(queries: list[str]) -> str:
    return "\n".join(f"{n}. {sql[:400]}" for n, sql in enumerate(queries, 1))


@pytest.mark.django_db  # so that the test database is set up for `measured`
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_it_costs_a_fixed_number_of_queries_for_10_and_500_rows(case, measured):
    if isinstance(measured[case.id], Exception):
        raise measured[case.id]
    small, large = measured[case.id]
    assert len(small) == len(large), (
        f"{len(small)} queries with {SMALL} rows, {len(large)} with {LARGE}:\n{_listing(large)}"
    )
    assert len(large) == case.budget, f"{case.id}: {len(large)} queries:\n{_listing(large)}"


# Routes that are not a page or a list, and why; everything else must have a budget above.
NOT_PAGES = {
    "home": "marketing page, reads no rows",
    "healthz": "probe: one SELECT 1 and a broker ping",
    "healthz-db": "readiness probe: one read of the default price book",
    "metrics": "scrape: one grouped count of pending intakes (tests/cloudroute/test_metrics.py)",
    "intake": "the intake form; its choices are constants",
    "intake-estimate": "POST (htmx): one estimate from the cached price book",
    "founder-billing-access": "POST: saves one role",
    "founder-billing-access-start": "POST: makes one billing-access row",
    "signin-link": "one token: a button, then a redirect",
    "intake-confirm": "one token: its intake and the address's companies (at most 20, one query)",
    "founder-link-request": "a form; the POST only enqueues an e-mail",
    "founder-account-delete": "POST: deletes one account",
    "founder-usage-apply": "POST: one new workload version (matching.services.intake_revise)",
    "founder-account-deleted": "a message, reads no rows",
    "login": "sign-in form",
    "logout": "POST: signs out",
    "partner-login": "sign-in form",
    "partner-invitation": "one invitation by its id (the link's token)",
    "partner-lead-owner": "POST action on one lead",
    "partner-team-invite": "POST action",
    "partner-webhook-rotate": "POST action on one webhook",
    "partner-webhook-delete": "POST action on one webhook",
    "partner-team-remove": "POST action on one membership",
    "partner-team-revoke": "POST action on one invitation",
    "partner-password-reset": "a form; its POST reads one user by e-mail",
    "partner-password-reset-done": "static text",
    "partner-apply": "a form; its POST writes one application",
    "partner-apply-sent": "static text",
    "admin:matching_bulkjob_progress": "one job (the bar htmx polls)",
    "admin:matching_routingsettings_preview": "POST: the open leads (at most 500, three "
    "queries) ranked against the directory (read once)",
    "admin:matching_joinapplication_review": "one application and its review form",
    "partner-password-reset-confirm": "one user by its id",
    "partner-password-reset-complete": "static text",
    "partner-lead-accept": "POST action on one lead",
    "partner-lead-decline": "POST action on one lead",
    "partner-lead-note": "POST action on one lead",
    "partner-application-create": "POST action on one lead",
    "partner-application-transition": "POST action on one application",
    "partner-application-file-with-ace": "POST action on one application",
    "partner-application-precheck-fix": "POST action on one application",
    "api-intake-create": "POST",
    "api-estimate": "POST: pure computation on the cached price book",
    "api-eligibility": "POST: pure computation",
    "api-auth-token": "POST",
    "api-partner-lead-accept": "POST",
    "api-partner-lead-decline": "POST",
    "api-partner-application-transition": "POST",
    "api-partner-application-file-with-ace": "POST",
    "api-partner-webhook-rotate": "POST",
    "api-schema": "generated from the code, reads no rows",
    "api-docs": "static Swagger UI",
    "admin:login": "sign-in form",
    "admin:logout": "POST: signs out",
    "admin:password_change": "one user's form",
    "admin:password_change_done": "a message",
    "admin:jsi18n": "translations",
    "admin:autocomplete": "no admin declares autocomplete_fields",
    "admin:view_on_site": "a redirect",
    "admin:app_list": "admin:index filtered to one app: the same queries",
    # Two-factor sign-in (matching/twofactor.py): one account's own devices, a few rows.
    "partner-2fa-verify": "a code form; checks one account's devices",
    "partner-2fa-setup": "one account's device and a QR code",
    "partner-2fa-recovery-codes": "one account's recovery codes",
    "admin:2fa-verify": "a code form; checks one account's devices",
    "admin:2fa-setup": "one account's device and a QR code",
    "admin:2fa-recovery-codes": "one account's recovery codes",
    "admin:otp_totp_totpdevice_config": "refused: OTP_ADMIN_HIDE_SENSITIVE_DATA",
    "admin:otp_totp_totpdevice_qrcode": "refused: OTP_ADMIN_HIDE_SENSITIVE_DATA",
}
# Per-object admin views read one row; the change pages that list related rows (inlines,
# routing log) are budgeted above.
NOT_PAGE_SUFFIXES = {
    "_add": "an empty form",
    "_change": "one row's form",
    "_delete": "one row's confirmation",
    "_history": "one row's log",
}


def _route_names(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def test_every_page_and_list_route_has_a_budget():
    budgeted = {case.route for case in CASES}
    missing = sorted(
        name
        for name in set(_route_names(get_resolver().url_patterns))
        if name not in budgeted
        and name not in NOT_PAGES
        and not (name.startswith("admin:") and name.endswith(tuple(NOT_PAGE_SUFFIXES)))
    )
    assert not missing, f"Give these routes a budget (or a reason in NOT_PAGES): {missing}"


@pytest.mark.django_db
def test_the_n_plus_one_guard_fails_a_page_that_loads_rows_one_by_one(client, monkeypatch):
    """The guard is on in every request a test makes (tests/conftest.py): an inbox whose
    selector lost its select_related fails loudly instead of passing slowly."""
    membership = PartnerMembershipFactory()
    bulk_leads(membership.partner, 3)

    def leads_without_related(*, partner, status=None, owner_id=None):
        return Lead.objects.filter(partner=partner).order_by("-offered_at")

    monkeypatch.setattr(selectors, "leads_for_partner", leads_without_related)
    client.force_login(membership.user)
    with pytest.raises(NPlusOneError, match=r"N\+1 detected on matching\.Lead\."):
        client.get(reverse("partner-inbox"))
