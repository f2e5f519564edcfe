"""The scoring engine against docs/architecture.md#matching-rules and issue 5:
 hard filters, the score, fair rotation.

A baseline partner passes every filter; each case changes one thing. Then the score's
factors, the weights, the fairness margin, the stored decision, rotation fairness over 1,000
simulated leads, and properties that hold for any directory. Plain Python: no database.
"""

import gc
import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.scoring import (
    FACTORS,
    FILTER_MESSAGES,
    HARD_FILTERS,
    NEVER_VETTED_MESSAGE,
    STORED_CANDIDATES,
    STORED_REJECTIONS,
    Candidate,
    LeadProfile,
    PartnerProfile,
    Ranking,
    Rejection,
    Weights,
    failed_filters,
    rank,
)

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
LEAD = LeadProfile(country="DE", region="eu-central-1", stage="seed", industry="Healthcare")


def partner(partner_id: int = 1, **changes) -> PartnerProfile:
    """A partner that passes every filter for LEAD: worldwide, generalist, vetted, idle."""
    fields = {
        "id": partner_id,
        "name": f"Firm {partner_id}",
        "tier": "advanced",
        "competencies": frozenset({"generative_ai"}),
        "countries": frozenset(),
        "regions": frozenset(),
        "stages": frozenset(),
        "industries": frozenset(),
        "capacity": 10,
        "open_leads": 0,
        "vetting_expires_on": TODAY + 365 * DAY,
    }
    fields.update(changes)
    return PartnerProfile(**fields)


def run(partners, lead: LeadProfile = LEAD, weights: Weights | None = None) -> Ranking:
    return rank(lead, partners, weights or Weights(), today=TODAY)


def ids(candidates) -> list[int]:
    return [candidate.partner_id for candidate in candidates]


# --- hard filters -------------------------------------------------------------------------

ONE_FILTER = [
    ({"is_active": False}, "inactive", "The firm is deactivated in the partner directory."),
    ({"vetting_expires_on": None}, "vetting_expired", NEVER_VETTED_MESSAGE),
    (
        {"vetting_expires_on": TODAY - DAY},
        "vetting_expired",
        "Vetting expired on 24 November 2026.",
    ),
    ({"accepting_leads": False}, "paused", "Has paused new leads."),
    ({"away_until": TODAY}, "away", "Away until 25 November 2026."),
    ({"away_until": TODAY + 30 * DAY}, "away", "Away until 25 December 2026."),
    ({"open_leads": 10}, "at_capacity", "Has 10 open leads, capacity 10."),
    ({"capacity": 0}, "at_capacity", "Has 0 open leads, capacity 0."),
    (
        {"countries": {"US", "FR"}},
        "country_not_served",
        "Does not serve the startup's country (DE).",
    ),
    (
        {"regions": {"us-east-1"}},
        "region_not_served",
        "Does not serve the workload's AWS region (eu-central-1).",
    ),
    (
        {"competencies": {"devops", "machine_learning"}},
        "missing_competency",
        "Lacks competencies the workload needs: generative_ai.",
    ),
]


@pytest.mark.parametrize(("changes", "code", "message"), ONE_FILTER)
def test_it_rejects_a_partner_failing_one_filter(changes, code, message):
    ranking = run([partner(**changes)])

    assert ranking.candidates == ()
    assert ranking.chosen is None
    [rejection] = ranking.rejected
    assert (rejection.partner_id, rejection.name) == (1, "Firm 1")
    assert rejection.failed == (code,)
    assert rejection.messages == (message,)


def test_it_rejects_a_partner_already_offered_this_startup():
    lead = replace(LEAD, excluded_partner_ids=frozenset({1}))

    [rejection] = run([partner(1)], lead).rejected

    assert rejection.failed == ("already_offered",)
    assert rejection.messages == ("Was already offered this startup.",)


