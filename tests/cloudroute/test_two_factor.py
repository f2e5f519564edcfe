"""Two-factor sign-in (django-otp) for operators on /admin/ and firm admins on the portal
and the API token: enrolment, the code step, recovery codes, throttling, OTP_REQUIRED."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from matching import twofactor
from matching.models import PartnerMembership
from tests.cloudroute.test_settings import _manage, _secret_key
from tests.factories import PartnerMembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

PASSWORD = "correct horse battery staple"  # UserFactory's
ADMIN_VERIFY = "/admin/2fa/verify/"
ADMIN_SETUP = "/admin/2fa/setup/"
ADMIN_CODES = "/admin/2fa/recovery-codes/"


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no back-off, except in the test of it
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():06d}"


def _enrolled(user, codes=("recover1", "recover2")) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Recovery codes")
    for code in codes:
        StaticToken.objects.create(device=static, token=code)
    return device


def _firm_admin(**user):
    return PartnerMembershipFactory(
        user=UserFactory(**user), role=PartnerMembership.Role.ADMIN
    ).user


# --- The setting ----------------------------------------------------------------------


def _otp_required(**env: str) -> str:
    code = "from django.conf import settings; print(settings.OTP_REQUIRED)"
    result = _manage(
        "shell", "-c", code, SECRET_KEY=_secret_key(), ALLOWED_HOSTS="x.example", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_it_requires_two_factor_in_production_by_default():
    assert _otp_required(DEBUG="false") == "True"


def test_it_leaves_two_factor_off_on_a_laptop_unless_asked():
    assert _otp_required(DEBUG="true") == "False"
    assert _otp_required(DEBUG="true", OTP_REQUIRED="true") == "True"


# --- The admin ------------------------------------------------------------------------


def test_it_sends_staff_without_a_device_to_the_setup(client, required):
    client.force_login(UserFactory(is_staff=True))

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == f"{ADMIN_SETUP}?next=%2Fadmin%2F"
    assert 'src="data:image/svg+xml;base64,' in response.content.decode()


def test_it_lets_staff_in_with_a_password_when_two_factor_is_off(client, settings):
    settings.OTP_REQUIRED = False
    client.force_login(UserFactory(is_staff=True))

    assert client.get("/admin/").status_code == 200
    assert client.get(ADMIN_SETUP).status_code == 404


def test_a_password_alone_does_not_open_the_admin(client, required):
    user = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    _enrolled(user)

    signed_in = client.post(
        "/admin/login/?next=/admin/matching/intake/",
        {"username": "ops@example.com", "password": PASSWORD, "next": "/admin/matching/intake/"},
        follow=True,
    )

    assert "_auth_user_id" in client.session  # the password was right...
    assert signed_in.redirect_chain[-1][0].startswith(ADMIN_VERIFY)  # ...but not enough
    for url in ("/admin/", "/admin/matching/intake/", "/admin/cloudroute/user/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")


@pytest.mark.parametrize("enrolled", [True, False], ids=["verify", "setup"])
def test_the_second_step_shows_no_admin_and_offers_a_way_out(client, required, enrolled):
    """Before the code, the operator is not in the admin: its model list stays hidden."""
    user = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    if enrolled:
        _enrolled(user)
    client.force_login(user)

    page = client.get(ADMIN_VERIFY if enrolled else ADMIN_SETUP).content.decode()

    assert "Intakes" not in page and "nav-sidebar" not in page
    assert f'action="{reverse("logout")}"' in page


def test_the_right_code_opens_the_admin(client, required):
    user = UserFactory(is_staff=True, is_superuser=True)
    device = _enrolled(user)
    client.force_login(user)

    response = client.post(
        ADMIN_VERIFY, {"otp_token": _code(device), "next": "/admin/matching/intake/"}
    )

    assert response.status_code == 302
    assert response.url == "/admin/matching/intake/"
    assert client.get("/admin/").status_code == 200


def test_it_refuses_a_wrong_code(client, required):
    user = UserFactory(is_staff=True)
    device = _enrolled(user)
    client.force_login(user)

    response = client.post(ADMIN_VERIFY, {"otp_token": _code(device, steps_ahead=5)})

    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_it_throttles_codes_after_a_wrong_one(client, required, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    settings.OTP_STATIC_THROTTLE_FACTOR = 60
    user = UserFactory(is_staff=True)
    device = _enrolled(user)
    client.force_login(user)
    client.post(ADMIN_VERIFY, {"otp_token": "000000"})

    # Even the right code waits out django-otp's back-off.
    response = client.post(ADMIN_VERIFY, {"otp_token": _code(device)})

    assert response.status_code == 400
    assert re.search(r"wait \d+ seconds", response.content.decode())
    assert client.get("/admin/").status_code == 302


def test_wrong_codes_count_towards_the_axes_lockout(client, required, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(email="ops@example.com", is_staff=True)
    _enrolled(user)
    client.force_login(user)

    for _ in range(2):
        assert client.post(ADMIN_VERIFY, {"otp_token": "000000"}).status_code == 400
    locked = client.post(ADMIN_VERIFY, {"otp_token": "000000"})

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session  # the half-signed-in session ended
    # And the password is locked out too, for the cool-off.
    again = client.post("/admin/login/", {"username": "ops@example.com", "password": PASSWORD})
    assert again.status_code == 429


@pytest.mark.parametrize(
    ("login_url", "verify_url", "make_user"),
    [
        (
            "/admin/login/",
            ADMIN_VERIFY,
            lambda: UserFactory(email="ops@example.com", is_staff=True),
        ),
        ("/partner/login/", "/partner/2fa/verify/", lambda: _firm_admin(email="ops@example.com")),
    ],
    ids=["admin", "partner"],
)
def test_signing_in_again_between_wrong_codes_does_not_reset_their_count(
    client, required, settings, login_url, verify_url, make_user
):
    """A password sign-in resets the e-mail's axes count (AXES_RESET_ON_SUCCESS): whoever
    has the password must not earn fresh guesses at the code by signing in again."""
    settings.AXES_FAILURE_LIMIT = 3
    _enrolled(make_user())
    credentials = {"username": "ops@example.com", "password": PASSWORD}

    answers = []
    for _ in range(3):
        client.logout()
        signed_in = client.post(login_url, credentials)  # sends user_logged_in
        assert signed_in.status_code == 302
        assert "_auth_user_id" in client.session
        answers.append(client.post(verify_url, {"otp_token": "000000"}).status_code)

    assert answers == [400, 400, 429]
    assert "_auth_user_id" not in client.session
    assert client.post(login_url, credentials).status_code == 429  # the password too


def test_a_right_code_clears_the_count_of_wrong_ones(client, required, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(is_staff=True)
    device = _enrolled(user)
    client.force_login(user)
    for _ in range(2):
        client.post(ADMIN_VERIFY, {"otp_token": "000000"})
    assert client.post(ADMIN_VERIFY, {"otp_token": _code(device)}).status_code == 302
    client.logout()
    client.force_login(user)

    answers = [client.post(ADMIN_VERIFY, {"otp_token": "000000"}).status_code for _ in range(2)]

    assert answers == [400, 400]


def test_wrong_app_codes_leave_the_recovery_codes_usable(client, required, settings):
    """django-otp's back-off is per device: a 6-digit code is only tried on the app, so
    wrong ones do not push the recovery codes into hours of waiting."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    settings.OTP_STATIC_THROTTLE_FACTOR = 60
    user = UserFactory(is_staff=True)
    _enrolled(user, codes=["abcdefgh"])
    client.force_login(user)
    for _ in range(3):
        assert client.post(ADMIN_VERIFY, {"otp_token": "123456"}).status_code == 400

    response = client.post(ADMIN_VERIFY, {"otp_token": "abcdefgh"})

    assert response.status_code == 302
    assert StaticDevice.objects.get(user=user).throttling_failure_count == 0
    assert client.get("/admin/").status_code == 200


