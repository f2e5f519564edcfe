"""`rank` (the fast path of issue 19: bit masks, index sorts, entries built when read) against
a straightforward reference written from the rules in matching/scoring.py's docstring: one
dict per partner, filters as a list of (code, fails), scores summed factor by factor, tuples
sorted. Seeded directories of a few hundred to 2,000 partners with deliberate ties (clones
with another id, shared last-assignment times), every filter failing somewhere, and several
weight sets. Everything must match exactly: the winner, every score and breakdown, the order
of candidates and rejections, the sentences and the stored decision. Plain Python.
"""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from matching.scoring import (
    FACTORS,
    HARD_FILTERS,
    STORED_CANDIDATES,
    STORED_REJECTIONS,
    TIE_TOLERANCE,
    LeadProfile,
    PartnerProfile,
    Weights,
    filter_message,
    rank,
)

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
COUNTRIES = ("US", "GB", "DE", "FR", "IN")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1")
STAGES = ("pre_seed", "seed", "series_a", "series_b")
INDUSTRIES = ("Healthcare", "Retail", "Gaming")
COMPETENCIES = ("generative_ai", "machine_learning", "devops", "security")
TIER = {"select": 0.33, "advanced": 0.67, "premier": 1.0}


def reference(lead: LeadProfile, partners, weights: Weights, today: date) -> dict:
    """The rules, the plain way. Returns the chosen id, the candidates in order as
    (id, score, breakdown), the rejections in order as (id, failed codes) and the tie count."""
    shares = dict(zip(FACTORS, weights.normalised(), strict=True))
    wanted = lead.competencies | {"generative_ai", "machine_learning"}
    scored, rejected = [], []
    for p in partners:
        away = (
            p.away_until is not None
            and p.away_until >= today
            and (p.away_from is None or p.away_from <= today)
        )
        checks = [
            ("inactive", not p.is_active),
            ("vetting_expired", p.vetting_expires_on is None or p.vetting_expires_on < today),
            ("paused", not p.accepting_leads),
            ("away", away),
            ("at_capacity", p.open_leads >= p.capacity),
            ("country_not_served", bool(p.countries) and lead.country not in p.countries),
            ("region_not_served", bool(p.regions) and lead.region not in p.regions),
            ("missing_competency", not lead.competencies <= p.competencies),
            ("already_offered", p.id in lead.excluded_partner_ids),
        ]
        failed = tuple(code for code, fails in checks if fails)
        if failed:
            rejected.append((len(failed), p.id, failed))
            continue

        def focus(value, listed):
            return 1.0 if value in listed else (0.0 if listed else 0.5)

        breakdown = {
            "competency": len(wanted & p.competencies) / len(wanted),
            "stage": focus(lead.stage, p.stages),
            "industry": focus(lead.industry, p.industries),
            "track_record": p.track_record,
            "load": 1.0 - p.open_leads / p.capacity,
            "tier": TIER[p.tier],
        }
        score = 0.0
        for name in FACTORS:
            score += shares[name] * breakdown[name]
        never = p.last_assigned_at is None
        rotation = (not never, p.last_assigned_at or NOW, p.id)  # never assigned first
        scored.append(
            {"id": p.id, "score": min(score, 1.0), "breakdown": breakdown, "rot": rotation}
        )
    scored.sort(key=lambda c: (-c["score"], c["rot"]))
    rejected.sort()
    result = {"rejected": [(pid, failed) for _, pid, failed in rejected], "tied": 0}
    if not scored:
        return result | {"chosen": None, "candidates": []}
    best = scored[0]["score"]
    tied = [c for c in scored if c["score"] >= best - weights.margin - TIE_TOLERANCE]
    chosen = min(tied, key=lambda c: c["rot"])
    ranked = [chosen, *(c for c in scored if c is not chosen)]
    return result | {
        "chosen": chosen["id"],
        "candidates": [(c["id"], c["score"], c["breakdown"]) for c in ranked],
        "tied": len(tied),
    }


