"""Seed the bench database with a realistic volume: founders with one startup, workload,
stored projection, eligibility snapshot and confirmed intake each, vetted partner firms, leads
with the routing decision behind each, and credit applications (with their events) for the
startups a firm accepted.

Bulk inserts only (no per-row services, no signals), so 10,000 startups, 500 partners and
50,000 decisions take well under a minute. Projections and the eligibility snapshot are real:
one `workload_project` per workload shape and credit mix, copied to the other workloads of
that shape; one `eligibility_evaluate`, copied to every startup. The bench partner (the first
firm) accepted --partner-accepted startups, so its application list fills a page. Deterministic
for a given --seed. Prints one JSON line: the counts, seconds per step, the bench partner's API
token for the inbox, and who bench/pages.py signs in as.

Run against an empty, migrated database (bench/stack.py does both):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cloudroute_bench \\
        .venv/bin/python bench/seed.py --startups 10000 --partners 500 --decisions 50000

`--more-workloads N` only adds N founders, startups, workloads and projections to a seeded
database (bench/stack.py --reproject: the nightly re-projection at 100,000).
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudroute.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from credits.models import (  # noqa: E402
    ApplicationEvent,
    ApplicationStatus,
    CreditApplication,
    CreditProgram,
    EligibilitySnapshot,
)
from credits.services import eligibility_evaluate  # noqa: E402
from matching.models import (  # noqa: E402
    DeclineReason,
    Intake,
    IntakeStatus,
    Lead,
    LeadNote,
    LeadStatus,
    Partner,
    PartnerMembership,
    PartnerTier,
    RoutingDecision,
    RoutingStatus,
    RoutingTrigger,
)
from workloads import services  # noqa: E402
from workloads.choices import Industry, Stage, UseCase  # noqa: E402
from workloads.models import Startup, Workload, WorkloadProjection  # noqa: E402
from workloads.spend import CreditGrant  # noqa: E402

BATCH = 2_000
BENCH_PARTNER_EMAIL = "inbox@partner.bench.example"  # a member: the API token
BENCH_ADMIN_EMAIL = "admin@partner.bench.example"  # a firm admin: the portal's lead page
# Where intakes in the bench come from (bench/locustfile.py): every firm serving it can win.
HOME = {"country": "US", "region": "us-west-2"}
COUNTRIES = ["US"] * 6 + ["GB", "DE", "FR", "IN", "CA", "BR", "JP", "AU"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1", "ap-northeast-1"]
COMPETENCIES = ["machine_learning", "devops", "data_analytics", "migration", "security", "saas"]
STAGES = [Stage.PRE_SEED, Stage.SEED, Stage.SEED, Stage.SERIES_A, Stage.BOOTSTRAPPED]
# (use case, monthly requests, input, cached prefix, output tokens, sonnet, opus shares)
SHAPES = [
    (UseCase.CLASSIFICATION, 400_000, 1_800, 1_200, 60, 0.05, 0.0),
    (UseCase.ROUTING_TRIAGE, 900_000, 900, 600, 20, 0.02, 0.0),
    (UseCase.EXTRACTION, 250_000, 4_000, 2_500, 400, 0.10, 0.0),
    (UseCase.SUMMARIZATION, 120_000, 8_000, 2_000, 500, 0.15, 0.02),
    (UseCase.SUPPORT_CHAT, 600_000, 3_000, 2_400, 250, 0.10, 0.01),
    (UseCase.RAG, 300_000, 6_000, 4_500, 600, 0.15, 0.05),
    (UseCase.CONTENT_GENERATION, 80_000, 1_500, 1_024, 1_200, 0.30, 0.05),
    (UseCase.CODING, 50_000, 12_000, 8_000, 1_500, 0.40, 0.20),
    (UseCase.MULTI_STEP_REASONING, 30_000, 10_000, 6_000, 2_000, 0.30, 0.30),
]
CREDIT_MIXES = [
    (),
    (CreditGrant(1_000.0, 1, 12),),
    (CreditGrant(5_000.0, 1, 24), CreditGrant(25_000.0, 3, 12)),
]
WEIGHTS = {"fit": 0.35, "capacity": 0.2, "track_record": 0.25, "fairness": 0.2}
S = ApplicationStatus
# An application's path to each status, as its events record it.
PATHS = {
    S.DRAFT: [S.DRAFT],
    S.SUBMITTED: [S.DRAFT, S.SUBMITTED],
    S.IN_REVIEW: [S.DRAFT, S.SUBMITTED, S.IN_REVIEW],
    S.APPROVED: [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.APPROVED],
    S.CREDITS_ISSUED: [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.CREDITS_ISSUED],
    S.REJECTED: [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.REJECTED],
}
STATUS_WEIGHTS = [2, 2, 2, 1.5, 1.5, 1]
PROGRAMS = ("bedrock_poc", "activate_founders", "activate_portfolio")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--startups", type=int, default=10_000)
    parser.add_argument("--partners", type=int, default=500)
    parser.add_argument("--decisions", type=int, default=50_000)
    parser.add_argument(
        "--partner-accepted",
        type=int,
        default=60,
        help="startups whose live lead the bench partner accepted (its application list)",
    )
    parser.add_argument(
        "--more-workloads",
        type=int,
        default=0,
        help="only add this many founders, startups, workloads and projections",
    )
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    if min(args.startups, args.partners, args.partner_accepted) < 1:
        parser.error("--startups, --partners and --partner-accepted must be positive")
    if min(args.decisions, args.more_workloads) < 0:
        parser.error("--decisions and --more-workloads must not be negative")
    return args


def bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def founders_and_startups(rng: random.Random, count: int, offset: int = 0) -> list[Startup]:
    numbers = range(offset, offset + count)
    users = bulk(
        get_user_model(),
        [
            # "!" is Django's unusable password: no hashing cost, no way to sign in with it.
            get_user_model()(
                email=f"founder{i}@startup.bench.example", password="!", full_name=f"Founder {i}"
            )
            for i in numbers
        ],
    )
    industries = list(Industry.values)
    startups = []
    for i, user in zip(numbers, users, strict=True):
        country = rng.choice(COUNTRIES)
        startups.append(
            Startup(
                founder=user,
                name=f"Bench Startup {i}",
                website=f"https://startup{i}.bench.example",
                country=country,
                state="WA" if country == "US" else "",
                industry=rng.choice(industries),
                founded_on=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2_000)),
                stage=rng.choice(STAGES),
                aws_account_id=f"{rng.randrange(10**12):012d}",
                aws_paid_plan=rng.random() < 0.8,
            )
        )
    return bulk(Startup, startups)


def workloads_for(rng: random.Random, startups: list[Startup]) -> list[Workload]:
    workloads = []
    for startup in startups:
        use_case, requests, tokens_in, prefix, tokens_out, sonnet, opus = rng.choice(SHAPES)
        workloads.append(
            Workload(
                startup=startup,
                use_case=use_case,
                description=f"{UseCase(use_case).label} for {startup.name}.",
                region=HOME["region"] if rng.random() < 0.5 else rng.choice(REGIONS),
                monthly_requests=int(requests * rng.uniform(0.5, 2.0)),
                monthly_growth=rng.choice([0.0, 0.02, 0.05, 0.1]),
                input_tokens=tokens_in,
                cached_prefix_tokens=prefix,
                output_tokens=tokens_out,
                cache_hit_rate=rng.choice([0.5, 0.8, 0.9]),
                batch_share=rng.choice([0.0, 0.2, 0.5]),
                escalation_sonnet=sonnet,
                escalation_opus=opus,
            )
        )
    return bulk(Workload, workloads)


def projections_for(rng: random.Random, workloads: list[Workload]) -> int:
    """One stored projection per workload: computed once per (shape, credits) by the real
    service, copied to the other workloads sharing them (their figures would differ only by
    volume, which the bench does not read; re-projection recomputes them all anyway)."""
    templates: dict[tuple, WorkloadProjection] = {}
    rows = []
    for workload in workloads:
        credits = rng.choice(CREDIT_MIXES)
        key = (workload.use_case, credits)
        template = templates.get(key)
        if template is None:
            template = templates[key] = services.workload_project(
                workload_id=workload.pk, credits=credits
            )
            continue
        rows.append(
            WorkloadProjection(
                workload=workload,
                price_book_id=template.price_book_id,
                inputs=template.inputs,
                result=template.result,
                scenarios=template.scenarios,
            )
        )
    return len(bulk(WorkloadProjection, rows)) + len(templates)


def partners(rng: random.Random, count: int) -> list[Partner]:
    today = timezone.localdate()
    rows = []
    for i in range(count):
        home = i == 0 or rng.random() < 0.6  # the bench partner always serves the intakes
        countries = sorted({HOME["country"], *rng.sample(COUNTRIES, 2)} if home else {"DE"})
        rows.append(
            Partner(
                name=f"Bench Partner {i}",
                slug=f"bench-partner-{i}",
                tier=rng.choice(PartnerTier.values),
                competencies=sorted({"generative_ai", *rng.sample(COMPETENCIES, 2)}),
                countries=countries,
                regions=sorted({HOME["region"], *rng.sample(REGIONS, 2)} if home else REGIONS[:2]),
                stages=[],
                capacity=rng.randrange(20, 60),
                vetted_on=today - dt.timedelta(days=rng.randrange(30, 300)),
                vetting_expires_on=today + dt.timedelta(days=rng.randrange(60, 400)),
                contact_email=f"partner{i}@partner.bench.example",
            )
        )
    return bulk(Partner, rows)


def lead_rounds(rng: random.Random, firms: list[Partner], rounds: int, bench_accepts: bool):
    """The firms a startup was offered to, in order, and how each lead ended: the earlier
    ones declined or expired; the last may be live (offered or accepted). `bench_accepts`:
    the last is the bench partner's (the first firm), accepted."""
    if bench_accepts:
        chosen = [*rng.sample(firms[1:], max(0, rounds - 1)), firms[0]]
    else:
        chosen = rng.sample(firms, rounds)
    for number, firm in enumerate(chosen):
        if number < len(chosen) - 1:
            yield firm, rng.choice([LeadStatus.DECLINED, LeadStatus.EXPIRED])
        elif bench_accepts:
            yield firm, LeadStatus.ACCEPTED
        else:
            statuses = [LeadStatus.ACCEPTED, LeadStatus.OFFERED, LeadStatus.DECLINED]
            yield firm, rng.choices(statuses, [3, 1, 6])[0]


