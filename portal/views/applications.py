"""A firm's credit applications on the lead page: start a draft, move it, file it with ACE.

Applications are read through `matching.selectors.application_for_partner_or_404` (another
firm's is a 404) and changed only through the services; a refused change re-renders the lead
page with the error on the form that sent it.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, InvalidInputError
from credits.models import ApplicationStatus
from credits.services import application_transition
from matching import selectors
from matching.services import (
    application_file_with_ace,
    application_precheck_fix,
    application_start,
    lead_require_accepted,
    precheck_fixable_fields,
)

from ..decorators import PartnerHttpRequest, partner_required
from ..forms import ApplicationCreateForm, ApplicationTransitionForm, PrecheckFixForm
from .leads import lead_for_request, render_lead, render_lead_error


def _applications_anchor(lead_id: int) -> str:
    return f"{reverse('partner-lead', args=[lead_id])}#applications"


@require_POST
@partner_required
def partner_application_create(request: PartnerHttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for_request(request, lead_id)
    try:
        lead_require_accepted(lead=lead)  # before the form: it is drawn for accepted leads only
    except ApplicationError as exc:
        return render_lead_error(request, lead, exc)
    form = ApplicationCreateForm(request.POST)
    if not form.is_valid():
        return render_lead(request, lead, create_form=form, status=400)
    try:
        application = application_start(
            partner=request.partner,
            lead=lead,
            program_code=form.cleaned_data["program"],
            requested_amount=form.cleaned_data["requested_amount"],
            target_close_date=form.cleaned_data["target_close_date"],
            actor=request.user,
        )
    except ApplicationError as exc:
        return render_lead_error(request, lead, exc, form_name="create_form", form=form)
    messages.success(request, f"Draft application for {application.program.name} created.")
    return redirect(_applications_anchor(lead.pk))


@require_POST
@partner_required
def partner_application_transition(
    request: PartnerHttpRequest, application_id: int
) -> HttpResponse:
    application = selectors.application_for_partner_or_404(
        partner=request.partner, application_id=application_id
    )
    lead = lead_for_request(request, application.lead_id)
    form = ApplicationTransitionForm(request.POST, application=application)
    if not form.is_valid():
        return render_lead(request, lead, transition_form=form, status=400)
    data = form.cleaned_data
    try:
        moved = application_transition(
            application_id=application.pk,
            to=data["to"],
            actor=request.user,
            note=data["note"],
            ace_opportunity_id=data["ace_opportunity_id"] or None,
            approved_amount=data["approved_amount"],
            issued_amount=data["issued_amount"],
            expires_on=data["expires_on"],
        )
    except ApplicationError as exc:
        return render_lead_error(request, lead, exc, form_name="transition_form", form=form)
    messages.success(request, f"{moved.program.name}: now {moved.get_status_display().lower()}.")
    return redirect(_applications_anchor(lead.pk))


@require_POST
@partner_required
def partner_application_file_with_ace(
    request: PartnerHttpRequest, application_id: int
) -> HttpResponse:
    application = selectors.application_for_partner_or_404(
        partner=request.partner, application_id=application_id
    )
    lead = lead_for_request(request, application.lead_id)
    try:
        filed = application_file_with_ace(
            application_id=application.pk, partner=request.partner, actor=request.user
        )
    except ApplicationError as exc:
        # No form here: what the check or ACE refused is listed above the applications.
        prefix = "Not filed: " if isinstance(exc, InvalidInputError) else ""
        return render_lead(request, lead, error=f"{prefix}{exc.detail}", status=exc.status)
    if filed.status == ApplicationStatus.SUBMITTED:
        text = f"{filed.program.name}: filed with ACE as {filed.ace_opportunity_id} and submitted."
    else:
        text = (
            f"{filed.program.name}: filed with ACE as {filed.ace_opportunity_id}; ACE is "
            "starting the engagement, and the application moves to submitted when it is done."
        )
    messages.success(request, text)
    return redirect(_applications_anchor(lead.pk))


@require_POST
@partner_required
def partner_application_precheck_fix(
    request: PartnerHttpRequest, application_id: int
) -> HttpResponse:
    """Save what the firm corrected of the fields the pre-submission check names."""
    application = selectors.application_for_partner_or_404(
        partner=request.partner, application_id=application_id
    )
    lead = lead_for_request(request, application.lead_id)
    form = PrecheckFixForm(
        request.POST,
        application=application,
        fields=precheck_fixable_fields(application=application),
    )
    if not form.is_valid():
        return render_lead(request, lead, fix_form=form, status=400)
    try:
        application_precheck_fix(
            application_id=application.pk,
            partner=request.partner,
            actor=request.user,
            values=form.cleaned_data,
        )
    except ApplicationError as exc:
        return render_lead_error(request, lead, exc, form_name="fix_form", form=form)
    messages.success(request, "Saved. The founder sees what you changed in the timeline.")
    return redirect(_applications_anchor(lead.pk))
