"""Load demo data for a laptop run (docs/architecture.md#demo-data). Safe to run again: it
updates in place."""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from credits.models import CreditProgram
from credits.programs_data import load_programs
from credits.services import startup_credits_refresh
from matching.models import (
    Intake,
    IntakeStatus,
    Lead,
    Partner,
    PartnerMembership,
    PartnerTier,
    RoutingSettings,
)
from matching.services import intake_token_hash, lead_assign
from workloads.choices import Stage, UseCase
from workloads.models import ModelPrice, PriceBook, Startup, TierDefault, Workload
from workloads.pricebook_data import load_price_books

DEMO_PASSWORD = "demo"  # noqa: S105 - DEBUG-only demo logins, refused otherwise

PARTNERS = [
    # slug, name, tier, countries, competencies. Northwind and Bluebird pass every hard filter
    # for a US startup and hold the same competencies, so their scores stay within the fairness
    # margin and new intakes from `make run` alternate between the two demo partner logins.
    (
        "northwind",
        "Northwind Cloud",
        PartnerTier.PREMIER,
        ["US", "CA"],
        ["generative_ai", "machine_learning"],
    ),
    (
        "bluebird",
        "Bluebird Consulting",
        PartnerTier.ADVANCED,
        ["US", "GB", "DE"],
        ["generative_ai", "machine_learning", "devops"],
    ),
    ("cedar-labs", "Cedar Labs", PartnerTier.ADVANCED, ["US"], ["generative_ai", "data_analytics"]),
    ("fjord-ai", "Fjord AI", PartnerTier.SELECT, ["DE", "FR", "NL", "SE"], ["generative_ai"]),
    (
        "harbor-data",
        "Harbor Data",
        PartnerTier.SELECT,
        ["GB", "IE"],
        ["data_analytics", "machine_learning"],
    ),
    ("summit-ops", "Summit Ops", PartnerTier.ADVANCED, ["US", "MX"], ["devops", "migration"]),
    (
        "lantern",
        "Lantern Systems",
        PartnerTier.PREMIER,
        ["IN", "SG"],
        ["generative_ai", "migration"],
    ),
    (
        "kestrel",
        "Kestrel Partners",
        PartnerTier.SELECT,
        ["AU", "NZ"],
        ["generative_ai", "machine_learning"],
    ),
    (
        "meridian",
        "Meridian Cloud",
        PartnerTier.ADVANCED,
        ["FR", "ES", "IT"],
        ["generative_ai", "security"],
    ),
    ("orca-labs", "Orca Labs", PartnerTier.SELECT, ["BR", "AR"], ["generative_ai"]),
    (
        "pinecone-works",
        "Pinecone Works",
        PartnerTier.ADVANCED,
        ["US", "CA"],
        ["machine_learning", "saas"],
    ),
    (
        "quartz",
        "Quartz Integration",
        PartnerTier.PREMIER,
        ["JP", "KR"],
        ["generative_ai", "data_analytics"],
    ),
]

STARTUPS = [
    # founder e-mail, founder name, company, stage, use case, requests, escalation (sonnet, opus)
    (
        "founder@acme.test",
        "Ada Acme",
        "Acme Analytics",
        Stage.SEED,
        UseCase.CLASSIFICATION,
        400_000,
        (0.05, 0.0),
    ),
    (
        "maya@tidewater.test",
        "Maya Chen",
        "Tidewater Health",
        Stage.SERIES_A,
        UseCase.RAG,
        1_200_000,
        (0.2, 0.02),
    ),
    (
        "sam@forgecode.test",
        "Sam Ortiz",
        "ForgeCode",
        Stage.PRE_SEED,
        UseCase.CODING,
        150_000,
        (0.5, 0.15),
    ),
    (
        "li@bramble.test",
        "Li Wei",
        "Bramble Support",
        Stage.SERIES_B,
        UseCase.SUPPORT_CHAT,
        3_000_000,
        (0.15, 0.02),
    ),
]

# Offered leads for the two partner logins: (founder e-mail, company) -> partner slug. None is
# accepted: an answer would give that firm a track record and tilt the next intakes its way.
DEMO_LEADS = {
    ("founder@acme.test", "Acme Analytics"): "northwind",
    ("maya@tidewater.test", "Tidewater Health"): "bluebird",
    ("sam@forgecode.test", "ForgeCode"): "northwind",
    ("li@bramble.test", "Bramble Support"): "bluebird",
}


