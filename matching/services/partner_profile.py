"""A partner firm's own profile, edited by its admins: what routing filters on (competencies,
regions served, stage focus, capacity, time away) and what its ACE filings say about it
(solution id, delivery models). Routing reads the firm's row on every decision, so a saved
change applies to the next lead at once. Each save is audited with the values before and
after."""

from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import ForbiddenError, InvalidInputError
from workloads.audit import audit_log
from workloads.choices import AwsRegion, Stage

from ..models import Competency, Partner, PartnerAceAccount, PartnerMembership

PROFILE_FIELDS = ("competencies", "regions", "stages", "capacity", "away_from", "away_until")
ACE_FIELDS = ("solution_id", "delivery_models")
CHOICES = {
    "competencies": Competency.values,
    "regions": AwsRegion.values,
    "stages": Stage.values,
}
ADMINS_ONLY = "Only your firm's admins change its profile."


class ProfileInputError(InvalidInputError):
    """A profile value is not valid (400, per field; nothing saved)."""


def partner_is_admin(*, partner: Partner, user) -> bool:
    return PartnerMembership.objects.filter(
        partner=partner, user_id=user.pk, role=PartnerMembership.Role.ADMIN
    ).exists()


def partner_profile_update(*, partner: Partner, actor, values: dict) -> Partner:
    """Save the firm's profile from `values` (PROFILE_FIELDS, and ACE_FIELDS when the firm
    has an ACE account), in one transaction. Raises ForbiddenError for a firm member who is
    not an admin, ProfileInputError naming each field that is not valid (nothing saved)."""
    if not partner_is_admin(partner=partner, user=actor):
        raise ForbiddenError(ADMINS_ONLY)
    with transaction.atomic():
        firm = Partner.objects.select_for_update().get(pk=partner.pk)
        account = PartnerAceAccount.objects.select_for_update().filter(partner=firm).first()
        before = _snapshot(firm, account)
        errors: dict[str, list[str]] = {}
        _stage(firm, PROFILE_FIELDS, values, errors)
        if account is not None:
            _stage(account, ACE_FIELDS, values, errors)
        _check_whole(firm, errors)
        if errors:
            raise ProfileInputError(fields=errors)
        firm.save(update_fields=[name for name in PROFILE_FIELDS if name in values])
        if account is not None and any(name in values for name in ACE_FIELDS):
            account.save(update_fields=[name for name in ACE_FIELDS if name in values])
        after = _snapshot(firm, account)
        changes = {
            name: {"before": before[name], "after": after[name]}
            for name in after
            if before[name] != after[name]
        }
        if changes:
            audit_log(actor=actor, action="partner.profile_updated", subject=firm, data=changes)
    return firm


def _stage(target, names: tuple[str, ...], values: dict, errors: dict) -> None:
    """Validate each given value with its model field and set it on `target`."""
    for name in names:
        if name not in values:
            continue
        value = values[name]
        if name in CHOICES:
            value = sorted(set(value or ()))
            unknown = [item for item in value if item not in CHOICES[name]]
            if unknown:
                errors[name] = [
                    f"{', '.join(map(str, unknown))} is not one of: {', '.join(CHOICES[name])}."
                ]
                continue
        try:
            setattr(target, name, type(target)._meta.get_field(name).clean(value, target))
        except ValidationError as error:
            errors[name] = error.messages


def _check_whole(firm: Partner, errors: dict) -> None:
    # Routing reads a time away by its last day; a first day alone would change nothing.
    if firm.away_from and not firm.away_until:
        errors.setdefault("away_until", []).append(
            "Give the last day out of office too (a start alone stops no leads)."
        )
    try:
        firm.clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)


def _snapshot(firm: Partner, account: PartnerAceAccount | None) -> dict:
    data = {name: _plain(getattr(firm, name)) for name in PROFILE_FIELDS}
    if account is not None:
        data |= {name: _plain(getattr(account, name)) for name in ACE_FIELDS}
    return data


def _plain(value):
    if isinstance(value, list):
        return sorted(value)
    return value.isoformat() if hasattr(value, "isoformat") else value
