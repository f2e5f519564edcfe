"""Seed the bench database with a realistic volume: startups with one workload and one stored
projection each, vetted partner firms, and leads with the routing decision behind each.

Bulk inserts only (no per-row services, no signals), so 10,000 startups, 500 partners and
50,000 decisions take well under a minute. Projections are real: one `workload_project` per
workload shape and credit mix, copied to the other workloads of that shape. Deterministic for
a given --seed. Prints one JSON line: the counts, seconds per step, and the bench partner's
API token for the inbox.

Run against an empty, migrated database (bench/stack.py does both):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cloudroute_bench \\
        .venv/bin/python bench/seed.py --startups 10000 --partners 500 --decisions 50000
"""

import argparse
import datetime as dt
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
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from matching.models import (  # noqa: E402
    DeclineReason,
    Lead,
    LeadStatus,
    Partner,
    PartnerMembership,
    PartnerTier,
    RoutingDecision,
    RoutingTrigger,
)
from workloads import services  # noqa: E402
from workloads.choices import Industry, Stage, UseCase  # noqa: E402
from workloads.models import Startup, Workload, WorkloadProjection  # noqa: E402
from workloads.spend import CreditGrant  # noqa: E402

BATCH = 2_000
BENCH_PARTNER_EMAIL = "inbox@partner.bench.example"
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--startups", type=int, default=10_000)
    parser.add_argument("--partners", type=int, default=500)
    parser.add_argument("--decisions", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    if min(args.startups, args.partners) < 1 or args.decisions < 0:
        parser.error("--startups and --partners must be positive, --decisions not negative")
    return args


def bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def founders_and_startups(rng: random.Random, count: int) -> list[Startup]:
    users = bulk(
        get_user_model(),
        [
            # "!" is Django's unusable password: no hashing cost, no way to sign in with it.
            get_user_model()(email=f"founder{i}@startup.bench.example", password="!")
            for i in range(count)
        ],
    )
    industries = list(Industry.values)
    startups = []
    for i, user in enumerate(users):
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


def leads_and_decisions(
    rng: random.Random, startups, workloads, firms: list[Partner], count: int
) -> tuple[int, int]:
    """`count` routing decisions spread over the startups, each with its lead. A startup's
    last lead may be live (offered or accepted); the earlier ones were declined or expired."""
    now = timezone.now()
    per_startup, extra = divmod(count, len(startups))
    leads, decisions = [], []
    for index, (startup, workload) in enumerate(zip(startups, workloads, strict=True)):
        rounds = min(len(firms), per_startup + (index < extra))
        offered_at = now - dt.timedelta(days=rng.uniform(1, 180))
        for number, firm in enumerate(rng.sample(firms, rounds)):
            last = number == rounds - 1
            status = (
                rng.choices(
                    [LeadStatus.ACCEPTED, LeadStatus.OFFERED, LeadStatus.DECLINED], [3, 1, 6]
                )[0]
                if last
                else rng.choice([LeadStatus.DECLINED, LeadStatus.EXPIRED])
            )
            if status == LeadStatus.OFFERED:
                offered_at = now - dt.timedelta(hours=rng.uniform(0, 40))
            accept_by = offered_at + dt.timedelta(hours=48)
            answered = status in (LeadStatus.ACCEPTED, LeadStatus.DECLINED)
            leads.append(
                Lead(
                    startup=startup,
                    workload=workload,
                    partner=firm,
                    status=status,
                    offered_at=offered_at,
                    accept_by=accept_by,
                    responded_at=offered_at + dt.timedelta(hours=rng.uniform(1, 60))
                    if answered
                    else None,
                    decline_reason=rng.choice(DeclineReason.values)
                    if status == LeadStatus.DECLINED
                    else "",
                )
            )
            trigger = RoutingTrigger.INTAKE if number == 0 else RoutingTrigger.DECLINED
            score = round(rng.uniform(0.4, 0.95), 4)
            decisions.append(
                RoutingDecision(
                    startup=startup,
                    chosen=firm,
                    trigger=trigger,
                    why=f"{firm.name} scored {score:.2f}, the highest of the eligible firms.",
                    ranking={
                        "candidates": [
                            {"partner": firm.pk, "score": score, "breakdown": WEIGHTS},
                        ],
                        "eligible": rng.randrange(100, len(firms) + 100),
                        "rejected_counts": {"country_not_served": rng.randrange(50, 200)},
                    },
                    weights=WEIGHTS,
                )
            )
            offered_at = accept_by + dt.timedelta(minutes=5)
    leads = bulk(Lead, leads)
    for decision, lead in zip(decisions, leads, strict=True):
        decision.lead = lead
    return len(leads), len(bulk(RoutingDecision, decisions))


def bench_partner_token(firm: Partner) -> str:
    user = get_user_model().objects.create_user(email=BENCH_PARTNER_EMAIL, password=None)
    PartnerMembership.objects.create(user=user, partner=firm)
    return Token.objects.create(user=user).key


def main(argv=None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    seconds = {}

    def step(name, fn, *fn_args):
        start = time.perf_counter()
        value = fn(*fn_args)
        seconds[name] = round(time.perf_counter() - start, 2)
        return value

    with transaction.atomic():
        startups = step("startups", founders_and_startups, rng, args.startups)
        workloads = step("workloads", workloads_for, rng, startups)
        projections = step("projections", projections_for, rng, workloads)
        firms = step("partners", partners, rng, args.partners)
        leads, decisions = step(
            "leads_and_decisions", leads_and_decisions, rng, startups, workloads, firms,
            args.decisions,
        )  # fmt: skip
        token = bench_partner_token(firms[0])
    summary = {
        "startups": len(startups),
        "workloads": len(workloads),
        "projections": projections,
        "partners": len(firms),
        "leads": leads,
        "decisions": decisions,
        "seconds": seconds,
        "partner_token": token,
        "partner_leads": Lead.objects.filter(partner=firms[0]).count(),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