def test_wrong_recovery_codes_leave_the_app_usable(client, required, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    settings.OTP_STATIC_THROTTLE_FACTOR = 60
    user = UserFactory(is_staff=True)
    device = _enrolled(user, codes=["abcdefgh"])
    client.force_login(user)
    assert client.post(ADMIN_VERIFY, {"otp_token": "zzzzzzzz"}).status_code == 400

    assert client.post(ADMIN_VERIFY, {"otp_token": _code(device)}).status_code == 302


def test_a_recovery_code_works_once(client, required):
    user = UserFactory(is_staff=True)
    _enrolled(user, codes=["abcdefgh"])
    client.force_login(user)

    assert client.post(ADMIN_VERIFY, {"otp_token": "abcd efgh"}).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.logout()
    client.force_login(user)
    assert client.post(ADMIN_VERIFY, {"otp_token": "abcdefgh"}).status_code == 400
    assert not StaticToken.objects.filter(token="abcdefgh").exists()


def test_it_enrols_an_authenticator_and_shows_ten_recovery_codes_once(client, required):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    client.get(ADMIN_SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    confirmed = client.post(ADMIN_SETUP, {"otp_token": _code(device), "next": "/admin/"})
    shown = client.get(confirmed.url)
    again = client.get(confirmed.url)

    assert confirmed.url == f"{ADMIN_CODES}?next=%2Fadmin%2F"
    codes = set(re.findall(r"<code>([a-z2-7]{8})</code>", shown.content.decode()))
    assert len(codes) == 10
    assert codes == set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    )
    assert not re.findall(r"<code>([a-z2-7]{8})</code>", again.content.decode())
    assert "10 unused recovery codes" in again.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200


def test_setup_refuses_a_wrong_first_code(client, required):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    client.get(ADMIN_SETUP)
    device = TOTPDevice.objects.get(user=user)

    response = client.post(ADMIN_SETUP, {"otp_token": _code(device, steps_ahead=5)})

    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.exists()


def test_the_setup_form_sent_twice_goes_on_to_the_recovery_codes(client, required, monkeypatch):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    client.get(ADMIN_SETUP)
    device = TOTPDevice.objects.get(user=user)
    form = {"otp_token": _code(device), "next": "/admin/"}
    first = client.post(ADMIN_SETUP, form)
    # The second submission raced the first: it found no confirmed device and picked the
    # device to confirm before the first submission committed.
    monkeypatch.setattr(twofactor, "otp_has_device", lambda user: False)
    monkeypatch.setattr(twofactor, "totp_device_for_enrolment", lambda user: device)

    second = client.post(ADMIN_SETUP, form)

    assert second.status_code == 302
    assert second.url == first.url == f"{ADMIN_CODES}?next=%2Fadmin%2F"
    assert (
        len(re.findall(r"<code>([a-z2-7]{8})</code>", client.get(second.url).content.decode()))
        == 10
    )
    assert list(TOTPDevice.objects.filter(user=user).values_list("confirmed", flat=True)) == [True]
    assert not AccessAttempt.objects.exists()  # not a wrong code


def test_setup_confirms_the_device_whose_qr_code_was_scanned(client, required):
    """Two setup pages loaded at once (before the lock) left two new devices: the code
    of either confirms that one, and the other goes."""
    user = UserFactory(is_staff=True)
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    scanned = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    client.force_login(user)

    response = client.post(ADMIN_SETUP, {"otp_token": _code(scanned)})

    assert response.status_code == 302
    assert response.url.startswith(ADMIN_CODES)
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")) == [
        (scanned.pk, True)
    ]


