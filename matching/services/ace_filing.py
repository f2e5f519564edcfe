"""Filing a firm's draft application in ACE, in AWS's order, resumable at every step.

The sequence (docs/ace.md): the pre-submission check (the application's fields and the
firm's ACE settings), then CreateOpportunity at stage Qualified, AssociateOpportunity with the
firm's solution, StartEngagementFromOpportunityTask (which submits the opportunity), and the
application moves to `submitted`. Each step's result is stored on the AceFiling as soon as
ACE returns it, so a failure anywhere resumes at that step: the opportunity is never created
twice, and the CreateOpportunity body is the one frozen at the first attempt, resent with its
ClientToken. Only when ACE refused that body outright (a 4xx that is not throttling) is it
thawed, so the next attempt sends the corrected data under a new token.
"""

import datetime as dt
import logging
import uuid
from decimal import Decimal

from botocore.exceptions import BotoCoreError, ClientError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from credits.aws import ace
from credits.models import ApplicationStatus, CreditApplication
from credits.services import (
    ApplicationInputError,
    ApplicationTransitionError,
    application_precheck,
    application_transition,
)
from workloads.choices import us_state_name
from workloads.selectors import workload_expected_monthly_spend, workload_latest_for_startup

from .. import selectors
from ..models import AceFiling, FilingStep, PartnerAceAccount
from .ace_clients import AceUnavailableError, ace_client_for

logger = logging.getLogger(__name__)

IN_PROGRESS, COMPLETE, FAILED = "IN_PROGRESS", "COMPLETE", "FAILED"  # the task's TaskStatus
DEFAULT_CLOSE_DAYS = 90  # when the partner gave no target close date
FILED_NOTE = "Filed with ACE ({catalog} catalog) as opportunity {opportunity_id}."
NO_ACE_ACCOUNT = "This firm files in Partner Central itself; enter the ACE opportunity id by hand."
NO_CREDENTIALS = "CloudRoute cannot reach ACE for this firm right now; try again later."
NO_SOLUTION = (
    "Add the firm's ACE solution id (S- followed by digits, from Partner Central's "
    "Solutions) to its ACE settings; every opportunity is associated with it."
)
NO_DELIVERY_MODELS = "Choose the firm's delivery models in its ACE settings."
IN_FLIGHT = "This application is being filed with ACE right now; try again in a minute."
# Longer than the ACE calls can take (5 s connect + 30 s read, 5 attempts each, 3 steps).
CLAIM_FOR = dt.timedelta(minutes=10)
# A refusal of the request itself: ACE made nothing, so the body may change before a retry.
_REFUSALS = frozenset({"ValidationException", "AccessDeniedException", "ConflictException"})
# AcePayloadError's message -> the field it is about (ace.py raises plain messages).
_PAYLOAD_FIELDS = (
    ("company name", "company_name"),
    ("business problem", "business_problem"),
    ("monthly spend", "expected_monthly_spend"),
    ("website", "website"),
    ("delivery models", "delivery_models"),
)


def application_file_with_ace(
    *, application_id: int, partner, actor, client=None
) -> CreditApplication:
    """File a draft application of `partner`'s in ACE and move it to `submitted`.

    Runs the pre-submission check until a body is frozen (nothing is sent while it finds a
    problem), then the steps the application's AceFiling has not done yet, storing each
    result at once. The ACE calls run outside any transaction, one request at a time per
    application (a claim). `client` defaults to `ace_client_for(account)`.

    Raises CreditApplication.DoesNotExist (not the firm's application),
    ApplicationTransitionError (not a draft; no enabled ACE account; no credentials; being
    filed by another request),
    ApplicationInputError (the check or ACE's payload rules fail; nothing sent) or
    AceUnavailableError (ACE failed or refused a step; the steps done so far are kept).
    """
    application = selectors.application_get_for_partner(
        partner=partner, application_id=application_id
    )
    if application is None:
        raise CreditApplication.DoesNotExist(f"No application {application_id} for this firm.")
    if application.status != ApplicationStatus.DRAFT:
        raise ApplicationTransitionError(
            f"Only a draft can be filed with ACE; this application is {application.status}."
        )
    account = PartnerAceAccount.objects.filter(partner=partner, enabled=True).first()
    if account is None:
        raise ApplicationTransitionError(NO_ACE_ACCOUNT)
    if not AceFiling.objects.filter(application=application).exclude(request={}).exists():
        # Checked before the body is frozen; a frozen body is resent as it is.
        problems = filing_problems(application=application, account=account)
        if problems:
            raise ApplicationInputError(fields=problems)
    if client is None:
        client = _client_for(account)
    try:
        filing = _filing_for(application, account)
    except ace.AcePayloadError as exc:
        raise ApplicationInputError(fields={_payload_field(str(exc)): [str(exc)]}) from exc
    if not _claim(filing):
        raise ApplicationTransitionError(IN_FLIGHT)
    try:
        _run_steps(client, filing, account)
    except (ClientError, BotoCoreError) as exc:
        _record_failure(filing, exc)
        logger.warning(
            "ace filing: application %s failed at %s: %s", application.pk, filing.step, exc
        )
        raise AceUnavailableError(f"ACE did not accept the filing ({filing.step}): {exc}") from exc
    except _EngagementFailed as exc:
        raise AceUnavailableError(str(exc)) from exc
    finally:
        AceFiling.objects.filter(pk=filing.pk).update(claimed_until=None)
    if filing.step != FilingStep.DONE:
        # ACE is still running the engagement task: the sync submits the application when
        # it completes (matching.services.ace.ace_engagements_follow).
        return CreditApplication.objects.get(pk=application.pk)
    return filing_submit(filing, actor=actor)


