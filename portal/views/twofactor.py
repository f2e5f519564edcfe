"""The second sign-in step (matching/twofactor.py): set up an authenticator app, type its
code after the password, recovery codes. Firm admins use them under /partner/2fa/; the
operators' admin (cloudroute/admin_site.py) serves the same views with its own templates
and URL names, so each class names its templates and the URLs it sends to."""

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache

from matching import twofactor

from ..forms import OtpTokenForm

# The recovery codes made at enrolment, kept in the session only until the page shows them.
NEW_CODES_SESSION_KEY = "otp_new_recovery_codes"
WRONG_CODE = "That code is not right. Type the 6 digits your app shows now, or a recovery code."
WAIT = "Too many wrong codes: wait {seconds} seconds, then try again."


@method_decorator(never_cache, name="dispatch")
class TwoFactorView(View):
    """Only for a signed-in account that must use a second factor (others: 404)."""

    login_url_name = "partner-login"
    verify_url_name = "partner-2fa-verify"
    setup_url_name = "partner-2fa-setup"
    codes_url_name = "partner-2fa-recovery-codes"
    done_url_name = "partner-inbox"
    template_name = ""

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(self.login_url_name))
        if not twofactor.otp_required_for(request.user):
            raise Http404("This account does not use two-factor sign-in.")
        return super().dispatch(request, *args, **kwargs)

    def context(self, request: HttpRequest) -> dict:
        """What the templates of this front end need besides the view's own context."""
        return {}

    def render(self, request: HttpRequest, status: int = 200, **context) -> HttpResponse:
        context = {**self.context(request), "next": self.next_url(request), **context}
        return render(request, self.template_name, context, status=status)

    def next_url(self, request: HttpRequest) -> str:
        candidate = request.POST.get("next") or request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return candidate if safe else reverse(self.done_url_name)

    def redirect(self, request: HttpRequest, url_name: str) -> HttpResponseRedirect:
        """To another step, carrying `next` along."""
        query = urlencode({"next": self.next_url(request)})
        return HttpResponseRedirect(f"{reverse(url_name)}?{query}")


class TwoFactorVerifyView(TwoFactorView):
    """After the password: a code from the app, or a recovery code (used up)."""

    template_name = "portal/twofactor_verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not twofactor.otp_pending(request.user):
            return HttpResponseRedirect(self.next_url(request))
        if not twofactor.otp_has_device(request.user):
            return self.redirect(request, self.setup_url_name)
        return self.render(request, form=OtpTokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if not twofactor.otp_has_device(request.user):
            return self.redirect(request, self.setup_url_name)
        if twofactor.otp_locked_out(request=request):
            return _end_session(request)
        form = OtpTokenForm(request.POST)
        if form.is_valid():
            result = twofactor.otp_verify(request=request, token=form.cleaned_data["otp_token"])
            if result.device is not None:
                return HttpResponseRedirect(self.next_url(request))
            if twofactor.otp_locked_out(request=request):
                return _end_session(request)
            message = WAIT.format(seconds=result.wait_seconds) if result.wait_seconds else None
            form.add_error("otp_token", message or WRONG_CODE)
        return self.render(request, status=400, form=form)


class TwoFactorSetupView(TwoFactorView):
    """First time: scan the QR code (or type the key), confirm with a first code."""

    template_name = "portal/twofactor_setup.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if twofactor.otp_has_device(request.user):
            return self._already_set_up(request)
        return self._render_setup(request, OtpTokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if twofactor.otp_has_device(request.user):
            return self._already_set_up(request)
        if twofactor.otp_locked_out(request=request):
            return _end_session(request)
        form = OtpTokenForm(request.POST)
        if form.is_valid():
            result = twofactor.totp_confirm(request=request, token=form.cleaned_data["otp_token"])
            if result.already_set_up:
                # The form sent twice: the first submission confirmed the device and keeps
                # the new codes for the next step, which asks for a code if this session
                # has not passed one.
                return self.redirect(request, self.codes_url_name)
            if result.codes is not None:
                request.session[NEW_CODES_SESSION_KEY] = result.codes
                return self.redirect(request, self.codes_url_name)
            if twofactor.otp_locked_out(request=request):
                return _end_session(request)
            form.add_error("otp_token", WRONG_CODE)
        return self._render_setup(request, form, status=400)

    def _already_set_up(self, request: HttpRequest) -> HttpResponse:
        # A password alone never adds a device: an account with one proves it first.
        if twofactor.otp_pending(request.user):
            return self.redirect(request, self.verify_url_name)
        return self.redirect(request, self.codes_url_name)

    def _render_setup(self, request: HttpRequest, form, status: int = 200) -> HttpResponse:
        device = twofactor.totp_device_for_enrolment(user=request.user)
        return self.render(
            request, status=status, form=form, setup=twofactor.totp_setup(device=device)
        )


class TwoFactorRecoveryCodesView(TwoFactorView):
    """New codes shown once (after enrolment, or on demand); otherwise how many are left."""

    template_name = "portal/twofactor_recovery_codes.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated and twofactor.otp_pending(request.user):
            return self.redirect(request, self.verify_url_name)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
        return self._render_codes(request, codes)

    def post(self, request: HttpRequest) -> HttpResponse:
        codes = twofactor.recovery_codes_regenerate(user=request.user)
        return self._render_codes(request, codes)

    def _render_codes(self, request: HttpRequest, codes: list[str] | None) -> HttpResponse:
        left = twofactor.recovery_codes_left(user=request.user)
        return self.render(request, codes=codes, codes_left=left)


def _end_session(request: HttpRequest) -> HttpResponse:
    """django-axes locked the account out: sign the half-signed-in session out; the
    middleware answers with its lockout page."""
    logout(request)
    request.axes_locked_out = True  # type: ignore[attr-defined]
    return HttpResponse(status=429)
