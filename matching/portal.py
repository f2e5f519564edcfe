"""The partner portal: a firm's members sign in, work their leads and read their scorecard.

Server-rendered. Every page is behind `partner_required`, which finds the signed-in user's
firm and puts it on `request.partner`; every lead is read through
`selectors.lead_get_for_partner`, so another firm's lead is a 404, exactly like a missing
one. State changes go through `services.leads` and, for credit applications (read through
`selectors.application_get_for_partner`), `credits.services` (never written here).
"""

from decimal import Decimal
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from credits import selectors as credit_selectors
from credits.models import ApplicationStatus, FiledBy
from credits.services import (
    TRANSITIONS,
    ApplicationInputError,
    ApplicationTransitionError,
    application_create,
    application_precheck,
    application_transition,
)
from workloads.reports import projection_report
from workloads.selectors import workload_projection_latest

from . import selectors
from .models import DeclineReason, Lead, LeadStatus, PartnerAceAccount
from .services.ace import AceUnavailableError, application_file_with_ace
from .services.leads import (
    OTHER_NEEDS_NOTE,
    LeadActionError,
    lead_accept,
    lead_decline,
    lead_note_add,
)

INBOX_PAGE_SIZE = 50
# Set in the session of a signed-in partner, so base.html can show the portal link without
# a query on every page (a reverse OneToOne lookup would add one to the founder's pages).
PARTNER_SESSION_FLAG = "partner_portal"


