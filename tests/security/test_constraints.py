"""Every database constraint a user can break is refused by validation first (issue 7): a 400
naming the field (or the documented 409), never an IntegrityError and a 500.

The constraints are collected from the models of the project apps (CheckConstraint,
UniqueConstraint, unique fields). Each one is either mapped to the input that breaks it, in
the surface that accepts that input (the founder's intake API, the partner API, or the
operators' admin forms), or listed with the reason no input reaches it. A new constraint in
neither table fails `test_every_constraint_is_mapped_or_explained`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from zeal import zeal_ignore

from cloudroute.models import User
from credits.models import ApplicationStatus, BillingAccess, CreditApplication, CreditProgram
from credits.services import application_create, billing_access_get_or_create
from matching.models import Lead, LeadStatus, Partner, PartnerMembership, RoutingSettings
from tests.factories import (
    CreditProgramFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    UserFactory,
    intake_payload,
)
from tests.matching.partner_helpers import make_lead
from workloads.models import ModelPrice, PriceBook, TierDefault
from workloads.services import workload_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

PROJECT_APPS = ("cloudroute", "workloads", "credits", "matching")


def project_constraints() -> dict[str, str]:
    """Every constraint of the project apps' models: its name -> "Model: kind"."""
    found: dict[str, str] = {}
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for constraint in model._meta.constraints:
                found[constraint.name] = f"{model.__name__}: {type(constraint).__name__}"
            for model_field in model._meta.local_fields:
                if model_field.unique and not model_field.primary_key:
                    found[f"{model._meta.label_lower}.{model_field.name}"] = (
                        f"{model.__name__}: unique field"
                    )
            for fields in model._meta.unique_together:
                found[f"{model._meta.label_lower}:{'+'.join(fields)}"] = (
                    f"{model.__name__}: unique_together"
                )
    return found


# --- The surfaces -------------------------------------------------------------------------


@dataclass
class World:
    """A partner firm with an accepted lead whose startup has an approved application, and
    an offered lead; the firm's API client; a staff user for the admin."""

    partner_api: APIClient
    member: User
    accepted_lead: Lead
    offered_lead: Lead
    approved: CreditApplication
    operator: User


@pytest.fixture
def world() -> World:
    with zeal_ignore():  # the set-up makes rows one by one; the requests are what is checked
        return _world()


