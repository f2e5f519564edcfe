"""Two-factor sign-in (django-otp): who must use it, enrolment, codes and recovery codes.

Operators (staff) and partner firm admins must pass a one-time code when `OTP_REQUIRED` is
on (the default with DEBUG off). The code is a TOTP from an authenticator app (a
`TOTPDevice`) or one of ten recovery codes (the tokens of a `StaticDevice`, each consumed
when used). The setting is read on every call, never at import, so tests can switch it.

Throttling: django-otp's own per-device back-off (1, 2, 4, 8 ... seconds after successive
failures, `OTP_TOTP_THROTTLE_FACTOR` / `OTP_STATIC_THROTTLE_FACTOR`) plus django-axes: every
wrong code is reported as a failed sign-in for the account, so `AXES_FAILURE_LIMIT` wrong
codes lock the e-mail out from that address exactly like wrong passwords.
"""

import base64
import io
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user, user_has_device
from django_otp import login as django_otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import PartnerMembership

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def otp_required_for(user) -> bool:
    """Whether this account must pass a second factor: staff and firm admins, when
    `OTP_REQUIRED` is on. Plain partner members and founders never."""
    if not getattr(settings, "OTP_REQUIRED", False) or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return PartnerMembership.objects.filter(
        user_id=user.pk, role=PartnerMembership.Role.ADMIN
    ).exists()


def otp_pending(user) -> bool:
    """Signed in with a password only, by an account that must also pass a code."""
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
    return otp_required_for(user) and not (is_verified and is_verified())


def otp_has_device(user) -> bool:
    """The account has finished enrolment (a confirmed authenticator app)."""
    return user_has_device(user, confirmed=True)


# --- Enrolment -------------------------------------------------------------------------


def totp_device_for_enrolment(*, user) -> TOTPDevice:
    """The account's unconfirmed authenticator device, created on first call (the same
    secret on every reload of the setup page until a first code confirms it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class TotpSetup:
    secret: str  # base32, for typing into an app by hand
    qr_data_uri: str  # an <img src> (data: images are allowed by our CSP; no inline style)


def totp_setup(*, device: TOTPDevice) -> TotpSetup:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = io.BytesIO()
    image.save(svg)
    encoded = base64.b64encode(svg.getvalue()).decode("ascii")
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return TotpSetup(secret=secret, qr_data_uri=f"data:image/svg+xml;base64,{encoded}")


def totp_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Check the first code of a new authenticator device. Right: the device is confirmed,
    the session is verified by it and ten fresh recovery codes are returned (to show once).
    Wrong: None, reported to django-axes. Locks the device row while checking."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
        if not locked.verify_token(_normalised(token)):
            verified = None
        else:
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
            verified = locked
    if verified is None:
        _report_failure(request)
        return None
    codes = recovery_codes_regenerate(user=request.user)
    _otp_login(request, verified)
    return codes


def recovery_codes_regenerate(*, user) -> list[str]:
    """Replace the account's recovery codes with ten new ones (the old ones stop working);
    returns them so they can be shown once. Locks the account's recovery device row."""
    with transaction.atomic():
        device = StaticDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Sign-in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    device: Device | None
    wait_seconds: int = 0  # > 0: every device is throttled after wrong codes


def otp_verify(*, request: HttpRequest, token: str) -> Verification:
    """Check a code against each of the signed-in account's confirmed devices (its app,
    then its recovery codes; a recovery code that matches is deleted). Right: the session
    is verified. Wrong: reported to django-axes, and django-otp's back-off grows. Locks the
    account's device rows while checking (django_otp.devices_for_user(for_verify=True))."""
    user = request.user
    token = _normalised(token)
    wait = 0
    verified = None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            allowed, detail = device.verify_is_allowed()
            if not allowed:
                locked_until = (detail or {}).get("locked_until")
                if locked_until is not None:
                    remaining = (locked_until - timezone.now()).total_seconds()
                    wait = max(wait, int(remaining) + 1)
                continue
            if device.verify_token(token):
                verified = device
                break
    if verified is None:
        _report_failure(request)
        return Verification(device=None, wait_seconds=wait)
    _otp_login(request, verified)
    return Verification(device=verified)


def otp_verify_user(*, request: HttpRequest, user, token: str) -> bool:
    """`otp_verify` for a caller who is not signed in on this request (the API token
    endpoint, right after its password check): True when a device accepted the code."""
    token = _normalised(token)
    with transaction.atomic():
        accepted = any(
            device.verify_token(token)
            for device in devices_for_user(user, confirmed=True, for_verify=True)
        )
    if not accepted:
        _report_failure(request, user=user)
    return accepted


def _otp_login(request: HttpRequest, device: Device) -> None:
    # A new session key: a session fixed before the second factor is not promoted with it.
    request.session.cycle_key()
    django_otp_login(request, device)


def otp_locked_out(*, request: HttpRequest) -> bool:
    """django-axes has locked the signed-in account out from this address (wrong passwords
    or wrong codes): the half-signed-in session must end."""
    credentials = {settings.AXES_USERNAME_FORM_FIELD: request.user.get_username()}
    return bool(
        getattr(request, "axes_locked_out", False)
        or AxesProxyHandler.is_locked(request, credentials)
    )


def _report_failure(request: HttpRequest, *, user=None) -> None:
    """A wrong code counts as a failed sign-in for django-axes (same e-mail + address)."""
    account = user or request.user
    user_login_failed.send(
        sender=__name__,
        credentials={settings.AXES_USERNAME_FORM_FIELD: account.get_username()},
        request=request,
    )


def _normalised(token: str) -> str:
    # Apps show "123 456"; recovery codes are lower-case base32.
    return "".join(token.split()).lower()
