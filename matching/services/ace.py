"""ACE for a partner firm: bring the firm's applications in line with its opportunities
(ReviewStatus -> our states), follow the engagement tasks its filings started, and turn its
credit allocations in Partner Central Benefits into issued credits. Filing itself is
matching.services.ace_filing; the clients are matching.services.ace_clients."""

import datetime as dt
import logging
from collections import deque
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.utils import timezone

from credits.aws import ace, benefits
from credits.models import ApplicationStatus, CreditApplication
from credits.services import (
    TRANSITIONS,
    ApplicationInputError,
    ApplicationTransitionError,
    application_transition,
)

from .. import selectors
from ..models import PartnerAceAccount
from .ace_filing import ace_engagements_follow

logger = logging.getLogger(__name__)

FIRST_SYNC_LOOKBACK = dt.timedelta(days=30)
# States a sync never passes through on its way to ACE's state (it only follows the review).
_NOT_ON_THE_WAY = frozenset(
    {ApplicationStatus.CANCELED.value, ApplicationStatus.REJECTED.value}
    | {ApplicationStatus.CREDITS_ISSUED.value}
)
SYNC_NOTE = "Synced from ACE (opportunity {opportunity_id}: {review_status})."
BENEFITS_NOTE = (
    "Credits issued in Partner Central (allocation {allocation_ids}, ACE {opportunity_id})."
)


def transition_path(current: str, target: str) -> list[str] | None:
    """The shortest legal run of states from `current` to `target` (excluding `current`),
    never passing through a closed state; [] when already there, None when unreachable."""
    if current == target:
        return []
    queue: deque[tuple[str, list[str]]] = deque([(current, [])])
    seen = {current}
    while queue:
        state, path = queue.popleft()
        for following in sorted(TRANSITIONS.get(state, ())):
            if following in seen:
                continue
            if following == target:
                return [*path, following]
            if following not in _NOT_ON_THE_WAY:
                seen.add(following)
                queue.append((following, [*path, following]))
    return None


def ace_sync_partner(*, partner_id: int, client) -> dict[str, int]:
    """Pull the firm's opportunities ACE changed since the last sync (or the last 30 days)
    and move each of the firm's applications with that opportunity id to ACE's review state
    along the legal path. Unknown ids, other firms' applications and illegal moves are
    skipped (logged), never raised; then `last_synced_at` is set to when the pull started.

    Queries: the account, one for the firm's matching applications, then per move what
    application_transition does (a locked row, an event, an audit entry). Idempotent: a
    second run with the same answers moves nothing. Returns counts.
    """
    counts = {"opportunities": 0, "moved": 0, "unchanged": 0, "unknown": 0, "skipped": 0}
    account = (
        PartnerAceAccount.objects.select_related("partner")
        .filter(partner_id=partner_id, enabled=True)
        .first()
    )
    if account is None:
        logger.info("ace sync: partner %s has no enabled ACE account", partner_id)
        return counts
    started_at = timezone.now()
    try:
        counts |= ace_engagements_follow(
            partner_id=partner_id, client=client, catalog=account.catalog
        )
    except (ClientError, BotoCoreError) as exc:  # the review sync below still runs
        logger.warning("ace sync: engagement tasks of partner %s not read: %s", partner_id, exc)
        counts |= {"engagements_completed": 0, "engagements_failed": 0}
    since = account.last_synced_at or started_at - FIRST_SYNC_LOOKBACK
    summaries = ace.list_changed_opportunities(client, catalog=account.catalog, since=since)

    latest: dict[str, dict[str, Any]] = {}  # oldest change first: the last one wins
    for summary in summaries:
        opportunity_id = summary.get("Id")
        if isinstance(opportunity_id, str) and opportunity_id:
            latest[opportunity_id] = summary
    counts["opportunities"] = len(latest)

    firm_applications = selectors.applications_for_partner(partner=account.partner).values("pk")
    applications = {
        application.ace_opportunity_id: application
        for application in CreditApplication.objects.filter(
            pk__in=firm_applications, ace_opportunity_id__in=list(latest)
        ).order_by("created_at", "id")
    }
    for opportunity_id, summary in latest.items():
        application = applications.get(opportunity_id)
        if application is None:
            counts["unknown"] += 1
            logger.info(
                "ace sync: opportunity %s matches no application of partner %s",
                opportunity_id,
                partner_id,
            )
            continue
        outcome = _follow(application, summary, opportunity_id)
        counts[outcome] += 1

    account.last_synced_at = started_at
    account.save(update_fields=["last_synced_at"])
    return counts


