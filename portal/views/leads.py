"""The firm's inbox and lead page: accept, decline, notes.

Every lead is read through `matching.selectors.lead_for_partner_or_404`, so another firm's
lead is a 404, exactly like a missing one. State changes go through `matching.services`; a
refused one (an `ApplicationError`) re-renders the lead page with the error and its status.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from core.pages import form_add_error
from credits import selectors as credit_selectors
from credits.models import ApplicationStatus
from credits.services import application_precheck
from matching import selectors
from matching.models import Lead, LeadStatus
from matching.services import (
    lead_accept,
    lead_decline,
    lead_note_add,
    precheck_fix_initial,
    precheck_fixable_fields,
)
from workloads.reports import projection_report
from workloads.selectors import PriceBookMissingError, workload_projection_latest
from workloads.throughput import DEFAULT_PEAK_FACTOR

from ..decorators import PartnerHttpRequest, partner_required
from ..forms import (
    ApplicationCreateForm,
    ApplicationTransitionForm,
    DeclineForm,
    LeadOwnerForm,
    NoteForm,
    PrecheckFixForm,
)

INBOX_PAGE_SIZE = 50


@require_GET
@partner_required
def partner_inbox(request: PartnerHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in LeadStatus.values:
        status = ""  # an unknown filter shows every lead rather than an error page
    mine = request.GET.get("owner") == "mine"
    leads = selectors.lead_inbox_for_partner(
        partner=request.partner,
        status=status or None,
        owner_id=request.user.pk if mine else None,
    )
    page = Paginator(leads, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.lead_counts_for_partner(partner=request.partner)
    filters = [
        {"value": "", "label": "All", "count": sum(counts.values())},
        *(
            {"value": value, "label": value.capitalize(), "count": counts.get(value, 0)}
            for value in LeadStatus.values
        ),
    ]
    return render(
        request,
        "portal/inbox.html",
        {
            "partner": request.partner,
            "page": page,
            "status": status,
            "filters": filters,
            "mine": mine,
        },
    )


def lead_for_request(request: PartnerHttpRequest, lead_id: int) -> Lead:
    return selectors.lead_for_partner_or_404(partner=request.partner, lead_id=lead_id)


def render_lead(
    request: PartnerHttpRequest,
    lead: Lead,
    *,
    decline_form: DeclineForm | None = None,
    note_form: NoteForm | None = None,
    create_form: ApplicationCreateForm | None = None,
    transition_form: ApplicationTransitionForm | None = None,
    fix_form: PrecheckFixForm | None = None,
    owner_form: LeadOwnerForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The lead page; the bound form that failed (if any) and the error above the forms."""
    snapshot = credit_selectors.snapshot_latest(startup_id=lead.startup_id)
    projection = workload_projection_latest(workload_id=lead.workload_id)
    context = {
        "partner": request.partner,
        "lead": lead,
        "workload": lead.workload,
        "notes": list(lead.notes.select_related("author")),
        "decline_form": decline_form or DeclineForm(),
        "note_form": note_form or NoteForm(),
        "error": error,
        "report": projection_report(projection=projection) if projection else None,
        "throughput": _throughput(lead),
        "peak_factor": DEFAULT_PEAK_FACTOR,
        "owner_form": owner_form
        or LeadOwnerForm(partner=request.partner, initial={"owner": lead.owner_id or ""}),
    }
    if lead.status == LeadStatus.ACCEPTED:
        context["applications"] = _applications_for_lead(request, lead, transition_form, fix_form)
        context["application_form"] = create_form or ApplicationCreateForm()
    if snapshot is not None:
        context["eligibility"] = snapshot.result
        context["checked_at"] = snapshot.created_at
        context["has_competitive"] = any(
            program["verdict"] == "competitive" for program in snapshot.result["programs"]
        )
    return render(request, "portal/lead.html", context, status=status)


def _throughput(lead: Lead) -> list[dict]:
    """The lead's quota check (the same card as the founder's); none without a price book."""
    try:
        loads = credit_selectors.throughput_for_startup(workload=lead.workload)
    except PriceBookMissingError:
        return []
    return [load.as_dict() for load in loads]


def render_lead_error(
    request: PartnerHttpRequest,
    lead: Lead,
    error: ApplicationError,
    *,
    form_name: str | None = None,
    form=None,
) -> HttpResponse:
    """The lead page after a service refused a change: the error on `form` (passed back to
    the page as `form_name`) or above the forms, with the error's status."""
    message = form_add_error(form, error)
    forms = {form_name: form} if form_name else {}
    return render_lead(request, lead, error=message, status=error.status, **forms)


def _applications_for_lead(
    request: PartnerHttpRequest,
    lead: Lead,
    transition_form: ApplicationTransitionForm | None,
    fix_form: PrecheckFixForm | None,
) -> list[dict]:
    """The firm's applications for the lead's startup, each with its move form (the bound
    one that failed, if any) and, for a draft, what the pre-submission check finds with the
    form that fixes it."""
    applications = selectors.applications_for_partner(partner=request.partner).filter(
        startup_id=lead.startup_id
    )
    files_with_ace = selectors.partner_files_with_ace(partner=request.partner)
    rows = []
    for application in applications:
        form = (
            transition_form
            if transition_form and transition_form.application == application
            else None
        )
        draft = application.status == ApplicationStatus.DRAFT
        problems = application_precheck(application=application) if draft else []
        fix = fix_form if fix_form and fix_form.application == application else None
        if fix is None and problems:
            fixable = precheck_fixable_fields(application=application, problems=problems)
            initial = precheck_fix_initial(application=application, fields=fixable)
            fix = (
                PrecheckFixForm(application=application, fields=fixable, initial=initial)
                if fixable
                else None
            )
        rows.append(
            {
                "application": application,
                "problems": problems,
                "fix_form": fix,
                "form": form or ApplicationTransitionForm(application=application),
                "file_with_ace": files_with_ace and draft,
            }
        )
    return rows


@require_GET
@partner_required
def partner_lead(request: PartnerHttpRequest, lead_id: int) -> HttpResponse:
    return render_lead(request, lead_for_request(request, lead_id))


@require_POST
@partner_required
def partner_lead_accept(request: PartnerHttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for_request(request, lead_id)
    try:
        lead = lead_accept(lead_id=lead.pk, partner=request.partner, actor=request.user)
    except ApplicationError as exc:
        return render_lead_error(request, lead_for_request(request, lead_id), exc)
    messages.success(
        request, f"You accepted {lead.startup.name}. The founder's contact details are below."
    )
    return redirect("partner-lead", lead_id=lead.pk)


@require_POST
@partner_required
def partner_lead_decline(request: PartnerHttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for_request(request, lead_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return render_lead(request, lead, decline_form=form, status=400)
    try:
        lead_decline(
            lead_id=lead.pk,
            partner=request.partner,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as exc:
        lead = lead_for_request(request, lead_id)
        return render_lead_error(request, lead, exc, form_name="decline_form", form=form)
    messages.success(request, f"You declined {lead.startup.name}; it moves to another partner.")
    return redirect("partner-inbox")


@require_POST
@partner_required
def partner_lead_note(request: PartnerHttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for_request(request, lead_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return render_lead(request, lead, note_form=form, status=400)
    try:
        lead_note_add(
            lead_id=lead.pk,
            partner=request.partner,
            actor=request.user,
            body=form.cleaned_data["body"],
        )
    except ApplicationError as exc:
        return render_lead_error(request, lead, exc, form_name="note_form", form=form)
    messages.success(request, "Note added.")
    return redirect(f"{reverse('partner-lead', args=[lead.pk])}#notes")
