"""A world of rows for the query budgets: every table a page or list reads, grown in bulk
(a few queries per table) so the same page can be measured with 10 rows and with 500."""

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.authtoken.models import Token

from cloudroute.models import User
from credits.models import (
    ApplicationEvent,
    ApplicationStatus,
    BillingAccess,
    CreditApplication,
    CreditGrant,
    CreditProgram,
    EligibilitySnapshot,
    MonthlySpendActual,
)
from credits.services import eligibility_evaluate
from matching.models import (
    Commission,
    IdempotencyKey,
    Intake,
    IntakeStatus,
    JoinApplication,
    Lead,
    LeadNote,
    LeadStatus,
    Partner,
    PartnerMembership,
    RoutingDecision,
    RoutingStatus,
    RoutingTrigger,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.factories import (
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    StartupFactory,
    UserFactory,
    WorkloadFactory,
)
from workloads.models import AuditEvent, ModelPrice, PriceBook, Startup, Workload
from workloads.services import workload_project

_serial = itertools.count()
PROGRAM = "bedrock_poc"  # shipped by the data migration


@dataclass
class World:
    """The people each page is read as, and the rows every page of theirs is about."""

    operator: User
    founder: User
    partner: Partner
    partner_user: User
    partner_token: str
    intake: Intake
    lead: Lead
    application: CreditApplication
    decision: RoutingDecision
    program: CreditProgram
    webhook: WebhookEndpoint
    size: int = 0


def world_create() -> World:
    """The founder's startup (intake, projection, accepted lead) and its partner firm; no
    bulk rows yet (see `world_grow`)."""
    operator = UserFactory(email="operator@cloudroute.test", is_staff=True, is_superuser=True)
    partner = PartnerFactory(name="Firm", slug="firm")
    partner_user = UserFactory(email="ana@firm.test")
    # An admin of its firm, so the admins' pages (webhooks) are measured too.
    PartnerMembership.objects.create(
        user=partner_user, partner=partner, role=PartnerMembership.Role.ADMIN
    )
    webhook = WebhookEndpoint.objects.create(
        partner=partner, url="https://crm.firm.example/hook", events=["lead.offered"]
    )
    intake = IntakeFactory(status=IntakeStatus.READY, routing_status=RoutingStatus.ACCEPTED)
    workload_project(workload_id=intake.workload_id)
    eligibility_evaluate(startup_id=intake.startup_id)
    lead = LeadFactory(
        partner=partner,
        workload=intake.workload,
        status=LeadStatus.ACCEPTED,
        responded_at=timezone.now(),
    )
    program = CreditProgram.objects.filter(code=PROGRAM).latest("effective_from")
    application = CreditApplication.objects.create(
        startup=intake.startup, program=program, requested_amount=Decimal("25000.00")
    )
    decision = RoutingDecision.objects.create(
        startup=intake.startup,
        lead=lead,
        chosen=partner,
        trigger=RoutingTrigger.INTAKE,
        why="Best score.",
        ranking=_ranking(partner),
        weights={"competency": 1.0},
    )
    return World(
        operator=operator,
        founder=intake.founder,
        partner=partner,
        partner_user=partner_user,
        partner_token=Token.objects.create(user=partner_user).key,
        intake=intake,
        lead=lead,
        application=application,
        decision=decision,
        program=program,
        webhook=webhook,
    )


def _ranking(partner: Partner) -> dict:
    candidate = {"partner_id": partner.pk, "name": partner.name, "score": 0.9, "breakdown": {}}
    return {"chosen": candidate, "candidates": [candidate], "rejected": []}


def world_grow(world: World, size: int) -> None:
    """Add rows until every table the pages read holds `size` rows of its kind (for the
    founder's startup, the partner firm, and operators alike); a few queries per table."""
    count = size - world.size
    world.size = size
    batch = [next(_serial) for _ in range(count)]
    now = timezone.now()

    users = User.objects.bulk_create(
        User(email=f"bulk{n}@founder.test", password="!", full_name=f"Bulk {n}") for n in batch
    )
    startups = Startup.objects.bulk_create(
        StartupFactory.build(founder=user, name=f"Bulk {n}")
        for n, user in zip(batch, users, strict=True)
    )
    workloads = Workload.objects.bulk_create(
        WorkloadFactory.build(startup=startup) for startup in startups
    )
    Intake.objects.bulk_create(
        Intake(
            founder=startup.founder,
            email=startup.founder.email,
            confirmed_at=now,
            startup=startup,
            workload=workload,
            access_token_hash=f"bulk-{n}",
            routing_status=RoutingStatus.UNROUTED if n % 2 else RoutingStatus.OFFERED,
        )
        for n, startup, workload in zip(batch, startups, workloads, strict=True)
    )
    # The founder's older intakes (the dashboard lists them; its latest stays the main one).
    founder_startups = Startup.objects.bulk_create(
        StartupFactory.build(founder=world.founder, name=f"Older {n}") for n in batch
    )
    founder_workloads = Workload.objects.bulk_create(
        WorkloadFactory.build(startup=startup) for startup in founder_startups
    )
    Intake.objects.bulk_create(
        Intake(
            founder=world.founder,
            email=world.founder.email,
            confirmed_at=now,
            startup=workload.startup,
            workload=workload,
            access_token_hash=f"founder-{n}",
        )
        for n, workload in zip(batch, founder_workloads, strict=True)
    )
    Intake.objects.filter(pk=world.intake.pk).update(created_at=now + dt.timedelta(days=1))

    leads = Lead.objects.bulk_create(
        Lead(
            startup=workload.startup,
            workload=workload,
            partner=world.partner,
            status=LeadStatus.ACCEPTED if n % 2 else LeadStatus.OFFERED,
            offered_at=now - dt.timedelta(minutes=n),
            accept_by=now + dt.timedelta(hours=4),
        )
        for n, workload in zip(batch, workloads, strict=True)
    )
    JoinApplication.objects.bulk_create(
        JoinApplication(
            firm_name=f"Applicant {n}",
            website="https://applicant.example",
            contact_name="Ada",
            contact_email=f"ada{n}@applicant.example",
            tier="select",
            ace_access=bool(n % 2),
            competencies=["generative_ai"],
            evidence=[{"designation": "GenAI", "url": "https://applicant.example/x"}],
            regions=["us-east-1"],
            countries=["US"],
            reference_customer="Acme",
            reference_contact="rita@acme.example",
            status="refused" if n % 2 else "submitted",
            refusal_reason="No evidence." if n % 2 else "",
            reviewed_by=world.operator if n % 2 else None,
        )
        for n in batch
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=world.webhook,
            event_key=f"lead:{lead.pk}:lead.offered",
            event_type="lead.offered",
            payload={"data": {"lead": {"id": lead.pk}}},
            attempts=n % 3,
            last_status_code=500 if n % 3 else None,
        )
        for n, lead in zip(batch, leads, strict=True)
    )
    LeadNote.objects.bulk_create(
        LeadNote(lead=lead, author=world.partner_user, body="Called them.")
        for lead in [*leads, *([world.lead] * count)]
    )
    RoutingDecision.objects.bulk_create(
        RoutingDecision(
            startup=lead.startup,
            lead=lead,
            chosen=world.partner,
            actor=world.operator,
            trigger=RoutingTrigger.INTAKE,
            why="Best score.",
            ranking=_ranking(world.partner),
            weights={"competency": 1.0},
        )
        for lead in leads
    )
    lead_type = ContentType.objects.get_for_model(Lead)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=world.operator,
            action="lead.assigned",
            content_type=lead_type,
            object_id=str(lead.pk),
            object_repr=str(lead.pk),
        )
        for lead in leads
    )
    # What the founder did (their account page and export list these).
    intake_type = ContentType.objects.get_for_model(Intake)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=world.founder,
            action="intake.submitted",
            content_type=intake_type,
            object_id=str(world.intake.pk),
            object_repr=str(world.intake.pk),
        )
        for _ in batch
    )
    # Copies of the founder's real snapshot: for the bulk startups, and re-evaluations of its.
    snapshot = EligibilitySnapshot.objects.filter(startup=world.intake.startup).first()
    EligibilitySnapshot.objects.bulk_create(
        EligibilitySnapshot(
            startup=startup,
            rule_version=snapshot.rule_version,
            inputs=snapshot.inputs,
            result=snapshot.result,
            total_expected=snapshot.total_expected,
        )
        for startup in [*startups, *([world.intake.startup] * count)]
    )
    BillingAccess.objects.bulk_create(
        BillingAccess(startup=startup, role_arn=f"arn:aws:iam::123456789012:role/bulk-{n}")
        for n, startup in zip(batch, startups, strict=True)
    )
    first_month = timezone.localdate().replace(day=1)
    MonthlySpendActual.objects.bulk_create(
        MonthlySpendActual(
            startup=world.intake.startup,
            month=_add_months(first_month, n),
            bedrock_cost=Decimal("10.00"),
        )
        for n in batch
    )
    _grow_applications(world, batch)
    _grow_lookup_tables(world, batch, users)