class Command(BaseCommand):
    help = "Load credit programs, partners, startups and demo logins (password 'demo'). DEBUG only."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--retire-logins",
            action="store_true",
            help="Deactivate the demo logins (no usable password); their demo data stays. "
            "Works with DEBUG off: what `check --deploy` asks for.",
        )

    def handle(self, *args, **options):
        if options["retire_logins"]:
            retired = 0
            for user in get_user_model().objects.filter(is_demo=True, is_active=True):
                user.set_unusable_password()
                user.is_active = False
                user.save(update_fields=["password", "is_active"])
                retired += 1
            self.stdout.write(f"Retired {retired} demo login(s).")
            return
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates logins with the password 'demo'; run it with DEBUG on only."
            )
        with transaction.atomic():
            load_programs(CreditProgram)
            load_price_books(PriceBook, ModelPrice, TierDefault)
            self._users_and_partners()
            self._startups()
            self._checks()
            self._leads()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready. Logins (password 'demo'): operator@cloudroute.test, "
                "partner@northwind.test, partner@bluebird.test, founder@acme.test"
            )
        )

    def _user(self, email: str, name: str, *, staff: bool = False):
        user, _ = get_user_model().objects.update_or_create(
            email=email,
            defaults={
                "full_name": name,
                "is_staff": staff,
                "is_superuser": staff,
                "is_demo": True,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        return user

    def _users_and_partners(self) -> None:
        operator = self._user("operator@cloudroute.test", "Olive Operator", staff=True)
        today = timezone.localdate()
        for slug, name, tier, countries, competencies in PARTNERS:
            partner, _ = Partner.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "tier": tier,
                    "countries": countries,
                    "competencies": competencies,
                    "stages": [Stage.PRE_SEED, Stage.SEED, Stage.SERIES_A],
                    "capacity": 20,
                    "is_active": True,
                    "accepting_leads": True,
                    "away_until": None,
                    "vetted_on": today - dt.timedelta(days=90),
                    "vetting_expires_on": today + dt.timedelta(days=275),
                    "vetted_by": operator,
                    "contact_email": f"leads@{slug}.test",
                },
            )
            if slug in ("northwind", "bluebird"):
                user = self._user(f"partner@{slug}.test", f"{name} Partner")
                PartnerMembership.objects.update_or_create(
                    user=user, defaults={"partner": partner, "role": PartnerMembership.Role.ADMIN}
                )

    def _startups(self) -> None:
        for email, person, company, stage, use_case, requests, (sonnet, opus) in STARTUPS:
            founder = self._user(email, person)
            startup, _ = Startup.objects.update_or_create(
                founder=founder,
                name=company,
                defaults={
                    "website": f"https://{company.split()[0].lower()}.test",
                    "country": "US",
                    "state": "Washington",
                    "industry": "Software and Internet",
                    "founded_on": dt.date(2023, 5, 10),
                    "stage": stage,
                    "aws_account_id": f"{210987654321 + len(company):012d}",
                    "aws_paid_plan": True,
                },
            )
            workload = startup.workloads.first() or Workload.objects.create(
                startup=startup,
                use_case=use_case,
                description=f"{company} runs {use_case.label.lower()} on Bedrock for customers.",
                region="us-west-2",
                monthly_requests=requests,
                monthly_growth=0.04,
                input_tokens=1800,
                cached_prefix_tokens=1200,
                output_tokens=200,
                cache_hit_rate=0.85,
                batch_share=0.3,
                escalation_sonnet=sonnet,
                escalation_opus=opus,
            )
            Intake.objects.get_or_create(
                workload=workload,
                defaults={
                    "founder": founder,
                    "email": founder.email,
                    "founder_name": founder.full_name,
                    "confirmed_at": timezone.now(),
                    "startup": startup,
                    "status": IntakeStatus.READY,
                    "processed_at": timezone.now(),
                    "access_token_hash": intake_token_hash(secrets.token_urlsafe(32)),
                },
            )

    def _checks(self) -> None:
        """Each demo startup's eligibility and spend projection, as its intake's processing
        makes them, so the demo founder's dashboard is complete from the first visit. Only
        for a startup without them yet: running again changes nothing."""
        for email, _, company, *_ in STARTUPS:
            startup = Startup.objects.get(founder__email=email, name=company)
            if not startup.eligibility_snapshots.exists():
                startup_credits_refresh(startup_id=startup.pk)

    def _leads(self) -> None:
        """Offer each demo startup to its demo partner through the operators' service, so
        both partner logins have leads to work. Skips a startup that partner already had, or
        that has a live lead (routed since): running again changes nothing."""
        RoutingSettings.load()
        partners = {
            partner.slug: partner
            for partner in Partner.objects.filter(slug__in=set(DEMO_LEADS.values()))
        }
        for (email, company), slug in DEMO_LEADS.items():
            startup = Startup.objects.get(founder__email=email, name=company)
            partner = partners[slug]
            if Lead.objects.filter(startup=startup, partner=partner).exists() or (
                Lead.objects.filter(startup=startup, status__in=Lead.LIVE_STATUSES).exists()
            ):
                continue
            lead_assign(startup_id=startup.pk, partner_id=partner.pk, actor=None)