def directory(seed: int, size: int) -> list[PartnerProfile]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    assigned = [None, NOW - timedelta(days=3), NOW - timedelta(hours=5), NOW]
    partners = []
    for partner_id in rng.sample(range(1, size * 3), size):  # ids not in input order
        if partners and rng.random() < 0.3:  # a clone of an earlier firm: an exact tie
            fields = {f: getattr(rng.choice(partners), f) for f in FIELDS}
        else:
            capacity = rng.randint(0, 12)
            fields = {
                "tier": rng.choice(tuple(TIER)),
                "competencies": rng.sample(COMPETENCIES, rng.randint(1, 3)),
                "countries": rng.sample(COUNTRIES, rng.choice([0, 0, 0, 2, 3])),
                "regions": rng.sample(REGIONS, rng.choice([0, 0, 0, 2])),
                "stages": rng.sample(STAGES, rng.choice([0, 1, 2])),
                "industries": rng.sample(INDUSTRIES, rng.choice([0, 1])),
                "capacity": capacity,
                "open_leads": rng.randint(0, capacity + 1),
                "is_active": rng.random() < 0.95,
                "accepting_leads": rng.random() < 0.9,
                "away_until": rng.choice([None] * 8 + [TODAY - timedelta(days=1), TODAY]),
                "away_from": rng.choice([None, None, TODAY + timedelta(days=1)]),
                "vetting_expires_on": rng.choice(
                    [None, TODAY - timedelta(days=1), TODAY, *[TODAY + timedelta(days=90)] * 7]
                ),
                "acceptance_rate": rng.choice([None, 0.5, 0.75, rng.random()]),
                "sla_hit_rate": rng.choice([None, 0.9, rng.random()]),
                "approval_rate": rng.choice([None, rng.random()]),
                "median_days_to_credits": rng.choice([None, 30, rng.uniform(0, 150)]),
                "last_assigned_at": rng.choice(assigned),
            }
        partners.append(PartnerProfile(id=partner_id, name=f"Firm {partner_id}", **fields))
    return partners


FIELDS = (
    "tier", "competencies", "countries", "regions", "stages", "industries", "capacity",
    "open_leads", "is_active", "accepting_leads", "away_until", "away_from",
    "vetting_expires_on", "acceptance_rate", "sla_hit_rate", "approval_rate",
    "median_days_to_credits", "last_assigned_at",
)  # fmt: skip
WEIGHTS = [
    Weights(),
    Weights(margin=0),
    Weights(competency=0, stage=0, industry=0, track_record=0, load=0, tier=0, margin=0),
    Weights(competency=1, stage=5, industry=0, track_record=0.5, load=4, tier=2, margin=0.2),
]


def leads(seed: int, partners: list[PartnerProfile]) -> list[LeadProfile]:
    rng = random.Random(seed)  # noqa: S311
    ids = [p.id for p in partners]
    return [
        LeadProfile(
            country=rng.choice(COUNTRIES),
            region=rng.choice(REGIONS),
            stage=rng.choice(STAGES),
            industry=rng.choice(INDUSTRIES),
            competencies=frozenset(rng.sample(COMPETENCIES[:2], rng.randint(1, 2))),
            excluded_partner_ids=frozenset(rng.sample(ids, min(len(ids), rng.randint(0, 4)))),
        )
        for _ in range(4)
    ]


@pytest.mark.parametrize(("seed", "size"), [(1, 300), (2, 800), (3, 2000), (4, 40), (5, 1)])
@pytest.mark.parametrize("weights", WEIGHTS, ids=["default", "no-margin", "zero", "custom"])
def test_it_ranks_exactly_like_the_reference(seed, size, weights):
    partners = directory(seed, size)
    by_id = {p.id: p for p in partners}
    for lead in leads(seed, partners):
        expected = reference(lead, partners, weights, TODAY)

        ranking = rank(lead, iter(partners), weights, today=TODAY)
        stored = ranking.as_dict()

        assert (ranking.chosen and ranking.chosen.partner_id) == expected["chosen"]
        assert [(c.partner_id, c.score, c.breakdown) for c in ranking.candidates] == (
            expected["candidates"]
        )
        assert [(r.partner_id, r.failed) for r in ranking.rejected] == expected["rejected"]
        for rejection in ranking.rejected:
            partner = by_id[rejection.partner_id]
            messages = tuple(filter_message(code, partner, lead) for code in rejection.failed)
            assert rejection.messages == messages
        failed = Counter(code for _, codes in expected["rejected"] for code in codes)
        assert stored["failed_counts"] == {c: failed[c] for c in HARD_FILTERS if failed[c]}
        assert [row["partner_id"] for row in stored["candidates"]] == [
            c[0] for c in expected["candidates"][:STORED_CANDIDATES]
        ]
        assert [row["partner_id"] for row in stored["rejected"]] == [
            r[0] for r in expected["rejected"][:STORED_REJECTIONS]
        ]
        assert sum(row["within_margin"] for row in stored["candidates"]) == min(
            expected["tied"], STORED_CANDIDATES
        )
        assert stored == rank(lead, partners[::-1], weights, today=TODAY).as_dict()


def test_the_reference_cases_exercise_ties_and_every_filter():
    """The seeded directories are varied enough to mean something."""
    partners = directory(3, 2000)
    rejected, tied = Counter(), []
    for lead in leads(3, partners):
        expected = reference(lead, partners, Weights(), TODAY)
        rejected.update(code for _, codes in expected["rejected"] for code in codes)
        scores = [score for _, score, _ in expected["candidates"]]
        tied.append(len(scores) - len(set(scores)))  # candidates sharing an exact score

    assert set(rejected) == set(HARD_FILTERS)
    assert min(tied) > 0
