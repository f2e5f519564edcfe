"""Partner-filed credit applications: creation, ACE's pre-submission check and the state
machine of docs/architecture.md#applications-and-the-0-outcome (each move locked, recorded
as an event and audited)."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ConflictError, InvalidInputError
from workloads.audit import audit_log
from workloads.models import Startup

from .. import selectors
from ..models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationEvent,
    ApplicationStatus,
    CreditApplication,
    CreditGrant,
)
from ..signals import application_status_changed, credits_issued, send_on_commit
from ..tasks import refresh_outcome as refresh_outcome_task
from .precheck import application_precheck

S = ApplicationStatus

# Mirrors ACE's review flow; closed states have no way out.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT.value: frozenset({S.SUBMITTED.value, S.CANCELED.value}),
    S.SUBMITTED.value: frozenset(
        {S.IN_REVIEW.value, S.ACTION_REQUIRED.value, S.REJECTED.value, S.CANCELED.value}
    ),
    S.IN_REVIEW.value: frozenset(
        {S.ACTION_REQUIRED.value, S.APPROVED.value, S.REJECTED.value, S.CANCELED.value}
    ),
    S.ACTION_REQUIRED.value: frozenset({S.IN_REVIEW.value, S.REJECTED.value, S.CANCELED.value}),
    S.APPROVED.value: frozenset({S.CREDITS_ISSUED.value, S.CANCELED.value}),
    S.CREDITS_ISSUED.value: frozenset(),
    S.REJECTED.value: frozenset(),
    S.CANCELED.value: frozenset(),
}

ACE_OPPORTUNITY_ID_RE = re.compile(r"^O[0-9]+$")
ACE_OPPORTUNITY_ID_MAX = 40  # CreditApplication.ace_opportunity_id's max_length


class ApplicationTransitionError(ConflictError):
    """The move is not allowed from the application's state, or would duplicate an open
    application (409)."""

    code = "application_state"


class ApplicationInputError(InvalidInputError):
    """What a step needs is missing or invalid; `fields` maps each field to messages (400)."""

    code = "application_input"


@dataclass(frozen=True)
class _CreditsIssue:
    """The checked values of a `credits_issued` move."""

    amount: Decimal
    issued_on: dt.date
    expires_on: dt.date


def application_create(
    *,
    startup_id: int,
    program_code: str,
    requested_amount: Decimal,
    actor,
    target_close_date: dt.date | None = None,
) -> CreditApplication:
    """Open a draft application of the startup for a program's current terms.

    Locks nothing: the one-open-application-per-program unique constraint settles a race
    (the loser gets ApplicationTransitionError). One insert each of the application, its
    first event and an audit entry, in one transaction; enqueues nothing.
    """
    startup = Startup.objects.filter(pk=startup_id).first()
    if startup is None:
        raise ApplicationInputError(
            fields={"startup": [f"There is no startup with id {startup_id}."]}
        )
    programs = {program.code: program for program in selectors.programs_current()}
    program = programs.get(program_code)
    if program is None:
        raise ApplicationInputError(
            fields={
                "program": [
                    f"Unknown program {program_code!r}; choose one of: "
                    f"{', '.join(programs) or 'none is open'}."
                ]
            }
        )
    amount = _money("requested_amount", requested_amount)
    if not program.amount_min <= amount <= program.amount_max:
        raise ApplicationInputError(
            fields={"requested_amount": [_range_message("requested amount", program)]}
        )
    if CreditApplication.objects.filter(
        startup=startup, program__code=program.code, status__in=OPEN_APPLICATION_STATUSES
    ).exists():
        raise ApplicationTransitionError(_duplicate_message(startup, program.code))
    try:
        with transaction.atomic():
            application = CreditApplication.objects.create(
                startup=startup,
                program=program,
                requested_amount=amount,
                target_close_date=target_close_date,
                created_by=_user(actor),
            )
            ApplicationEvent.objects.create(
                application=application,
                actor=_user(actor),
                from_status="",
                to_status=S.DRAFT,
            )
            audit_log(
                actor=actor,
                action="application.created",
                subject=application,
                data={"program": program.code, "requested_amount": str(amount)},
            )
    except IntegrityError as exc:
        # Another request opened the same application between the check and the insert.
        raise ApplicationTransitionError(_duplicate_message(startup, program.code)) from exc
    return application


def application_transition(
    *,
    application_id: int,
    to: str,
    actor,
    note: str = "",
    ace_opportunity_id: str | None = None,
    approved_amount: Decimal | None = None,
    issued_amount: Decimal | None = None,
    expires_on: dt.date | None = None,
    issued_on: dt.date | None = None,
    submitted_in_ace: bool = False,
) -> CreditApplication:
    """Move the application to `to`, checking what that step needs.

    Locks the application row (select_for_update) for one short transaction that validates,
    updates it, writes an ApplicationEvent and an audit entry `application.<to>`, and for
    `credits_issued` creates the CreditGrant. Announces `application_status_changed` on
    commit (and `credits_issued` with the grant). Values a step does not use
    are ignored (an ACE opportunity id given with any move is validated and stored).
    Raises CreditApplication.DoesNotExist, ApplicationInputError (nothing changed) or
    ApplicationTransitionError (nothing changed). `submitted_in_ace` is for CloudRoute's own
    ACE filing once ACE submitted the frozen body: the pre-submission check is not re-run.
    """
    if to not in TRANSITIONS:
        raise ApplicationInputError(
            fields={"to": [f"Unknown state {to!r}; one of: {', '.join(TRANSITIONS)}."]}
        )
    with transaction.atomic():
        application = (
            CreditApplication.objects.select_for_update(of=("self",))
            .select_related("startup", "program")
            .get(pk=application_id)
        )
        from_status = application.status
        _check_move_allowed(from_status, to)

        # The step's checks collect every problem in `errors` and stage the valid values on
        # the locked row (their columns in `changed`); any problem and nothing is saved.
        errors: dict[str, list[str]] = {}
        changed = ["status", "updated_at"]
        _stage_ace_opportunity_id(application, ace_opportunity_id, errors, changed)
        issue: _CreditsIssue | None = None
        if to == S.SUBMITTED:
            _check_submission(application, errors, submitted_in_ace=submitted_in_ace)
        elif to == S.APPROVED:
            _stage_approved_amount(application, approved_amount, errors, changed)
        elif to == S.CREDITS_ISSUED:
            issue = _stage_credits_issue(
                application,
                issued_amount=issued_amount,
                issued_on=issued_on,
                expires_on=expires_on,
                errors=errors,
                changed=changed,
            )
        if errors:
            raise ApplicationInputError(fields=errors)

        application.status = to
        application.save(update_fields=changed)
        _moved(application, actor=actor, from_status=from_status, note=note)
        data: dict[str, str] = {"from": from_status, "to": to}
        if issue is not None:  # to == credits_issued, its checks passed
            data |= _grant_create(application, issue)
        elif to == S.APPROVED:
            data["approved_amount"] = str(application.approved_amount)
        elif to == S.SUBMITTED:
            data["ace_opportunity_id"] = application.ace_opportunity_id
        audit_log(actor=actor, action=f"application.{to}", subject=application, data=data)
    return application


def _moved(application: CreditApplication, *, actor, from_status: str, note: str) -> None:
    """Record the move as an ApplicationEvent and announce it on commit (matching tells the
    firm's CRM: webhooks)."""
    event = ApplicationEvent.objects.create(
        application=application,
        actor=_user(actor),
        from_status=from_status,
        to_status=application.status,
        note=note.strip(),
    )
    send_on_commit(
        application_status_changed,
        sender=CreditApplication,
        application_id=application.pk,
        event_id=event.pk,
    )


def _check_move_allowed(from_status: str, to: str) -> None:
    allowed = TRANSITIONS[from_status]
    if to not in allowed:
        raise ApplicationTransitionError(
            f"Cannot move from {from_status} to {to}; allowed: "
            f"{', '.join(sorted(allowed)) or 'nothing (the application is closed)'}."
        )


def _stage_ace_opportunity_id(
    application: CreditApplication,
    ace_opportunity_id: str | None,
    errors: dict[str, list[str]],
    changed: list[str],
) -> None:
    """Any move may carry the ACE opportunity id; a blank one is ignored."""
    if ace_opportunity_id is not None and ace_opportunity_id.strip():
        ace_id = ace_opportunity_id.strip()
        if len(ace_id) > ACE_OPPORTUNITY_ID_MAX or not ACE_OPPORTUNITY_ID_RE.match(ace_id):
            errors["ace_opportunity_id"] = [
                f"An ACE opportunity id is O followed by digits (e.g. O1234567); "
                f"got {ace_id[:50]!r}."
            ]
        else:
            application.ace_opportunity_id = ace_id
            changed.append("ace_opportunity_id")


def _check_submission(
    application: CreditApplication, errors: dict[str, list[str]], *, submitted_in_ace: bool
) -> None:
    """`submitted` needs an ACE opportunity id and a clean precheck. When CloudRoute's own
    filing already submitted it in ACE (`submitted_in_ace`), the check ran before the body
    was frozen and what was sent is what ACE holds: recording it never depends on today's
    data (a target close date that has passed since, say)."""
    if not application.ace_opportunity_id and "ace_opportunity_id" not in errors:
        errors["ace_opportunity_id"] = [
            "Enter the ACE opportunity id (O followed by digits, e.g. O1234567) to submit."
        ]
    if submitted_in_ace:
        return
    problems = application_precheck(application=application)
    if problems:
        errors["precheck"] = [problem.message for problem in problems]


def _stage_approved_amount(
    application: CreditApplication,
    approved_amount: Decimal | None,
    errors: dict[str, list[str]],
    changed: list[str],
) -> None:
    """`approved` needs an amount above 0 within the program's range."""
    amount = _required_money("approved_amount", approved_amount, errors)
    program = application.program
    if amount is not None:
        if amount <= 0 or not program.amount_min <= amount <= program.amount_max:
            errors["approved_amount"] = [_range_message("approved amount", program)]
        else:
            application.approved_amount = amount
            changed.append("approved_amount")


def _stage_credits_issue(
    application: CreditApplication,
    *,
    issued_amount: Decimal | None,
    issued_on: dt.date | None,
    expires_on: dt.date | None,
    errors: dict[str, list[str]],
    changed: list[str],
) -> _CreditsIssue | None:
    """`credits_issued` needs an amount above 0 and at most the approved one, and an expiry
    after the issue date (today by default). None when the move has any error."""
    amount = _required_money("issued_amount", issued_amount, errors)
    if amount is not None:
        if amount <= 0:
            errors["issued_amount"] = ["Enter the issued amount, above 0."]
        elif application.approved_amount is not None and (amount > application.approved_amount):
            errors["issued_amount"] = [
                f"The issued amount cannot exceed the approved {application.approved_amount}."
            ]
    issued_on = issued_on or timezone.localdate()
    if expires_on is None:
        errors["expires_on"] = ["Enter the date the credits expire."]
    elif expires_on <= issued_on:
        errors["expires_on"] = [
            f"The expiry date must be after the issue date ({issued_on:%Y-%m-%d})."
        ]
    if errors or amount is None or expires_on is None:  # (no errors implies both are set)
        return None
    application.issued_amount = amount
    changed.append("issued_amount")
    return _CreditsIssue(amount=amount, issued_on=issued_on, expires_on=expires_on)


def _grant_create(application: CreditApplication, issue: _CreditsIssue) -> dict[str, str]:
    """The CreditGrant of a `credits_issued` move, its on-commit announcements, and what the
    audit entry records of it."""
    grant = CreditGrant.objects.create(
        application=application,
        startup=application.startup,
        program=application.program,
        amount=issue.amount,
        issued_on=issue.issued_on,
        expires_on=issue.expires_on,
        covers_bedrock_third_party=application.program.covers_bedrock_third_party,
    )
    # Announced on commit: matching records the partner's commission.
    send_on_commit(
        credits_issued,
        sender=CreditApplication,
        application_id=application.pk,
        startup_id=grant.startup_id,
    )
    # The $0 outcome re-runs against the new grant.
    transaction.on_commit(lambda: refresh_outcome_task.delay(grant.startup_id), robust=True)
    return {
        "grant": str(grant.pk),
        "issued_amount": str(grant.amount),
        "expires_on": issue.expires_on.isoformat(),
    }


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _money(field: str, value) -> Decimal:
    """`value` as a positive amount in cents, or ApplicationInputError naming `field`."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ApplicationInputError(fields={field: ["Enter an amount in dollars, e.g. 25000.00."]})
    if amount <= 0:
        raise ApplicationInputError(fields={field: ["Enter an amount above 0."]})
    if amount != amount.quantize(Decimal("0.01")):
        raise ApplicationInputError(fields={field: ["Enter the amount in whole cents."]})
    return amount


def _required_money(field: str, value, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or value == "":
        errors[field] = [f"Enter the {field.replace('_', ' ')}."]
        return None
    try:
        return _money(field, value)
    except ApplicationInputError as exc:
        errors.update(exc.errors)
        return None


def _range_message(what: str, program) -> str:
    return (
        f"The {what} must be between {program.amount_min} and {program.amount_max} "
        f"{program.currency} for {program.name}."
    )


def _duplicate_message(startup: Startup, program_code: str) -> str:
    return (
        f"{startup.name} already has an open {program_code} application; move or cancel "
        f"it before opening another."
    )
