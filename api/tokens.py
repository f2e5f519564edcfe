"""API tokens (DRF's `authtoken`) that expire after settings.API_TOKEN_TTL and are revoked
when their user signs out or asks (`DELETE /api/v1/auth/token/`).

The token rows are DRF's, one per user; this module is their only writer. The founder's
intake access token is another thing (matching/tokens.py): it stops working when the intake
is confirmed, and an unconfirmed intake is deleted after INTAKE_CONFIRM_MAX_AGE.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from core.accounts import DEMO_REFUSED, demo_login_refused
from workloads.audit import audit_log

EXPIRED_MESSAGE = (
    "This API token has expired. Get a new one from POST /api/v1/auth/token/ "
    "with your e-mail address and password."
)


def api_token_expires_at(token: Token) -> dt.datetime:
    return token.created + dt.timedelta(seconds=settings.API_TOKEN_TTL)


def api_token_expired(token: Token) -> bool:
    return timezone.now() >= api_token_expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token <key>`, refused with a 401 once API_TOKEN_TTL has passed
    since the token was issued, and for a demo login whenever DEBUG is off."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        # DRF's lookup, with the caller's firm (if any) in the same query: the partner API's
        # permission reads it from the user (`matching.selectors.partner_for_user`).
        # `.get()`, not `.filter().first()`: no ORDER BY to compile (~0.5 ms per call).
        try:
            token = Token.objects.select_related("user__partner_membership__partner").get(key=key)
        except Token.DoesNotExist:
            raise AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        user = token.user
        if demo_login_refused(user):  # a token a demo login got while DEBUG was on
            raise AuthenticationFailed(DEMO_REFUSED)
        if api_token_expired(token):
            raise AuthenticationFailed(EXPIRED_MESSAGE)
        return user, token


def api_token_issue(*, user: Any) -> Token:
    """The user's API token: the one they have while it works, else a new one (an expired
    token is replaced). Two sign-ins at once get the same token (the user is unique on
    Token). Audits `api_token.issued` for a new token. Locks nothing; enqueues nothing."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and api_token_expired(token):
        try:
            with transaction.atomic():
                Token.objects.filter(pk=token.pk).delete()
                token = Token.objects.create(user=user)
        except IntegrityError:  # another sign-in replaced it first: theirs is as good
            return Token.objects.get(user=user)
        created = True
    if created:
        audit_log(actor=user, action="api_token.issued", subject=user)
    return token


def api_tokens_revoke(*, user: Any, reason: str, actor: Any = None) -> int:
    """Delete the user's API tokens at once (the next call with one is a 401), auditing
    `api_token.revoked` by `actor` (the user themselves unless given: an operator) with
    `reason` ("logout", "request", "operator") if there was one. Locks nothing; enqueues
    nothing. Returns how many were deleted."""
    deleted, _ = Token.objects.filter(user_id=user.pk).delete()
    if deleted:
        audit_log(
            actor=actor or user, action="api_token.revoked", subject=user, data={"reason": reason}
        )
    return deleted


@receiver(user_logged_out, dispatch_uid="api.revoke_tokens_on_logout")
def api_tokens_revoke_on_logout(sender: type, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing out of the site, the partner portal or the admin revokes the API token too.

    A signal, and done here rather than enqueued: Django's logout announces nothing else,
    and a revocation that waits for a worker leaves the token working meanwhile."""
    if user is not None and user.is_authenticated:
        api_tokens_revoke(user=user, reason="logout")
