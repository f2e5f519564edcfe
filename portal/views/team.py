"""The firm's team: members and open invitations (every member sees them), inviting and
removing (admins only), accepting an invitation (the e-mailed link, no sign-in), and giving a
lead to a teammate (any member). Changes go through matching.services.team."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.pages import form_add_error
from matching import selectors
from matching.services import (
    invitation_accept,
    invitation_for_token,
    invitation_revoke,
    lead_owner_set,
    member_remove,
    partner_invite,
    partner_is_admin,
)

from ..decorators import PARTNER_SESSION_FLAG, PartnerHttpRequest, partner_required
from ..forms import InvitationAcceptForm, InviteForm, LeadOwnerForm
from .leads import lead_for_request, render_lead, render_lead_error


@require_GET
@partner_required
def partner_team(request: PartnerHttpRequest) -> HttpResponse:
    return _render_team(request, InviteForm())


def _render_team(request: PartnerHttpRequest, form, status: int = 200) -> HttpResponse:
    return render(
        request,
        "portal/team.html",
        {
            "partner": request.partner,
            "members": selectors.team_members(partner=request.partner),
            "invitations": selectors.team_invitations_open(partner=request.partner),
            "is_admin": partner_is_admin(partner=request.partner, user=request.user),
            "invite_form": form,
        },
        status=status,
    )


@require_POST
@partner_required
def partner_team_invite(request: PartnerHttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if not partner_is_admin(partner=request.partner, user=request.user):
        messages.error(request, "Only your firm's admins invite people.")
        return _render_team(request, form, status=403)
    if not form.is_valid():
        return _render_team(request, form, status=400)
    try:
        invitation = partner_invite(
            partner=request.partner,
            actor=request.user,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
    except ApplicationError as exc:
        if message := form_add_error(form, exc):
            form.add_error(None, message)
        return _render_team(request, form, status=exc.status)
    messages.success(request, f"Invitation e-mailed to {invitation.email}.")
    return redirect("partner-team")


@require_POST
@partner_required
def partner_team_remove(request: PartnerHttpRequest, membership_id: int) -> HttpResponse:
    try:
        member_remove(partner=request.partner, actor=request.user, membership_id=membership_id)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        return _render_team(request, InviteForm(), status=exc.status)
    messages.success(request, "Removed from the team.")
    return redirect("partner-team")


@require_POST
@partner_required
def partner_team_revoke(request: PartnerHttpRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation_revoke(partner=request.partner, actor=request.user, invitation_id=invitation_id)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        return _render_team(request, InviteForm(), status=exc.status)
    messages.success(request, "Invitation withdrawn.")
    return redirect("partner-team")


@require_http_methods(["GET", "POST"])
def partner_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person's page: no sign-in, the link is the credential."""
    invitation = invitation_for_token(token)
    if invitation is None:  # like a bad sign-in link: a 400 page that says what to do
        return render(request, "portal/invitation_invalid.html", status=400)
    form = InvitationAcceptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = invitation_accept(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
            except ApplicationError as exc:
                if message := form_add_error(form, exc):
                    form.add_error(None, message)
                status = exc.status
            else:
                login(request, user, backend="cloudroute.auth.AccountBackend")
                request.session[PARTNER_SESSION_FLAG] = True
                messages.success(request, f"Welcome to {invitation.partner.name}'s team.")
                return redirect("partner-inbox")
        else:
            status = 400
    return render(
        request,
        "portal/invitation.html",
        {"invitation": invitation, "form": form},
        status=status,
    )


@require_POST
@partner_required
def partner_lead_owner(request: PartnerHttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for_request(request, lead_id)
    form = LeadOwnerForm(request.POST, partner=request.partner)
    if not form.is_valid():
        return render_lead(request, lead, owner_form=form, status=400)
    owner = form.cleaned_data["owner"]
    try:
        lead_owner_set(
            partner=request.partner,
            actor=request.user,
            lead_id=lead.pk,
            owner_id=int(owner) if owner else None,
        )
    except ApplicationError as exc:
        return render_lead_error(request, lead, exc, form_name="owner_form", form=form)
    messages.success(request, "Owner saved.")
    return redirect(reverse("partner-lead", args=[lead.pk]))
