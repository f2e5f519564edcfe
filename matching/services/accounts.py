"""A founder deletes their account (docs: issue 13, item 7, "the founder's data is theirs").

What partner firms' history and commissions need stays, anonymised; everything else that is
only the founder's goes."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Cast, Concat

from core.errors import NotFoundError
from credits.models import (
    AccountCredit,
    BedrockQuota,
    BedrockUsageDay,
    BillingAccess,
    CreditApplication,
    CreditGrant,
    CreditOutcome,
    EligibilitySnapshot,
    MonthlySpendActual,
)
from workloads.audit import audit_log
from workloads.models import AuditEvent, Startup, Workload, WorkloadProjection

from ..exports import startup_has_history, startups_of_founder, user_is_founder
from ..models import Intake, Lead

# What a kept workload's description (the founder's own words) becomes; ACE's 20-character
# minimum still holds.
DELETED_DESCRIPTION = "Removed: the founder deleted their CloudRoute account."


def account_delete(*, user) -> dict[str, list[int]]:
    """Delete a founder's account, in one transaction (nothing is half-done on error).

    Locks the founder's startups (select_for_update). Each startup with a lead, a credit
    application, a grant or a commission (what partner firms' history and commissions need)
    is kept anonymised: "Deleted company #<id>", its website, state, postal code, AWS account
    id and Activate org id cleared, no founder; its workloads stay (the leads point at them)
    with the description replaced; its intakes stay without founder, e-mail, name or a working
    API token; what was only the founder's goes (billing access with its role and ExternalId,
    eligibility snapshots, projections, spend actuals, the account's Bedrock quotas and
    measured usage). Every other startup is deleted with
    everything hanging off it. Audit events keep their rows: those the founder did lose their
    actor (SET_NULL), those about the founder's rows lose the names in them. One
    `account.deleted` event without personal data, then the user is deleted.

    Raises NotFoundError for staff and partner users (founders only). Enqueues nothing.
    Returns the ids of the startups kept and deleted.
    """
    if not user_is_founder(user=user):
        raise NotFoundError("Only a founder's account can be deleted here.")
    with transaction.atomic():
        startups = list(startups_of_founder(user=user).select_for_update(of=("self",)))
        kept = [s.pk for s in startups if startup_has_history(s)]
        deleted = [s.pk for s in startups if not startup_has_history(s)]
        _audit_names_removed(startup_ids=[s.pk for s in startups])
        _startups_anonymise(startup_ids=kept)
        Intake.objects.filter(founder=user).update(
            founder=None,
            email="",
            founder_name="",
            access_token_hash=Concat(Value("deleted-"), Cast("pk", models.CharField())),
        )
        Startup.objects.filter(pk__in=deleted).delete()
        _sign_in_records_delete(email=user.email)
        user_id = user.pk
        event = audit_log(
            actor=None,
            action="account.deleted",
            subject=user,
            data={"user": user_id, "startups_kept": kept, "startups_deleted": deleted},
        )
        event.object_repr = f"Deleted account #{user_id}"
        event.save(update_fields=["object_repr"])
        user.delete()
    return {"kept": kept, "deleted": deleted}


def _startups_anonymise(*, startup_ids: list[int]) -> None:
    Startup.objects.filter(pk__in=startup_ids).update(
        founder=None,
        name=Concat(Value("Deleted company #"), Cast("pk", models.CharField())),
        website="",
        state="",
        postal_code="",
        aws_account_id="",
        activate_org_id="",
    )
    Workload.objects.filter(startup_id__in=startup_ids).update(description=DELETED_DESCRIPTION)
    Intake.objects.filter(startup_id__in=startup_ids).update(
        founder=None,
        email="",
        founder_name="",
        access_token_hash=Concat(Value("deleted-"), Cast("pk", models.CharField())),
    )
    # Only the founder's: the role and ExternalId into their AWS account, what was evaluated
    # and projected from their answers, what AWS billed them.
    BillingAccess.objects.filter(startup_id__in=startup_ids).delete()
    EligibilitySnapshot.objects.filter(startup_id__in=startup_ids).delete()
    WorkloadProjection.objects.filter(workload__startup_id__in=startup_ids).delete()
    MonthlySpendActual.objects.filter(startup_id__in=startup_ids).delete()
    AccountCredit.objects.filter(startup_id__in=startup_ids).delete()
    BedrockQuota.objects.filter(startup_id__in=startup_ids).delete()
    BedrockUsageDay.objects.filter(startup_id__in=startup_ids).delete()


# Audit events about these rows name the company in `object_repr` ("Intake #3 · Acme").
_AUDITED: tuple[tuple[type[models.Model], str], ...] = (
    (Startup, "pk"),
    (Workload, "startup_id"),
    (Intake, "startup_id"),
    (BillingAccess, "startup_id"),
    (Lead, "startup_id"),
    (CreditApplication, "startup_id"),
    (CreditGrant, "startup_id"),
    (CreditOutcome, "startup_id"),
)


def _audit_names_removed(*, startup_ids: list[int]) -> None:
    """The audit trail stays; events about the founder's rows read "<model> #<id>" instead of
    the company's name, billing-access events lose the role ARN (their AWS account) and a
    partner's ACE corrections the values they changed."""
    if not startup_ids:
        return
    types = ContentType.objects.get_for_models(*(model for model, _ in _AUDITED))
    for model, startup_field in _AUDITED:
        ids = model._default_manager.filter(**{f"{startup_field}__in": startup_ids}).values_list(
            "pk", flat=True
        )
        events = AuditEvent.objects.filter(
            content_type=types[model], object_id__in=[str(pk) for pk in ids]
        )
        changes: dict = {
            "object_repr": Concat(Value(f"{model._meta.verbose_name} #"), F("object_id"))
        }
        if model is BillingAccess:
            changes["data"] = {}
        events.update(**changes)
        if model is CreditApplication:
            # A partner's corrections for ACE keep the values before and after (the name,
            # the website...): those go with the founder's account too.
            events.filter(action="application.precheck_fixed").update(data={})


def _sign_in_records_delete(*, email: str) -> None:
    """django-axes keeps sign-in attempts by the typed address."""
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=email).delete()
