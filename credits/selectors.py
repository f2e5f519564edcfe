"""Reads of credit programs, eligibility snapshots and applications, shared by the API, tasks
and pages."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min, Prefetch, Sum
from django.utils import timezone

from workloads import selectors as workload_selectors
from workloads import spend, throughput
from workloads.models import Startup, Workload

from . import calibration, eligibility
from .models import (
    AccountCredit,
    ApplicationEvent,
    BedrockQuota,
    BedrockUsageDay,
    BillingAccess,
    CreditApplication,
    CreditProgram,
    EligibilitySnapshot,
    MonthlySpendActual,
)


def programs_current(*, on: dt.date | None = None) -> list[CreditProgram]:
    """Each program's latest terms effective on `on` (today), in a stable order; a program
    whose latest terms are inactive is left out (it does not fall back to older terms)."""
    on = on or timezone.localdate()
    rows = CreditProgram.objects.filter(effective_from__lte=on).order_by("code", "-effective_from")
    latest: dict[str, CreditProgram] = {}
    for row in rows:
        latest.setdefault(row.code, row)
    order = {code: index for index, code in enumerate(PROGRAM_ORDER)}
    active = [row for row in latest.values() if row.is_active]
    return sorted(active, key=lambda row: (order.get(row.code, len(order)), row.code))


# The order founders read the cards in: their own programs first, then partner-filed, then the
# competitive accelerator. Programs operators add go last, alphabetically.
PROGRAM_ORDER = ("activate_portfolio", "activate_founders", "bedrock_poc", "genai_accelerator")


def program_terms(program: CreditProgram) -> eligibility.Program:
    return eligibility.Program(
        code=program.code,
        name=program.name,
        family=program.family,
        filed_by=program.filed_by,
        amount_min=program.amount_min,
        amount_max=program.amount_max,
        typical_amount=program.typical_amount,
        validity_months=program.validity_months,
        covers_bedrock_third_party=program.covers_bedrock_third_party,
        window_opens_on=program.window_opens_on,
        window_closes_on=program.window_closes_on,
    )


def org_id_used_elsewhere(*, org_id: str, startup: Startup | None = None) -> bool:
    """Whether another founder's startup on CloudRoute already gave this Activate Org ID.

    For a saved startup only earlier ones count (lower id: intakes giving the same Org ID
    are saved one after another, see `intake_submit`), so the first founder to claim an Org
    ID keeps it however often either side is re-evaluated, and two founders racing for it
    never both pass nor both fail.
    """
    org_id = org_id.strip()
    if not org_id:
        return False
    others = Startup.objects.filter(activate_org_id__iexact=org_id)
    if startup is not None:
        if startup.founder_id is not None:  # none yet: an intake not confirmed
            others = others.exclude(founder_id=startup.founder_id)
        if startup.pk is not None:
            others = others.filter(pk__lt=startup.pk)
    return others.exists()


def billing_access_for_startup(*, startup_id: int) -> BillingAccess | None:
    """The startup's billing access, or None before the founder asked to connect the bill."""
    return BillingAccess.objects.filter(startup_id=startup_id).first()


def account_credits_for_startup(*, startup_id: int) -> list[AccountCredit]:
    """The credits on the startup's AWS account as AWS's billing ledger last showed them
    (AccountCredit, read daily through the founder's role), soonest expiry first."""
    return list(
        AccountCredit.objects.filter(startup_id=startup_id).order_by("expires_on", "credit_id")
    )


def snapshot_latest(*, startup_id: int) -> EligibilitySnapshot | None:
    return EligibilitySnapshot.objects.filter(startup_id=startup_id).first()


def application_with_events(*, application_id: int) -> CreditApplication | None:
    """The application with its startup, program and grant (if issued), and its events
    oldest first with their actors; two queries. None when there is no such application.
    Callers scope by owner first (a partner firm sees only its own startups' applications)."""
    return (
        CreditApplication.objects.select_related("startup", "program", "grant")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ApplicationEvent.objects.select_related("actor").order_by(
                    "created_at", "id"
                ),
            )
        )
        .filter(pk=application_id)
        .first()
    )