def test_it_records_every_failed_filter_in_order():
    lead = replace(
        LEAD, competencies=frozenset({"generative_ai", "security"}), excluded_partner_ids={7}
    )
    everything_wrong = partner(
        7,
        is_active=False,
        vetting_expires_on=TODAY - 10 * DAY,
        accepting_leads=False,
        away_until=TODAY + DAY,
        open_leads=12,
        capacity=10,
        countries={"US"},
        regions={"us-west-2"},
        competencies={"devops"},
    )

    [rejection] = run([everything_wrong], lead).rejected

    assert rejection.failed == HARD_FILTERS
    assert rejection.messages == (
        "The firm is deactivated in the partner directory.",
        "Vetting expired on 15 November 2026.",
        "Has paused new leads.",
        "Away until 26 November 2026.",
        "Has 12 open leads, capacity 10.",
        "Does not serve the startup's country (DE).",
        "Does not serve the workload's AWS region (eu-central-1).",
        "Lacks competencies the workload needs: generative_ai, security.",
        "Was already offered this startup.",
    )
    assert failed_filters(everything_wrong, lead, today=TODAY) == HARD_FILTERS


def test_it_records_two_failures_and_lists_near_misses_first():
    partners = [
        partner(1, is_active=False, countries={"US"}, open_leads=10),
        partner(2, accepting_leads=False, regions={"us-east-1"}),
        partner(3, away_until=TODAY),
        partner(4),
    ]

    ranking = run(partners)

    assert [r.failed for r in ranking.rejected] == [
        ("away",),
        ("paused", "region_not_served"),
        ("inactive", "at_capacity", "country_not_served"),
    ]
    assert ids([ranking.chosen]) == [4]


def test_it_has_a_sentence_for_every_filter():
    assert set(FILTER_MESSAGES) == set(HARD_FILTERS)


def test_it_treats_empty_countries_and_regions_as_everywhere():
    worldwide = partner(1, countries=frozenset(), regions=frozenset())
    listed = partner(2, countries={"DE", "AT"}, regions={"eu-central-1"})

    ranking = run([worldwide, listed])

    assert sorted(ids(ranking.candidates)) == [1, 2]
    assert ranking.rejected == ()


@pytest.mark.parametrize(
    ("open_leads", "capacity", "passes"),
    [(9, 10, True), (10, 10, False), (11, 10, False), (0, 1, True), (0, 0, False)],
)
def test_it_rejects_at_capacity_only_when_full(open_leads, capacity, passes):
    ranking = run([partner(open_leads=open_leads, capacity=capacity)])

    assert (ranking.chosen is not None) is passes


@pytest.mark.parametrize(
    ("expires_on", "passes"),
    [(TODAY + 30 * DAY, True), (TODAY, True), (TODAY - DAY, False), (None, False)],
)
def test_it_accepts_vetting_through_its_last_day(expires_on, passes):
    ranking = run([partner(vetting_expires_on=expires_on)])

    assert (ranking.chosen is not None) is passes


@pytest.mark.parametrize(
    ("away_until", "passes"),
    [(None, True), (TODAY - DAY, True), (TODAY, False), (TODAY + DAY, False)],
)
def test_it_treats_away_until_as_the_last_day_away(away_until, passes):
    ranking = run([partner(away_until=away_until)])

    assert (ranking.chosen is not None) is passes


def test_it_never_chooses_a_partner_already_offered_even_the_best():
    best = partner(1, tier="premier", stages={"seed"}, industries={"Healthcare"})
    plain = partner(2, tier="select")
    lead = replace(LEAD, excluded_partner_ids=frozenset({1}))

    ranking = run([best, plain], lead)

    assert ranking.chosen.partner_id == 2
    assert ids(ranking.candidates) == [2]
    assert ranking.rejected[0].failed == ("already_offered",)


def test_it_chooses_nobody_when_every_partner_fails_and_says_why():
    ranking = run([partner(1, is_active=False), partner(2, open_leads=10), partner(3, capacity=0)])

    assert ranking.chosen is None
    assert ranking.candidates == ()
    assert ranking.why == (
        "No partner chosen: all 3 partners failed the hard filters (1 inactive, 2 at capacity)."
    )
    assert ranking.as_dict()["chosen"] is None


def test_it_chooses_nobody_from_an_empty_directory():
    ranking = run([])

    assert ranking.chosen is None
    assert ranking.why == "No partner chosen: there are no partners in the directory."
    assert ranking.as_dict()["best_score"] is None


# --- the score ----------------------------------------------------------------------------


