"""Sign-in links e-mailed to founders: signed, expiring, single use.

The signed payload carries the user's last_login; signing in changes it, so a link
works once. Links older than settings.SIGNIN_LINK_MAX_AGE are refused.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

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