def applications_for_startup(*, startup_id: int) -> list[CreditApplication]:
    """The startup's applications, newest first, each with its program and grant (if issued)
    and its events oldest first: two queries (one when there is no application)."""
    return list(
        CreditApplication.objects.filter(startup_id=startup_id)
        .select_related("program", "grant")
        .prefetch_related(
            Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id"))
        )
        .order_by("-created_at", "-id")
    )


def spend_actuals_by_month_number(*, startup_id: int, first_month: dt.date) -> dict[int, Decimal]:
    """The startup's imported Bedrock cost keyed by month number, month 1 being
    `first_month`'s month (a projection's month 1); earlier months are left out. One query."""
    start = first_month.replace(day=1)
    rows = MonthlySpendActual.objects.filter(startup_id=startup_id, month__gte=start).values_list(
        "month", "bedrock_cost"
    )
    return {
        (month.year - start.year) * 12 + month.month - start.month + 1: cost for month, cost in rows
    }


# --- The founder's Bedrock account: quotas and measured usage ---------------------------


def account_quotas(*, startup_id: int, region: str, scope: str) -> dict[str, throughput.Quota]:
    """The per-minute quotas read from the startup's account in `region` for one way of
    calling (`scope`), by model id; empty when never read."""
    quotas: dict[str, dict] = {}
    rows = BedrockQuota.objects.filter(startup_id=startup_id, region=region, scope=scope)
    for row in rows.order_by("model_id", "kind"):
        entry = quotas.setdefault(row.model_id, {"names": [], "read_at": row.read_at})
        entry[row.kind] = row.value
        entry["names"].append(f"{row.name} ({row.quota_code})")
    return {
        model_id: throughput.Quota(
            scope=scope,
            rpm=entry.get("requests"),
            tpm=entry.get("tokens"),
            source="account",
            read_on=timezone.localdate(entry["read_at"]).isoformat(),
            reference="; ".join(entry["names"]),
        )
        for model_id, entry in quotas.items()
    }


def throughput_for_startup(
    *,
    workload: Workload,
    peak_factor: int | float | str = throughput.DEFAULT_PEAK_FACTOR,
    account_read: bool = True,
) -> list[throughput.TierLoad]:
    """The workload's peak load per model against the account's quotas where they were read,
    else the dated defaults (the dashboard and the partner's lead page). `account_read`
    False: the account was never read, so its quotas are not looked up (one query less)."""
    quotas = (
        account_quotas(
            startup_id=workload.startup_id,
            region=workload.region,
            scope=throughput.scope_for(workload.endpoint),
        )
        if account_read
        else {}
    )
    return workload_selectors.workload_throughput(
        workload=workload, account_quotas=quotas, peak_factor=peak_factor
    )


@dataclass(frozen=True)
class Calibration:
    """Measured usage next to the workload's assumptions, and what it costs a month."""

    measured: calibration.Measured
    first_day: dt.date
    last_day: dt.date
    rows: list[dict[str, Any]]  # {"field", "label", "assumed", "measured"}
    measured_monthly_cost: Decimal
    projected_monthly_cost: Decimal
    read_at: dt.datetime

    @property
    def overspend(self) -> Decimal | None:
        """How far the measured spend runs above the projection (0.25 = 25%), or None."""
        if self.projected_monthly_cost <= 0:
            return None
        return (self.measured_monthly_cost / self.projected_monthly_cost - 1).quantize(
            Decimal("0.0001")
        )

    @property
    def overspend_percent(self) -> Decimal:
        """The overspend in percent with one decimal (20.4 for 0.2040), 0 when there is
        none: an alert at 20.4% never reads "20% above"."""
        if self.overspend is None:
            return Decimal(0)
        return (self.overspend * 100).quantize(Decimal("0.1"))

    @property
    def over_threshold(self) -> bool:
        return self.overspend is not None and self.overspend > OVERSPEND_THRESHOLD