def test_it_breaks_the_score_down_by_factor():
    lead = replace(LEAD, competencies=frozenset({"generative_ai"}))
    firm = partner(
        tier="premier",
        competencies={"generative_ai", "devops"},  # wanted: generative_ai, machine_learning
        stages={"seed", "series_a"},
        industries={"Retail"},
        capacity=10,
        open_leads=4,
        acceptance_rate=0.8,
        sla_hit_rate=1.0,
        median_days_to_credits=45,  # 1 - 45/90 = 0.5
    )

    [candidate] = run([firm], lead).candidates

    assert candidate.breakdown == pytest.approx(
        {
            "competency": 0.5,
            "stage": 1.0,
            "industry": 0.0,
            "track_record": (0.8 + 1.0 + 0.5) / 3,
            "load": 0.6,
            "tier": 1.0,
        }
    )
    assert list(candidate.breakdown) == list(FACTORS)
    weighted = 3 * 0.5 + 2 * 1.0 + 1 * 0.0 + 3 * (2.3 / 3) + 2 * 0.6 + 1 * 1.0
    assert candidate.score == pytest.approx(weighted / 12)


@pytest.mark.parametrize(
    ("competencies", "expected"),
    [
        ({"generative_ai"}, 0.5),
        ({"generative_ai", "devops"}, 0.5),
        ({"generative_ai", "machine_learning"}, 1.0),
    ],
)
def test_it_scores_competencies_as_the_share_of_needed_and_nice_to_have(competencies, expected):
    [candidate] = run([partner(competencies=competencies)]).candidates

    assert candidate.breakdown["competency"] == expected


def test_it_counts_the_workloads_own_needs_in_the_competency_share():
    lead = replace(LEAD, competencies=frozenset({"generative_ai", "security"}))
    firm = partner(competencies={"generative_ai", "security"})

    [candidate] = run([firm], lead).candidates

    assert candidate.breakdown["competency"] == pytest.approx(2 / 3)  # ML missing


@pytest.mark.parametrize(
    ("focus", "expected"), [(set(), 0.5), ({"seed"}, 1.0), ({"series_b", "series_c_plus"}, 0.0)]
)
def test_it_scores_stage_and_industry_focus(focus, expected):
    industries = {"Healthcare"} if expected == 1.0 else ({"Retail"} if focus else set())

    [candidate] = run([partner(stages=focus, industries=industries)]).candidates

    assert candidate.breakdown["stage"] == expected
    assert candidate.breakdown["industry"] == expected


def test_it_gives_a_new_partner_a_neutral_track_record():
    new_firm = partner()

    assert new_firm.track_record == 0.5
    assert run([new_firm]).candidates[0].breakdown["track_record"] == 0.5


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({"acceptance_rate": 1.0}, 1.0),
        ({"approval_rate": 0.25}, 0.25),
        ({"median_days_to_credits": 0}, 1.0),
        ({"median_days_to_credits": 90}, 0.0),
        ({"median_days_to_credits": 400}, 0.0),
        ({"acceptance_rate": 0.0, "sla_hit_rate": 0.0, "approval_rate": 0.0}, 0.0),
        ({"sla_hit_rate": 0.9, "median_days_to_credits": 18}, (0.9 + 0.8) / 2),
    ],
)
def test_it_averages_the_track_record_figures_it_has(figures, expected):
    assert partner(**figures).track_record == pytest.approx(expected)


@pytest.mark.parametrize(
    ("tier", "expected"), [("select", 0.33), ("advanced", 0.67), ("premier", 1)]
)
def test_it_scores_the_tier(tier, expected):
    assert run([partner(tier=tier)]).candidates[0].breakdown["tier"] == expected


def test_it_lets_the_weights_change_the_winner():
    proven = partner(1, tier="select", acceptance_rate=1.0, sla_hit_rate=1.0, approval_rate=1.0)
    premier = partner(2, tier="premier", acceptance_rate=0.2, sla_hit_rate=0.3)

    by_default = run([proven, premier], weights=Weights(margin=0))
    tier_first = run([proven, premier], weights=Weights(track_record=0, tier=10, margin=0))

    assert by_default.chosen.partner_id == 1
    assert tier_first.chosen.partner_id == 2
    assert ids(tier_first.candidates) == [2, 1]


def test_it_takes_decimal_weights_from_the_settings_row():
    weights = Weights(competency=Decimal("3.0"), margin=Decimal("0.10"))

    assert weights.competency == 3.0 and isinstance(weights.competency, float)
    assert weights.margin == 0.1


