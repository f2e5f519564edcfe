"""The scoring engine: which partner firm a startup's lead goes to, and why
(docs/architecture.md#matching-rules).

Plain Python (no Django), so routing, the operators' "assign to a chosen partner" and the
benchmark all call the same function. `rank` runs in three steps:

1. Hard filters. A partner failing any is never chosen; its `Rejection` lists every code it
   failed, in `HARD_FILTERS` order, with a sentence for operators each.
2. Score: a weighted mean of six factors, each in 0..1 (so the score is in 0..1 too):

   - competency: the share of what the lead wants that the firm holds. Every needed
     competency is held after the filters, so this only tells apart firms that also hold the
     nice-to-have ones (`NICE_TO_HAVE`): wanted = lead.competencies | NICE_TO_HAVE.
   - stage, industry: 1 when the firm focuses on the startup's, 0.5 when it has no focus
     listed (generalist), 0 when it focuses elsewhere.
   - track_record: the mean of the figures the firm has (acceptance rate, SLA hit rate,
     approval rate, and max(0, 1 - median days to credits / 90)); 0.5 with no history at
     all, so a new firm is neither punished nor favoured. Computed once per profile.
   - load: 1 - open_leads / capacity (spare capacity).
   - tier: Select 0.33, Advanced 0.67, Premier 1.0.

   All weights 0 is allowed: every candidate then scores 0 and the rotation alone decides.
3. Fair rotation: among the candidates scoring at least best - margin, the least recently
   assigned wins (never assigned first, then the lower id). It goes first in `candidates`;
   the rest follow by score, ties by least recently assigned, then id.

The result does not depend on the order the partners come in. Rejections are listed with
the near misses first (fewest failed filters, then id), as operators read them.
"""

import gc
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from itertools import chain, compress, count
from operator import attrgetter
from typing import Any

from core.formatting import long_date

HARD_FILTERS = (
    "inactive",
    "vetting_expired",
    "paused",
    "away",
    "at_capacity",
    "country_not_served",
    "region_not_served",
    "missing_competency",
    "already_offered",
)
FILTER_MESSAGES = {
    "inactive": "The firm is deactivated in the partner directory.",
    "vetting_expired": "Vetting expired on {vetting_expires_on}.",
    "paused": "Has paused new leads.",
    "away": "Away until {away_until}.",
    "at_capacity": "Has {open_leads} open leads, capacity {capacity}.",
    "country_not_served": "Does not serve the startup's country ({country}).",
    "region_not_served": "Does not serve the workload's AWS region ({region}).",
    "missing_competency": "Lacks competencies the workload needs: {missing}.",
    "already_offered": "Was already offered this startup.",
}
NEVER_VETTED_MESSAGE = "Has never been vetted."  # vetting_expired with no expiry date at all

FACTORS = ("competency", "stage", "industry", "track_record", "load", "tier")
TIERS = ("select", "advanced", "premier")
TIER_FACTORS = {"select": 0.33, "advanced": 0.67, "premier": 1.0}
NICE_TO_HAVE = frozenset({"generative_ai", "machine_learning"})
NO_FOCUS = 0.5  # stage/industry factor of a firm that lists no focus
NO_HISTORY = 0.5  # track record of a firm with no figures yet
CREDITS_DAYS_HORIZON = 90  # days to credits at which that figure reaches 0
TIE_TOLERANCE = 1e-9  # 0.85 - 0.05 is 0.7999999999999999 in floats; 0.80 still ties
STORED_CANDIDATES = 20
STORED_REJECTIONS = 50
NAMES_IN_WHY = 5
PAUSE_GC = True  # see rank(); bench/routing.py --gc-during-rank turns it off to compare

_RATES = ("acceptance_rate", "sla_hit_rate", "approval_rate")


