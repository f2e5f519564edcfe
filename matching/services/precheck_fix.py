"""The accepting firm fixes what ACE's pre-submission check names, on the lead page.

Only the fields the check lists for that draft can change (a firm never rewrites the rest of
a founder's answers), only before a filing froze its payload, and each change is recorded
twice: an audit entry with the values before and after (operators, the founder's data
export) and an application event the founder reads in the application's timeline.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from credits.models import ApplicationEvent, ApplicationStatus, CreditApplication
from credits.services import ApplicationInputError, ApplicationTransitionError
from credits.services.precheck import application_precheck
from workloads.audit import audit_log
from workloads.choices import us_state_name
from workloads.models import Startup, Workload
from workloads.selectors import workload_latest_for_startup

from .. import selectors
from ..models import AceFiling

# A check's field -> (the object it lives on, its model field) and how the founder reads it.
# The AWS account id is not here: the credits land in that account, so only the founder sets
# it (on their dashboard); the check still names it to the firm.
FIXABLE: dict[str, tuple[str, str, str]] = {
    "company_name": ("startup", "name", "the company name"),
    "website": ("startup", "website", "the website"),
    "country": ("startup", "country", "the country"),
    "state": ("startup", "state", "the state"),
    "business_problem": ("workload", "description", "the business problem"),
    "national_security": ("application", "national_security", "the national security flag"),
    "target_close_date": ("application", "target_close_date", "the target close date"),
}
FIXED_NOTE = "{firm} corrected {what} for ACE."
FROZEN = (
    "This application's filing is under way with the details first sent to ACE; they can "
    "no longer be changed here."
)


def precheck_fixable_fields(*, application: CreditApplication, problems=None) -> list[str]:
    """The fields the firm may change now: those the check names (a country problem opens
    the state too, since the state rule follows the country). `problems`, when the caller
    already ran the check, saves running it again."""
    if problems is None:
        problems = application_precheck(application=application)
    fields = [problem.field for problem in problems]
    if "country" in fields:
        fields.append("state")
    return [field for field in FIXABLE if field in fields]


def precheck_fix_initial(*, application: CreditApplication, fields: list[str]) -> dict:
    """The current values of `fields`, to start the fix form from (a field left as it was
    then stays as it was)."""
    targets = _targets(application)
    initial = {}
    for field in fields:
        kind, name, _ = FIXABLE[field]
        if targets[kind] is not None:
            initial[field] = getattr(targets[kind], name)
    return initial


def _targets(application: CreditApplication) -> dict:
    return {
        "startup": application.startup,
        "workload": workload_latest_for_startup(startup_id=application.startup_id),
        "application": application,
    }


def application_precheck_fix(
    *, application_id: int, partner, actor, values: dict
) -> CreditApplication:
    """Change the listed fields of a draft of `partner`'s, in one transaction.

    `values` maps check fields (FIXABLE) to new values. Raises CreditApplication.DoesNotExist
    (not the firm's), ApplicationTransitionError (not a draft, or a filing froze it) or
    ApplicationInputError naming each field that is not open to change or not valid
    (nothing saved).
    """
    visible = selectors.application_get_for_partner(partner=partner, application_id=application_id)
    if visible is None:
        raise CreditApplication.DoesNotExist(f"No application {application_id} for this firm.")
    with transaction.atomic():
        application = (
            CreditApplication.objects.select_for_update(of=("self",))
            .select_related("startup")
            .get(pk=visible.pk)
        )
        if application.status != ApplicationStatus.DRAFT:
            raise ApplicationTransitionError(
                f"Only a draft's details can be fixed; this application is {application.status}."
            )
        if AceFiling.objects.filter(application=application).exclude(request={}).exists():
            raise ApplicationTransitionError(FROZEN)
        open_fields = precheck_fixable_fields(application=application)
        targets = _targets(application)
        changes = _apply(values, open_fields, targets)
        if not changes:
            raise ApplicationInputError(fields={"precheck": ["Change at least one field."]})
        for target in {kind for kind, _, _ in (FIXABLE[field] for field in changes)}:
            names = [FIXABLE[field][1] for field in changes if FIXABLE[field][0] == target]
            targets[target].save(update_fields=names)
        _record(application, partner, actor, changes)
    return application


def _apply(values: dict, open_fields: list[str], targets: dict) -> dict[str, tuple]:
    """Validate and set each value on its object; {field: (before, after)} of the changes.
    Raises ApplicationInputError with every problem, having saved nothing."""
    errors: dict[str, list[str]] = {}
    changes: dict[str, tuple] = {}
    # FIXABLE's order, so the country is set before the state rule that follows it is read.
    ordered = sorted(
        values, key=lambda field: list(FIXABLE).index(field) if field in FIXABLE else -1
    )
    for field in ordered:
        value = values[field]
        if field not in open_fields:
            listed = ", ".join(open_fields) or "none"
            errors[field] = [f"Not listed by the pre-submission check; open to change: {listed}."]
            continue
        kind, name, _ = FIXABLE[field]
        target = targets[kind]
        if target is None:
            errors[field] = ["The startup has no workload to describe."]
            continue
        try:
            cleaned = _clean(target, name, value)
        except ValidationError as error:
            errors[field] = error.messages
            continue
        before = getattr(target, name)
        if str(before) != str(cleaned):
            setattr(target, name, cleaned)
            changes[field] = (before, cleaned)
    if errors:
        raise ApplicationInputError(fields=errors)
    return changes


def _clean(target, name: str, value):
    """The value as the model field stores it (its validators run); a US state is stored
    by the full name ACE takes, whether typed as "wa" or "Washington"."""
    us_state = isinstance(target, Startup) and name == "state" and str(target.country) == "US"
    if isinstance(value, str):
        value = value.strip()
    if us_state:
        if us_state_name(value) is None:
            raise ValidationError("Enter a US state or territory by its name (e.g. Washington).")
        value = us_state_name(value)
    cleaned = type(target)._meta.get_field(name).clean(value, target)
    if isinstance(target, Workload) and name == "description" and not cleaned:
        raise ValidationError("Describe the business problem.")
    return cleaned


def _record(application: CreditApplication, partner, actor, changes: dict[str, tuple]) -> None:
    what = ", ".join(FIXABLE[field][2] for field in changes)
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        from_status=application.status,
        to_status=application.status,
        note=FIXED_NOTE.format(firm=partner.name, what=what),
    )
    audit_log(
        actor=actor,
        action="application.precheck_fixed",
        subject=application,
        data={
            "partner": partner.pk,
            "changes": {
                field: {"before": str(before), "after": str(after)}
                for field, (before, after) in changes.items()
            },
        },
    )