def test_it_lets_rotation_alone_decide_when_every_weight_is_zero():
    zero = Weights(**dict.fromkeys(FACTORS, 0), margin=0)
    partners = [partner(1, tier="premier", last_assigned_at=NOW), partner(2, tier="select")]

    ranking = run(partners, weights=zero)

    assert [c.score for c in ranking.candidates] == [0.0, 0.0]
    assert ranking.chosen.partner_id == 2  # never assigned


@pytest.mark.parametrize(
    "bad",
    [
        {"tier": "gold"},
        {"acceptance_rate": 1.5},
        {"sla_hit_rate": -0.1},
        {"approval_rate": float("nan")},
        {"median_days_to_credits": -1},
        {"capacity": -1},
        {"open_leads": -2},
        {"last_assigned_at": datetime(2026, 11, 1, 12, 0)},  # noqa: DTZ001 - naive on purpose
    ],
)
def test_it_refuses_a_partner_profile_out_of_bounds(bad):
    with pytest.raises(ValueError):
        partner(**bad)


@pytest.mark.parametrize("bad", [{"load": -1}, {"margin": -0.01}, {"tier": float("inf")}])
def test_it_refuses_negative_or_infinite_weights(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        Weights(**bad)


# --- fair rotation ------------------------------------------------------------------------


def test_it_gives_the_tie_to_the_least_recently_assigned_within_the_margin():
    # load 1.0 vs 0.9: 0.1 x 2/12 = 0.017 apart, inside the default 0.05 margin.
    idle = partner(1, open_leads=0, last_assigned_at=NOW - 1 * DAY)
    busier = partner(2, open_leads=1, last_assigned_at=NOW - 3 * DAY)

    ranking = run([idle, busier])

    assert ranking.chosen.partner_id == 2
    assert ids(ranking.candidates) == [2, 1]
    assert ranking.chosen.score < ranking.candidates[1].score
    assert ranking.best_score == ranking.candidates[1].score
    assert ranking.why.startswith("Chosen: Firm 2 — score 0.58 (competency 0.50, stage 0.50, ")
    assert "best 0.60; tied within 0.05 with Firm 1 and least recently assigned" in ranking.why
    assert "(last assigned 2026-11-22 09:00 UTC). 2 candidates, 0 rejected." in ranking.why


def test_it_gives_the_best_score_the_lead_outside_the_margin():
    # stage focus 1 vs 0: 2/12 = 0.17 apart.
    focused = partner(1, stages={"seed"}, last_assigned_at=NOW)
    elsewhere = partner(2, stages={"series_b"}, last_assigned_at=None)

    ranking = run([focused, elsewhere])

    assert ids(ranking.candidates) == [1, 2]
    assert ranking.why.startswith("Chosen: Firm 1 — best score ")
    assert "; the next best scored " in ranking.why


def test_it_ties_a_score_exactly_at_the_margin():
    # 0.1 of load x 2/12 weight share x 3 = 0.05 exactly (up to float noise).
    fresh = partner(1, open_leads=0, capacity=10, last_assigned_at=NOW)
    loaded = partner(2, open_leads=3, capacity=10, last_assigned_at=NOW - DAY)

    ranking = run([fresh, loaded])

    assert ranking.candidates[1].score - ranking.chosen.score == pytest.approx(0.05)
    assert ranking.chosen.partner_id == 2


def test_it_gives_the_tie_to_a_partner_never_assigned():
    partners = [
        partner(1, last_assigned_at=NOW - 300 * DAY),
        partner(2, last_assigned_at=None),
        partner(3, last_assigned_at=NOW - 400 * DAY),
    ]

    ranking = run(partners)

    assert ids(ranking.candidates) == [2, 3, 1]
    assert "least recently assigned (never assigned)" in ranking.why


def test_it_breaks_a_complete_tie_by_the_lower_id():
    ranking = run([partner(9, last_assigned_at=NOW), partner(4, last_assigned_at=NOW)])

    assert ids(ranking.candidates) == [4, 9]


def test_it_does_not_depend_on_the_order_of_the_partners():
    rng = random.Random(5)  # noqa: S311 - test data, not secrets
    partners = [
        partner(
            i,
            tier=rng.choice(["select", "advanced", "premier"]),
            open_leads=rng.randint(0, 10),
            stages=rng.choice([set(), {"seed"}, {"series_a"}]),
            acceptance_rate=rng.choice([None, 0.5, 0.9]),
            last_assigned_at=rng.choice([None, NOW, NOW - DAY]),
            countries=rng.choice([set(), {"DE"}, {"US"}]),
        )
        for i in range(1, 60)
    ]
    shuffled = partners[:]
    rng.shuffle(shuffled)

    assert run(shuffled) == run(partners)
    assert run(reversed(partners)) == run(partners)


def simulate(partners: list[PartnerProfile], leads: int, release_after: int | None) -> dict:
    """Route `leads` leads one after another, a minute apart; the chosen partner is stamped
    assigned. With release_after, it also holds one more open lead for that many rounds."""
    by_id = {p.id: p for p in partners}
    wins = dict.fromkeys(by_id, 0)
    releases: list[tuple[int, int]] = []  # (round, partner id)
    clock = NOW
    for round_number in range(leads):
        while releases and releases[0][0] == round_number:
            _, released = releases.pop(0)
            by_id[released] = replace(by_id[released], open_leads=by_id[released].open_leads - 1)
        chosen = run(by_id.values()).chosen
        wins[chosen.partner_id] += 1
        clock += timedelta(minutes=1)
        changes = {"last_assigned_at": clock}
        if release_after is not None:
            changes["open_leads"] = by_id[chosen.partner_id].open_leads + 1
            releases.append((round_number + release_after, chosen.partner_id))
        by_id[chosen.partner_id] = replace(by_id[chosen.partner_id], **changes)
    return wins


def test_it_rotates_fairly_between_equally_scored_partners_over_1000_leads():
    partners = [partner(i, last_assigned_at=NOW - i * DAY) for i in range(1, 6)]

    wins = simulate(partners, 1000, release_after=None)

    assert wins == dict.fromkeys(range(1, 6), 200)


def test_it_rotates_fairly_between_partners_scoring_within_the_margin_over_1000_leads():
    # Acceptance 0.80..0.88: scores 0.005 apart, 0.02 from first to last, inside 0.05.
    partners = [partner(i, acceptance_rate=0.78 + 0.02 * i) for i in range(1, 6)]
    scores = [c.score for c in run(partners).candidates]
    assert len(set(scores)) == 5 and max(scores) - min(scores) < 0.05

    wins = simulate(partners, 1000, release_after=None)

    assert wins == dict.fromkeys(range(1, 6), 200)


def test_it_rotates_fairly_when_the_partner_count_does_not_divide_the_leads():
    partners = [partner(i, last_assigned_at=None) for i in range(1, 8)]

    wins = simulate(partners, 1000, release_after=None)

    assert sum(wins.values()) == 1000
    assert max(wins.values()) - min(wins.values()) <= 1


@pytest.mark.parametrize("release_after", [3, 12, 40])
def test_it_rotates_fairly_while_load_changes_the_scores(release_after):
    # Each lead stays open for `release_after` rounds: the chosen partner's load factor drops
    # until it is released, so scores move every round.
    partners = [partner(i, capacity=10, last_assigned_at=None) for i in range(1, 6)]

    wins = simulate(partners, 1000, release_after=release_after)

    assert sum(wins.values()) == 1000
    assert max(wins.values()) - min(wins.values()) <= 2


def test_it_never_rotates_to_a_partner_outside_the_margin():
    equals = [partner(i, last_assigned_at=None) for i in range(1, 5)]
    weaker = partner(9, tier="select", stages={"series_c_plus"}, last_assigned_at=None)

    wins = simulate([*equals, weaker], 400, release_after=None)

    assert wins == {1: 100, 2: 100, 3: 100, 4: 100, 9: 0}


# --- the stored decision ------------------------------------------------------------------


def test_it_caps_the_stored_decision_and_counts_the_rest():
    candidates = [partner(i, open_leads=i % 10) for i in range(1, 31)]
    rejected = [partner(100 + i, is_active=False, countries={"US"}) for i in range(60)]

    stored = run(candidates + rejected).as_dict()

    assert len(stored["candidates"]) == STORED_CANDIDATES == 20
    assert stored["candidates_total"] == 30 and stored["candidates_omitted"] == 10
    assert len(stored["rejected"]) == STORED_REJECTIONS == 50
    assert stored["rejected_total"] == 60 and stored["rejected_omitted"] == 10
    assert stored["failed_counts"] == {"inactive": 60, "country_not_served": 60}
    assert json.loads(json.dumps(stored)) == stored


def test_it_stores_the_chosen_one_the_weights_and_who_tied():
    partners = [
        partner(1, open_leads=1, last_assigned_at=None),
        partner(2, open_leads=0, last_assigned_at=NOW),
        partner(3, stages={"series_b"}, last_assigned_at=None),
        partner(4, is_active=False),
    ]

    stored = run(partners).as_dict()

    assert stored["chosen"]["partner_id"] == 1
    assert [(row["partner_id"], row["within_margin"]) for row in stored["candidates"]] == [
        (1, True),
        (2, True),
        (3, False),
    ]
    assert stored["best_score"] == stored["candidates"][1]["score"]
    assert stored["weights"] == {
        "competency": 3.0,
        "stage": 2.0,
        "industry": 1.0,
        "track_record": 3.0,
        "load": 2.0,
        "tier": 1.0,
        "margin": 0.05,
    }
    assert stored["rejected"] == [
        {
            "partner_id": 4,
            "name": "Firm 4",
            "failed": ["inactive"],
            "messages": ["The firm is deactivated in the partner directory."],
        }
    ]
    assert stored["why"].startswith("Chosen: Firm 1 — score ")
    assert stored["chosen"]["breakdown"]["load"] == 0.9


def test_it_builds_candidates_and_rejections_like_their_constructors():
    ranking = run([partner(1, stages={"seed"}), partner(2, away_until=TODAY)])

    [candidate], [rejection] = ranking.candidates, ranking.rejected

    rebuilt = Candidate(1, "Firm 1", candidate.score, dict(candidate.breakdown))
    assert candidate == rebuilt and repr(candidate) == repr(rebuilt)
    again = Rejection(2, "Firm 2", ("away",), ("Away until 25 November 2026.",))
    assert rejection == again and repr(rejection) == repr(again)
    with pytest.raises(AttributeError):
        candidate.score = 1.0  # still frozen


def test_it_names_at_most_five_tied_partners_in_the_why():
    ranking = run([partner(i) for i in range(1, 10)])

    assert "tied within 0.05 with Firm 2, Firm 3, Firm 4, Firm 5, Firm 6 and 3 others" in (
        ranking.why
    )
    assert ranking.why.endswith("(never assigned). 9 candidates, 0 rejected.")


# --- properties ---------------------------------------------------------------------------

CODES = st.sampled_from(["DE", "US", "FR"])
SOME_DATE = st.none() | st.integers(-3, 3).map(lambda days: TODAY + days * DAY)
RATE = st.none() | st.floats(0, 1)


@st.composite
def directories(draw) -> list[PartnerProfile]:
    partner_ids = draw(st.lists(st.integers(1, 40), unique=True, max_size=25))
    return [
        PartnerProfile(
            id=partner_id,
            name=f"Firm {partner_id}",
            tier=draw(st.sampled_from(["select", "advanced", "premier"])),
            competencies=draw(
                st.frozensets(st.sampled_from(["generative_ai", "machine_learning", "devops"]))
            ),
            countries=draw(st.frozensets(CODES, max_size=2)),
            regions=draw(st.frozensets(st.sampled_from(["r1", "r2", "r3"]), max_size=2)),
            stages=draw(st.frozensets(st.sampled_from(["seed", "series_a"]))),
            industries=draw(st.frozensets(st.sampled_from(["Retail", "Healthcare"]))),
            capacity=draw(st.integers(0, 4)),
            open_leads=draw(st.integers(0, 5)),
            is_active=draw(st.booleans()),
            accepting_leads=draw(st.booleans()),
            away_until=draw(SOME_DATE),
            vetting_expires_on=draw(SOME_DATE),
            acceptance_rate=draw(RATE),
            sla_hit_rate=draw(RATE),
            approval_rate=draw(RATE),
            median_days_to_credits=draw(st.none() | st.floats(0, 200)),
            last_assigned_at=draw(
                st.none() | st.integers(0, 3).map(lambda hours: NOW - timedelta(hours=hours))
            ),
        )
        for partner_id in partner_ids
    ]


LEADS = st.builds(
    LeadProfile,
    country=CODES,
    region=st.sampled_from(["r1", "r2", "r3"]),
    stage=st.sampled_from(["seed", "series_a"]),
    industry=st.sampled_from(["Retail", "Healthcare"]),
    competencies=st.frozensets(st.sampled_from(["generative_ai", "machine_learning"])),
    excluded_partner_ids=st.frozensets(st.integers(1, 40), max_size=5),
)
WEIGHTS = st.builds(
    Weights,
    **dict.fromkeys(FACTORS, st.floats(0, 5)),
    margin=st.floats(0, 0.3),
)


@settings(max_examples=300, deadline=None)
@given(partners=directories(), lead=LEADS, weights=WEIGHTS)
def test_it_only_ever_chooses_a_partner_that_passed_every_filter(partners, lead, weights):
    ranking = rank(lead, partners, weights, today=TODAY)
    by_id = {p.id: p for p in partners}
    candidate_ids = ids(ranking.candidates)
    rejected_ids = [rejection.partner_id for rejection in ranking.rejected]

    assert sorted(candidate_ids + rejected_ids) == sorted(by_id)
    for rejection in ranking.rejected:
        assert rejection.failed == failed_filters(by_id[rejection.partner_id], lead, today=TODAY)
        assert rejection.failed and len(rejection.messages) == len(rejection.failed)
    assert [(len(r.failed), r.partner_id) for r in ranking.rejected] == sorted(
        (len(r.failed), r.partner_id) for r in ranking.rejected
    )
    for candidate in ranking.candidates:
        assert failed_filters(by_id[candidate.partner_id], lead, today=TODAY) == ()
        assert candidate.partner_id not in lead.excluded_partner_ids
        assert 0 <= candidate.score <= 1
        assert list(candidate.breakdown) == list(FACTORS)
        assert all(0 <= value <= 1 for value in candidate.breakdown.values())
    if not ranking.candidates:
        assert ranking.chosen is None
        assert ranking.why.startswith("No partner chosen")
        return
    chosen = ranking.chosen
    assert chosen is ranking.candidates[0]
    assert chosen.partner_id not in rejected_ids
    rest = [candidate.score for candidate in ranking.candidates[1:]]
    assert rest == sorted(rest, reverse=True)
    best = max(candidate.score for candidate in ranking.candidates)
    assert chosen.score >= best - weights.margin - 1e-9
    tied = [c for c in ranking.candidates if c.score >= best - weights.margin - 1e-9]

    def last_assigned(candidate):
        at = by_id[candidate.partner_id].last_assigned_at
        return (at is not None, at or NOW, candidate.partner_id)

    assert chosen == min(tied, key=last_assigned)
    assert rank(lead, partners[::-1], weights, today=TODAY) == ranking
    json.dumps(ranking.as_dict())


# --- the garbage collector ---------------------------------------------------------------


def test_it_leaves_the_garbage_collector_running_during_the_call():
    seen = []

    def directory():
        seen.append(gc.isenabled())
        yield partner(1)

    assert gc.isenabled()
    run(directory())

    assert seen == [True]  # issue 19: the collector is never turned off
    assert gc.isenabled()


def test_it_keeps_no_object_per_partner_for_the_collector_until_entries_are_read():
    """A young collection walks what a call keeps alive: the scan holds references, floats
    and small ints, and Candidates and Rejections exist only once read."""
    lead = replace(LEAD, excluded_partner_ids=frozenset({7, 8}))
    partners = [partner(i, open_leads=i % 11, countries=[set(), {"DE"}, {"US"}][i % 3])
                for i in range(1, 3001)]  # fmt: skip
    gc.collect()
    gc.disable()  # only to count: no collection may free anything in between
    try:
        before = len(gc.get_objects())
        ranking = run(partners, lead)
        kept = len(gc.get_objects()) - before
    finally:
        gc.enable()

    stored = ranking.as_dict()
    assert stored["candidates_total"] + stored["rejected_total"] == 3000
    assert stored["rejected_total"] > 1000
    assert kept < 30  # the ranking, its scan, its lists, the chosen Candidate: not 3,000
    assert len(ranking.candidates) + len(ranking.rejected) == 3000  # built when read


def test_it_is_immutable():
    ranking = run([partner(1)])

    with pytest.raises(AttributeError):
        ranking.why = "something else"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        ranking.chosen = None  # type: ignore[misc]
