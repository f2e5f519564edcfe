"""Links e-mailed to founders: sign-in links and intake confirmation links.

Sign-in links are signed, expiring and single use.

The signed payload carries the user's last_login; signing in changes it, so a link
works once. Links older than settings.SIGNIN_LINK_MAX_AGE are refused.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from .models import PartnerMembership

SALT = "cloudroute.signin-link"


def _login_stamp(user) -> str:
    return user.last_login.isoformat() if user.last_login else ""


def signin_token_make(*, user) -> str:
    return signing.dumps({"u": user.pk, "l": _login_stamp(user)}, salt=SALT, compress=True)


def signin_url(*, user) -> str:
    path = reverse("signin-link", args=[signin_token_make(user=user)])
    return settings.SITE_URL.rstrip("/") + path


def signin_token_user(token: str):
    """The user the token signs in, or None if it is forged, expired or already used."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.SIGNIN_LINK_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    # Links are for founders: staff and partner users sign in with their password.
    user = (
        get_user_model()
        .objects.filter(
            pk=payload.get("u"), is_active=True, is_staff=False, partner_membership__isnull=True
        )
        .first()
    )
    if user is None or _login_stamp(user) != payload.get("l"):
        return None
    return user


# --- The intake's confirmation link --------------------------------------------------------

CONFIRM_SALT = "cloudroute.intake-confirm"


def founder_may_sign_in(user) -> bool:
    """Founders only: staff and partner users sign in with their password (and 2FA)."""
    return (
        user.is_active
        and not user.is_staff
        and not PartnerMembership.objects.filter(user_id=user.pk).exists()
    )


def confirm_token_make(*, intake) -> str:
    """The link's token: the intake and the address it was sent to. It stops working once
    the intake is confirmed (`intake_confirm` refuses a confirmed intake)."""
    return signing.dumps({"i": intake.pk, "e": intake.email}, salt=CONFIRM_SALT, compress=True)


def confirm_url(*, intake) -> str:
    path = reverse("intake-confirm", args=[confirm_token_make(intake=intake)])
    return settings.SITE_URL.rstrip("/") + path


def confirm_token_intake_id(token: str, *, max_age: int | None = None) -> tuple[int, str] | None:
    """(intake id, e-mail) the token names, or None when forged or older than `max_age`
    seconds (settings.INTAKE_CONFIRM_MAX_AGE by default)."""
    try:
        payload = signing.loads(
            token, salt=CONFIRM_SALT, max_age=max_age or settings.INTAKE_CONFIRM_MAX_AGE
        )
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload.get("i"), int) or not isinstance(payload.get("e"), str):
        return None
    return payload["i"], payload["e"]