def _grow_applications(world: World, batch: list[int]) -> None:
    """Closed applications of the founder's startup (the accepted lead's), half with credits
    issued, a grant and the firm's commission; two events each."""
    startup = world.intake.startup
    applications = CreditApplication.objects.bulk_create(
        CreditApplication(
            startup=startup,
            program=world.program,
            status=ApplicationStatus.CREDITS_ISSUED if n % 2 else ApplicationStatus.REJECTED,
            requested_amount=Decimal("25000.00"),
            issued_amount=Decimal("20000.00") if n % 2 else None,
            created_by=world.partner_user,
        )
        for n in batch
    )
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application=application, actor=world.partner_user, from_status=old, to_status=new
        )
        for application in applications
        for old, new in (
            ("", ApplicationStatus.DRAFT),
            (ApplicationStatus.DRAFT, application.status),
        )
    )
    issued = [app for app in applications if app.status == ApplicationStatus.CREDITS_ISSUED]
    today = timezone.localdate()
    CreditGrant.objects.bulk_create(
        CreditGrant(
            application=application,
            startup=startup,
            program=world.program,
            amount=application.issued_amount,
            issued_on=today,
            expires_on=today + dt.timedelta(days=365),
            covers_bedrock_third_party=True,
        )
        for application in issued
    )
    Commission.objects.bulk_create(
        Commission(
            application=application,
            partner=world.partner,
            credits_issued=application.issued_amount,
            rate=Decimal("0.0500"),
            amount=application.issued_amount * Decimal("0.05"),
        )
        for application in issued
    )