def lead_row(rng: random.Random, startup, workload, firm, status, offered_at) -> Lead:
    answered = status in (LeadStatus.ACCEPTED, LeadStatus.DECLINED)
    return Lead(
        startup=startup,
        workload=workload,
        partner=firm,
        status=status,
        offered_at=offered_at,
        accept_by=offered_at + dt.timedelta(hours=48),
        responded_at=offered_at + dt.timedelta(hours=rng.uniform(1, 60)) if answered else None,
        decline_reason=rng.choice(DeclineReason.values) if status == LeadStatus.DECLINED else "",
    )


def decision_row(rng: random.Random, startup, firm, number: int, firms: int) -> RoutingDecision:
    score = round(rng.uniform(0.4, 0.95), 4)
    return RoutingDecision(
        startup=startup,
        chosen=firm,
        trigger=RoutingTrigger.INTAKE if number == 0 else RoutingTrigger.DECLINED,
        why=f"{firm.name} scored {score:.2f}, the highest of the eligible firms.",
        ranking={
            "candidates": [{"partner": firm.pk, "score": score, "breakdown": WEIGHTS}],
            "eligible": rng.randrange(100, firms + 100),
            "rejected_counts": {"country_not_served": rng.randrange(50, 200)},
        },
        weights=WEIGHTS,
    )


