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

One lead against 10,000 partners is the hot path (issue 19): `rank` keeps plain values per
partner and builds `Candidate`s and `Rejection`s only when they are read (`Ranking`).
"""

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from itertools import chain, compress, count, islice
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


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Ranking:
    """What `rank` found: `candidates` (passed every filter: the chosen one first, then by
    score), `rejected` (fewest failed filters first, then by id), `chosen`, `why`, `weights`.
    Built from plain values (`_Scan`) when first read: the stored decision (`as_dict`) needs
    20 candidates and 50 rejections, not 10,000. Immutable; equal when all five are equal."""

    _scan: "_Scan"
    chosen: Candidate | None
    why: str
    weights: Weights  # what the scores were computed with
    _candidates: tuple[Candidate, ...] | None = field(default=None, init=False)
    _rejected: tuple[Rejection, ...] | None = field(default=None, init=False)

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        built = self._candidates
        if built is None:
            scan = self._scan
            rest = map(scan.candidate, scan.order[1:])
            built = () if self.chosen is None else (self.chosen, *rest)
            object.__setattr__(self, "_candidates", built)
        return built

    @property
    def rejected(self) -> tuple[Rejection, ...]:
        built = self._rejected
        if built is None:
            built = self._scan.rejections()
            object.__setattr__(self, "_rejected", built)
        return built

    @property
    def best_score(self) -> float | None:
        """The highest score (the chosen one's may be lower, by at most the margin)."""
        return self._scan.best

    def _fields(self) -> tuple[Any, ...]:
        return self.candidates, self.rejected, self.chosen, self.why, self.weights

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if isinstance(other, Ranking) else NotImplemented

    def __repr__(self) -> str:
        names = ("candidates", "rejected", "chosen", "why", "weights")
        fields = ", ".join(f"{n}={v!r}" for n, v in zip(names, self._fields(), strict=True))
        return f"Ranking({fields})"

    def as_dict(self) -> dict[str, Any]:
        """The stored routing decision: the top 20 candidates and the first 50 rejections,
        with counts of the rest, and how many partners failed each filter."""
        scan, chosen, margin = self._scan, self.chosen, self.weights.margin
        best, total, rejected_total = scan.best, len(scan.candidates), len(scan.masks)
        candidates: list[dict[str, Any]] = []
        if chosen is not None and best is not None:  # None only when there are no candidates
            top = map(scan.candidate, scan.order[1:STORED_CANDIDATES])
            for candidate in (chosen, *top):
                row = candidate.as_dict()
                row["within_margin"] = candidate.score >= best - margin - TIE_TOLERANCE
                candidates.append(row)
        return {
            "chosen": None if chosen is None else chosen.as_dict(),
            "why": self.why,
            "weights": asdict(self.weights),
            "best_score": None if best is None else round(best, 4),
            "candidates": candidates,
            "candidates_total": total,
            "candidates_omitted": max(0, total - STORED_CANDIDATES),
            "rejected": [rejection.as_dict() for rejection in scan.rejections(STORED_REJECTIONS)],
            "rejected_total": rejected_total,
            "rejected_omitted": max(0, rejected_total - STORED_REJECTIONS),
            "failed_counts": scan.failed_counts(),
        }


@dataclass(slots=True)
class _Scan:
    """One pass over the directory, in plain values; a Ranking builds its entries from it."""

    lead: LeadProfile
    today: date
    candidates: list[PartnerProfile]  # passed every filter, in input order
    scores: list[float]  # candidates[i]'s score
    by_failed: list[list[PartnerProfile]]  # the rejected, by failed filter count - 1
    masks: list[int]  # each rejection's failed filters: bit i is HARD_FILTERS[i]
    order: list[int] = field(default_factory=list)  # candidate indices: the ranked order
    best: float | None = None

    def candidate(self, index: int) -> Candidate:
        partner = self.candidates[index]
        breakdown = _breakdown(partner, self.lead)
        return Candidate(partner.id, partner.name, self.scores[index], breakdown)

    def rejections(self, limit: int | None = None) -> tuple[Rejection, ...]:
        """The rejections (the first `limit`), fewest failed filters first, then by id."""
        ordered = chain.from_iterable(sorted(group, key=_ID) for group in self.by_failed)
        return tuple(map(_rejecter(self.lead, self.today), islice(ordered, limit)))

    def failed_counts(self) -> dict[str, int]:
        """How many partners failed each filter, in HARD_FILTERS order, zeros left out."""
        by_mask = Counter(self.masks).items()
        counts = [
            sum(n for mask, n in by_mask if mask >> bit & 1) for bit in range(len(HARD_FILTERS))
        ]
        return {code: n for code, n in zip(HARD_FILTERS, counts, strict=True) if n}


# --- hard filters -------------------------------------------------------------------------


def failed_filters(partner: PartnerProfile, lead: LeadProfile, *, today: date) -> tuple[str, ...]:
    """Every hard filter the partner fails for this lead, in HARD_FILTERS order."""
    return _CODES_OF_MASK[_failed_mask(partner, lead, today)]


def _failed_mask(partner: PartnerProfile, lead: LeadProfile, today: date) -> int:
    """The hard filters the partner fails, as bits: bit i is HARD_FILTERS[i]. The one place
    the filters are defined; an int (not a tuple) so `rank` keeps nothing per partner."""
    mask = 0 if partner.is_active else 1  # inactive
    expires_on = partner.vetting_expires_on
    if expires_on is None or expires_on < today:
        mask |= 2  # vetting_expired
    if not partner.accepting_leads:
        mask |= 4  # paused
    away_until = partner.away_until
    if (
        away_until is not None
        and away_until >= today
        and (partner.away_from is None or partner.away_from <= today)
    ):
        mask |= 8  # away
    if partner.open_leads >= partner.capacity:
        mask |= 16  # at_capacity
    countries = partner.countries
    if countries and lead.country not in countries:
        mask |= 32  # country_not_served
    regions = partner.regions
    if regions and lead.region not in regions:
        mask |= 64  # region_not_served
    if not lead.competencies <= partner.competencies:
        mask |= 128  # missing_competency
    if partner.id in lead.excluded_partner_ids:
        mask |= 256  # already_offered
    return mask


_CODES_OF_MASK = tuple(
    tuple(code for bit, code in enumerate(HARD_FILTERS) if mask >> bit & 1)
    for mask in range(1 << len(HARD_FILTERS))
)


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


# What each partner-specific sentence depends on: one call formats each variant once.
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

    def message(code: str, partner: PartnerProfile) -> str:
        if code in fixed:
            return fixed[code]
        key = (code, _MESSAGE_INPUTS[code](partner))
        text = formatted.get(key)
        if text is None:
            text = formatted[key] = filter_message(code, partner, lead)
        return text

    def reject(partner: PartnerProfile) -> Rejection:
        failed = failed_filters(partner, lead, today=today)
        messages = tuple([message(code, partner) for code in failed])
        return Rejection(partner.id, partner.name, failed, messages)

    return reject


def _breakdown(partner: PartnerProfile, lead: LeadProfile) -> dict[str, float]:
    """A candidate's six factors, computed as `_scan` computes them for its score."""
    wanted = lead.competencies | NICE_TO_HAVE
    stages, industries = partner.stages, partner.industries
    return {
        "competency": len(wanted & partner.competencies) / len(wanted),
        "stage": 1.0 if lead.stage in stages else (0.0 if stages else NO_FOCUS),
        "industry": 1.0 if lead.industry in industries else (0.0 if industries else NO_FOCUS),
        "track_record": partner.track_record,
        "load": 1.0 - partner.open_leads / partner.capacity,
        "tier": TIER_FACTORS[partner.tier],
    }


# --- ranking ------------------------------------------------------------------------------


def rank(
    lead: LeadProfile, partners: Iterable[PartnerProfile], weights: Weights, *, today: date
) -> Ranking:
    """Filter, score and pick the partner for one lead (see the module docstring).

    One pass (`_scan`) keeps a score per candidate and a bit mask of failed filters per
    rejection, the order is sorted on indices (`_order`), and the `Candidate`s and
    `Rejection`s are built when read. A call so leaves next to nothing alive for the garbage
    collector, which runs as usual (issue 19, measured in docs/performance.md).
    """
    scan = _scan(lead, partners, weights, today)
    if not scan.candidates:
        return Ranking(scan, None, _why_nobody(scan), weights)
    tied = _order(scan, weights.margin)
    chosen = scan.candidate(scan.order[0])
    return Ranking(scan, chosen, _why(chosen, scan, tied, weights), weights)


# The rejection group (failed filter count - 1) of each bit mask.
_GROUP_OF_MASK = tuple(mask.bit_count() - 1 for mask in range(1 << len(HARD_FILTERS)))
_ID = attrgetter("id")


def _scan(
    lead: LeadProfile, partners: Iterable[PartnerProfile], weights: Weights, today: date
) -> _Scan:
    """The hot loop: each partner's failed filters as a bit mask; one with none is scored in
    place. Only references, floats and small ints are kept: no object per partner, so
    nothing for the garbage collector to walk."""
    stage, industry, wanted = lead.stage, lead.industry, lead.competencies | NICE_TO_HAVE
    wanted_count = len(wanted)
    w_competency, w_stage, w_industry, w_track, w_load, w_tier = weights.normalised()
    tier_factors, group_of, failed_mask = TIER_FACTORS, _GROUP_OF_MASK, _failed_mask
    candidates: list[PartnerProfile] = []
    scores: list[float] = []
    by_failed: list[list[PartnerProfile]] = [[] for _ in HARD_FILTERS]
    masks: list[int] = []
    add_candidate, add_score, add_mask = candidates.append, scores.append, masks.append
    for partner in partners:
        mask = failed_mask(partner, lead, today)
        if mask:
            by_failed[group_of[mask]].append(partner)
            add_mask(mask)
            continue
        stages, industries = partner.stages, partner.industries
        score = (  # the factors of `_breakdown`, weighted
            w_competency * (len(wanted & partner.competencies) / wanted_count)
            + w_stage * (1.0 if stage in stages else (0.0 if stages else NO_FOCUS))
            + w_industry * (1.0 if industry in industries else (0.0 if industries else NO_FOCUS))
            + w_track * partner.track_record
            + w_load * (1.0 - partner.open_leads / partner.capacity)
            + w_tier * tier_factors[partner.tier]
        )
        add_candidate(partner)
        add_score(1.0 if score > 1.0 else score)  # shares summing to 1.0000000000000002
    return _Scan(lead, today, candidates, scores, by_failed, masks)


def _order(scan: _Scan, margin: float) -> int:
    """Order the (non-empty) candidates by score, equal scores by least recently assigned
    then id, and move the fair rotation's pick (least recently assigned among those scoring
    at least best - margin) to the front. Sets scan.order and scan.best; returns the number
    tied. Sorts indices on the float scores: no tuple per candidate."""
    partners, scores = scan.candidates, scan.scores

    def rotation_order(index: int) -> tuple[float, int]:
        partner = partners[index]
        return partner.rotation_key, partner.id

    order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
    _order_equal_scores(order, scores, rotation_order)  # so the input's order never matters
    best = scores[order[0]]
    # The tied group is the prefix scoring at least best - margin.
    tied = bisect_right(order, margin + TIE_TOLERANCE - best, key=lambda i: -scores[i])
    pick = min(range(tied), key=lambda position: rotation_order(order[position]))
    order.insert(0, order.pop(pick))
    scan.order, scan.best = order, best
    return tied


def _order_equal_scores(
    order: list[int], scores: list[float], key: Callable[[int], tuple[float, int]]
) -> None:
    """Within each run of exactly equal scores (sorted descending), least recently assigned
    first, then the lower id. Finding the runs is done in C; runs are rare with real figures,
    common with identical new firms."""
    ordered = list(map(scores.__getitem__, order))
    equal_to_previous = compress(count(1), map(float.__eq__, ordered[1:], ordered))
    run_start = run_end = -1
    for index in (*equal_to_previous, None):
        if index is not None and index == run_end:  # extends the current run
            run_end += 1
            continue
        if run_start >= 0:
            order[run_start:run_end] = sorted(order[run_start:run_end], key=key)
        if index is not None:
            run_start, run_end = index - 1, index + 1


# --- why ----------------------------------------------------------------------------------


def _names(names: list[str], total: int) -> str:
    """The first NAMES_IN_WHY of `total` names, "A, B and C", "and N other(s)" past them."""
    rest = total - len(names)
    if rest:
        return f"{', '.join(names)} and {rest} other{'s' if rest > 1 else ''}"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _why(chosen: Candidate, scan: _Scan, tied: int, weights: Weights) -> str:
    best, order, partners = scan.best or 0.0, scan.order, scan.candidates
    factors = ", ".join(
        f"{name.replace('_', ' ')} {value:.2f}" for name, value in chosen.breakdown.items()
    )
    if chosen.score >= best:
        head = f"Chosen: {chosen.name} — best score {chosen.score:.2f} ({factors})"
    else:
        head = f"Chosen: {chosen.name} — score {chosen.score:.2f} ({factors}), best {best:.2f}"
    others = order[1:tied]  # the rest of the tied group
    if others:
        assigned_key = partners[order[0]].rotation_key
        when = "never assigned"
        if assigned_key != -math.inf:
            when = f"last assigned {datetime.fromtimestamp(assigned_key, UTC):%Y-%m-%d %H:%M} UTC"
        names = _names([partners[i].name for i in others[:NAMES_IN_WHY]], len(others))
        reason = (
            f"; tied within {weights.margin:g} with {names} and least recently assigned ({when})."
        )
    elif len(order) > 1:
        reason = f"; the next best scored {scan.scores[order[1]]:.2f}."
    else:
        reason = "; the only candidate."
    counts = f" {_plural(len(order), 'candidate')}, {len(scan.masks)} rejected."
    return head + reason + counts


def _why_nobody(scan: _Scan) -> str:
    rejected = len(scan.masks)
    if not rejected:
        return "No partner chosen: there are no partners in the directory."
    counts = ", ".join(f"{n} {code.replace('_', ' ')}" for code, n in scan.failed_counts().items())
    everyone = "the only partner" if rejected == 1 else f"all {rejected} partners"
    return f"No partner chosen: {everyone} failed the hard filters ({counts})."
