"""The startup's $0 outcome: its newest workload's spend burned down against its real grants.

Month 1 is the current month. A grant is usable from the month it was issued (at least month
1) through the month it expires; the horizon runs to the last grant's expiry, at least the
dashboard's 24 months and at most 60. The projection is stored (credits_basis "issued"):
from then on the dashboard shows it instead of one against the credits merely expected.
Only grants whose program covers third-party models on Bedrock (Claude is billed through AWS
Marketplace) pay the Bedrock spend; the others are listed in the result but pay nothing.
Once the account's own credits have been read (billing.get_credits, AccountCredit), their
remaining balances replace the grants' face amounts: they already count what was spent.
"""

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.formatting import month_start, months_from
from workloads.models import Startup, Workload
from workloads.selectors import workload_latest_for_startup
from workloads.services import CREDITS_ISSUED, PROJECTION_MONTHS, workload_project
from workloads.spend import MAX_MONTHS, CreditGrant, to_cents

from ..models import AccountCredit, CreditOutcome, MonthlySpendActual, OutcomeStatus
from ..models import CreditGrant as GrantRow
from ..signals import outcome_changed, send_on_commit
from ..tasks import email_outcome_changed as email_outcome_changed_task

logger = logging.getLogger(__name__)

LEDGER_FRESH = dt.timedelta(days=3)  # account credits read longer ago are not the basis


def _spend_grant(row: GrantRow, today: dt.date) -> CreditGrant:
    start = max(1, months_from(today, row.issued_on) + 1)
    last = max(start, months_from(today, row.expires_on) + 1)
    return CreditGrant(amount=float(row.amount), start_month=start, valid_months=last - start + 1)


def startup_outcome_refresh(*, startup_id: int) -> CreditOutcome | None:
    """Recompute and store the startup's outcome (one CreditOutcome row per startup).

    Reads the startup's grants and newest workload, runs the spend model (no transaction is
    open meanwhile), then in one short transaction locks the outcome row, updates or creates
    it, and, only when the status or the first out-of-pocket month changed, sets
    `changed_at` and enqueues `credits.email_outcome_changed` and (by name)
    `matching.email_outcome_partner` on commit. Safe to run twice.
    Returns None when the startup no longer exists, or when it has grants but no workload
    to project. Raises PriceBookMissingError when there are no prices (the task retries).
    """
    startup = Startup.objects.filter(pk=startup_id).first()
    if startup is None:
        return None
    today = timezone.localdate()
    rows = list(
        GrantRow.objects.filter(startup_id=startup_id)
        .select_related("program")
        .order_by("expires_on", "id")
    )
    ledger = list(
        AccountCredit.objects.filter(startup_id=startup_id).order_by("expires_on", "credit_id")
    )
    values: dict
    if not rows and not ledger:
        values = {
            "status": OutcomeStatus.NO_CREDITS,
            "first_out_of_pocket_month": None,
            "out_of_pocket_until_expiry": Decimal("0.00"),
            "credits_expiring_unused": Decimal("0.00"),
            "result": {"as_of": today.isoformat(), "grants": []},
        }
    else:
        workload = workload_latest_for_startup(startup_id=startup_id)
        if workload is None:
            logger.info("Startup %s has grants but no workload to project", startup_id)
            return None
        values = _burn_down(
            workload, rows, today, ledger, _credits_applied_this_month(startup_id, today, ledger)
        )

    with transaction.atomic():
        outcome = CreditOutcome.objects.select_for_update().filter(startup_id=startup_id).first()
        before = (
            (outcome.status, outcome.first_out_of_pocket_month)
            if outcome is not None
            else (OutcomeStatus.NO_CREDITS, None)
        )
        changed = before != (values["status"], values["first_out_of_pocket_month"])
        if changed:
            values["changed_at"] = timezone.now()
        outcome, _ = CreditOutcome.objects.update_or_create(startup_id=startup_id, defaults=values)
        if changed:
            transaction.on_commit(lambda: email_outcome_changed_task.delay(outcome.pk), robust=True)
            # Announced on commit: matching tells the accepting partner firm.
            send_on_commit(
                outcome_changed, sender=CreditOutcome, startup_id=startup_id, outcome_id=outcome.pk
            )
    return outcome


def outcome_status_of(*, result: dict, inputs: dict) -> tuple[str, int | None]:
    """The $0 outcome a projection against issued grants gives: (status, first month paid).

    $0 out of pocket while the grants last: no month up to the last one a grant pays for
    has a cost left over. The one rule for the stored outcome and the dashboard's badge."""
    credits = inputs.get("credits", [])
    first = result.get("first_out_of_pocket_month")
    if not credits:  # grants, but none that pays for Claude on Bedrock
        return OutcomeStatus.AT_RISK, first or 1
    last = max(g["start_month"] + g["valid_months"] - 1 for g in credits)
    if first is not None and first <= last:
        return OutcomeStatus.AT_RISK, first
    return OutcomeStatus.ZERO_OUT_OF_POCKET, None