def leads_and_decisions(
    rng: random.Random, startups, workloads, firms: list[Partner], count: int, bench_accepted: int
) -> list[Lead]:
    """`count` routing decisions spread over the startups, each with its lead (see
    `lead_rounds`); the first `bench_accepted` startups end with the bench partner's accepted
    lead. Returns the leads."""
    now = timezone.now()
    per_startup, extra = divmod(count, len(startups))
    leads, decisions = [], []
    for index, (startup, workload) in enumerate(zip(startups, workloads, strict=True)):
        bench_accepts = index < bench_accepted
        rounds = min(len(firms), max(per_startup + (index < extra), bench_accepts))
        offered_at = now - dt.timedelta(days=rng.uniform(1, 180))
        for number, (firm, status) in enumerate(lead_rounds(rng, firms, rounds, bench_accepts)):
            if status == LeadStatus.OFFERED:
                offered_at = now - dt.timedelta(hours=rng.uniform(0, 40))
            leads.append(lead_row(rng, startup, workload, firm, status, offered_at))
            decisions.append(decision_row(rng, startup, firm, number, len(firms)))
            offered_at = leads[-1].accept_by + dt.timedelta(minutes=5)
    leads = bulk(Lead, leads)
    for decision, lead in zip(decisions, leads, strict=True):
        decision.lead = lead
    bulk(RoutingDecision, decisions)
    return leads