def _fraction(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not 0 <= number <= 1:  # also rejects NaN
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class Weights:
    """The operators' weights (RoutingSettings); any non-negative numbers, not normalised."""

    competency: float = 3.0
    stage: float = 2.0
    industry: float = 1.0
    track_record: float = 3.0
    load: float = 2.0
    tier: float = 1.0
    margin: float = 0.05  # fair rotation: candidates within this of the best score tie

    def __post_init__(self) -> None:
        for name in (*FACTORS, "margin"):
            number = float(getattr(self, name))  # Decimal or int from a form -> float
            if not 0 <= number < math.inf:  # also rejects NaN
                raise ValueError(f"{name} weight must be a number >= 0, got {number!r}")
            object.__setattr__(self, name, number)

    def normalised(self) -> tuple[float, ...]:
        """Each factor's share of the total, in FACTORS order; all 0 when every weight is."""
        weights = tuple(getattr(self, name) for name in FACTORS)
        total = sum(weights)
        return tuple(weight / total for weight in weights) if total else weights


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerProfile:
    """One partner firm as routing sees it (built by matching.selectors.partner_profiles).

    Empty countries/regions mean worldwide; empty stages/industries mean no focus.
    `track_record` is derived here, once, from the four figures.
    """

    id: int
    name: str
    tier: str  # "select" | "advanced" | "premier"
    competencies: frozenset[str]
    countries: frozenset[str]
    regions: frozenset[str]
    stages: frozenset[str]
    industries: frozenset[str]
    capacity: int
    open_leads: int
    is_active: bool = True
    accepting_leads: bool = True
    away_until: date | None = None
    away_from: date | None = None  # None: away from now until away_until
    vetting_expires_on: date | None = None  # None = never vetted -> fails vetting_expired
    acceptance_rate: float | None = None  # 0..1, None = no history
    sla_hit_rate: float | None = None  # share of offers answered before accept_by
    approval_rate: float | None = None  # share of filed applications approved
    median_days_to_credits: float | None = None
    last_assigned_at: datetime | None = None  # aware datetime or None (never assigned)
    track_record: float = field(init=False, default=NO_HISTORY, compare=False)
    # last_assigned_at as a POSIX timestamp, -inf for never: the rotation's sort key.
    rotation_key: float = field(init=False, default=-math.inf, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.tier not in TIER_FACTORS:
            raise ValueError(f"tier must be one of {', '.join(TIERS)}, got {self.tier!r}")
        for name in ("competencies", "countries", "regions", "stages", "industries"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        for name in ("away_until", "away_from", "vetting_expires_on"):
            if isinstance(value := getattr(self, name), datetime):
                object.__setattr__(self, name, value.date())
        if self.capacity < 0 or self.open_leads < 0:
            raise ValueError("capacity and open_leads must be >= 0")
        if (assigned_at := self.last_assigned_at) is not None:
            if assigned_at.utcoffset() is None:
                raise ValueError("last_assigned_at must be an aware datetime")
            object.__setattr__(self, "rotation_key", assigned_at.timestamp())
        figures = []
        for name in _RATES:
            rate = _fraction(name, getattr(self, name))
            object.__setattr__(self, name, rate)
            if rate is not None:
                figures.append(rate)
        if (days := self.median_days_to_credits) is not None:
            days = float(days)
            if not days >= 0:
                raise ValueError(f"median_days_to_credits must be >= 0, got {days!r}")
            object.__setattr__(self, "median_days_to_credits", days)
            figures.append(max(0.0, 1 - days / CREDITS_DAYS_HORIZON))
        track_record = sum(figures) / len(figures) if figures else NO_HISTORY
        object.__setattr__(self, "track_record", track_record)


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadProfile:
    """The startup and workload being routed. Codes are compared as given."""

    country: str
    region: str
    stage: str
    industry: str
    competencies: frozenset[str] = frozenset({"generative_ai"})
    excluded_partner_ids: frozenset[int] = frozenset()  # already offered this startup once

    def __post_init__(self) -> None:
        object.__setattr__(self, "competencies", frozenset(self.competencies))
        object.__setattr__(self, "excluded_partner_ids", frozenset(self.excluded_partner_ids))


@dataclass(frozen=True, slots=True)
class Candidate:
    partner_id: int
    name: str
    score: float
    breakdown: dict[str, float]  # each factor's value in 0..1, keyed as FACTORS

    def as_dict(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "name": self.name,
            "score": round(self.score, 4),
            "breakdown": {name: round(value, 4) for name, value in self.breakdown.items()},
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    partner_id: int
    name: str
    failed: tuple[str, ...]  # every failed code, in HARD_FILTERS order
    messages: tuple[str, ...]  # one sentence per code

    def as_dict(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "name": self.name,
            "failed": list(self.failed),
            "messages": list(self.messages),
        }


@dataclass(frozen=True, slots=True)
class Ranking:
    candidates: tuple[Candidate, ...]  # passed all filters, the chosen one first, then by score
    rejected: tuple[Rejection, ...]  # fewest failed filters first, then by id
    chosen: Candidate | None
    why: str
    weights: Weights = Weights()  # what the scores were computed with

    @property
    def best_score(self) -> float | None:
        """The highest score (the chosen one's may be lower, by at most the margin)."""
        return max((c.score for c in self.candidates[:2]), default=None)

    def as_dict(self) -> dict[str, Any]:
        """The stored routing decision: the top 20 candidates and the first 50 rejections,
        with counts of the rest, and how many partners failed each filter."""
        best, margin = self.best_score, self.weights.margin
        candidates: list[dict[str, Any]] = []
        if best is not None:  # None only when there are no candidates
            for candidate in self.candidates[:STORED_CANDIDATES]:
                row = candidate.as_dict()
                row["within_margin"] = candidate.score >= best - margin - TIE_TOLERANCE
                candidates.append(row)
        failed = Counter(code for rejection in self.rejected for code in rejection.failed)
        return {
            "chosen": None if self.chosen is None else self.chosen.as_dict(),
            "why": self.why,
            "weights": asdict(self.weights),
            "best_score": None if best is None else round(best, 4),
            "candidates": candidates,
            "candidates_total": len(self.candidates),
            "candidates_omitted": max(0, len(self.candidates) - STORED_CANDIDATES),
            "rejected": [rejection.as_dict() for rejection in self.rejected[:STORED_REJECTIONS]],
            "rejected_total": len(self.rejected),
            "rejected_omitted": max(0, len(self.rejected) - STORED_REJECTIONS),
            "failed_counts": {code: failed[code] for code in HARD_FILTERS if failed[code]},
        }


# A frozen dataclass's __init__ sets each field through object.__setattr__: ~550 ns per
# Candidate or Rejection, a quarter of the time rank spends on a partner. Setting the slots
# directly gives the same object (equal, same repr) in ~250 ns; the tests check that.
_CANDIDATE_SLOTS = tuple(
    Candidate.__dict__[name].__set__ for name in ("partner_id", "name", "score", "breakdown")
)
_REJECTION_SLOTS = tuple(
    Rejection.__dict__[name].__set__ for name in ("partner_id", "name", "failed", "messages")
)


# --- hard filters -------------------------------------------------------------------------


def failed_filters(partner: PartnerProfile, lead: LeadProfile, *, today: date) -> tuple[str, ...]:
    """Every hard filter the partner fails for this lead, in HARD_FILTERS order."""
    failed = []
    if not partner.is_active:
        failed.append("inactive")
    expires_on = partner.vetting_expires_on
    if expires_on is None or expires_on < today:
        failed.append("vetting_expired")
    if not partner.accepting_leads:
        failed.append("paused")
    if (
        partner.away_until is not None
        and partner.away_until >= today
        and (partner.away_from is None or partner.away_from <= today)
    ):
        failed.append("away")
    if partner.open_leads >= partner.capacity:
        failed.append("at_capacity")
    if partner.countries and lead.country not in partner.countries:
        failed.append("country_not_served")
    if partner.regions and lead.region not in partner.regions:
        failed.append("region_not_served")
    if not lead.competencies <= partner.competencies:
        failed.append("missing_competency")
    if partner.id in lead.excluded_partner_ids:
        failed.append("already_offered")
    return tuple(failed)


def filter_message(code: str, partner: PartnerProfile, lead: LeadProfile) -> str:
    """The operators' sentence for one failed filter."""
    template = FILTER_MESSAGES[code]
    if code == "vetting_expired":
        if partner.vetting_expires_on is None:
            return NEVER_VETTED_MESSAGE
        return template.format(vetting_expires_on=long_date(partner.vetting_expires_on))
    if code == "away":
        if partner.away_until is None:  # failed_filters reports "away" only with a date
            raise ValueError(f"partner {partner.id} is not away: away_until is empty")
        return template.format(away_until=long_date(partner.away_until))
    if code == "at_capacity":
        return template.format(open_leads=partner.open_leads, capacity=partner.capacity)
    if code == "missing_competency":
        return template.format(missing=", ".join(sorted(lead.competencies - partner.competencies)))
    return template.format(country=lead.country, region=lead.region)


# What each partner-specific sentence depends on: one rank call formats each variant once.
_MESSAGE_INPUTS = {
    "vetting_expired": attrgetter("vetting_expires_on"),
    "away": attrgetter("away_until"),
    "at_capacity": attrgetter("open_leads", "capacity"),
    "missing_competency": attrgetter("competencies"),
}


def _rejecter(lead: LeadProfile, today: date) -> Callable[[PartnerProfile], Rejection]:
    """Rejection for a partner known to fail; each distinct sentence is formatted once."""
    fixed = {
        code: FILTER_MESSAGES[code].format(country=lead.country, region=lead.region)
        for code in FILTER_MESSAGES
        if code not in _MESSAGE_INPUTS
    }
    formatted: dict[tuple[str, object], str] = {}
    new, (set_id, set_name, set_failed, set_messages) = object.__new__, _REJECTION_SLOTS

    def message(code: str, partner: PartnerProfile) -> str:
        key = (code, _MESSAGE_INPUTS[code](partner))
        text = formatted.get(key)
        if text is None:
            text = formatted[key] = filter_message(code, partner, lead)
        return text

    def reject(partner: PartnerProfile) -> Rejection:
        failed = failed_filters(partner, lead, today=today)
        messages = tuple(
            [fixed[code] if code in fixed else message(code, partner) for code in failed]
        )
        rejection = new(Rejection)  # = Rejection(partner.id, partner.name, failed, messages)
        set_id(rejection, partner.id)
        set_name(rejection, partner.name)
        set_failed(rejection, failed)
        set_messages(rejection, messages)
        return rejection

    return reject


# --- ranking ------------------------------------------------------------------------------


def rank(
    lead: LeadProfile, partners: Iterable[PartnerProfile], weights: Weights, *, today: date
) -> Ranking:
    """Filter, score and pick the partner for one lead (see the module docstring).

    Pauses the garbage collector for the call (when PAUSE_GC and it is on). Ranking 10,000
    partners allocates ~10,000 objects that live through the call; with the collector running
    they are promoted to the old generation and trigger a full collection every dozen calls
    or so, which walks the whole heap: ~20 ms beside the directory alone, ~60 ms in a process
    that also holds Django, landing on the unlucky call's p95. Rank creates no reference
    cycles, so there is nothing for a collection to find; once the ranking is dropped its
    objects are freed by reference counting (measured in docs/performance.md).
    """
    paused = PAUSE_GC and gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _rank(lead, partners, weights, today)
    finally:
        if paused:
            gc.enable()


def _rank(
    lead: LeadProfile, partners: Iterable[PartnerProfile], weights: Weights, today: date
) -> Ranking:
    """One pass over the partners (`_filter_and_score`), then the order and the pick
    (`_choose`). Sorting uses scalar keys (scores, ids), not tuples: half the time, and half
    the objects the garbage collector would have to look at."""
    candidates, rotation, by_failed_count = _filter_and_score(lead, partners, weights, today)
    for group in by_failed_count:
        group.sort(key=_PARTNER_ID)
    rejections = tuple(chain.from_iterable(by_failed_count))
    if not candidates:
        return Ranking((), rejections, None, _why_nobody(rejections), weights)
    return _choose(candidates, rotation, rejections, weights)


def _filter_and_score(
    lead: LeadProfile, partners: Iterable[PartnerProfile], weights: Weights, today: date
) -> tuple[list[Candidate], dict[int, float], list[list[Rejection]]]:
    """The hot loop: a partner passing every filter (one chained test) is scored in place;
    only a failing one goes through `failed_filters` for its codes and sentences. Returns the
    candidates in input order, each candidate's rotation key by id, and the rejections
    grouped by how many filters they failed (index 0: one)."""
    country, region, stage, industry = lead.country, lead.region, lead.stage, lead.industry
    needed, excluded = lead.competencies, lead.excluded_partner_ids
    wanted = needed | NICE_TO_HAVE
    wanted_count = len(wanted)
    w_competency, w_stage, w_industry, w_track, w_load, w_tier = weights.normalised()
    tier_factors = TIER_FACTORS
    reject = _rejecter(lead, today)
    new, (set_id, set_name, set_score, set_breakdown) = object.__new__, _CANDIDATE_SLOTS
    candidates: list[Candidate] = []
    rotation: dict[int, float] = {}  # candidate id -> when last assigned, for the tie-breaks
    by_failed_count: list[list[Rejection]] = [[] for _ in HARD_FILTERS]
    for partner in partners:
        expires_on, away_until = partner.vetting_expires_on, partner.away_until
        countries, regions, competencies = partner.countries, partner.regions, partner.competencies
        open_leads, capacity = partner.open_leads, partner.capacity
        if not (
            partner.is_active
            and partner.accepting_leads
            and open_leads < capacity
            and expires_on is not None
            and expires_on >= today
            and (
                away_until is None
                or away_until < today
                or (partner.away_from is not None and partner.away_from > today)
            )
            and (not countries or country in countries)
            and (not regions or region in regions)
            and needed <= competencies
            and partner.id not in excluded
        ):
            rejection = reject(partner)
            by_failed_count[len(rejection.failed) - 1].append(rejection)
            continue
        stages, industries = partner.stages, partner.industries
        competency = len(wanted & competencies) / wanted_count
        stage_fit = 1.0 if stage in stages else (0.0 if stages else NO_FOCUS)
        industry_fit = 1.0 if industry in industries else (0.0 if industries else NO_FOCUS)
        track_record = partner.track_record
        load = 1.0 - open_leads / capacity
        tier = tier_factors[partner.tier]
        score = (
            w_competency * competency
            + w_stage * stage_fit
            + w_industry * industry_fit
            + w_track * track_record
            + w_load * load
            + w_tier * tier
        )
        if score > 1.0:  # shares summing to 1.0000000000000002
            score = 1.0
        breakdown = {
            "competency": competency,
            "stage": stage_fit,
            "industry": industry_fit,
            "track_record": track_record,
            "load": load,
            "tier": tier,
        }
        partner_id = partner.id
        candidate = new(Candidate)  # = Candidate(partner_id, partner.name, score, breakdown)
        set_id(candidate, partner_id)
        set_name(candidate, partner.name)
        set_score(candidate, score)
        set_breakdown(candidate, breakdown)
        candidates.append(candidate)
        rotation[partner_id] = partner.rotation_key
    return candidates, rotation, by_failed_count


def _choose(
    candidates: list[Candidate],
    rotation: dict[int, float],
    rejections: tuple[Rejection, ...],
    weights: Weights,
) -> Ranking:
    """Order the (non-empty) candidates by score and pick by fair rotation among the tied."""

    def rotation_order(candidate: Candidate) -> tuple[float, int]:
        return rotation[candidate.partner_id], candidate.partner_id

    candidates.sort(key=_SCORE, reverse=True)
    _order_equal_scores(candidates, rotation_order)  # so the input's order never matters
    # The tied group is the prefix scoring at least best - margin.
    best = candidates[0].score
    tied = bisect_right(candidates, weights.margin + TIE_TOLERANCE - best, key=_minus_score)
    pick = min(range(tied), key=lambda i: rotation_order(candidates[i]))
    chosen = candidates.pop(pick)
    candidates.insert(0, chosen)
    ranked = tuple(candidates)
    why = _why(
        chosen, best, ranked[1:tied], rotation[chosen.partner_id], weights, ranked, rejections
    )
    return Ranking(ranked, rejections, chosen, why, weights)


_PARTNER_ID = attrgetter("partner_id")
_SCORE = attrgetter("score")


def _minus_score(candidate: Candidate) -> float:
    return -candidate.score


def _order_equal_scores(
    candidates: list[Candidate], key: Callable[[Candidate], tuple[float, int]]
) -> None:
    """Within each run of exactly equal scores (sorted descending), least recently assigned
    first, then the lower id. Finding the runs is done in C; runs are rare with real figures,
    common with identical new firms."""
    scores = list(map(_SCORE, candidates))
    equal_to_previous = compress(count(1), map(float.__eq__, scores[1:], scores))
    run_start = run_end = -1
    for index in (*equal_to_previous, None):
        if index is not None and index == run_end:  # extends the current run
            run_end += 1
            continue
        if run_start >= 0:
            candidates[run_start:run_end] = sorted(candidates[run_start:run_end], key=key)
        if index is not None:
            run_start, run_end = index - 1, index + 1


# --- why ----------------------------------------------------------------------------------


def _names(candidates: Sequence[Candidate]) -> str:
    names = [candidate.name for candidate in candidates[:NAMES_IN_WHY]]
    rest = len(candidates) - len(names)
    if rest:
        return f"{', '.join(names)} and {rest} other{'s' if rest > 1 else ''}"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _why(
    chosen: Candidate,
    best: float,
    tied: Sequence[Candidate],
    assigned_key: float,
    weights: Weights,
    candidates: tuple[Candidate, ...],
    rejections: tuple[Rejection, ...],
) -> str:
    factors = ", ".join(
        f"{name.replace('_', ' ')} {value:.2f}" for name, value in chosen.breakdown.items()
    )
    if chosen.score >= best:
        head = f"Chosen: {chosen.name} — best score {chosen.score:.2f} ({factors})"
    else:
        head = f"Chosen: {chosen.name} — score {chosen.score:.2f} ({factors}), best {best:.2f}"
    if tied:
        if assigned_key == -math.inf:
            when = "never assigned"
        else:
            last = datetime.fromtimestamp(assigned_key, UTC)
            when = f"last assigned {last:%Y-%m-%d %H:%M} UTC"
        reason = (
            f"; tied within {weights.margin:g} with {_names(tied)} and least recently assigned"
            f" ({when})."
        )
    elif len(candidates) > 1:
        reason = f"; the next best scored {candidates[1].score:.2f}."
    else:
        reason = "; the only candidate."
    counts = f" {_plural(len(candidates), 'candidate')}, {len(rejections)} rejected."
    return head + reason + counts


def _why_nobody(rejections: tuple[Rejection, ...]) -> str:
    if not rejections:
        return "No partner chosen: there are no partners in the directory."
    failed = Counter(code for rejection in rejections for code in rejection.failed)
    counts = ", ".join(
        f"{failed[code]} {code.replace('_', ' ')}" for code in HARD_FILTERS if failed[code]
    )
    everyone = "the only partner" if len(rejections) == 1 else f"all {len(rejections)} partners"
    return f"No partner chosen: {everyone} failed the hard filters ({counts})."
