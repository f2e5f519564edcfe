"""A firm applies to join CloudRoute's partner network (the public page /partner/apply/);
operators review the application in the admin and approve it with a vetting expiry, which
creates the firm and invites the applicant as its first admin, or refuse it with a reason the
applicant is e-mailed. Reviewing takes the `matching.review_joinapplication` permission: a
read-only operator sees the applications and can do neither."""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_countries import countries

from core.errors import ConflictError, ForbiddenError, InvalidInputError
from core.mail import send_email
from workloads.audit import audit_log
from workloads.choices import AwsRegion

from ..models import Competency, JoinApplication, JoinStatus, Partner, PartnerMembership
from ..tasks import email_join_decision as email_join_decision_task
from ..tasks import email_join_submitted as email_join_submitted_task
from .emails import _site
from .team import invitation_create

EVIDENCE_MAX = 20
VETTING_MAX_DAYS = 3 * 366
REVIEWERS_ONLY = "Reviewing applications to join takes the permission to approve or refuse them."
WAITING = (
    "An application from this address is already waiting for review; "
    "we will e-mail you the decision."
)
_URL = re.compile(r"https://\S+")


class JoinInputError(InvalidInputError):
    """A field of the application or of the review is not valid (400; nothing saved)."""


def evidence_parse(text: str) -> tuple[list[dict], list[str]]:
    """The form's lines ("AWS Generative AI Competency https://...") as
    [{"designation", "url"}], and the problems (a line without an https link, too many)."""
    entries, problems = [], []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > EVIDENCE_MAX:
        problems.append(f"List at most {EVIDENCE_MAX} designations.")
    for number, line in enumerate(lines[:EVIDENCE_MAX], start=1):
        match = _URL.search(line)
        designation = _URL.sub("", line).strip(" -–:,")
        url = match.group(0) if match else ""
        try:
            URLValidator(schemes=["https"])(url)
        except ValidationError:
            problems.append(f"Line {number} needs an https:// link to the evidence.")
            continue
        if not designation:
            problems.append(f"Line {number} needs the designation's name before its link.")
            continue
        entries.append({"designation": designation[:200], "url": url})
    if not lines:
        problems.append("Name at least one designation or competency, with its link.")
    return entries, problems


