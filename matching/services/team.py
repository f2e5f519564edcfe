"""A firm's team: its admins invite teammates by e-mail (roles admin or member) and remove
them; any member gives a lead of the firm to a teammate (its owner).

An invitation's link carries `<id>-<hmac>`: an HMAC of the invitation's id, address and
creation time under SECRET_KEY, so the token is never stored and the e-mail task, which
takes the id only, can rebuild it. It works once (accepted_at), until it expires, and not
after it is revoked or replaced. Every change is audited.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework.authtoken.models import Token

from core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from workloads.audit import audit_log

from ..models import Lead, Partner, PartnerInvitation, PartnerMembership
from ..tasks import email_partner_invitation as email_partner_invitation_task
from .partner_profile import partner_is_admin

INVITATION_DAYS = 7
TEAM_ADMINS_ONLY = "Only your firm's admins change its team."
HMAC_SALT = "cloudroute.matching.partner-invitation"
NOT_VALID = "This invitation link is not valid any more; ask your firm's admin for a new one."
Role = PartnerMembership.Role


def invitation_token(invitation: PartnerInvitation) -> str:
    digest = salted_hmac(
        HMAC_SALT,
        f"{invitation.pk}:{invitation.email}:{invitation.created_at.timestamp()}",
        algorithm="sha256",
    ).hexdigest()
    return f"{invitation.pk}-{digest[:40]}"


def invitation_for_token(token: str) -> PartnerInvitation | None:
    """The open invitation a link names, or None (unknown, tampered, used, revoked, expired)."""
    pk, _, _ = (token or "").partition("-")
    if not (pk.isascii() and pk.isdigit()):
        return None
    invitation = PartnerInvitation.objects.select_related("partner").filter(pk=int(pk)).first()
    if invitation is None or not constant_time_compare(invitation_token(invitation), token):
        return None
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at < timezone.now():
        return None
    return invitation


def partner_invite(*, partner: Partner, actor, email: str, role: str) -> PartnerInvitation:
    """Invite `email` to the firm as `role` and e-mail the link on commit; an open
    invitation to the same address is replaced. Admins only (ForbiddenError)."""
    _require_admin(partner, actor)
    return invitation_create(partner=partner, actor=actor, email=email, role=role)


def invitation_create(*, partner: Partner, actor, email: str, role: str) -> PartnerInvitation:
    """partner_invite without the admin check: for an operator approving a firm's application
    to join (matching.services.joining), who invites its first admin."""
    address = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [f"Choose one of: {', '.join(Role.values)}."]
    if PartnerMembership.objects.filter(partner=partner, user__email__iexact=address).exists():
        errors["email"] = ["This address is already on your team."]
    if errors:
        raise InvalidInputError(fields=errors)
    now = timezone.now()
    with transaction.atomic():
        PartnerInvitation.objects.filter(
            partner=partner, email=address, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        try:
            with transaction.atomic():
                invitation = PartnerInvitation.objects.create(
                    partner=partner,
                    email=address,
                    role=role,
                    invited_by=actor,
                    expires_at=now + dt.timedelta(days=INVITATION_DAYS),
                )
        except IntegrityError as exc:  # another admin invited the address at the same moment
            raise ConflictError(f"{address} was just invited; see the open invitations.") from exc
        audit_log(
            actor=actor,
            action="partner.invited",
            subject=partner,
            data={"email": address, "role": role, "invitation": invitation.pk},
        )
        transaction.on_commit(
            lambda: email_partner_invitation_task.delay(invitation.pk), robust=True
        )
    return invitation


def invitation_accept(*, token: str, full_name: str, password: str):
    """Join the firm through an invitation: a new account with that address, the invitation's
    role, the password set. Returns the user. Raises NotFoundError for a link that is not
    valid, ConflictError when any account has that address (an invitation never sets the
    password of an existing account), InvalidInputError naming a weak password."""
    User = get_user_model()
    with transaction.atomic():
        invitation = invitation_for_token(token)
        if invitation is None:
            raise NotFoundError(NOT_VALID)
        invitation = PartnerInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise NotFoundError(NOT_VALID)
        # Never attach an existing account (a founder's, an operator's): an invitation sets
        # a password, and a look-alike address can match another one case-insensitively.
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ConflictError(
                "An account with this address already exists; ask to be invited with another "
                "address, or ask CloudRoute's partner team to add it to your firm."
            )
        try:
            validate_password(password, User(email=invitation.email, full_name=full_name.strip()))
        except ValidationError as error:
            raise InvalidInputError(fields={"password": error.messages}) from None
        try:
            user = User.objects.create_user(
                email=invitation.email, password=password, full_name=full_name.strip()
            )
            PartnerMembership.objects.create(
                user=user, partner=invitation.partner, role=invitation.role
            )
        except IntegrityError as exc:  # the address got an account meanwhile
            raise ConflictError("An account with this address already exists.") from exc
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_log(
            actor=user,
            action="partner.joined",
            subject=invitation.partner,
            data={"email": invitation.email, "role": invitation.role},
        )
    return user


def invitation_revoke(*, partner: Partner, actor, invitation_id: int) -> None:
    _require_admin(partner, actor)
    updated = PartnerInvitation.objects.filter(
        pk=invitation_id, partner=partner, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise NotFoundError("No open invitation with that id for your firm.")
    audit_log(
        actor=actor,
        action="partner.invitation_revoked",
        subject=partner,
        data={"id": invitation_id},
    )


def member_remove(*, partner: Partner, actor, membership_id: int) -> None:
    """Take a teammate off the firm: their membership goes, their API tokens are revoked,
    their leads lose their owner and the invitations they sent and that are still open are
    revoked. The last admin cannot be removed."""
    with transaction.atomic():
        # The firm's row locked first, in every removal: two admins removing each other at
        # once take turns, so the second sees the first's removal (and that it is no longer
        # an admin itself) and keeps the last admin.
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        _require_admin(partner, actor)
        membership = (
            PartnerMembership.objects.select_related("user")
            .filter(pk=membership_id, partner=partner)
            .first()
        )
        if membership is None:
            raise NotFoundError("No such teammate.")
        admins = PartnerMembership.objects.filter(partner=partner, role=Role.ADMIN).count()
        if membership.role == Role.ADMIN and admins == 1:
            raise ConflictError(
                "The firm's last admin cannot be removed; make another admin first."
            )
        user = membership.user
        membership.delete()
        Token.objects.filter(user=user).delete()
        Lead.objects.filter(partner=partner, owner=user).update(owner=None)
        # Whom they invited does not join on their word once they are gone.
        revoked = PartnerInvitation.objects.filter(
            partner=partner, invited_by=user, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        audit_log(
            actor=actor,
            action="partner.member_removed",
            subject=partner,
            data={"email": user.email, "invitations_revoked": revoked},
        )


def lead_owner_set(*, partner: Partner, actor, lead_id: int, owner_id: int | None) -> Lead:
    """Give one of the firm's leads to a teammate (or to nobody). Any member may. Raises
    NotFoundError for another firm's lead, InvalidInputError for an owner not on the team."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id, partner=partner).first()
        if lead is None:
            raise NotFoundError("No such lead for your firm.")
        owner = None
        if owner_id is not None:
            membership = (
                PartnerMembership.objects.select_related("user")
                .filter(partner=partner, user_id=owner_id)
                .first()
            )
            if membership is None:
                raise InvalidInputError(fields={"owner": ["Choose someone on your team."]})
            owner = membership.user
        previous = lead.owner_id
        lead.owner = owner
        lead.save(update_fields=["owner"])
        audit_log(
            actor=actor,
            action="lead.owner_set",
            subject=lead,
            data={"from": previous, "to": owner.pk if owner else None},
        )
    return lead


def _require_admin(partner: Partner, actor) -> None:
    if not partner_is_admin(partner=partner, user=actor):
        raise ForbiddenError(TEAM_ADMINS_ONLY)
