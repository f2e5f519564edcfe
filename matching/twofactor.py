"""Two-factor sign-in (django-otp): who must use it, enrolment, codes and recovery codes.

Operators (staff) and partner firm admins must pass a one-time code when `OTP_REQUIRED` is
on (the default with DEBUG off). The code is a TOTP from an authenticator app (a
`TOTPDevice`) or one of ten recovery codes (the tokens of a `StaticDevice`, each consumed
when used). The setting is read on every call, never at import, so tests can switch it.

Throttling: django-otp's own per-device back-off (1, 2, 4, 8 ... seconds after successive
failures, `OTP_TOTP_THROTTLE_FACTOR` / `OTP_STATIC_THROTTLE_FACTOR`) plus django-axes. A code
is only tried on the device it can belong to (6 digits: the app; anything else: the recovery
codes), so wrong app codes never push the recovery codes into a back-off. Every wrong code
is reported to axes twice: as a failed sign-in of the e-mail (it adds up with wrong
passwords) and under "otp:<e-mail>", a count of its own that a password sign-in does not
reset (AXES_RESET_ON_SUCCESS only resets the e-mail's). When that count reaches
`AXES_FAILURE_LIMIT` the e-mail is locked out from that address exactly like after wrong
passwords, so signing in again between wrong codes does not buy more guesses.
"""

import base64
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.auth import get_user_model
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
# The axes "username" wrong codes are counted under (besides the e-mail itself).
OTP_FAILURES_PREFIX = "otp:"


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
    secret on every reload of the setup page until a first code confirms it). Locks the
    account's row while choosing, so two setup pages loaded at once show the same device."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
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


@dataclass(frozen=True)
class Confirmation:
    codes: list[str] | None = None  # right: the ten new recovery codes, to show once
    already_set_up: bool = False  # no device left to confirm (the form was sent twice)


def totp_confirm(*, request: HttpRequest, token: str) -> Confirmation:
    """Check the first code of a new authenticator app against the account's unconfirmed
    devices (one, unless setup pages were loaded at once before the lock in
    `totp_device_for_enrolment`): the device whose QR code the user scanned is the one the
    code fits. Right: that device is confirmed, the others are deleted, the session is
    verified by it and ten fresh recovery codes are returned. Wrong: no codes, reported to
    django-axes. None left to confirm (another submission of the form confirmed it first):
    `already_set_up`, nothing reported. Locks the unconfirmed device rows while checking."""
    user = request.user
    token = _normalised(token)
    with transaction.atomic():
        pending = list(
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk")
        )
        if not pending:
            return Confirmation(already_set_up=True)
        verified = next(
            (device for device in pending if _fits(device, token) and device.verify_token(token)),
            None,
        )
        if verified is not None:
            verified.confirmed = True
            verified.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(pk__in=[d.pk for d in pending if d != verified]).delete()
    if verified is None:
        _report_failure(request)
        return Confirmation()
    codes = recovery_codes_regenerate(user=user)
    _otp_login(request, verified)
    return Confirmation(codes=codes)


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
    """Check a code against the signed-in account's confirmed devices it can belong to (a
    6-digit code: its app; anything else: its recovery codes, a match is deleted). Right:
    the session is verified. Wrong: reported to django-axes, and django-otp's back-off of
    the devices tried grows. Locks the account's device rows while checking
    (django_otp.devices_for_user(for_verify=True))."""
    user = request.user
    token = _normalised(token)
    wait = 0
    verified = None
    with transaction.atomic():
        for device in _devices_for(user, token):
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
    _reset_failures(request, user)
    _otp_login(request, verified)
    return Verification(device=verified)


def otp_verify_user(*, request: HttpRequest, user, token: str) -> bool:
    """`otp_verify` for a caller who is not signed in on this request (the API token
    endpoint, right after its password check): True when a device accepted the code.
    Refused without trying while the account's wrong codes have it locked out."""
    token = _normalised(token)
    if _codes_locked_out(request, user):
        return False
    with transaction.atomic():
        accepted = any(device.verify_token(token) for device in _devices_for(user, token))
    if not accepted:
        _report_failure(request, user=user)
    else:
        _reset_failures(request, user)
    return accepted


def _devices_for(user, token: str) -> Iterator[Device]:
    """The confirmed devices (locked) a code of this shape can belong to: a TOTP device only
    a code of its number of digits, the recovery codes only what is not such a code (ours are
    8 letters and digits), so a wrong code never grows the back-off of the other device."""
    devices = list(devices_for_user(user, confirmed=True, for_verify=True))
    app_digits = {device.digits for device in devices if isinstance(device, TOTPDevice)}
    looks_like_app_code = any(_digits(token, count) for count in app_digits)
    for device in devices:
        if isinstance(device, StaticDevice) and looks_like_app_code:
            continue
        if _fits(device, token):
            yield device


def _fits(device: Device, token: str) -> bool:
    if isinstance(device, TOTPDevice):
        return _digits(token, device.digits)
    return True


def _digits(token: str, count: int) -> bool:
    return re.fullmatch(f"[0-9]{{{count}}}", token) is not None


def _otp_login(request: HttpRequest, device: Device) -> None:
    # A new session key: a session fixed before the second factor is not promoted with it.
    request.session.cycle_key()
    django_otp_login(request, device)


def otp_locked_out(*, request: HttpRequest) -> bool:
    """django-axes has locked the signed-in account out from this address (wrong passwords
    or wrong codes): the half-signed-in session must end."""
    credentials = _credentials(request.user.get_username())
    return bool(
        getattr(request, "axes_locked_out", False)
        or AxesProxyHandler.is_locked(request, credentials)
        or _codes_locked_out(request, request.user)
    )


def _report_failure(request: HttpRequest, *, user=None) -> None:
    """A wrong code counts as a failed sign-in of the e-mail (with its wrong passwords) and
    of "otp:<e-mail>" (wrong codes only, which a password sign-in does not reset). When the
    codes' count reaches the limit, the e-mail is locked out too: its own count is topped up
    to the limit, so the password is refused from this address for the cool-off."""
    account = user or request.user
    email = account.get_username()
    for username in (email, OTP_FAILURES_PREFIX + email):
        user_login_failed.send(sender=__name__, credentials=_credentials(username), request=request)
    if not _codes_locked_out(request, account):
        return
    for _ in range(_failure_limit(request, email)):
        if AxesProxyHandler.is_locked(request, _credentials(email)):
            break
        user_login_failed.send(sender=__name__, credentials=_credentials(email), request=request)


def _reset_failures(request: HttpRequest, user) -> None:
    """The right code: the account's counts from this address (its wrong codes and, like
    axes' AXES_RESET_ON_SUCCESS after a password, its e-mail's) start again."""
    AxesProxyHandler.update_request(request)
    email = user.get_username()
    for username in (email, OTP_FAILURES_PREFIX + email):
        AxesProxyHandler.reset_attempts(
            username=username,
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        )


def _codes_locked_out(request: HttpRequest, user) -> bool:
    return AxesProxyHandler.is_locked(
        request, _credentials(OTP_FAILURES_PREFIX + user.get_username())
    )


def _failure_limit(request: HttpRequest, email: str) -> int:
    return get_failure_limit(request, _credentials(email))


def _credentials(username: str) -> dict[str, str]:
    return {settings.AXES_USERNAME_FORM_FIELD: username}


def _normalised(token: str) -> str:
    # Apps show "123 456"; recovery codes are lower-case base32.
    return "".join(token.split()).lower()