def _credits_applied_this_month(
    startup_id: int, today: dt.date, ledger: list[AccountCredit]
) -> Decimal:
    """The Bedrock credits Cost Explorer saw applied this month (0 without a ledger: no read)."""
    if not ledger:
        return Decimal(0)
    actual = MonthlySpendActual.objects.filter(
        startup_id=startup_id, month=today.replace(day=1)
    ).first()
    return actual.credits_applied if actual else Decimal(0)


def _ledger_grant(credit: AccountCredit, today: dt.date, add_back: Decimal) -> CreditGrant:
    """What is left of a credit on the account, usable from this month to its expiry.
    `add_back` is what it already paid this month: month 1 charges the whole month."""
    last = max(1, months_from(today, credit.expires_on) + 1)
    amount = min(credit.remaining_amount + add_back, credit.initial_amount)
    return CreditGrant(amount=float(amount), start_month=1, valid_months=last)


def _paying_ledger(ledger: list[AccountCredit], today: dt.date) -> list[AccountCredit]:
    """The account's credits that pay Claude on Bedrock now, as read lately (a ledger no
    longer read, say the role lost billing:GetCredits, stops being the basis)."""
    fresh_after = timezone.now() - LEDGER_FRESH
    return [
        credit
        for credit in ledger
        if credit.enabled
        and credit.currency == "USD"
        and credit.expires_on >= today
        and credit.remaining_amount > 0
        and credit.pays_claude_on_bedrock
        and credit.read_at >= fresh_after
    ]


def _burn_down(
    workload: Workload,
    rows: list[GrantRow],
    today: dt.date,
    ledger: list[AccountCredit],
    spent_this_month: Decimal,
) -> dict:
    """Project the workload against what pays Claude on Bedrock, and store that projection:
    the dashboard shows it, so its chart and this outcome are one computation
    (docs/architecture.md#applications-and-the-0-outcome). With fresh credits read from the
    account that pay Claude (AccountCredit), their remaining balances are the basis, AWS's
    ledger knowing what was already spent; grants issued after that read are not on it yet
    and count too. Without, the live grants' amounts are."""
    live = [row for row in rows if row.expires_on >= today]
    on_account = _paying_ledger(ledger, today)
    if on_account:
        read_on = timezone.localdate(min(credit.read_at for credit in on_account))
        paying = [row for row in live if row.covers_bedrock_third_party and row.issued_on > read_on]
        grants = [
            _ledger_grant(credit, today, spent_this_month if index == 0 else Decimal(0))
            for index, credit in enumerate(on_account)  # the soonest expiry pays first
        ] + [_spend_grant(row, today) for row in paying]
        expiries = [credit.expires_on for credit in on_account] + [row.expires_on for row in live]
    else:
        paying = [row for row in live if row.covers_bedrock_third_party]
        grants = [_spend_grant(row, today) for row in paying]
        expiries = [row.expires_on for row in live]
    last = max((months_from(today, expiry) + 1 for expiry in expiries), default=1)
    stored = workload_project(
        workload_id=workload.pk,
        credits=grants,
        credits_basis=CREDITS_ISSUED,
        months=min(MAX_MONTHS, max(PROJECTION_MONTHS, last)),
    )
    if stored is None:
        raise Workload.DoesNotExist(workload.pk)
    projection = dict(stored.result)
    status, first_month = outcome_status_of(result=projection, inputs=stored.inputs)
    months = [row for row in projection["months"] if row["month"] <= last]
    out_of_pocket = sum((Decimal(row["out_of_pocket"]) for row in months), Decimal("0.00"))
    expiring_unused = to_cents(Decimal(projection["totals"]["credits_expired"]))
    expiry_dates = [row.expires_on for row in paying] + [c.expires_on for c in on_account]
    covered_until = max(expiry_dates, default=None)
    projection |= {
        "as_of": today.isoformat(),
        "workload": workload.pk,
        "projection": stored.pk,
        "covered_until": covered_until.isoformat() if covered_until else None,
        "first_out_of_pocket_on": month_start(today, first_month).isoformat()
        if first_month
        else None,
        "grants": [_grant_row(row, used=row in paying) for row in rows],
        "basis": "account" if on_account else "grants",
        "account_credits": [_ledger_row(c, used=c in on_account) for c in ledger],
    }
    return {
        "status": status,
        "first_out_of_pocket_month": first_month,
        "out_of_pocket_until_expiry": to_cents(out_of_pocket),
        "credits_expiring_unused": expiring_unused,
        "result": projection,
    }


def _grant_row(row: GrantRow, *, used: bool) -> dict:
    return {
        "id": row.pk,
        "program": row.program.code,
        "program_name": row.program.name,
        "amount": f"{row.amount:.2f}",
        "issued_on": row.issued_on.isoformat(),
        "expires_on": row.expires_on.isoformat(),
        "covers_bedrock_third_party": row.covers_bedrock_third_party,
        # Expired grants and grants that do not pay Claude on Bedrock sit out.
        "used": used,
    }


def _ledger_row(credit: AccountCredit, *, used: bool) -> dict:
    return {
        "credit_id": credit.credit_id,
        "description": credit.description,
        "remaining": f"{credit.remaining_amount:.2f}",
        "initial": f"{credit.initial_amount:.2f}",
        "currency": credit.currency,
        "expires_on": credit.expires_on.isoformat(),
        "read_at": credit.read_at.isoformat(),
        "used": used,
    }
