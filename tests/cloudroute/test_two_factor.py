"""Two-factor sign-in (django-otp) for operators on /admin/ and firm admins on the portal
and the API token: enrolment, the code step, recovery codes, throttling, OTP_REQUIRED."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def test_a_password_only_session_is_no_side_door_to_the_api(client, required):
    # The partner API takes tokens only (which need the code): a browser session that owes
    # its second factor reads nothing, whatever it was signed in with.
    client.force_login(_firm_admin())

    response = client.get("/api/v1/partner/leads/")

    assert response.status_code in (401, 403)
    assert "results" not in response.json()