OVERSPEND_THRESHOLD = Decimal("0.20")  # measured spend more than 20% above the projection
CALIBRATED_FIELDS = (
    ("monthly_requests", "Requests a month"),
    ("input_tokens", "Input tokens per request"),
    ("cached_prefix_tokens", "Cached prefix tokens"),
    ("output_tokens", "Output tokens per request"),
    ("cache_hit_rate", "Cache hit rate"),
    ("escalation_sonnet", "Share on Sonnet"),
    ("escalation_opus", "Share on Opus"),
)


def usage_calibration(*, workload: Workload, on: dt.date | None = None) -> Calibration | None:
    """The last WINDOW_DAYS of the startup's stored Bedrock metrics (the days before `on`,
    today) measured against `workload`, or None without any. One aggregate query (the book's
    prices and model tiers are cached).

    The window runs through yesterday, so quiet days since the last call count. Both costs are
    priced with today's book: the measured traffic as a month with no growth, the workload's
    own for the month of its projection the window's midpoint falls in (months are counted
    from the version's creation, 30 days each); the assumed requests shown are that month's.
    """
    on = on or timezone.localdate()
    sums = _usage_sums(startup_id=workload.startup_id, on=on)
    if not sums:
        return None
    tiers = workload_selectors.model_tiers()
    totals = [
        calibration.ModelTotals(
            model_id=row["model_id"] or "(not a Claude model id)",
            tier=tiers.get(row["model_id"]),
            invocations=row["calls"],
            input_tokens=row["uncached"],
            output_tokens=row["output"],
            cache_read_tokens=row["read"],
            cache_write_tokens=row["write"],
        )
        for row in sums
    ]
    first, last = min(row["first"] for row in sums), max(row["last"] for row in sums)
    measured = calibration.measure(
        totals,
        days=(on - first).days,
        cascade=workload.cascade,
        batch_share=workload.batch_share,
    )
    if measured is None:
        return None
    prices = workload_selectors.priced_book_for().prices
    values = measured.workload_values()
    midpoint = first + (on - first) / 2
    created = timezone.localdate(workload.created_at)
    projected = _month(workload, {}, prices, month=max(0, (midpoint - created).days) // 30 + 1)
    assumed = {name: getattr(workload, name) for name, _ in CALIBRATED_FIELDS}
    assumed["monthly_requests"] = projected.requests  # that month's, growth included
    return Calibration(
        measured=measured,
        first_day=first,
        last_day=last,
        rows=[
            {"field": name, "label": label, "assumed": assumed[name], "measured": values[name]}
            for name, label in CALIBRATED_FIELDS
        ],
        measured_monthly_cost=_month(workload, values, prices, month=1).cost,
        projected_monthly_cost=projected.cost,
        read_at=max(row["read_at"] for row in sums),
    )


def _usage_sums(*, startup_id: int, on: dt.date) -> list[dict[str, Any]]:
    """Per base model, the window's summed counts, first and last day and newest read."""
    since = on - dt.timedelta(days=calibration.WINDOW_DAYS)
    days = BedrockUsageDay.objects.filter(startup_id=startup_id, day__gte=since, day__lt=on)
    return [
        dict(row)
        for row in days.values("model_id").annotate(
            calls=Sum("invocations"),
            uncached=Sum("input_tokens"),
            output=Sum("output_tokens"),
            read=Sum("cache_read_tokens"),
            write=Sum("cache_write_tokens"),
            first=Min("day"),
            last=Max("day"),
            read_at=Max("read_at"),
        )
    ]


def _month(workload: Workload, measured: dict, prices: dict, *, month: int) -> spend.MonthRow:
    """Month `month` of the workload priced with `prices`; with `measured` values replacing
    its answers, those are today's traffic: month 1, no growth."""
    answers = {name: getattr(workload, name) for name, _ in CALIBRATED_FIELDS} | measured
    inputs = spend.SpendInput(
        **answers,
        monthly_growth=0 if measured else workload.monthly_growth,
        batch_share=workload.batch_share,
        cascade=workload.cascade,
        baseline_tier=workload.baseline_tier,
        endpoint=workload.endpoint,
        months=min(month, spend.MAX_MONTHS),
    )
    return spend.project(inputs, prices).months[-1]
