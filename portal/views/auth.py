"""The partner sign-in page, and resetting a forgotten password (Django's auth views)."""

from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.views import (
    LoginView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy

from matching import selectors
from matching.services.password_reset import partner_password_reset_request

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


class PartnerPasswordResetView(PasswordResetView):
    """Django's reset page; the e-mail goes out from a task that takes the typed address
    (matching.services.password_reset), so the page answers alike, in the same time, for an
    address with a partner account and for any other."""

    template_name = "portal/password_reset.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("partner-password-reset-done")

    def form_valid(self, form):
        partner_password_reset_request(email=form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


class PartnerPasswordResetDoneView(PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PartnerPasswordResetConfirmView(PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("partner-password-reset-complete")


class PartnerPasswordResetCompleteView(PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"
