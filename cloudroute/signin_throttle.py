"""The sign-in forms share the API token endpoint's `auth` rate (THROTTLE_AUTH) per client.

django-axes locks one e-mail after five wrong passwords; spraying one password over many
e-mails from one address never trips it. Counting every sign-in POST per client address
(core.throttling.client_ip, the NUM_PROXIES rule) does, whichever e-mails it names, on the
founders' and partners' page and the admin's alike."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.throttling import page_rate_limited

# The URL names of the password forms (the founders' "e-mail me a link" form throttles itself),
# and the partner's reset forms (a reset e-mail per POST; a new password per POST).
SIGN_IN_VIEWS = frozenset(
    {
        "login",
        "partner-login",
        "admin:login",
        "partner-password-reset",
        "partner-password-reset-confirm",
    }
)


class SignInThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in SIGN_IN_VIEWS:
            return None
        if not page_rate_limited(request, "auth"):
            return None
        response = render(request, "founders/too_many_requests.html", status=429)
        response["Retry-After"] = "60"
        return response
