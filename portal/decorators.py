"""The portal's guard: who is a partner user, and the firm on the request."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.urls import reverse

from matching import selectors, twofactor
from matching.models import Partner

# Set in the session of a signed-in partner, so base.html can show the portal link without
# a query on every page (a reverse OneToOne lookup would add one to the founder's pages).
PARTNER_SESSION_FLAG = "partner_portal"


class PartnerHttpRequest(HttpRequest):
    """A request past `partner_required`: `partner` is the signed-in user's firm. For type
    checkers only (healthchecks' ApiRequest): the decorator sets the attribute."""

    partner: Partner


def partner_required(view):
    """Anonymous: to the partner sign-in. Signed in without a firm (a founder, staff): 404,
    so the portal does not even admit it exists. A firm admin who still owes the second
    sign-in step (OTP_REQUIRED): to that step. Else `request.partner` is the user's firm."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("partner-login"))
        partner = selectors.partner_for_user(request.user)
        if partner is None:
            raise Http404("No partner firm for this account.")
        if twofactor.otp_pending(request.user):
            # A firm admin signed in with a password only: the code step first (or setup).
            step = "verify" if twofactor.otp_has_device(request.user) else "setup"
            return redirect_to_login(request.get_full_path(), reverse(f"partner-2fa-{step}"))
        request.partner = partner
        if not request.session.get(PARTNER_SESSION_FLAG):
            request.session[PARTNER_SESSION_FLAG] = True
        return view(request, *args, **kwargs)

    return wrapper
