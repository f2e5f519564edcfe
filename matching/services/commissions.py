"""The routing commission a partner firm owes CloudRoute once credits are issued on an
application it filed: recorded once per application, then marked invoiced and paid."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.errors import ConflictError
from credits.models import ApplicationStatus, CreditApplication
from workloads.audit import audit_log

from ..models import Commission, CommissionStatus, Partner
from ..models.leads import Lead, LeadStatus
from ..tasks import record_commission as record_commission_task

CENT = Decimal("0.01")

# Operators move a commission forward only: due -> invoiced -> paid.
COMMISSION_MOVES: dict[str, str] = {
    CommissionStatus.INVOICED.value: CommissionStatus.DUE.value,
    CommissionStatus.PAID.value: CommissionStatus.INVOICED.value,
}


class CommissionError(ConflictError):
    """The commission cannot make that move (nothing changed; 409)."""

    code = "commission_state"


def commission_amount(*, issued: Decimal, rate: Decimal) -> Decimal:
    """The issued credits times the firm's rate, rounded half up to cents."""
    return (issued * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def commission_record(*, application_id: int) -> Commission | None:
    """Record the commission for an application whose credits were issued.

    The amount is the firm's flat fee when it has one (the entry's rate is then 0), else the
    issued credits times its rate. Idempotent: the application is unique on Commission, so a
    second run returns the row the first one wrote (with the terms it used then). Returns
    None when the application is not `credits_issued` or no firm accepted the startup's
    lead. Audits `commission.recorded`."""
    application = (
        CreditApplication.objects.select_related("startup").filter(pk=application_id).first()
    )
    if (
        application is None
        or application.status != ApplicationStatus.CREDITS_ISSUED
        or application.issued_amount is None
    ):
        return None
    # One filter() call, so both conditions apply to the same lead (a firm that declined
    # this startup earlier gets nothing).
    partner = (
        Partner.objects.filter(
            leads__startup_id=application.startup_id, leads__status=LeadStatus.ACCEPTED
        )
        .order_by("pk")
        .first()
    )
    if partner is None:
        return None
    # A flat fee, when the firm's agreement sets one, replaces the rate: the entry then
    # stores rate 0 and the fee as its amount.
    flat_fee = partner.commission_flat_fee
    if flat_fee is not None:
        rate, amount = Decimal("0"), flat_fee.quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        rate = partner.commission_rate
        amount = commission_amount(issued=application.issued_amount, rate=rate)
    with transaction.atomic():
        commission, created = Commission.objects.get_or_create(
            application=application,
            defaults={
                "partner": partner,
                "credits_issued": application.issued_amount,
                "rate": rate,
                "amount": amount,
            },
        )
        if created:
            audit_log(
                actor=None,
                action="commission.recorded",
                subject=commission,
                data={
                    "application": str(application.pk),
                    "partner": str(partner.pk),
                    "credits_issued": str(commission.credits_issued),
                    "rate": str(commission.rate),
                    "flat_fee": str(flat_fee) if flat_fee is not None else None,
                    "amount": str(commission.amount),
                },
            )
    return commission


def commissions_missing_requeue(*, older_than_seconds: int = 600, limit: int = 100) -> list[int]:
    """Re-enqueue `matching.record_commission` for applications whose credits were issued
    over `older_than_seconds` ago, that a firm's accepted lead would earn a commission, but
    that have none (the enqueue on issue never reached the broker, or its retries ran out).

    Locks the applications it picks, skipping rows another transaction holds (skip_locked),
    and bumps their `updated_at` so the next sweep leaves them alone while the task is
    queued. A duplicate is harmless: one commission per application. Returns the ids."""

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            CreditApplication.objects.select_for_update(skip_locked=True)
            .filter(
                status=ApplicationStatus.CREDITS_ISSUED,
                issued_amount__isnull=False,
                updated_at__lt=now - dt.timedelta(seconds=older_than_seconds),
            )
            .filter(~Exists(Commission.objects.filter(application=OuterRef("pk"))))
            .filter(
                Exists(
                    Lead.objects.filter(
                        startup_id=OuterRef("startup_id"), status=LeadStatus.ACCEPTED
                    )
                )
            )
            .order_by("updated_at")
            .values_list("pk", flat=True)[:limit]
        )
        CreditApplication.objects.filter(pk__in=ids).update(updated_at=now)
        for application_id in ids:
            # The id is bound now (a default argument) and enqueued on commit.
            def record(application_id: int = application_id) -> None:
                record_commission_task.delay(application_id)

            transaction.on_commit(record, robust=True)
    return ids


def commission_mark(
    *, commission_id: int, status: str, actor, on: dt.date | None = None
) -> Commission:
    """Mark a commission invoiced (from due) or paid (from invoiced), on `on` (default today).

    Locks the row; any other move raises CommissionError. Audits `commission.<status>`."""
    if status not in COMMISSION_MOVES:
        raise CommissionError(
            f"A commission can only be marked {' or '.join(COMMISSION_MOVES)}; got {status!r}."
        )
    on = on or timezone.localdate()
    with transaction.atomic():
        commission = Commission.objects.select_for_update().get(pk=commission_id)
        source = COMMISSION_MOVES[status]
        if commission.status != source:
            raise CommissionError(
                f"Cannot mark a {commission.status} commission {status}; only a {source} one."
            )
        from_status = commission.status
        commission.status = status
        date_field = "invoiced_on" if status == CommissionStatus.INVOICED else "paid_on"
        setattr(commission, date_field, on)
        commission.save(update_fields=["status", date_field])
        audit_log(
            actor=actor,
            action=f"commission.{status}",
            subject=commission,
            data={"from": from_status, "to": status, date_field: on.isoformat()},
        )
    return commission