def partner_required(view):
    """Anonymous: to the partner sign-in. Signed in without a firm (a founder, staff): 404,
    so the portal does not even admit it exists. Else `request.partner` is the user's firm."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("partner-login"))
        partner = selectors.partner_for_user(request.user)
        if partner is None:
            raise Http404("No partner firm for this account.")
        request.partner = partner
        if not request.session.get(PARTNER_SESSION_FLAG):
            request.session[PARTNER_SESSION_FLAG] = True
        return view(request, *args, **kwargs)

    return wrapper


# --- Forms ---------------------------------------------------------------------------


class PartnerAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "not_partner": "This account does not belong to a partner firm. Founders sign in "
        "with the link in their e-mail.",
    }

    def clean_username(self) -> str:
        # Addresses are stored lower-cased (UserManager); accept "Ana@Firm.test" too.
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if selectors.partner_for_user(user) is None:
            raise ValidationError(self.error_messages["not_partner"], code="not_partner")


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason…"), *DeclineReason.choices],
        error_messages={
            "required": "Choose a reason for declining.",
            "invalid_choice": "Choose one of the reasons in the list.",
        },
    )
    note = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Required for "Other"; shared with CloudRoute\'s operators, not the founder.',
    )

    def clean(self):
        cleaned = super().clean()
        # The service refuses it too; checked here so the error sits under the note field.
        if cleaned.get("reason") == DeclineReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", OTHER_NEEDS_NOTE)
        return cleaned


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write something in the note."},
        help_text="Visible to your firm and to CloudRoute's operators, never to the founder.",
    )


class ApplicationCreateForm(forms.Form):
    program = forms.ChoiceField(error_messages={"required": "Choose a credit program."})
    requested_amount = forms.DecimalField(
        label="Requested amount (USD)", max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    target_close_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Partner-filed programs first: those are the ones a firm files itself.
        programs = sorted(
            credit_selectors.programs_current(), key=lambda p: p.filed_by != FiledBy.PARTNER
        )
        self.fields["program"].choices = [("", "Choose a program…")] + [
            (program.code, f"{program.name} (up to ${program.amount_max:,.0f})")
            for program in programs
        ]


class ApplicationTransitionForm(forms.Form):
    to = forms.ChoiceField(label="Move to", error_messages={"required": "Choose the next state."})
    ace_opportunity_id = forms.CharField(
        label="ACE opportunity id", required=False, max_length=40, help_text="To submit: O1234567"
    )
    approved_amount = forms.DecimalField(required=False, max_digits=12, decimal_places=2)
    issued_amount = forms.DecimalField(required=False, max_digits=12, decimal_places=2)
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, application, **kwargs):
        kwargs.setdefault("prefix", f"application-{application.pk}")
        super().__init__(*args, **kwargs)
        self.application = application
        labels = dict(ApplicationStatus.choices)
        self.fields["to"].choices = [
            (state, labels[state])
            for state in ApplicationStatus.values
            if state in TRANSITIONS.get(application.status, ())
        ]


def _add_service_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    """The service's per-field errors under the form's fields (others above the form)."""
    for field, field_errors in errors.items():
        for error in field_errors:
            form.add_error(field if field in form.fields else None, error)


# --- Views ---------------------------------------------------------------------------


class PartnerLoginView(LoginView):
    """E-mail and password. A partner who is already signed in goes straight to the inbox."""

    template_name = "matching/portal/login.html"
    authentication_form = PartnerAuthenticationForm
    next_page = "partner-inbox"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and selectors.partner_for_user(request.user):
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[PARTNER_SESSION_FLAG] = True
        return response


@require_GET
@partner_required
def partner_inbox(request):
    status = request.GET.get("status", "")
    if status not in LeadStatus.values:
        status = ""  # an unknown filter shows every lead rather than an error page
    leads = selectors.lead_inbox_for_partner(partner=request.partner, status=status or None)
    page = Paginator(leads, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(
        selectors.leads_for_partner(partner=request.partner)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    filters = [
        {"value": "", "label": "All", "count": sum(counts.values())},
        *(
            {"value": value, "label": value.capitalize(), "count": counts.get(value, 0)}
            for value in LeadStatus.values
        ),
    ]
    return render(
        request,
        "matching/portal/inbox.html",
        {"partner": request.partner, "page": page, "status": status, "filters": filters},
    )


def _lead_or_404(request, lead_id: int) -> Lead:
    lead = selectors.lead_get_for_partner(partner=request.partner, lead_id=lead_id)
    if lead is None:
        raise Http404("No lead with this id.")
    return lead


def _render_lead(
    request,
    lead: Lead,
    *,
    decline_form: DeclineForm | None = None,
    note_form: NoteForm | None = None,
    create_form: ApplicationCreateForm | None = None,
    transition_form: ApplicationTransitionForm | None = None,
    error: str = "",
    status: int = 200,
):
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
    }
    if lead.status == LeadStatus.ACCEPTED:
        context["applications"] = _applications_for_lead(request, lead, transition_form)
        context["application_form"] = create_form or ApplicationCreateForm()
    if snapshot is not None:
        context["eligibility"] = snapshot.result
        context["checked_at"] = snapshot.created_at
        context["has_competitive"] = any(
            program["verdict"] == "competitive" for program in snapshot.result["programs"]
        )
    return render(request, "matching/portal/lead.html", context, status=status)


def _applications_for_lead(
    request, lead: Lead, transition_form: ApplicationTransitionForm | None
) -> list[dict]:
    """The firm's applications for the lead's startup, each with its move form (the bound
    one that failed, if any) and, for a draft, what the pre-submission check finds."""
    applications = selectors.applications_for_partner(partner=request.partner).filter(
        startup_id=lead.startup_id
    )
    files_with_ace = PartnerAceAccount.objects.filter(
        partner=request.partner, enabled=True
    ).exists()
    rows = []
    for application in applications:
        form = (
            transition_form
            if transition_form and transition_form.application == application
            else None
        )
        rows.append(
            {
                "application": application,
                "problems": application_precheck(application=application)
                if application.status == ApplicationStatus.DRAFT
                else [],
                "form": form or ApplicationTransitionForm(application=application),
                "file_with_ace": files_with_ace and application.status == ApplicationStatus.DRAFT,
            }
        )
    return rows


@require_GET
@partner_required
def partner_lead(request, lead_id: int):
    return _render_lead(request, _lead_or_404(request, lead_id))


@require_POST
@partner_required
def partner_lead_accept(request, lead_id: int):
    lead = _lead_or_404(request, lead_id)
    try:
        lead = lead_accept(lead_id=lead.pk, partner=request.partner, actor=request.user)
    except LeadActionError as exc:
        return _render_lead(request, _lead_or_404(request, lead_id), error=str(exc), status=409)
    messages.success(
        request, f"You accepted {lead.startup.name}. The founder's contact details are below."
    )
    return redirect("partner-lead", lead_id=lead.pk)


@require_POST
@partner_required
def partner_lead_decline(request, lead_id: int):
    lead = _lead_or_404(request, lead_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _render_lead(request, lead, decline_form=form, status=400)
    try:
        lead_decline(
            lead_id=lead.pk,
            partner=request.partner,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except LeadActionError as exc:
        return _render_lead(
            request, _lead_or_404(request, lead_id), decline_form=form, error=str(exc), status=409
        )
    messages.success(request, f"You declined {lead.startup.name}; it moves to another partner.")
    return redirect("partner-inbox")


@require_POST
@partner_required
def partner_lead_note(request, lead_id: int):
    lead = _lead_or_404(request, lead_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_lead(request, lead, note_form=form, status=400)
    try:
        lead_note_add(
            lead_id=lead.pk,
            partner=request.partner,
            actor=request.user,
            body=form.cleaned_data["body"],
        )
    except LeadActionError as exc:
        return _render_lead(request, lead, note_form=form, error=str(exc), status=409)
    messages.success(request, "Note added.")
    return redirect(f"{reverse('partner-lead', args=[lead.pk])}#notes")


@require_POST
@partner_required
def partner_application_create(request, lead_id: int):
    lead = _lead_or_404(request, lead_id)
    form = ApplicationCreateForm(request.POST)
    if lead.status != LeadStatus.ACCEPTED:
        error = "Accept the lead before filing a credit application for it."
        return _render_lead(request, lead, error=error, status=409)
    if not form.is_valid():
        return _render_lead(request, lead, create_form=form, status=400)
    try:
        application = application_create(
            startup_id=lead.startup_id,
            program_code=form.cleaned_data["program"],
            requested_amount=form.cleaned_data["requested_amount"],
            target_close_date=form.cleaned_data["target_close_date"],
            actor=request.user,
        )
    except ApplicationInputError as exc:
        _add_service_errors(form, exc.errors)
        return _render_lead(request, lead, create_form=form, status=400)
    except ApplicationTransitionError as exc:
        return _render_lead(request, lead, create_form=form, error=str(exc), status=409)
    messages.success(request, f"Draft application for {application.program.name} created.")
    return redirect(f"{reverse('partner-lead', args=[lead.pk])}#applications")


@require_POST
@partner_required
def partner_application_transition(request, application_id: int):
    application = selectors.application_get_for_partner(
        partner=request.partner, application_id=application_id
    )
    if application is None:
        raise Http404("No application with this id.")
    lead = _lead_or_404(request, application.lead_id)
    form = ApplicationTransitionForm(request.POST, application=application)
    if not form.is_valid():
        return _render_lead(request, lead, transition_form=form, status=400)
    data = form.cleaned_data
    try:
        application = application_transition(
            application_id=application.pk,
            to=data["to"],
            actor=request.user,
            note=data["note"],
            ace_opportunity_id=data["ace_opportunity_id"] or None,
            approved_amount=data["approved_amount"],
            issued_amount=data["issued_amount"],
            expires_on=data["expires_on"],
        )
    except ApplicationInputError as exc:
        _add_service_errors(form, exc.errors)
        return _render_lead(request, lead, transition_form=form, status=400)
    except ApplicationTransitionError as exc:
        return _render_lead(request, lead, transition_form=form, error=str(exc), status=409)
    messages.success(
        request, f"{application.program.name}: now {application.get_status_display().lower()}."
    )
    return redirect(f"{reverse('partner-lead', args=[lead.pk])}#applications")


@require_POST
@partner_required
def partner_application_file_with_ace(request, application_id: int):
    application = selectors.application_get_for_partner(
        partner=request.partner, application_id=application_id
    )
    if application is None:
        raise Http404("No application with this id.")
    lead = _lead_or_404(request, application.lead_id)
    try:
        application = application_file_with_ace(
            application_id=application.pk, partner=request.partner, actor=request.user
        )
    except ApplicationInputError as exc:
        problems = "; ".join(message for messages in exc.errors.values() for message in messages)
        return _render_lead(request, lead, error=f"Not filed: {problems}", status=400)
    except ApplicationTransitionError as exc:
        return _render_lead(request, lead, error=str(exc), status=409)
    except AceUnavailableError as exc:
        return _render_lead(request, lead, error=str(exc), status=502)
    messages.success(
        request,
        f"{application.program.name}: filed with ACE as {application.ace_opportunity_id} "
        "and submitted.",
    )
    return redirect(f"{reverse('partner-lead', args=[lead.pk])}#applications")


@require_GET
@partner_required
def partner_scorecard(request):
    scorecard = selectors.partner_scorecard(partner=request.partner)
    counts = scorecard["counts"]
    return render(
        request,
        "matching/portal/scorecard.html",
        {
            "partner": request.partner,
            "profile": scorecard["profile"],
            "median_hours_to_accept": scorecard["median_hours_to_accept"],
            "counts": [
                {"value": value, "label": label, "count": counts.get(value, 0)}
                for value, label in LeadStatus.choices
            ],
            "total": sum(counts.values()),
        },
    )