def _client_for(account: PartnerAceAccount):
    try:
        client = ace_client_for(account)
    except (ClientError, BotoCoreError) as exc:  # the firm's role refused (its ExternalId...)
        logger.warning("ace filing: partner %s's role not assumed: %s", account.partner_id, exc)
        raise AceUnavailableError(
            f"CloudRoute could not act as the firm's ACE role: {exc}"
        ) from exc
    if client is None:
        raise ApplicationTransitionError(NO_CREDENTIALS)
    return client


def filing_submit(filing: AceFiling, *, actor) -> CreditApplication:
    """Move a filed application (its engagement task COMPLETE) to `submitted`, without
    re-running the check (ACE holds the frozen body). Already there (the sync and the
    partner's request both saw the task complete): the application as it is."""
    application = CreditApplication.objects.get(pk=filing.application_id)
    if (
        application.status != ApplicationStatus.DRAFT
        and application.ace_opportunity_id == filing.opportunity_id
    ):
        return application
    return application_transition(
        application_id=filing.application_id,
        to=ApplicationStatus.SUBMITTED,
        actor=actor,
        ace_opportunity_id=filing.opportunity_id,
        submitted_in_ace=True,
        note=FILED_NOTE.format(catalog=filing.catalog, opportunity_id=filing.opportunity_id),
    )


def filing_problems(*, application: CreditApplication, account) -> dict[str, list[str]]:
    """The pre-submission check's problems by field: the application's (its startup and
    workload) and, with an ACE account, the firm's settings. Empty when ready to file."""
    problems: dict[str, list[str]] = {}
    for problem in application_precheck(application=application):
        problems.setdefault("precheck", []).append(problem.message)
    if account is not None:
        if not account.solution_id:
            problems.setdefault("precheck", []).append(NO_SOLUTION)
        if not account.delivery_models:
            problems.setdefault("precheck", []).append(NO_DELIVERY_MODELS)
    return problems


def _filing_for(application: CreditApplication, account: PartnerAceAccount) -> AceFiling:
    """The application's filing, its CreateOpportunity body frozen now if it has none. The
    application's row lock makes a concurrent first attempt wait and then find this one."""
    with transaction.atomic():
        CreditApplication.objects.select_for_update().filter(pk=application.pk).first()
        filing = AceFiling.objects.filter(application=application).first()
        if filing is not None and filing.request:
            return filing
        payload = frozen_payload(application=application, account=account)
        if filing is None:
            filing = AceFiling(application=application, partner_id=account.partner_id)
        filing.catalog = account.catalog
        filing.client_token = _token()
        filing.request = payload
        filing.engagement_token = filing.engagement_token or _token()
        filing.step = FilingStep.CREATE
        filing.save()
        return filing


def frozen_payload(*, application: CreditApplication, account: PartnerAceAccount) -> dict:
    """The CreateOpportunity body of the application as it stands (three queries)."""
    startup = application.startup
    workload = workload_latest_for_startup(startup_id=startup.pk)
    customer = ace.Customer(
        company_name=startup.name or "",
        website=startup.website or "",
        industry=str(startup.industry),
        country=str(startup.country or ""),
        state=(us_state_name(startup.state) or "") if str(startup.country) == "US" else "",
        postal_code=startup.postal_code or "",
        aws_account_id=startup.aws_account_id or "",
    )
    close_date = application.target_close_date or (
        timezone.localdate() + dt.timedelta(days=DEFAULT_CLOSE_DAYS)
    )
    return ace.opportunity_payload(
        application_id=application.pk,
        customer=customer,
        business_problem=workload.description if workload else "",
        monthly_spend=workload_expected_monthly_spend(workload=workload) or Decimal(0),
        close_date=close_date,
        delivery_models=list(account.delivery_models),
        national_security=application.national_security,
    )


def _claim(filing: AceFiling) -> bool:
    """Take the filing for CLAIM_FOR (one UPDATE), unless another request holds it."""
    now = timezone.now()
    return bool(
        AceFiling.objects.filter(pk=filing.pk)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_FOR)
    )


class _EngagementFailed(Exception):
    """ACE answered StartEngagementFromOpportunityTask with a FAILED task."""