def test_the_setup_page_locks_the_account_while_it_picks_the_device(client, required):
    # So a second setup page loaded at the same time waits and shows the same device.
    user = UserFactory(is_staff=True)
    client.force_login(user)

    with CaptureQueriesContext(connection) as queries:
        client.get(ADMIN_SETUP)
        client.get(ADMIN_SETUP)

    table = user._meta.db_table
    locks = [
        q["sql"] for q in queries if f'FROM "{table}"' in q["sql"] and "FOR UPDATE" in q["sql"]
    ]
    assert len(locks) == 2
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_password_alone_cannot_add_a_second_authenticator(client, required):
    user = UserFactory(is_staff=True)
    _enrolled(user)
    client.force_login(user)

    response = client.get(ADMIN_SETUP)

    assert response.status_code == 302
    assert response.url.startswith(ADMIN_VERIFY)
    assert client.post(ADMIN_SETUP, {"otp_token": "123456"}).url.startswith(ADMIN_VERIFY)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_it_regenerates_the_recovery_codes(client, required):
    user = UserFactory(is_staff=True)
    device = _enrolled(user, codes=["oldcode1"])
    client.force_login(user)
    assert client.get(ADMIN_CODES).url.startswith(ADMIN_VERIFY)  # verified sessions only
    client.post(ADMIN_VERIFY, {"otp_token": _code(device)})

    response = client.post(ADMIN_CODES)

    codes = re.findall(r"<code>([a-z2-7]{8})</code>", response.content.decode())
    assert len(codes) == 10
    assert not StaticToken.objects.filter(token="oldcode1").exists()


def test_the_admin_never_shows_a_devices_key(client, required):
    operator = UserFactory(is_staff=True, is_superuser=True)
    device = _enrolled(operator)
    client.force_login(operator)
    client.post(ADMIN_VERIFY, {"otp_token": _code(device)})

    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert page.status_code == 200
    assert device.key not in page.content.decode()


