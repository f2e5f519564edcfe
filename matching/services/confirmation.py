"""The founder confirms an intake through the e-mailed link, and later revises it.

Until confirmed, an intake belongs to no account and reaches no partner
(docs/architecture.md#the-founders-confirmation). Confirming attaches it to the account of
the address it was sent from (made then if new) either as a new company or as a new version
of one of that account's companies: one company has one live intake and one lead, never two.
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import ConflictError, InvalidInputError, NotFoundError
from credits import selectors as credit_selectors
from workloads.audit import audit_log
from workloads.models import STARTUP_ANSWERS, WORKLOAD_ANSWERS, Startup, Workload
from workloads.selectors import workload_latest_for_startup

from ..models import Intake, IntakeStatus, Lead, RoutingStatus, RoutingTrigger
from ..signin import founder_may_sign_in
from ..tasks import process_intake as process_intake_task
from ..tasks import route_startup as route_startup_task
from ..tokens import intake_token_hash

logger = logging.getLogger(__name__)

# The company facts an intake (or the dashboard's company form) sets, which eligibility
# reads, and the workload answers a founder may change (the rest is the rows' bookkeeping).
COMPANY_FIELDS = STARTUP_ANSWERS
WORKLOAD_FIELDS = WORKLOAD_ANSWERS
NEW_COMPANY = "new"
STAFF_ADDRESS = (
    "This address belongs to a CloudRoute operator or partner account, which cannot hold a "
    "founder's company. Submit the intake again with your founder address."
)


@dataclass(frozen=True)
class ConfirmChoice:
    """One answer to "which company is this?" on the confirmation page."""

    value: str  # NEW_COMPANY or a startup id
    label: str


def _same_company(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def intake_confirm_choices(*, intake: Intake) -> tuple[list[ConfirmChoice], str]:
    """The companies the intake may update (those of the address's account) and "a new
    company", with the one to preselect: the account's company of the same name, else new."""
    startups = list(
        Startup.objects.filter(founder__email__iexact=intake.email)
        .order_by("-created_at", "-id")
        .values_list("pk", "name")[:20]
    )
    choices = [ConfirmChoice(str(pk), f"Update {name}") for pk, name in startups]
    choices.append(ConfirmChoice(NEW_COMPANY, f"A new company: {intake.startup.name}"))
    same = [pk for pk, name in startups if _same_company(name, intake.startup.name)]
    return choices, str(same[0]) if same else NEW_COMPANY


OLD_LINK = (
    "This link is older than a sign-in link may be, and your address already has an account: "
    "ask for a new link below."
)


def _founder_for(intake: Intake, *, fresh: bool):
    """The account of the intake's address; made now (no password: links only) if new.

    Confirming signs the browser in, so for an address that already has an account the link
    must be as fresh as a sign-in link (`fresh`, settings.SIGNIN_LINK_MAX_AGE)."""
    founder, created = get_user_model().objects.get_or_create(
        email__iexact=intake.email,
        defaults={
            "email": intake.email,
            "full_name": intake.founder_name,
            "password": make_password(None),
        },
    )
    if not founder_may_sign_in(founder):
        raise InvalidInputError(STAFF_ADDRESS, fields={"email": [STAFF_ADDRESS]})
    if not created and not fresh:
        raise InvalidInputError(OLD_LINK)
    return founder


def _newest_intake_locked(startup_id: int) -> Intake | None:
    """The startup's newest intake, locked: the first lock of docs/architecture.md#lock-order
    (routing and the lead's actions lock it too)."""
    return (
        Intake.objects.select_for_update()
        .filter(startup_id=startup_id)
        .order_by("-created_at", "-id")
        .first()
    )


def _becomes_version_of(intake: Intake, target: Startup) -> int:
    """Make the intake the newest version of `target`: its answers replace the company's
    facts, its workload moves over (both stamped newest), the live lead (if any) follows the
    new workload, and the startup the intake had made on its own is deleted. The checks then
    run again. The caller holds the intake's lock; this takes the target's newest intake's
    lock (routing's), then reads its routing status under it. Returns the deleted startup's
    id."""
    own = intake.startup
    previous = _newest_intake_locked(target.pk)
    now = timezone.now()
    for field in COMPANY_FIELDS:
        setattr(target, field, getattr(own, field))
    target.save()
    Workload.objects.filter(pk=intake.workload_id).update(startup=target, created_at=now)
    Lead.objects.filter(startup=target, status__in=Lead.LIVE_STATUSES).update(
        workload_id=intake.workload_id
    )
    intake.startup = target
    intake.routing_status = previous.routing_status if previous else RoutingStatus.NOT_ROUTED
    # Back to `received` for the checks; `attempts` keeps counting, so a worker still holding
    # an earlier claim on this intake can neither release nor finish the new one's.
    intake.status, intake.processed_at, intake.created_at = IntakeStatus.RECEIVED, None, now
    intake.save(update_fields=["startup", "routing_status", "status", "processed_at", "created_at"])
    own_id = own.pk
    own.delete()
    return own_id


def intake_confirm(
    *, intake_id: int, email: str, company: str = NEW_COMPANY, fresh: bool = True
) -> Intake:
    """The founder used the e-mailed link: attach the intake to the account of its address
    and let it reach a partner.

    `company` is NEW_COMPANY or the id of one of the account's startups, which the intake
    then updates (`_becomes_version_of`) instead of opening a second lead. Raises
    NotFoundError for a link that names no such intake (or another account's company),
    ConflictError once the intake is confirmed (a link works once), InvalidInputError for an
    operator's or partner's address, or for a link older than a sign-in link (`fresh`
    False) when the address already has an account (confirming signs in). Routing is
    enqueued on commit once the checks are done (`intake_process` enqueues it otherwise); an
    updated company is checked again first.
    """
    with transaction.atomic():
        intake = (
            Intake.objects.select_for_update()
            .select_related("startup")
            .filter(pk=intake_id, email=email)
            .first()
        )
        if intake is None:
            raise NotFoundError("This confirmation link is not valid.")
        if intake.is_confirmed:
            raise ConflictError("This intake is already confirmed. Sign in to see it.")
        founder = _founder_for(intake, fresh=fresh)
        target, merged_from = None, None
        if company != NEW_COMPANY:
            target = (
                Startup.objects.filter(pk=int(company), founder=founder).first()
                if company.isdecimal() and company.isascii()
                else None
            )
            if target is None:
                raise NotFoundError("That company is not on your account.")
            merged_from = _becomes_version_of(intake, target)
        else:
            Startup.objects.filter(pk=intake.startup_id).update(founder=founder)
        intake.founder, intake.confirmed_at = founder, timezone.now()
        intake.save(update_fields=["founder", "confirmed_at", "updated_at"])
        audit_log(
            actor=founder,
            action="intake.confirmed",
            subject=intake,
            data={
                "startup": intake.startup_id,
                "updated_company": target is not None,
                # The startup the intake had made on its own, deleted by the update.
                "merged_from": merged_from,
            },
        )
        _after_commit(intake, checks_again=target is not None)
    return intake


def _after_commit(intake: Intake, *, checks_again: bool) -> None:
    intake_id, startup_id = intake.pk, intake.startup_id
    if checks_again:
        transaction.on_commit(lambda: process_intake_task.delay(intake_id), robust=True)
    elif intake.status == IntakeStatus.READY:
        transaction.on_commit(
            lambda: route_startup_task.delay(startup_id, RoutingTrigger.INTAKE), robust=True
        )


def intakes_unconfirmed_purge(*, limit: int = 500) -> int:
    """Delete intakes never confirmed within settings.INTAKE_CONFIRM_MAX_AGE, with the
    startup and workload they made (nobody's account holds them; their link no longer
    works). Only startups without a founder go, so a confirmed company is never touched.
    Skips rows another transaction holds. Returns how many startups were deleted."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.INTAKE_CONFIRM_MAX_AGE)
    with transaction.atomic():
        startup_ids = list(
            Intake.objects.select_for_update(skip_locked=True)
            .filter(confirmed_at__isnull=True, created_at__lt=cutoff, startup__founder__isnull=True)
            .values_list("startup_id", flat=True)[:limit]
        )
        startups = Startup.objects.filter(pk__in=startup_ids, founder__isnull=True)
        count = startups.count()
        startups.delete()
    if count:
        logger.info("Deleted %s startups of intakes never confirmed", count)
    return count


def _validated(row: Startup | Workload, *, exclude: list[str]) -> None:
    """The model's own rules, as the error model's 400 naming each field."""
    try:
        row.full_clean(exclude=exclude)
    except ValidationError as error:
        raise InvalidInputError(
            "Some answers cannot be accepted.", fields=error.message_dict
        ) from error


def intake_revise(
    *,
    founder,
    startup_id: int,
    workload: dict[str, Any] | None = None,
    company: dict[str, Any] | None = None,
) -> Intake:
    """The signed-in founder changes the workload or the company facts from the dashboard.

    A new version: a new intake (confirmed, theirs) with a new workload (a copy of the
    newest with `workload` applied) for the same startup, whose facts take `company`. The
    live lead follows the new workload; eligibility, the estimate and the projection run
    again (`matching.process_intake`; routing does nothing while a lead is live). Raises
    NotFoundError for a startup that is not theirs, InvalidInputError (naming the fields)
    for answers the models refuse; nothing is saved then.
    """
    with transaction.atomic():
        # The lock order: the startup's newest intake (routing's lock), then the startup.
        previous = _newest_intake_locked(startup_id)
        startup = Startup.objects.select_for_update().filter(pk=startup_id, founder=founder).first()
        if startup is None or previous is None:
            raise NotFoundError("No such company on your account.")
        company = {k: v for k, v in (company or {}).items() if k in COMPANY_FIELDS}
        workload = {k: v for k, v in (workload or {}).items() if k in WORKLOAD_FIELDS}
        for field, value in company.items():
            setattr(startup, field, value)
        _validated(startup, exclude=["founder"])
        startup.save()
        row = Workload.objects.get(pk=previous.workload_id)
        row.pk, row.id, row._state.adding = None, None, True  # a copy: a new version
        for field, value in workload.items():
            setattr(row, field, value)
        row.startup = startup
        _validated(row, exclude=["startup"])
        row.save()
        intake = Intake.objects.create(
            founder=founder,
            email=founder.email,
            founder_name=founder.get_full_name(),
            confirmed_at=timezone.now(),
            startup=startup,
            workload=row,
            routing_status=previous.routing_status,
            access_token_hash=intake_token_hash(secrets.token_urlsafe(32)),
        )
        Lead.objects.filter(startup=startup, status__in=Lead.LIVE_STATUSES).update(workload=row)
        audit_log(
            actor=founder,
            action="intake.revised",
            subject=intake,
            data={
                "startup": startup.pk,
                "workload": row.pk,
                "company_fields": sorted(company),
                "workload_fields": sorted(workload),
            },
        )
        _after_commit(intake, checks_again=True)
    return intake


def workload_calibrate(*, founder, startup_id: int, measured_through: dt.date) -> Intake:
    """The founder turns what their Bedrock account measured into a new version of the
    workload: `intake_revise` with the measured values (requests, tokens, cache hit rate,
    Sonnet and Opus shares; the batch share stays as assumed). `measured_through` is the
    last measured day the founder saw: if the measurements moved on since, nothing is saved
    (ConflictError, 409) so they review the new figures first. Raises NotFoundError for a
    startup that is not theirs, ConflictError when nothing is measured."""
    startup = Startup.objects.filter(pk=startup_id, founder=founder).first()
    workload = workload_latest_for_startup(startup_id=startup_id) if startup else None
    if workload is None:
        raise NotFoundError("No such company on your account.")
    found = credit_selectors.usage_calibration(workload=workload)
    if found is None:
        raise ConflictError("Your account has no measured Bedrock usage to apply yet.")
    if found.last_day != measured_through:
        raise ConflictError(
            "New measurements arrived since you opened the page; review them and apply again."
        )
    values = found.measured.workload_values()
    intake = intake_revise(founder=founder, startup_id=startup_id, workload=values)
    audit_log(
        actor=founder,
        action="workload.calibrated",
        subject=intake,
        data={
            "from_workload": workload.pk,
            "measured": values,
            "days": found.measured.days,
            "through": found.last_day.isoformat(),
        },
    )
    return intake