def _choices_problems(values: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    allowed = {
        "competencies": Competency.values,
        "regions": AwsRegion.values,
        "countries": [code for code, _ in countries],
    }
    for name, accepted in allowed.items():
        chosen = values.get(name) or []
        if not isinstance(chosen, list) or not chosen:
            errors[name] = ["Choose at least one."]
        elif unknown := [value for value in chosen if value not in accepted]:
            errors[name] = [f"Unknown value {unknown[0]!r}."]
    return errors


def join_application_submit(*, values: dict) -> JoinApplication:
    """Record a firm's application and e-mail the applicant (a receipt) and the operators
    on commit. `values` are the model's fields, with `evidence` as the form's text. Raises
    JoinInputError naming each field that is not valid, or the address's waiting
    application (one per address)."""
    evidence, evidence_problems = evidence_parse(values.get("evidence", ""))
    errors = _choices_problems(values)
    if evidence_problems:
        errors["evidence"] = evidence_problems
    application = JoinApplication(
        **{
            name: values.get(name)
            for name in (
                "firm_name",
                "website",
                "contact_name",
                "contact_email",
                "tier",
                "reference_customer",
                "reference_contact",
            )
        },  # fmt: skip
        ace_access=bool(values.get("ace_access")),
        competencies=values.get("competencies") or [],
        regions=values.get("regions") or [],
        countries=values.get("countries") or [],
        evidence=evidence,
    )
    application.contact_email = (application.contact_email or "").strip().lower()
    try:
        application.full_clean(exclude=["competencies", "regions", "countries", "evidence"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise JoinInputError(fields=errors)
    waiting = JoinApplication.objects.filter(
        contact_email__iexact=application.contact_email, status=JoinStatus.SUBMITTED
    )
    if waiting.exists():
        raise JoinInputError(fields={"contact_email": [WAITING]})
    try:
        with transaction.atomic():
            application.save()
            audit_log(
                actor=None,
                action="join.submitted",
                subject=application,
                data={"firm": application.firm_name, "email": application.contact_email},
            )
            transaction.on_commit(
                lambda: email_join_submitted_task.delay(application.pk), robust=True
            )
    except IntegrityError as exc:  # the same address submitted at the same moment
        raise JoinInputError(fields={"contact_email": [WAITING]}) from exc
    return application


def _require_reviewer(actor) -> None:
    if not (actor and actor.is_active and actor.has_perm("matching.review_joinapplication")):
        raise ForbiddenError(REVIEWERS_ONLY)


def _locked_waiting(application_id: int) -> JoinApplication:
    application = JoinApplication.objects.select_for_update().get(pk=application_id)
    if application.status != JoinStatus.SUBMITTED:
        raise ConflictError(
            f"This application was already {application.get_status_display().lower()}."
        )
    return application


def _unique_slug(name: str) -> str:
    base = (slugify(name) or "firm")[:50]
    slug, n = base, 2
    while Partner.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def join_application_approve(*, application_id: int, actor, expires_on: dt.date) -> Partner:
    """Create the firm from the application, vetted today by `actor` until `expires_on`
    (after today, within three years), and invite the applicant as its admin (e-mailed on
    commit). Locks the application; a second review is a ConflictError."""
    _require_reviewer(actor)
    today = timezone.localdate()
    if not isinstance(expires_on, dt.date) or not (
        today < expires_on <= today + dt.timedelta(days=VETTING_MAX_DAYS)
    ):
        raise JoinInputError(
            fields={"vetting_expires_on": ["Choose a day after today and within three years."]}
        )
    with transaction.atomic():
        application = _locked_waiting(application_id)
        partner = Partner.objects.create(
            name=application.firm_name,
            slug=_unique_slug(application.firm_name),
            tier=application.tier,
            competencies=application.competencies,
            regions=application.regions,
            countries=application.countries,
            contact_email=application.contact_email,
            vetted_on=today,
            vetting_expires_on=expires_on,
            vetted_by=actor,
        )
        invitation_create(
            partner=partner,
            actor=actor,
            email=application.contact_email,
            role=PartnerMembership.Role.ADMIN,
        )
        application.status = JoinStatus.APPROVED
        application.reviewed_by, application.reviewed_at = actor, timezone.now()
        application.partner = partner
        application.save(update_fields=["status", "reviewed_by", "reviewed_at", "partner"])
        audit_log(
            actor=actor,
            action="join.approved",
            subject=application,
            data={"partner": partner.pk, "vetting_expires_on": expires_on.isoformat()},
        )
    return partner


def join_application_refuse(*, application_id: int, actor, reason: str) -> JoinApplication:
    """Refuse the application with `reason` (required; e-mailed to the applicant on
    commit). Locks the application; a second review is a ConflictError."""
    _require_reviewer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise JoinInputError(
            fields={"refusal_reason": ["Say why: the applicant reads it in the e-mail."]}
        )
    with transaction.atomic():
        application = _locked_waiting(application_id)
        application.status = JoinStatus.REFUSED
        application.refusal_reason = reason[:2000]
        application.reviewed_by, application.reviewed_at = actor, timezone.now()
        application.save(update_fields=["status", "refusal_reason", "reviewed_by", "reviewed_at"])
        audit_log(actor=actor, action="join.refused", subject=application, data={"reason": reason})
        transaction.on_commit(lambda: email_join_decision_task.delay(application.pk), robust=True)
    return application


# --- E-mails (sent by tasks) -----------------------------------------------------------


def join_submitted_email_send(*, application_id: int) -> None:
    """The applicant's receipt, and a separate notice to the operators."""
    application = JoinApplication.objects.filter(pk=application_id).first()
    if application is None:
        return
    send_email(
        subject=f"We received {application.firm_name}'s application",
        template="matching/email/join_received",
        context={"application": application},
        to=[application.contact_email],
    )
    operators = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .values_list("email", flat=True)
    )
    if operators:
        send_email(
            subject=f"New partner application: {application.firm_name}",
            template="matching/email/join_review",
            context={
                "application": application,
                "url": _site(f"/admin/matching/joinapplication/{application.pk}/change/"),
            },
            to=operators,
        )


def join_decision_email_send(*, application_id: int) -> None:
    """A refusal, with its reason, to the applicant (an approval's e-mail is the invitation
    to the new firm)."""
    application = JoinApplication.objects.filter(
        pk=application_id, status=JoinStatus.REFUSED
    ).first()
    if application is None:
        return
    send_email(
        subject=f"{application.firm_name}'s application to join CloudRoute",
        template="matching/email/join_refused",
        context={"application": application, "url": _site("/partner/apply/")},
        to=[application.contact_email],
    )