def benefits_sync_partner(*, partner_id: int, client) -> dict[str, int]:
    """Turn the firm's credit allocations in Partner Central Benefits into issued credits.

    Lists the catalog's credit allocations (`benefits.list_credit_allocations`), links each
    to one of the firm's applications by its ACE opportunity id, and moves an `approved`
    application to `credits_issued` with the allocation's amount, earliest expiry and issue
    date (application_transition creates the CreditGrant). Several allocations for one
    opportunity are added up. Allocations that link to no application of the firm are
    "unknown"; applications not approved, non-USD credits and refused moves are "skipped"
    (logged); an application already `credits_issued` is "unchanged". Never raises for a
    row; idempotent. Returns counts.
    """
    counts = {"allocations": 0, "issued": 0, "unchanged": 0, "unknown": 0, "skipped": 0}
    account = (
        PartnerAceAccount.objects.select_related("partner")
        .filter(partner_id=partner_id, enabled=True)
        .first()
    )
    if account is None:
        logger.info("benefits sync: partner %s has no enabled ACE account", partner_id)
        return counts
    allocations = benefits.list_credit_allocations(client, catalog=account.catalog)
    counts["allocations"] = len(allocations)

    grouped: dict[str, list[benefits.CreditAllocation]] = {}
    for allocation in allocations:
        if allocation.opportunity_id:
            grouped.setdefault(allocation.opportunity_id, []).append(allocation)
        else:
            counts["unknown"] += 1
            logger.info(
                "benefits sync: allocation %s links to no ACE opportunity",
                allocation.allocation_id,
            )
    firm_applications = selectors.applications_for_partner(partner=account.partner).values("pk")
    applications = {
        application.ace_opportunity_id: application
        for application in CreditApplication.objects.filter(
            pk__in=firm_applications, ace_opportunity_id__in=list(grouped)
        ).order_by("created_at", "id")
    }
    for opportunity_id, rows in grouped.items():
        application = applications.get(opportunity_id)
        if application is None:
            counts["unknown"] += len(rows)
            logger.info(
                "benefits sync: opportunity %s matches no application of partner %s",
                opportunity_id,
                partner_id,
            )
            continue
        outcome = _issue(application, opportunity_id, rows)
        counts[outcome] += 1
    return counts


def _issue(application: CreditApplication, opportunity_id: str, rows: list) -> str:
    """Issue one application's credits: "issued", "unchanged" or "skipped"."""
    if application.status == ApplicationStatus.CREDITS_ISSUED:
        return "unchanged"
    if application.status != ApplicationStatus.APPROVED:
        logger.info(
            "benefits sync: application %s is %s, not approved; credits for %s skipped",
            application.pk,
            application.status,
            opportunity_id,
        )
        return "skipped"
    if any(row.currency != "USD" for row in rows):
        logger.warning(
            "benefits sync: credits for %s are not in USD; application %s skipped",
            opportunity_id,
            application.pk,
        )
        return "skipped"
    issued_dates = [row.issued_on for row in rows if row.issued_on]
    ids = ", ".join(row.allocation_id for row in rows)
    try:
        application_transition(
            application_id=application.pk,
            to=ApplicationStatus.CREDITS_ISSUED,
            actor=None,
            note=BENEFITS_NOTE.format(allocation_ids=ids, opportunity_id=opportunity_id),
            issued_amount=sum((row.amount for row in rows), Decimal("0")),
            expires_on=min(row.expires_on for row in rows),
            issued_on=min(issued_dates) if issued_dates else None,
        )
    except (ApplicationTransitionError, ApplicationInputError) as exc:
        logger.warning(
            "benefits sync: application %s could not take credits (%s): %s",
            application.pk,
            ids,
            exc,
        )
        return "skipped"
    except Exception:
        logger.exception(
            "benefits sync: application %s failed to take credits (%s)", application.pk, ids
        )
        return "skipped"
    return "issued"


def _follow(application: CreditApplication, summary: dict, opportunity_id: str) -> str:
    """Move one application to its opportunity's state: "moved", "unchanged" or "skipped"."""
    target = ace.review_state(summary)
    review_status = (summary.get("LifeCycle") or {}).get("ReviewStatus")
    if target is None:
        logger.warning(
            "ace sync: opportunity %s has an unknown review status %r",
            opportunity_id,
            review_status,
        )
        return "skipped"
    current = application.status
    if current == target or (
        current == ApplicationStatus.CREDITS_ISSUED and target == ApplicationStatus.APPROVED
    ):
        return "unchanged"
    path = transition_path(current, target)
    if path is None:
        logger.warning(
            "ace sync: application %s cannot move from %s to %s (ACE %s says %r); skipped",
            application.pk,
            current,
            target,
            opportunity_id,
            review_status,
        )
        return "skipped"
    note = SYNC_NOTE.format(opportunity_id=opportunity_id, review_status=review_status)
    for step in path:
        extra: dict[str, Any] = {}
        if step == ApplicationStatus.APPROVED:
            # ACE approves the opportunity, not an amount: keep what was asked for.
            extra["approved_amount"] = application.approved_amount or application.requested_amount
        try:
            application = application_transition(
                application_id=application.pk, to=step, actor=None, note=note, **extra
            )
        except (ApplicationTransitionError, ApplicationInputError) as exc:
            logger.warning(
                "ace sync: application %s could not move to %s (ACE %s): %s",
                application.pk,
                step,
                opportunity_id,
                exc,
            )
            return "skipped"
        except Exception:
            logger.exception(
                "ace sync: application %s failed to move to %s (ACE %s)",
                application.pk,
                step,
                opportunity_id,
            )
            return "skipped"
    return "moved"
