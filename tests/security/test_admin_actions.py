"""Admin actions are writes: a read-only operator can neither see nor run one.

An action declares the permission it needs (`@admin.action(permissions=[...])`); Django drops
it from the changelist's select and refuses a POST naming it. The audit's four reproductions
(re-route, assign, pause, mark invoiced) are replayed as a staff user holding every view
permission and nothing else, and each must leave the rows as they were.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token, TokenProxy
from zeal import zeal_ignore

from matching.models import Commission, CommissionStatus, Lead, LeadStatus, Partner
from matching.services import lead_route
from tests.factories import IntakeFactory, PartnerFactory, UserFactory
from tests.matching.routing_helpers import routable_partner
from tests.matching.test_commissions import _issued_commission
from tests.matching.test_routing_admin import OLD_AND_NEW_LEAD_AUDITED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def _staff(email: str, *codenames: str, every_view: bool = False):
    user = UserFactory(email=email, is_staff=True)
    permissions = Permission.objects.filter(codename__in=codenames)
    if every_view:
        permissions |= Permission.objects.filter(codename__startswith="view_")
    user.user_permissions.set(permissions)
    return user


@pytest.fixture
def viewer():
    """The access matrix's read-only operator: staff with every view permission, no other."""
    return _staff("viewer@cloudroute.test", every_view=True)


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda m: m._meta.label), ids=str
)
def test_a_read_only_operator_is_offered_no_action(viewer, model):
    """Every registered model, so a new action without permissions fails here."""
    request = RequestFactory().get(_changelist(model))
    request.user = viewer

    assert admin.site._registry[model].get_actions(request) == {}


def test_a_full_operator_is_offered_the_actions(viewer):
    operator = UserFactory(email="olive@cloudroute.test", is_staff=True, is_superuser=True)
    request = RequestFactory().get(_changelist(Partner))
    request.user = operator

    actions = admin.site._registry[Partner].get_actions(request)

    assert {"pause_partners", "resume_partners"} <= set(actions)


def test_a_read_only_operator_cannot_reroute_a_live_lead(viewer_client):
    routable_partner()
    routable_partner()
    intake = IntakeFactory()
    lead = lead_route(startup_id=intake.startup_id).lead

    viewer_client.post(
        _changelist(type(intake)), {"action": "reroute_now", "_selected_action": [intake.pk]}
    )

    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED
    assert Lead.objects.count() == 1


def test_a_read_only_operator_cannot_assign_a_partner(viewer_client):
    partner = routable_partner()
    intake = IntakeFactory()

    viewer_client.post(
        _changelist(type(intake)),
        {
            "action": "assign_partner",
            "_selected_action": [intake.pk],
            "apply": "1",
            "partner": partner.pk,
        },
    )

    assert not Lead.objects.exists()


def test_a_read_only_operator_cannot_pause_a_firm(viewer_client):
    partner = routable_partner()

    viewer_client.post(
        _changelist(Partner), {"action": "pause_partners", "_selected_action": [partner.pk]}
    )

    partner.refresh_from_db()
    assert partner.accepting_leads


def test_a_read_only_operator_cannot_mark_a_commission_invoiced(viewer_client):
    commission = _issued_commission(PartnerFactory())

    viewer_client.post(
        _changelist(Commission), {"action": "mark_invoiced", "_selected_action": [commission.pk]}
    )

    commission.refresh_from_db()
    assert commission.status == CommissionStatus.DUE


def test_the_lead_change_permission_is_what_rerouting_takes(
    client, django_capture_on_commit_callbacks
):
    """Not superuser: a router holding change_lead (and view_intake to reach the page). The
    re-route runs as a background job (on commit), which checks the permission again."""
    routable_partner()
    routable_partner()
    intake = IntakeFactory()
    lead = lead_route(startup_id=intake.startup_id).lead
    client.force_login(_staff("router@cloudroute.test", "view_intake", "change_lead"))

    with zeal_ignore(OLD_AND_NEW_LEAD_AUDITED), django_capture_on_commit_callbacks(execute=True):
        client.post(
            _changelist(type(intake)), {"action": "reroute_now", "_selected_action": [intake.pk]}
        )

    lead.refresh_from_db()
    assert lead.status == LeadStatus.WITHDRAWN


def test_no_operator_reads_or_mints_an_api_token():
    """A token key is the account (a firm admin's skips their second factor)."""
    assert TokenProxy not in admin.site._registry
    assert Token not in admin.site._registry


def test_an_operator_revokes_a_users_api_tokens(client):
    holder = UserFactory(email="firm-admin@example.com")
    Token.objects.create(user=holder)
    client.force_login(_staff("security@cloudroute.test", "view_user", "delete_token"))

    client.post(
        _changelist(type(holder)), {"action": "revoke_api_tokens", "_selected_action": [holder.pk]}
    )

    assert not Token.objects.filter(user=holder).exists()


def test_a_read_only_operator_cannot_revoke_tokens(viewer_client):
    holder = UserFactory(email="firm-admin@example.com")
    Token.objects.create(user=holder)

    viewer_client.post(
        _changelist(type(holder)), {"action": "revoke_api_tokens", "_selected_action": [holder.pk]}
    )

    assert Token.objects.filter(user=holder).exists()
