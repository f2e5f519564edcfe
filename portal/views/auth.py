"""The partner sign-in page."""

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect

from matching import selectors

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