def _run_steps(client, filing: AceFiling, account: PartnerAceAccount) -> None:
    if filing.step == FilingStep.CREATE:
        opportunity_id = ace.create_opportunity(
            client,
            catalog=filing.catalog,
            client_token=filing.client_token,
            payload=filing.request,
        )
        _save(filing, step=FilingStep.ASSOCIATE, opportunity_id=opportunity_id)
        # Known at once: the sync follows it even if the next steps fail.
        CreditApplication.objects.filter(pk=filing.application_id).update(
            ace_opportunity_id=opportunity_id
        )
    if filing.step == FilingStep.ASSOCIATE:
        ace.associate_solution(
            client,
            catalog=filing.catalog,
            opportunity_id=filing.opportunity_id,
            solution_id=account.solution_id,
        )
        _save(filing, step=FilingStep.ENGAGE, solution_id=account.solution_id)
    if filing.step == FilingStep.ENGAGE:
        _engage(client, filing)


def _engage(client, filing: AceFiling) -> None:
    """Start the engagement, or read the state of the one already running. COMPLETE moves
    the filing to DONE; IN_PROGRESS leaves it at ENGAGE for the sync to follow; FAILED keeps
    ACE's message, takes a new token for the next attempt and raises."""
    task = None
    if filing.engagement_status == IN_PROGRESS and filing.engagement_task_id:
        found = ace.list_engagement_tasks(
            client, catalog=filing.catalog, task_ids=[filing.engagement_task_id]
        )
        task = found[0] if found else None
    if task is None:
        task = ace.start_engagement(
            client,
            catalog=filing.catalog,
            opportunity_id=filing.opportunity_id,
            client_token=filing.engagement_token,
        )
    engagement_task_record(filing, task)
    if task.status == FAILED:
        raise _EngagementFailed(
            f"ACE could not start the engagement ({task.reason_code or 'no reason given'}): "
            f"{task.message or 'no message'}. Fix what it names on opportunity "
            f"{filing.opportunity_id} in Partner Central, then file again here: CloudRoute "
            "starts the engagement anew."
        )


def engagement_task_record(filing: AceFiling, task: ace.EngagementTask) -> None:
    """Keep an engagement task's state on the filing: COMPLETE is DONE, FAILED rotates the
    token (the failed task's own would only return it again)."""
    values: dict = {
        "engagement_task_id": task.task_id,
        "engagement_status": task.status,
        "engagement_message": task.message,
    }
    if task.status == COMPLETE:
        values |= {"step": FilingStep.DONE, "last_error": ""}
    elif task.status == FAILED:
        values |= {
            "engagement_token": _token(),
            "last_error": f"{task.reason_code}: {task.message}".strip(": "),
        }
    _save(filing, **values)


def _save(filing: AceFiling, **values) -> None:
    for name, value in values.items():
        setattr(filing, name, value)
    filing.attempts += 1
    filing.save(update_fields=[*values, "attempts", "updated_at"])


def _record_failure(filing: AceFiling, exc: Exception) -> None:
    values: dict = {"last_error": str(exc)[:2000]}
    code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
    if filing.step == FilingStep.CREATE and code in _REFUSALS:
        values["request"] = {}  # thawed: the next attempt freezes the corrected body anew
    _save(filing, **values)


def _token() -> str:
    return f"cloudroute-{uuid.uuid4()}"


def _payload_field(message: str) -> str:
    lowered = message.lower()
    return next((field for words, field in _PAYLOAD_FIELDS if words in lowered), "ace")


def ace_engagements_follow(*, partner_id: int, client, catalog: str) -> dict[str, int]:
    """Follow the firm's engagement tasks ACE was still running (one paginated listing):
    a COMPLETE one submits its application, a FAILED one keeps ACE's message for the firm to
    act on. Skips (logs) what cannot move; safe to run again. Returns counts."""
    counts = {"engagements_completed": 0, "engagements_failed": 0}
    filings = {
        filing.engagement_task_id: filing
        for filing in AceFiling.objects.filter(
            partner_id=partner_id, step=FilingStep.ENGAGE, engagement_status=IN_PROGRESS
        ).exclude(engagement_task_id="")
    }
    if not filings:
        return counts
    for task in ace.list_engagement_tasks(client, catalog=catalog, task_ids=list(filings)):
        filing = filings.get(task.task_id)
        if filing is None or task.status == IN_PROGRESS or not _claim(filing):
            continue  # a partner's own request holding the claim records it itself
        try:
            outcome = _follow_task(filing, task)
        finally:
            AceFiling.objects.filter(pk=filing.pk).update(claimed_until=None)
        if outcome:
            counts[outcome] += 1
    return counts


def _follow_task(filing: AceFiling, task: ace.EngagementTask) -> str:
    engagement_task_record(filing, task)
    if task.status == FAILED:
        return "engagements_failed"
    try:
        filing_submit(filing, actor=None)
    except (ApplicationTransitionError, ApplicationInputError) as exc:
        logger.warning("ace filing: application %s not submitted: %s", filing.application_id, exc)
        return ""
    return "engagements_completed"
