"""Two-factor sign-in (django-otp) in a real browser, under the enforced production CSP: an
operator enrols an authenticator app on /admin/ (QR code, key, first code, ten recovery
codes), and a firm admin passes the portal's code step with a recovery code that then works
no more. The live server runs in this process, so the `settings` fixture reaches it."""

import base64
import re
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from matching.models import PartnerMembership
from tests.factories import PartnerFactory, PartnerMembershipFactory, UserFactory
from tests.matching.partner_helpers import PASSWORD

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hasher"),
]

ARTIFACTS = Path(__file__).parent / "artifacts"
WRONG_CODE = "That code is not right"
RECOVERY_CODE = "abcdefgh"  # recovery codes are lower-case base32


@pytest.fixture
def two_factor(settings):
    """OTP_REQUIRED on, without django-otp's back-off (a wrong code would otherwise hold up
    the right one), and the production Content-Security-Policy enforced."""
    settings.OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.SECURE_CSP = settings.CLOUDROUTE_CSP
    settings.SECURE_CSP_REPORT_ONLY = {}


@pytest.fixture
def csp_refusals(page: Page) -> list[str]:
    """What Chromium refused under the policy (it logs "... Content Security Policy ...")."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():06d}"


def _wrong_code(device: TOTPDevice) -> str:
    """Six digits the device refuses now (not a code of the steps its tolerance allows)."""
    near = {_code(device, steps) for steps in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 10**6)) if c not in near)


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url)
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit], #login-form input[type=submit]").click()


def test_an_operator_enrols_an_authenticator_and_reaches_the_admin(
    live_server, page: Page, two_factor, csp_refusals
):
    ARTIFACTS.mkdir(exist_ok=True)
    user = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)

    _sign_in(page, f"{live_server.url}/admin/login/?next=/admin/", "ops@example.com")

    page.wait_for_url(re.compile(r"/admin/2fa/setup/\?next=%2Fadmin%2F$"))
    expect(page.locator("h1")).to_have_text("Set up two-factor sign-in")
    qr = page.get_by_role("img", name="QR code of your two-factor key")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"))
    # The SVG decoded and drew (a broken image has no natural size).
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    device = TOTPDevice.objects.get(user=user, confirmed=False)  # made by the setup page
    key = page.locator("#content code")
    assert key.inner_text() == base64.b32encode(device.bin_key).decode().rstrip("=")
    page.screenshot(path=ARTIFACTS / "two-factor-admin-setup.png", full_page=True)
    # A password alone does not open the admin, and a reload keeps the same key.
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_url(re.compile(r"/admin/2fa/setup/"))
    expect(key).to_have_text(base64.b32encode(device.bin_key).decode().rstrip("="))
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert not StaticDevice.objects.filter(user=user).exists()

    page.fill("#id_otp_token", _code(device))
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(re.compile(r"/admin/2fa/recovery-codes/\?next=%2Fadmin%2F$"))
    shown = page.locator("ul.recovery-codes li code").all_inner_texts()
    assert len(shown) == 10
    assert set(shown) == set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    )
    device.refresh_from_db()
    assert device.confirmed
    page.screenshot(path=ARTIFACTS / "two-factor-admin-recovery-codes.png", full_page=True)

    page.get_by_role("link", name="I have saved them, continue").click()

    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("h1")).to_have_text("Site administration")
    # The codes were shown once: the page now only counts them.
    page.goto(f"{live_server.url}/admin/2fa/recovery-codes/")
    expect(page.locator("ul.recovery-codes")).to_have_count(0)
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()
    assert csp_refusals == []


def test_a_firm_admin_signs_in_with_a_recovery_code_that_works_once(
    live_server, page: Page, two_factor, csp_refusals
):
    firm = PartnerFactory(name="Northwind Cloud")
    user = PartnerMembershipFactory(
        partner=firm, user__email="admin@northwind.test", role=PartnerMembership.Role.ADMIN
    ).user
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="Recovery codes")
    StaticToken.objects.create(device=recovery, token=RECOVERY_CODE)
    StaticToken.objects.create(device=recovery, token="spare234")
    field = page.locator("#id_otp_token")
    error = page.locator("#id_otp_token_error")

    _sign_in(page, f"{live_server.url}/partner/login/", "admin@northwind.test")

    page.wait_for_url(re.compile(r"/partner/2fa/verify/\?next=/partner/$"))
    expect(page.locator("h1")).to_have_text("Two-factor sign-in")
    expect(page.get_by_role("link", name="Leads")).to_have_count(0)

    field.fill(_wrong_code(device))
    page.get_by_role("button", name="Verify").click()

    expect(error).to_be_visible()
    expect(error).to_contain_text(WRONG_CODE)
    expect(field).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=ARTIFACTS / "two-factor-partner-wrong-code.png", full_page=True)
    # Refused: the portal still sends the firm admin back to the code step.
    page.goto(f"{live_server.url}/partner/")
    page.wait_for_url(re.compile(r"/partner/2fa/verify/"))

    field.fill(RECOVERY_CODE.upper()[:4] + " " + RECOVERY_CODE.upper()[4:])  # as typed
    page.get_by_role("button", name="Verify").click()

    page.wait_for_url(re.compile(r"/partner/$"))
    expect(page.locator("h1")).to_have_text("Your leads")
    expect(page.get_by_role("link", name="Partner portal")).to_be_visible()
    assert list(recovery.token_set.values_list("token", flat=True)) == ["spare234"]

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    _sign_in(page, f"{live_server.url}/partner/login/", "admin@northwind.test")
    page.wait_for_url(re.compile(r"/partner/2fa/verify/"))
    field.fill(RECOVERY_CODE)
    page.get_by_role("button", name="Verify").click()

    expect(error).to_contain_text(WRONG_CODE)
    page.goto(f"{live_server.url}/partner/")
    page.wait_for_url(re.compile(r"/partner/2fa/verify/"))
    expect(page.locator("h1")).to_have_text("Two-factor sign-in")
    assert csp_refusals == []