def _world() -> World:
    firm = PartnerFactory(name="Northwind Cloud")
    member = PartnerMembershipFactory(partner=firm, user__email="ana@northwind.test").user
    token, _ = Token.objects.get_or_create(user=member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    accepted = make_lead(firm, status=LeadStatus.ACCEPTED, responded_at=timezone.now())
    workload_project(workload_id=accepted.workload_id)
    approved = application_create(
        startup_id=accepted.startup_id,
        program_code="bedrock_poc",
        requested_amount=Decimal("25000"),
        actor=member,
    )
    CreditApplication.objects.filter(pk=approved.pk).update(
        status=ApplicationStatus.APPROVED, approved_amount=Decimal("20000")
    )
    return World(
        partner_api=client,
        member=member,
        accepted_lead=accepted,
        offered_lead=make_lead(firm, name="Beta Labs"),
        approved=approved,
        operator=UserFactory(email="ops@cloudroute.test", is_staff=True, is_superuser=True),
    )


# A case's `prepare(world)` makes the rows the input refers to and returns `submit`, which
# sends the input and returns (status, error body); a form that refuses counts as a 400.
Submit = Callable[[], tuple[int, dict]]
Prepare = Callable[[World], Submit]


def _post(client: APIClient, url: str, body: dict) -> Submit:
    def submit() -> tuple[int, dict]:
        response = client.post(url, body, format="json")
        return response.status_code, response.json()

    return submit


def intake(**changes) -> Prepare:
    """The founder's intake with `changes` ({"company.aws_account_id": "123"})."""

    def prepare(world: World) -> Submit:
        body = intake_payload(email="founder@breaks.test")
        for path, value in changes.items():
            *parents, leaf = path.split(".")
            target = body
            for key in parents:
                target = target[key]
            target[leaf] = value
        return _post(APIClient(), "/api/v1/intakes/", body)

    return prepare


def create_application(**body) -> Prepare:
    def prepare(world: World) -> Submit:
        data = {"lead": world.accepted_lead.pk, "program": "bedrock_poc", **body}
        return _post(world.partner_api, "/api/v1/partner/applications/", data)

    return prepare


def transition(**body) -> Prepare:
    def prepare(world: World) -> Submit:
        url = f"/api/v1/partner/applications/{world.approved.pk}/transition/"
        return _post(world.partner_api, url, body)

    return prepare


def decline(**body) -> Prepare:
    def prepare(world: World) -> Submit:
        url = f"/api/v1/partner/leads/{world.offered_lead.pk}/decline/"
        return _post(world.partner_api, url, body)

    return prepare


def _operator_request(world: World):
    request = RequestFactory().post("/")
    request.user = world.operator
    return request


def _values(world: World, changes: dict) -> dict:
    return {name: value(world) if callable(value) else value for name, value in changes.items()}


def admin_form(
    model: type[models.Model], make: Callable[[World], models.Model], **changes
) -> Prepare:
    """The model's admin form for the row `make` returns (an unsaved one: the add form),
    its current values with `changes`, validated as an operator's save would be."""

    def prepare(world: World) -> Submit:
        instance = make(world)
        existing = None if instance._state.adding else instance
        form_class = admin.site._registry[model].get_form(_operator_request(world), existing)
        initial = model_to_dict(instance, fields=form_class.base_fields)
        data = {name: "" if value is None else value for name, value in initial.items()}
        data |= _values(world, changes)

        def submit() -> tuple[int, dict]:
            form = form_class(data=data, instance=existing)
            return (200, {}) if form.is_valid() else (400, form.errors.get_json_data())

        return submit

    return prepare


def inline_form(
    parent_model: type[models.Model],
    model: type[models.Model],
    parent: Callable[[World], models.Model],
    **values,
) -> Prepare:
    """A new row of `model` added on the parent's admin page (in its inline)."""

    def prepare(world: World) -> Submit:
        parent_row = parent(world)
        request = _operator_request(world)
        inline = next(
            inline
            for inline in admin.site._registry[parent_model].get_inline_instances(
                request, parent_row
            )
            if inline.model is model
        )
        formset_class = inline.get_formset(request, parent_row)
        prefix = formset_class.get_default_prefix()
        data = {f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"}
        data |= {f"{prefix}-0-{name}": value for name, value in _values(world, values).items()}

        def submit() -> tuple[int, dict]:
            formset = formset_class(data=data, instance=parent_row, prefix=prefix)
            if formset.is_valid():
                return 200, {}
            return 400, formset.forms[0].errors.get_json_data()

        return submit

    return prepare


# Django reports a unique constraint over several fields on the whole form, in a message
# naming them all ("Model price with this Book, Model id and Effective from already exists.").
FORM_WIDE = "__all__"


@dataclass(frozen=True)
class Violation:
    prepare: Prepare
    field: str  # where the error is, as a dotted path into the error body
    status: int = 400


PW = "a long operator passphrase 42"


def _unsaved_copy(row: models.Model) -> models.Model:
    row.pk = None
    row._state.adding = True
    return row


def _new_user(world: World) -> User:
    return User()


def _new_book(world: World) -> PriceBook:
    return PriceBook(name="Ops book", slug="ops-book")


def _default_book(world: World) -> PriceBook:
    return PriceBook.objects.get(is_default=True)


def _price(world: World) -> ModelPrice:
    return ModelPrice.objects.filter(book__is_default=True).order_by("pk").first()


def _price_copy(world: World) -> ModelPrice:
    return _unsaved_copy(_price(world))


def _program(world: World) -> CreditProgram:
    return CreditProgramFactory(code="ops_program", amount_max=Decimal("50000"))


def _program_copy(world: World) -> CreditProgram:
    return _unsaved_copy(_program(world))


def _partner(world: World) -> Partner:
    return world.member.partner_membership.partner


def _partner_copy(world: World) -> Partner:
    return _unsaved_copy(_partner(world))


def _other_partner(world: World) -> Partner:
    return PartnerFactory(name="Bluebird Partners")


def _second_billing_access(world: World) -> BillingAccess:
    startup_id = world.accepted_lead.startup_id
    billing_access_get_or_create(startup_id=startup_id)
    return BillingAccess(
        startup_id=startup_id, role_arn="arn:aws:iam::123456789012:role/CloudRouteCosts"
    )


def _member_id(world: World) -> int:
    return world.member.pk


# Each constraint a user can break -> the input that breaks it and where the error must be.
VIOLATIONS: dict[str, Violation] = {
    # The founder's intake (anonymous API; the HTML form shares the model's validators).
    "startup_aws_account_id_12_digits": Violation(
        intake(**{"company.aws_account_id": "12345"}), "company.aws_account_id"
    ),
    "startup_prior_credits_non_negative": Violation(
        intake(**{"company.prior_activate_credits": "-1.00"}), "company.prior_activate_credits"
    ),
    "workload_requests_in_range": Violation(
        intake(**{"workload.monthly_requests": 10**12 + 1}), "workload.monthly_requests"
    ),
    "workload_growth_in_range": Violation(
        intake(**{"workload.monthly_growth": 5.5}), "workload.monthly_growth"
    ),
    "workload_prefix_within_input": Violation(
        intake(**{"workload.input_tokens": 1000, "workload.cached_prefix_tokens": 1001}),
        "workload.cached_prefix_tokens",
    ),
    "workload_cache_hit_rate_is_share": Violation(
        intake(**{"workload.cache_hit_rate": 1.5}), "workload.cache_hit_rate"
    ),
    "workload_batch_share_is_share": Violation(
        intake(**{"workload.batch_share": -0.1}), "workload.batch_share"
    ),
    "workload_escalation_sonnet_is_share": Violation(
        intake(**{"workload.escalation.sonnet": 1.2}), "workload.escalation.sonnet"
    ),
    "workload_escalation_opus_is_share": Violation(
        intake(**{"workload.escalation.opus": -0.2}), "workload.escalation.opus"
    ),
    "workload_escalation_at_most_one": Violation(
        intake(**{"workload.escalation": {"sonnet": 0.6, "opus": 0.6}}), "workload.escalation"
    ),
    # The partner API.
    "application_requested_positive": Violation(
        create_application(requested_amount="0.00"), "requested_amount"
    ),
    "application_one_open_per_program": Violation(
        create_application(requested_amount="25000.00"), "detail", status=409
    ),
    "application_ace_id_format": Violation(
        transition(to="canceled", ace_opportunity_id="X-12"), "ace_opportunity_id"
    ),
    "application_issued_has_amount": Violation(
        transition(to="credits_issued", expires_on="2099-01-01"), "issued_amount"
    ),
    "grant_amount_positive": Violation(
        transition(to="credits_issued", issued_amount="0.00", expires_on="2099-01-01"),
        "issued_amount",
    ),
    "grant_expires_after_issue": Violation(
        transition(
            to="credits_issued",
            issued_amount="1000.00",
            expires_on=timezone.localdate().isoformat(),
        ),
        "expires_on",
    ),
    "lead_decline_has_reason": Violation(decline(reason=""), "reason"),
    # The operators' admin forms.
    "user_email_ci_unique": Violation(
        admin_form(User, _new_user, email="OPS@CloudRoute.test", password1=PW, password2=PW),
        "email",
    ),
    "cloudroute.user.email": Violation(
        admin_form(User, _new_user, email="ops@cloudroute.test", password1=PW, password2=PW),
        "email",
    ),
    "workloads.pricebook.slug": Violation(
        admin_form(PriceBook, _new_book, slug="bedrock-current"), "slug"
    ),
    "one_default_price_book": Violation(
        admin_form(PriceBook, _new_book, is_default=True), "is_default"
    ),
    "illustrative_book_never_default": Violation(
        admin_form(PriceBook, _new_book, is_default=True, illustrative=True), "is_default"
    ),
    "model_price_once_per_date": Violation(admin_form(ModelPrice, _price_copy), FORM_WIDE),
    "model_price_positive": Violation(admin_form(ModelPrice, _price, input="0"), "input"),
    "model_price_batch_both_or_neither": Violation(
        admin_form(ModelPrice, _price, batch_input="1.00", batch_output=""), "batch_output"
    ),
    "model_price_caching_has_prices": Violation(
        admin_form(ModelPrice, _price, supports_caching=True, cache_read=""), "cache_read"
    ),
    "tier_default_once_per_book": Violation(
        inline_form(PriceBook, TierDefault, _default_book, tier="haiku", model_id="x"), FORM_WIDE
    ),
    "program_terms_once_per_date": Violation(admin_form(CreditProgram, _program_copy), FORM_WIDE),
    "program_amount_range_valid": Violation(
        admin_form(CreditProgram, _program, amount_min="60000"), "amount_min"
    ),
    "program_typical_within_range": Violation(
        admin_form(CreditProgram, _program, typical_amount="60000"), "typical_amount"
    ),
    "program_window_ordered": Violation(
        admin_form(
            CreditProgram, _program, window_opens_on="2026-06-01", window_closes_on="2026-05-01"
        ),
        "window_closes_on",
    ),
    "partner_commission_is_share": Violation(
        admin_form(Partner, _partner, commission_rate="1.5"), "commission_rate"
    ),
    "partner_flat_fee_non_negative": Violation(
        admin_form(Partner, _partner, commission_flat_fee="-1"), "commission_flat_fee"
    ),
    "partner_vetting_dates_ordered": Violation(
        admin_form(Partner, _partner, vetted_on="2026-06-01", vetting_expires_on="2026-05-01"),
        "vetting_expires_on",
    ),
    "partner_away_dates_ordered": Violation(
        admin_form(Partner, _partner, away_from="2026-06-10", away_until="2026-06-01"),
        "away_until",
    ),
    "matching.partner.slug": Violation(admin_form(Partner, _partner_copy), "slug"),
    "matching.partnermembership.user": Violation(
        inline_form(Partner, PartnerMembership, _other_partner, user=_member_id), "user"
    ),
    "credits.billingaccess.startup": Violation(
        admin_form(BillingAccess, _second_billing_access), "startup"
    ),
    "routing_accept_hours_positive": Violation(
        admin_form(RoutingSettings, lambda world: RoutingSettings.load(), accept_hours="0"),
        "accept_hours",
    ),
}

# Constraints no user input reaches, and why.
NOT_FROM_INPUT: dict[str, str] = {
    "audit_action_dotted": "set only by services, from literal action names",
    "snapshot_total_non_negative": "set only by the eligibility service (a sum of amounts >= 0)",
    "outcome_amounts_non_negative": "set only by the outcome service (sums of amounts >= 0)",
    "spend_actual_once_a_month": "set only by the Cost Explorer import (update_or_create)",
    "spend_actual_credits_non_negative": "set only by the Cost Explorer import (read-only admin)",
    "commission_non_negative": "set only by the commission service (read-only admin)",
    "commission_rate_is_share": "copied from the partner's rate, itself a share",
    "idempotency_key_unique": "written by the idempotency layer, which replays a known key",
    "lead_once_per_partner": "routing skips firms that had the startup; lead_assign refuses",
    "lead_one_live_per_startup": "routing and assignment lock the startup; see test_lead_races",
    "lead_accept_by_after_offer": "set only by routing (offered_at + the accept hours)",
    "routing_settings_singleton": "RoutingSettings.load() makes the row; the admin adds none",
    "credits.creditgrant.application": "created once by application_transition (row-locked)",
    "credits.creditoutcome.startup": "update_or_create by the outcome service",
    "matching.commission.application": "get_or_create by the commission service",
    "matching.intake.workload": "the intake service creates the workload with its intake",
    "matching.intake.access_token_hash": "a hash of a fresh random token",
    "matching.routingdecision.lead": "written once by routing, with the lead it offers",
    "matching.partneraceaccount.partner": "no admin, form or API writes it (read by ACE sync)",
    "invitation_one_open_per_address": "partner_invite revokes the open one before it adds one",
    "join_one_waiting_per_address": "join_application_submit refuses a waiting address first "
    "(tests/matching/test_joining.py); the constraint catches two at the same moment",
    "join_refusal_has_reason": "join_application_refuse requires a reason before it saves",
    "matching.joinapplication.partner": "set once, by the approval that creates the firm",
    "webhook_delivery_once_per_event": "webhook_event_record uses get_or_create by event key",
    "webhook_delivery_delivered_or_failed": "webhook_deliver sets one of them, once, from its try",
    "account_credit_once": "set only by the billing import (update_or_create by credit id)",
    "inference_profile_once_per_region": "set only by the catalog refresh (update_or_create)",
    "bedrock_quota_once": "set only by the Service Quotas import (update_or_create by code)",
    "bedrock_usage_once_a_day": "set only by the CloudWatch import (update_or_create by day)",
    "account_credit_remaining_non_negative": "the billing import stores max(remaining, 0)",
    "matching.acefiling.application": "the filing service locks the row and reuses it",
    "matching.acefiling.client_token": "a fresh uuid4 per frozen body",
}


def test_every_constraint_is_mapped_or_explained():
    constraints = project_constraints()
    unaccounted = {
        name: kind
        for name, kind in constraints.items()
        if name not in VIOLATIONS and name not in NOT_FROM_INPUT
    }
    assert not unaccounted, (
        "Map each new constraint in VIOLATIONS (the input that breaks it) or explain in "
        f"NOT_FROM_INPUT why no input reaches it: {unaccounted}"
    )
    stale = (VIOLATIONS.keys() | NOT_FROM_INPUT.keys()) - constraints.keys()
    assert not stale, f"No such constraint any more: {sorted(stale)}"
    assert not VIOLATIONS.keys() & NOT_FROM_INPUT.keys()


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
    }


def _saved_state(world: World) -> tuple:
    """Row counts, and the rows the partner API would update in place."""
    application = CreditApplication.objects.filter(pk=world.approved.pk)
    lead = Lead.objects.filter(pk=world.offered_lead.pk)
    return (
        _row_counts(),
        list(application.values_list("status", "ace_opportunity_id")),
        list(lead.values_list("status")),
    )


def _error_at(body: dict, path: str):
    for key in path.split("."):
        assert isinstance(body, dict) and key in body, f"no error at {path!r}: {body}"
        body = body[key]
    return body


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_it_refuses_input_breaking_a_constraint_naming_the_field(world, name):
    violation = VIOLATIONS[name]
    submit = violation.prepare(world)
    before = _saved_state(world)

    status_code, body = submit()

    assert status_code == violation.status, body
    assert _error_at(body, violation.field), body
    assert _saved_state(world) == before
