"""Eligibility snapshots, and re-projecting a workload against the credits it expects."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from workloads.audit import audit_log
from workloads.models import Startup, Workload
from workloads.selectors import PriceBookMissingError
from workloads.services import workload_estimate, workload_project
from workloads.spend import CreditGrant, to_cents

from .. import eligibility, selectors
from ..models import CreditGrant as GrantRow
from ..models import EligibilitySnapshot
from .outcome import startup_outcome_refresh

logger = logging.getLogger(__name__)

# AWS does not publish how long Activate credits last [U: commonly 1-2 years]; projections
# assume this when a program's validity is empty.
DEFAULT_VALIDITY_MONTHS = 12


def applicant_for_startup(
    startup: Startup, *, projected_monthly_spend: Decimal | None = None
) -> eligibility.Applicant:
    return eligibility.Applicant(
        stage=startup.stage,
        founded_on=startup.founded_on,
        website=startup.website,
        aws_account_id=startup.aws_account_id,
        aws_paid_plan=startup.aws_paid_plan,
        uses_china_regions=startup.uses_china_regions,
        activate_org_id=startup.activate_org_id,
        prior_activate_credits=startup.prior_activate_credits,
        # Every CloudRoute workload is an LLM workload on Bedrock.
        generative_ai=True,
        projected_monthly_spend=projected_monthly_spend,
        org_id_used_elsewhere=selectors.org_id_used_elsewhere(
            org_id=startup.activate_org_id, startup=startup
        ),
    )


def eligibility_evaluate(
    *, startup_id: int, projected_monthly_spend: Decimal | None = None, actor=None
) -> EligibilitySnapshot | None:
    """Evaluate the startup against every current program and store a frozen snapshot.

    Reads only; one insert and an audit event. Safe to run twice (adds a newer snapshot).
    Returns None when the startup no longer exists.
    """
    startup = Startup.objects.filter(pk=startup_id).first()
    if startup is None:
        return None
    programs = selectors.programs_current()
    applicant = applicant_for_startup(startup, projected_monthly_spend=projected_monthly_spend)
    today = timezone.localdate()
    result = eligibility.evaluate(
        applicant, [selectors.program_terms(p) for p in programs], today=today
    )
    with transaction.atomic():
        snapshot = EligibilitySnapshot.objects.create(
            startup=startup,
            rule_version=result.rule_version,
            inputs={
                "applicant": _jsonable(applicant),
                "today": today.isoformat(),
                "programs": {
                    p.code: {
                        "id": p.pk,
                        "effective_from": str(p.effective_from),
                        "validity_months": p.validity_months,
                    }
                    for p in programs
                },
            },
            result=result.as_dict(),
            total_expected=result.total_expected,
        )
        audit_log(
            actor=actor,
            action="eligibility.evaluated",
            subject=startup,
            data={
                "snapshot": snapshot.pk,
                "recommended": list(result.recommended),
                "total_expected": str(result.total_expected),
            },
        )
    return snapshot


def startup_credits_refresh(
    *, startup_id: int, workload_id: int | None = None, actor=None
) -> EligibilitySnapshot | None:
    """Evaluate eligibility, then re-project the workload against the credits it expects.

    Once AWS has issued credits the projection is the outcome's, against the grants
    (`startup_outcome_refresh`). Eligibility comes first because the proof-of-concept pool is
    sized to the projected Bedrock spend (month 1 of the estimate without credits).
    `workload_id` defaults to the startup's newest workload. Each step stores a new row, so
    running it twice is harmless.
    """
    if workload_id is None:
        workload_id = (
            Workload.objects.filter(startup_id=startup_id).values_list("pk", flat=True).first()
        )
    workload = (
        Workload.objects.filter(pk=workload_id, startup_id=startup_id).first()
        if workload_id is not None
        else None
    )
    estimate = None
    if workload is not None:
        try:
            estimate = workload_estimate(workload=workload)
        except PriceBookMissingError:
            # No prices: eligibility still runs (the PoC pool at its typical amount); the
            # projection appears once a price book exists and the startup is re-evaluated.
            logger.exception("No price book to estimate workload %s", workload_id)
    monthly_spend = to_cents(estimate.months[0].cost) if estimate and estimate.months else None
    snapshot = eligibility_evaluate(
        startup_id=startup_id, projected_monthly_spend=monthly_spend, actor=actor
    )
    if snapshot is not None and workload is not None and estimate is not None:
        if GrantRow.objects.filter(startup_id=startup_id).exists():
            # Credits issued: the projection runs against them, never against expectations
            # again (the outcome stores it, so the dashboard's figures are the outcome's).
            startup_outcome_refresh(startup_id=startup_id)
        else:
            workload_project(workload_id=workload.pk, credits=expected_grants(snapshot))
    return snapshot


def expected_grants(snapshot: EligibilitySnapshot) -> list[CreditGrant]:
    """The credits a snapshot expects, as grants for the spend projection: each recommended
    program with a verdict of eligible, starting in month 1, valid for the program's months."""
    validity = {
        code: terms.get("validity_months") or DEFAULT_VALIDITY_MONTHS
        for code, terms in snapshot.inputs.get("programs", {}).items()
    }
    recommended = set(snapshot.recommended)
    return [
        CreditGrant(
            amount=float(Decimal(program["expected_amount"])),
            start_month=1,
            valid_months=validity.get(program["code"], DEFAULT_VALIDITY_MONTHS),
        )
        for program in snapshot.result.get("programs", [])
        if program["code"] in recommended
        and program["verdict"] == "eligible"
        and Decimal(program["expected_amount"]) > 0
    ]


def _jsonable(applicant: eligibility.Applicant) -> dict:
    values = {}
    for name in eligibility.Applicant.__dataclass_fields__:
        value = getattr(applicant, name)
        values[name] = (
            value.isoformat()
            if hasattr(value, "isoformat")
            else (str(value) if isinstance(value, Decimal) else value)
        )
    return values
