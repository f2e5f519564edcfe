"""`manage.py seed_demo`: demo data for a laptop run, refused outside DEBUG."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from credits.models import CreditProgram
from matching.models import (
    Intake,
    IntakeStatus,
    Lead,
    LeadStatus,
    Partner,
    PartnerMembership,
    RoutingDecision,
    RoutingSettings,
    RoutingStatus,
)
from matching.services import lead_route
from tests.factories import IntakeFactory
from workloads.models import Startup, Workload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

LOGINS = [
    "operator@cloudroute.test",
    "partner@northwind.test",
    "partner@bluebird.test",
    "founder@acme.test",
]


def _row_counts() -> dict[str, int]:
    models = [
        get_user_model(),
        CreditProgram,
        Partner,
        PartnerMembership,
        Startup,
        Workload,
        Intake,
        Lead,
        RoutingDecision,
        RoutingSettings,
    ]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_it_is_idempotent(seeded, settings):
    first = _row_counts()

    call_command("seed_demo", stdout=StringIO())

    assert _row_counts() == first
    assert all(count > 0 for count in first.values()), first


def test_it_creates_the_four_credit_programs(seeded):
    assert set(CreditProgram.objects.values_list("code", flat=True)) == {
        "activate_founders",
        "activate_portfolio",
        "bedrock_poc",
        "genai_accelerator",
    }
    for program in CreditProgram.objects.all():
        assert program.amount_min <= program.typical_amount <= program.amount_max
        assert program.source_url.startswith("https://aws.amazon.com/")


def test_it_creates_at_least_twelve_vetted_partners(seeded):
    partners = Partner.objects.all()

    assert partners.count() >= 12
    assert all(partner.is_active and partner.accepting_leads for partner in partners)
    assert all(partner.vetting_expires_on > partner.vetted_on for partner in partners)
    assert all("generative_ai" in partner.competencies for partner in partners[:3])


@pytest.mark.parametrize("email", LOGINS)
def test_it_creates_the_demo_logins_with_password_demo(seeded, email):
    user = get_user_model().objects.get(email=email)

    assert user.check_password("demo")
    assert user.is_active


def test_it_makes_only_the_operator_staff(seeded):
    User = get_user_model()

    operator = User.objects.get(email="operator@cloudroute.test")
    assert operator.is_staff and operator.is_superuser
    assert list(User.objects.filter(is_staff=True)) == [operator]


def test_it_puts_the_two_partner_logins_in_two_different_firms(seeded):
    northwind = PartnerMembership.objects.get(user__email="partner@northwind.test")
    bluebird = PartnerMembership.objects.get(user__email="partner@bluebird.test")

    assert northwind.partner.slug == "northwind"
    assert bluebird.partner.slug == "bluebird"
    assert northwind.partner != bluebird.partner
    assert northwind.role == bluebird.role == PartnerMembership.Role.ADMIN


def test_it_gives_the_demo_founder_a_ready_intake(seeded, client):
    founder = get_user_model().objects.get(email="founder@acme.test")
    intake = Intake.objects.get(founder=founder)

    assert intake.status == IntakeStatus.READY
    assert intake.startup.name == "Acme Analytics"
    intake.workload.full_clean()
    intake.startup.full_clean()
    # Through the sign-in page, as a person would (django-axes wants the request).
    assert (
        client.post("/login/", {"username": "founder@acme.test", "password": "demo"}).status_code
        == 302
    )
    response = client.get("/my/")
    html = response.content.decode()
    assert "Acme Analytics" in html
    # A complete dashboard: programs checked and the spend projected, never "being calculated".
    assert response.context["report"] is not None
    assert response.context["eligibility"]["programs"]
    assert "is being calculated" not in html
    assert 'data-testid="projection"' in html


def test_it_prints_the_demo_logins(seeded):
    for email in LOGINS:
        assert email in seeded


def test_it_restores_a_changed_demo_password(seeded):
    founder = get_user_model().objects.get(email="founder@acme.test")
    founder.set_password("something else")
    founder.save()

    call_command("seed_demo", stdout=StringIO())

    founder.refresh_from_db()
    assert founder.check_password("demo")


def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())

    assert not get_user_model().objects.filter(email__in=LOGINS).exists()
    assert not Partner.objects.exists()


@pytest.mark.parametrize("slug", ["northwind", "bluebird"])
def test_it_gives_each_partner_login_offered_leads_to_work(seeded, slug):
    member = PartnerMembership.objects.get(user__email=f"partner@{slug}.test")
    leads = Lead.objects.filter(partner=member.partner)

    assert leads.count() == 2
    assert {lead.status for lead in leads} == {LeadStatus.OFFERED}
    for lead in leads:
        assert lead.decision.trigger == "assigned"  # through the operators' service
        assert Intake.objects.get(startup=lead.startup).routing_status == RoutingStatus.OFFERED


def test_it_offers_the_demo_founder_a_partner(seeded, client):
    # Through the sign-in page, as a person would (django-axes wants the request).
    assert (
        client.post("/login/", {"username": "founder@acme.test", "password": "demo"}).status_code
        == 302
    )

    html = client.get("/my/").content.decode()

    assert "We offered your lead to a vetted partner" in html


def test_it_routes_new_us_intakes_to_the_two_demo_partners_in_turn(seeded):
    decisions = [
        lead_route(startup_id=IntakeFactory(workload__startup__country="US").startup_id)
        for _ in range(2)
    ]

    assert {decision.chosen.slug for decision in decisions} == {"northwind", "bluebird"}
    for decision in decisions:
        rejected = {row["partner_id"] for row in decision.ranking["rejected"]}
        assert not rejected & set(
            Partner.objects.filter(slug__in=["northwind", "bluebird"]).values_list("pk", flat=True)
        )
