"""factory_boy factories for the domain backbone, and a valid intake body."""

import copy
import datetime as dt
import hashlib
from decimal import Decimal

import factory
from django.utils import timezone

from credits.models import CreditApplication, CreditProgram, FiledBy, ProgramFamily
from matching.models import Intake, Lead, Partner, PartnerMembership, PartnerTier
from workloads.choices import Stage, UseCase
from workloads.models import Startup, Workload

INTAKE_PAYLOAD = {
    "company": {
        "name": "Acme Analytics",
        "website": "https://acme.example",
        "country": "US",
        "state": "WA",
        "postal_code": "98101",
        "industry": "Software and Internet",
        "founded_on": "2023-05-10",
        "stage": "seed",
        "activate_org_id": "",
        "prior_activate_credits": "0.00",
        "aws_account_id": "210987654321",
        "aws_paid_plan": True,
        "uses_china_regions": False,
    },
    "founder": {"name": "Ada Founder", "email": "ada@acme.example"},
    "workload": {
        "use_case": "classification",
        "description": "We tag inbound support tickets by product area and urgency.",
        "region": "us-west-2",
        "monthly_requests": 400000,
        "monthly_growth": 0.04,
        "input_tokens": 1800,
        "cached_prefix_tokens": 1200,
        "output_tokens": 60,
        "cache_hit_rate": 0.9,
        "batch_share": 0.5,
        "escalation": {"sonnet": 0.05, "opus": 0.0},
        "baseline_tier": "opus",
    },
}


def intake_payload(*, email: str | None = None) -> dict:
    body = copy.deepcopy(INTAKE_PAYLOAD)
    if email:
        body["founder"]["email"] = email
    return body


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cloudroute.User"
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct horse battery staple")


class StartupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Startup

    founder = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Startup {n}")
    website = "https://startup.example"
    country = "US"
    state = "Washington"
    industry = "Software and Internet"
    founded_on = dt.date(2023, 5, 10)
    stage = Stage.SEED
    aws_account_id = "210987654321"
    aws_paid_plan = True


class WorkloadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workload

    startup = factory.SubFactory(StartupFactory)
    use_case = UseCase.CLASSIFICATION
    description = "We classify support tickets by urgency and product area."
    region = "us-west-2"
    monthly_requests = 400_000
    monthly_growth = 0.04
    input_tokens = 1800
    cached_prefix_tokens = 1200
    output_tokens = 60
    cache_hit_rate = 0.9
    batch_share = 0.5
    escalation_sonnet = 0.05
    escalation_opus = 0.0


class IntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intake

    workload = factory.SubFactory(WorkloadFactory)
    startup = factory.SelfAttribute("workload.startup")
    founder = factory.SelfAttribute("workload.startup.founder")
    # A factory intake is confirmed, as every intake with a founder is.
    email = factory.LazyAttribute(lambda o: o.founder.email if o.founder else "new@founder.example")
    founder_name = factory.LazyAttribute(lambda o: o.founder.full_name if o.founder else "New")
    confirmed_at = factory.LazyFunction(timezone.now)
    access_token_hash = factory.Sequence(
        lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest()
    )


class CreditProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditProgram
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"program_{n}")
    name = factory.Sequence(lambda n: f"Program {n}")
    family = ProgramFamily.ACTIVATE
    filed_by = FiledBy.FOUNDER
    amount_min = Decimal("0")
    amount_max = Decimal("100000")
    typical_amount = Decimal("25000")
    effective_from = dt.date(2025, 1, 1)
    source_url = "https://aws.amazon.com/startups/credits"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    tier = PartnerTier.ADVANCED
    competencies = ["generative_ai"]
    countries = ["US"]
    regions = ["us-west-2"]
    stages = ["seed"]


class PartnerMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMembership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    workload = factory.SubFactory(WorkloadFactory)
    startup = factory.SelfAttribute("workload.startup")
    partner = factory.SubFactory(PartnerFactory)
    offered_at = factory.LazyFunction(timezone.now)
    accept_by = factory.LazyAttribute(lambda lead: lead.offered_at + dt.timedelta(hours=4))


class CreditApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditApplication

    startup = factory.SubFactory(StartupFactory)
    program = factory.SubFactory(CreditProgramFactory)
    requested_amount = Decimal("25000.00")
