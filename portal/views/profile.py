"""The firm's profile: what routing filters on and what its ACE filings say about it. Every
member reads it; only the firm's admins change it (matching.services.partner_profile)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.pages import form_add_error
from matching import selectors
from matching.services import partner_is_admin, partner_profile_update

from ..decorators import PartnerHttpRequest, partner_required
from ..forms import PartnerProfileForm


@require_http_methods(["GET", "POST"])
@partner_required
def partner_profile(request: PartnerHttpRequest) -> HttpResponse:
    partner = request.partner
    account = selectors.partner_ace_account(partner=partner)
    is_admin = partner_is_admin(partner=partner, user=request.user)
    if request.method == "GET":
        form = PartnerProfileForm(partner=partner, account=account, editable=is_admin)
        return _render(request, form, is_admin)
    form = PartnerProfileForm(request.POST, partner=partner, account=account, editable=is_admin)
    if not is_admin:
        return _render(request, form, is_admin, status=403)
    if not form.is_valid():
        return _render(request, form, is_admin, status=400)
    try:
        partner_profile_update(partner=partner, actor=request.user, values=form.cleaned_data)
    except ApplicationError as exc:
        error = form_add_error(form, exc)
        return _render(request, form, is_admin, status=exc.status, error=error)
    messages.success(request, "Profile saved. The next lead is routed with it.")
    return redirect("partner-profile")


def _render(request, form, is_admin: bool, status: int = 200, error: str = "") -> HttpResponse:
    return render(
        request,
        "portal/profile.html",
        {"partner": request.partner, "form": form, "is_admin": is_admin, "error": error},
        status=status,
    )