def intakes_for(startups, workloads, leads: list[Lead]) -> int:
    """One confirmed, processed intake per startup, routed as its last lead stands."""
    live = {lead.startup_id: lead.status for lead in leads if lead.status in Lead.LIVE_STATUSES}
    routing = {
        LeadStatus.ACCEPTED: RoutingStatus.ACCEPTED,
        LeadStatus.OFFERED: RoutingStatus.OFFERED,
    }
    now = timezone.now()
    rows = [
        Intake(
            founder_id=startup.founder_id,
            email=startup.founder.email,
            founder_name=startup.founder.full_name,
            confirmed_at=now,
            startup=startup,
            workload=workload,
            status=IntakeStatus.READY,
            access_token_hash=hashlib.sha256(f"bench-intake-{startup.pk}".encode()).hexdigest(),
            routing_status=routing.get(live.get(startup.pk), RoutingStatus.UNROUTED),
            processed_at=now,
        )
        for startup, workload in zip(startups, workloads, strict=True)
    ]
    return len(bulk(Intake, rows))


def snapshots_for(startups) -> int:
    """One real eligibility snapshot, copied to every other startup."""
    template = eligibility_evaluate(startup_id=startups[0].pk)
    rows = [
        EligibilitySnapshot(
            startup=startup,
            rule_version=template.rule_version,
            inputs=template.inputs,
            result=template.result,
            total_expected=template.total_expected,
        )
        for startup in startups[1:]
    ]
    return len(bulk(EligibilitySnapshot, rows)) + 1


def application_rows(rng: random.Random, startup_id: int, programs, statuses) -> list:
    """(application, its status path) for each program, events to be written after."""
    rows = []
    for program, status in zip(programs, statuses, strict=True):
        amount = program.typical_amount
        application = CreditApplication(
            startup_id=startup_id,
            program=program,
            status=status,
            requested_amount=amount,
            approved_amount=amount if status in (S.APPROVED, S.CREDITS_ISSUED) else None,
            issued_amount=amount if status == S.CREDITS_ISSUED else None,
            ace_opportunity_id=f"O{rng.randrange(10**9)}" if status != S.DRAFT else "",
        )
        rows.append((application, PATHS[status]))
    return rows


def applications_for(rng: random.Random, leads: list[Lead], first_startup_id: int) -> tuple:
    """One or two applications (distinct programs) with their events for every startup whose
    live lead was accepted. The first startup (bench/pages.py's founder and lead) has a draft,
    which the lead page prechecks, and one in review."""
    programs = [
        CreditProgram.objects.filter(code=code).latest("effective_from") for code in PROGRAMS
    ]
    rows = []
    for lead in leads:
        if lead.status != LeadStatus.ACCEPTED:
            continue
        if lead.startup_id == first_startup_id:
            chosen, statuses = programs[:2], [S.DRAFT, S.IN_REVIEW]
        else:
            chosen = rng.sample(programs, rng.choice([1, 1, 2]))
            statuses = rng.choices(list(PATHS), STATUS_WEIGHTS, k=len(chosen))
        rows += application_rows(rng, lead.startup_id, chosen, statuses)
    applications = bulk(CreditApplication, [application for application, _ in rows])
    events = [
        ApplicationEvent(
            application=application,
            from_status=path[number - 1] if number else "",
            to_status=status,
            note="" if rng.random() < 0.7 else "Checked with the founder.",
        )
        for application, (_, path) in zip(applications, rows, strict=True)
        for number, status in enumerate(path)
    ]
    return len(applications), len(bulk(ApplicationEvent, events))