def _staff_with(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.parametrize("model", ["totpdevice", "staticdevice"])
def test_only_a_superuser_adds_a_second_factor_in_the_admin(client, settings, model):
    """Whoever adds a device to an account (a superuser's too) can pass its code step."""
    settings.OTP_REQUIRED = False  # the admin's permissions, not its sign-in, are under test
    app = {"totpdevice": "otp_totp", "staticdevice": "otp_static"}[model]
    url = reverse(f"admin:{app}_{model}_add")
    victim = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(_staff_with(f"add_{model}", f"view_{model}", "view_user"))
    form = {"user": victim.pk, "name": "planted", "confirmed": "on"}
    if model == "totpdevice":
        form.update(key="3132333435363738393031323334353637383930", step=30, t0=0, digits=6)
        form.update(tolerance=1, drift=0, throttling_failure_count=0)
    else:
        form.update({"token_set-TOTAL_FORMS": 1, "token_set-INITIAL_FORMS": 0})
        form.update({"token_set-0-token": "planted1"})

    assert client.get(url).status_code == 403
    assert client.post(url, form).status_code == 403
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200


def test_only_a_superuser_changes_a_second_factor_in_the_admin(client, settings):
    settings.OTP_REQUIRED = False
    device = _enrolled(UserFactory(is_staff=True, is_superuser=True))
    client.force_login(_staff_with("change_totpdevice", "view_totpdevice"))
    url = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])

    response = client.post(url, {"user": device.user_id, "name": "renamed", "step": 30})

    assert response.status_code == 403
    device.refresh_from_db()
    assert device.name == "app"
    assert "Save" not in client.get(url).content.decode()  # the read-only view of the row


def test_an_operator_with_the_delete_permission_deletes_a_lost_device(client, settings):
    settings.OTP_REQUIRED = False
    device = _enrolled(UserFactory(is_staff=True))
    client.force_login(
        _staff_with(
            "view_totpdevice", "delete_totpdevice", "view_staticdevice", "delete_staticdevice"
        )
    )
    static = StaticDevice.objects.get(user=device.user)

    for url in (
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]),
        reverse("admin:otp_static_staticdevice_delete", args=[static.pk]),
    ):
        assert client.post(url, {"post": "yes"}).status_code == 302

    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()


# --- The partner portal -----------------------------------------------------------------


def test_a_firm_admin_signs_in_with_a_password_then_a_code(client, required):
    user = _firm_admin(email="boss@firm.test")
    device = _enrolled(user)

    signed_in = client.post(
        "/partner/login/", {"username": "boss@firm.test", "password": PASSWORD}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == "/partner/2fa/verify/?next=/partner/"
    assert client.get("/partner/scorecard/").status_code == 302

    verified = client.post(
        "/partner/2fa/verify/", {"otp_token": _code(device), "next": "/partner/"}
    )

    assert verified.url == "/partner/"
    assert client.get("/partner/").status_code == 200


def test_a_firm_admin_without_a_device_is_sent_to_the_setup(client, required):
    client.force_login(_firm_admin())

    response = client.get("/partner/")

    assert response.status_code == 302
    assert response.url == "/partner/2fa/setup/?next=/partner/"
    assert 'src="data:image/svg+xml;base64,' in client.get(response.url).content.decode()


def test_a_plain_member_is_not_asked_for_a_code(client, required):
    client.force_login(PartnerMembershipFactory().user)

    assert client.get("/partner/").status_code == 200
    assert client.get("/partner/2fa/setup/").status_code == 404


def test_a_firm_admin_is_not_asked_when_two_factor_is_off(client, settings):
    settings.OTP_REQUIRED = False
    client.force_login(_firm_admin())

    assert client.get("/partner/").status_code == 200


# --- The API ------------------------------------------------------------------------------

TOKEN_URL = "/api/v1/auth/token/"


def test_the_api_token_needs_the_code_too(api_client, required):
    user = _firm_admin(email="boss@firm.test")
    device = _enrolled(user)
    body = {"email": "boss@firm.test", "password": PASSWORD}

    password_only = api_client.post(TOKEN_URL, body, format="json")
    wrong = api_client.post(TOKEN_URL, {**body, "otp_token": "000000"}, format="json")
    right = api_client.post(TOKEN_URL, {**body, "otp_token": _code(device)}, format="json")

    assert password_only.status_code == 400
    assert "otp_token" in password_only.json()
    assert wrong.status_code == 400
    assert "token" not in wrong.json()
    assert right.status_code == 200
    assert right.json()["token"]


def test_the_api_token_waits_for_the_setup(api_client, required):
    _firm_admin(email="boss@firm.test")

    response = api_client.post(
        TOKEN_URL, {"email": "boss@firm.test", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert "set it up" in response.json()["otp_token"][0]


def test_a_plain_member_gets_a_token_with_a_password(api_client, required):
    PartnerMembershipFactory(user=UserFactory(email="ana@firm.test"))

    response = api_client.post(
        TOKEN_URL, {"email": "ana@firm.test", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200


def test_the_partner_api_stays_token_only(client, required):
    # The API token needs the code (above); the partner API takes nothing else, so a browser
    # session that owes its second factor reads nothing there. (Already true before
    # two-factor sign-in: this guards that no session authentication is added to it.)
    client.force_login(_firm_admin())

    response = client.get("/api/v1/partner/leads/")

    assert response.status_code in (401, 403)
    assert "results" not in response.json()