def _grow_lookup_tables(world: World, batch: list[int], users: list[User]) -> None:
    """Operators' smaller tables (firms, programs, prices) and the third-party admin pages."""
    partners = Partner.objects.bulk_create(
        PartnerFactory.build(name=f"Bulk firm {n}", slug=f"bulk-firm-{n}") for n in batch
    )
    PartnerMembership.objects.bulk_create(
        PartnerMembership(user=user, partner=partner)
        for user, partner in zip(users, partners, strict=True)
    )
    CreditProgram.objects.bulk_create(
        CreditProgram(
            code=f"bulk_{n}",
            name=f"Bulk program {n}",
            family=world.program.family,
            filed_by=world.program.filed_by,
            amount_max=Decimal("1000"),
            typical_amount=Decimal("500"),
            effective_from=dt.date(2024, 1, 1),
            source_url="https://aws.amazon.com/",
            is_active=False,
        )
        for n in batch
    )
    books = PriceBook.objects.bulk_create(
        PriceBook(slug=f"bulk-{n}", name=f"Bulk book {n}") for n in batch
    )
    ModelPrice.objects.bulk_create(
        ModelPrice(
            book=book,
            model_id=f"bulk.model-{n}",
            name=f"Bulk model {n}",
            tier="haiku",
            input=Decimal("1"),
            output=Decimal("5"),
            effective_from=dt.date(2024, 1, 1),
            supports_caching=False,
            source="bulk",
        )
        for n, book in zip(batch, books, strict=True)
    )
    IdempotencyKey.objects.bulk_create(
        IdempotencyKey(
            scope="intake",
            key=f"bulk-{n}",
            request_fingerprint="x",
            response_status=201,
            response_body={},
        )
        for n in batch
    )
    Group.objects.bulk_create(Group(name=f"Bulk {n}") for n in batch)
    Token.objects.bulk_create(
        Token(key=f"{n:040d}", user=user) for n, user in zip(batch, users, strict=True)
    )
    intervals = IntervalSchedule.objects.bulk_create(
        IntervalSchedule(every=n + 1, period=IntervalSchedule.MINUTES) for n in batch
    )
    PeriodicTask.objects.bulk_create(
        PeriodicTask(name=f"bulk-{n}", task="bulk.task", interval=interval)
        for n, interval in zip(batch, intervals, strict=True)
    )
    ClockedSchedule.objects.bulk_create(
        ClockedSchedule(clocked_time=timezone.now() + dt.timedelta(minutes=n)) for n in batch
    )
    CrontabSchedule.objects.bulk_create(
        CrontabSchedule(minute=str(n % 60), hour=str(n // 60), timezone="UTC") for n in batch
    )
    SolarSchedule.objects.bulk_create(
        SolarSchedule(event="sunrise", latitude=Decimal(n) / 1000, longitude=0) for n in batch
    )
    AccessAttempt.objects.bulk_create(
        AccessAttempt(
            username=f"bulk{n}",
            ip_address="10.0.0.1",
            user_agent="bulk",
            http_accept="*/*",
            path_info="/login/",
            get_data="",
            post_data="",
            failures_since_start=1,
        )
        for n in batch
    )
    AccessLog.objects.bulk_create(
        AccessLog(
            username=f"bulk{n}",
            ip_address="10.0.0.1",
            user_agent="bulk",
            http_accept="*/*",
            path_info="/login/",
        )
        for n in batch
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)