def bench_people(firm: Partner, lead: Lead) -> dict:
    """The bench partner's member (an API token for the inbox and the application list) and
    its admin (the portal's lead page, with two notes on the lead)."""
    member = get_user_model().objects.create_user(email=BENCH_PARTNER_EMAIL, password=None)
    PartnerMembership.objects.create(user=member, partner=firm)
    admin = get_user_model().objects.create_user(email=BENCH_ADMIN_EMAIL, password=None)
    PartnerMembership.objects.create(user=admin, partner=firm, role=PartnerMembership.Role.ADMIN)
    LeadNote.objects.bulk_create(
        [
            LeadNote(lead=lead, author=admin, body="Called the founder: the workload is live."),
            LeadNote(lead=lead, author=member, body="Sent the Bedrock POC checklist."),
        ]
    )
    Lead.objects.filter(pk=lead.pk).update(owner=admin)
    return {
        "partner_token": Token.objects.create(user=member).key,
        "pages": {
            "founder_id": lead.startup.founder_id,
            "partner_user_id": admin.pk,
            "lead_id": lead.pk,
        },
    }


def timed(seconds: dict):
    def step(name, fn, *fn_args):
        start = time.perf_counter()
        value = fn(*fn_args)
        seconds[name] = round(time.perf_counter() - start, 2)
        return value

    return step


def seed(args, rng: random.Random, step) -> dict:
    startups = step("startups", founders_and_startups, rng, args.startups)
    workloads = step("workloads", workloads_for, rng, startups)
    projections = step("projections", projections_for, rng, workloads)
    snapshots = step("snapshots", snapshots_for, startups)
    firms = step("partners", partners, rng, args.partners)
    leads = step(
        "leads_and_decisions", leads_and_decisions, rng, startups, workloads, firms,
        args.decisions, min(args.partner_accepted, len(startups)),
    )  # fmt: skip
    intakes = step("intakes", intakes_for, startups, workloads, leads)
    applications, events = step("applications", applications_for, rng, leads, startups[0].pk)
    first = next(
        lead
        for lead in leads
        if lead.partner_id == firms[0].pk and lead.startup_id == startups[0].pk
    )
    return {
        "startups": len(startups),
        "workloads": len(workloads),
        "projections": projections,
        "intakes": intakes,
        "snapshots": snapshots,
        "partners": len(firms),
        "leads": len(leads),
        "decisions": len(leads),
        "applications": applications,
        "application_events": events,
        **bench_people(firms[0], first),
        "partner_leads": sum(lead.partner_id == firms[0].pk for lead in leads),
        "partner_accepted": sum(
            lead.partner_id == firms[0].pk and lead.status == LeadStatus.ACCEPTED for lead in leads
        ),
    }


def more_workloads(args, rng: random.Random, step) -> dict:
    """`--more-workloads`: founders, startups, workloads and projections only, numbered after
    the ones there are."""
    offset = Startup.objects.count()
    startups = step("startups", founders_and_startups, rng, args.more_workloads, offset)
    workloads = step("workloads", workloads_for, rng, startups)
    projections = step("projections", projections_for, rng, workloads)
    return {"startups": len(startups), "workloads": len(workloads), "projections": projections}


def main(argv=None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    seconds: dict[str, float] = {}
    with transaction.atomic():
        if args.more_workloads:
            summary = more_workloads(args, rng, timed(seconds))
        else:
            summary = seed(args, rng, timed(seconds))
    # What autovacuum would have done by the time production had this much data (CI's
    # PostgreSQL runs with it off): without statistics, the planner took the application
    # list's 150 events for 1,160 and hash-joined them with all 10,000 users: 8 ms a page.
    start = time.perf_counter()
    with connection.cursor() as cursor:  # outside a transaction: VACUUM cannot run in one
        cursor.execute("VACUUM ANALYZE")
    seconds["vacuum_analyze"] = round(time.perf_counter() - start, 2)
    print(json.dumps({**summary, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
