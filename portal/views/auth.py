"""The partner sign-in page, and resetting a forgotten password (Django's auth views)."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.views import (
    LoginView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse_lazy

from matching import selectors
from matching.models import PartnerMembership

from ..decorators import PARTNER_SESSION_FLAG
from ..forms import PartnerAuthenticationForm


class PartnerLoginView(LoginView):
    """E-mail and password. A partner who is already signed in goes straight to the inbox."""

    template_name = "portal/login.html"
    authentication_form = PartnerAuthenticationForm
    next_page = "partner-inbox"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.user.is_authenticated and selectors.partner_for_user(request.user):
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:  # a PartnerAuthenticationForm
        response = super().form_valid(form)
        self.request.session[PARTNER_SESSION_FLAG] = True
        return response


class PartnerPasswordResetForm(PasswordResetForm):
    """Django's reset form, for partner firms' users only: a founder signs in by e-mailed
    link and has no password, and operators reset theirs with an administrator. An unknown
    address gets the same answer as a known one (no account enumeration)."""

    def get_users(self, email):
        return (
            user
            for user in super().get_users(email)
            if PartnerMembership.objects.filter(user_id=user.pk).exists()
        )


class PartnerPasswordResetView(PasswordResetView):
    template_name = "portal/password_reset.html"
    form_class = PartnerPasswordResetForm
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    success_url = reverse_lazy("partner-password-reset-done")

    @property
    def extra_email_context(self):  # type: ignore[override]
        # The link's base is SITE_URL, as in every other e-mail, never the request's Host.
        return {"site_url": settings.SITE_URL.rstrip("/")}


class PartnerPasswordResetDoneView(PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PartnerPasswordResetConfirmView(PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("partner-password-reset-complete")


class PartnerPasswordResetCompleteView(PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"
