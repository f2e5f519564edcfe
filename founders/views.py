"""The founder's pages: the intake form, the dashboard, changing the answers, billing access
(the e-mailed links are in founders/links.py, the account in founders/account.py).

Views stay thin: a form, one service call or a few selector reads, a template. Which intakes a
request may see is `matching.selectors.intakes_visible`, the founder's access rule."""

import datetime as dt
import json
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from core.errors import ApplicationError
from core.pages import form_add_error
from core.throttling import page_rate_limited
from credits import selectors as credit_selectors
from credits import services as credit_services
from credits.models import BillingAccess
from matching import selectors, services
from matching.signin import confirm_token_make
from workloads import services as workload_services
from workloads.choices import USE_CASE_PRESETS
from workloads.reports import projection_csv
from workloads.selectors import PriceBookMissingError, priced_book_for
from workloads.spend import to_cents

from .dashboard import account_context, dashboard_context, progress, usage_context
from .forms import (
    BillingAccessForm,
    CompanyForm,
    FounderForm,
    LinkRequestForm,
    PeakFactorForm,
    WorkloadEstimateForm,
    WorkloadForm,
)

# Intakes this browser submitted before its founder signed in (see `intake`).
SESSION_INTAKES = "founder_intake_ids"
MAX_SESSION_INTAKES = 20


def _founder_intakes(request: HttpRequest):
    """The intakes this request may see (None: none)."""
    return selectors.intakes_visible(
        user=request.user, session_intake_ids=request.session.get(SESSION_INTAKES)
    )


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "founders/too_many_requests.html", status=429)


@require_http_methods(["GET", "POST"])
def intake(request):
    if request.method == "POST" and page_rate_limited(request, "intake"):
        return too_many_requests(request)
    data = request.POST if request.method == "POST" else None
    company = CompanyForm(data, initial={"country": "US", "aws_paid_plan": True})
    founder = FounderForm(data)
    workload = WorkloadForm(data, initial=WorkloadForm.INITIAL)
    if data is not None and all([company.is_valid(), founder.is_valid(), workload.is_valid()]):
        intake_row, _ = services.intake_submit(
            company=company.cleaned_data,
            founder_name=founder.cleaned_data["name"],
            founder_email=founder.cleaned_data["email"],
            workload=workload.cleaned_data,
        )
        # Nothing proves this browser owns the address: it may see the intake it submitted
        # (kept in its session) until the e-mailed link confirms it; after that, only the
        # address's founder, signed in, sees it.
        request.session[SESSION_INTAKES] = [
            *request.session.get(SESSION_INTAKES, []),
            intake_row.pk,
        ][-MAX_SESSION_INTAKES:]
        user = request.user
        if user.is_authenticated and user.email.lower() == intake_row.email:
            # Signed in as the address's owner: confirm here, without the e-mail round trip.
            return redirect("intake-confirm", token=confirm_token_make(intake=intake_row))
        return redirect("founder-dashboard")
    return render(
        request,
        "founders/intake.html",
        {
            "company_form": company,
            "founder_form": founder,
            "workload_form": workload,
            "presets": USE_CASE_PRESETS,
        },
        status=400 if data is not None else 200,
    )


def _provenance_dates(provenance: dict) -> dict:
    """The book's provenance with its dates as dates, for the template to format."""
    effective_from, refreshed_at = provenance["effective_from"], provenance["refreshed_at"]
    return {
        **provenance,
        "effective_from": dt.date.fromisoformat(effective_from) if effective_from else None,
        "refreshed_at": dt.datetime.fromisoformat(refreshed_at) if refreshed_at else None,
    }


@require_POST
def intake_estimate(request):
    """htmx: the live estimate under the intake form, from the workload fields typed so far."""
    if page_rate_limited(request, "estimate"):
        return too_many_requests(request)
    form = WorkloadEstimateForm(request.POST)
    context = {"form": form, "estimate": None}
    if form.is_bound and not form.is_valid():
        context["error_labels"] = [str(field.label).lower() for field in form if field.errors]
    if form.is_valid():
        try:
            book = priced_book_for()  # one read: the prices and the provenance shown
            estimate = workload_services.workload_estimate(workload=form.instance, book=book)
        except PriceBookMissingError:
            estimate = None
        if estimate is not None:
            first = estimate.months[0] if estimate.months else None
            # Cents exactly as the API gives them; the saving is the difference shown.
            monthly_cost = to_cents(first.cost) if first else Decimal("0.00")
            baseline_cost = to_cents(first.baseline_cost) if first else Decimal("0.00")
            context["estimate"] = {
                "monthly_cost": monthly_cost,
                "baseline_cost": baseline_cost,
                "saving": baseline_cost - monthly_cost,
                "saving_share": (1 - first.cost / first.baseline_cost)
                if first and first.baseline_cost
                else 0.0,
                "per_request_cost": estimate.per_request_cost,
                "warnings": estimate.warnings,
                "price_book": _provenance_dates(book.provenance),
            }
    return render(request, "founders/_live_estimate.html", context)


@require_GET
def founder_dashboard(request):
    visible = _founder_intakes(request)
    if visible is None:
        return redirect_to_login(request.get_full_path())
    intakes = list(visible[:20])
    latest = intakes[0] if intakes else None
    context = {
        "intakes": intakes,
        "latest": latest,
        "founder_name": request.user.get_short_name()
        if request.user.is_authenticated
        else (latest.founder_name.split(" ")[0] if latest else ""),
        "signed_in": request.user.is_authenticated,
    }
    if request.htmx:
        # Only a pending intake polls. Once it is done, reload the whole page so the founder
        # sees the projection (and later the programs), not just a new status badge.
        if latest is not None and not latest.is_pending:
            return HttpResponseClientRefresh()
        if latest is not None:  # pending: no lead or application yet
            context["steps"], context["what_next"] = progress(latest, None, [])
        return render(request, "founders/_intake_status.html", context)
    status = 200
    if latest is not None:
        context.update(dashboard_context(latest))
        # Bound only when the factor is asked for: other query parameters (a newsletter's
        # utm_source) leave the page as it is.
        peak_form = PeakFactorForm(request.GET if "peak" in request.GET else None)
        if peak_form.is_bound and not peak_form.is_valid():
            status = 400  # the page still renders, with the error on the factor's field
        access = None
        if latest.is_confirmed and request.user.is_authenticated:
            # Only the signed-in founder connects their bill: the ExternalId is theirs alone.
            access = credit_selectors.billing_access_for_startup(startup_id=latest.startup_id)
            context.update(_billing_context(access=access))
            context.update(usage_context(latest, access=access))
            if access is not None and access.last_synced_at is not None:
                # Read through that role: only once a sync ran can the account have any.
                context["account_credits"] = credit_selectors.account_credits_for_startup(
                    startup_id=latest.startup_id
                )
        context.update(account_context(latest, peak_form=peak_form, access=access))
        if not latest.is_confirmed:
            context["link_form"] = LinkRequestForm(initial={"email": latest.email})
    return render(request, "founders/dashboard.html", context, status=status)


def _billing_context(*, access: BillingAccess | None, form=None) -> dict:
    """The "connect your AWS bill" card: before the founder starts, a button that makes the
    ExternalId (`founder_billing_access_start`); then the trust policy and the role form."""
    return {
        "billing_card": True,
        "billing_access": access,
        "billing_form": form
        or BillingAccessForm(initial={"role_arn": access.role_arn if access else ""}),
        "cloudroute_aws_account_id": settings.CLOUDROUTE_AWS_ACCOUNT_ID,
        "role_actions": credit_services.ROLE_ACTIONS,
        "role_policy": json.dumps(credit_services.role_permissions_policy(), indent=2),
    }


def _latest_intake_or_404(request: HttpRequest):
    """The signed-in founder's newest confirmed intake (only those are theirs)."""
    latest = selectors.intakes_for_founder(founder=request.user).first()
    if latest is None:
        raise Http404("No startup yet.")
    return latest


@require_POST
@login_required
def founder_billing_access_start(request: HttpRequest) -> HttpResponse:
    """The founder asks to connect the bill: make the billing access of their latest startup
    (its ExternalId, for the role's trust policy). Safe to repeat: the same ExternalId."""
    latest = _latest_intake_or_404(request)
    credit_services.billing_access_get_or_create(startup_id=latest.startup_id)
    return redirect(f"{reverse('founder-dashboard')}#billing-access")


@require_POST
@login_required
def founder_billing_access(request):
    """The role ARN for the signed-in founder's latest startup (never one named in the
    request). A browser that only submitted an intake must sign in first."""
    latest = _latest_intake_or_404(request)
    form = BillingAccessForm(request.POST)
    if form.is_valid():
        try:
            credit_services.billing_access_set(
                startup_id=latest.startup_id,
                role_arn=form.cleaned_data["role_arn"],
                actor=request.user,
            )
        except ValidationError as error:
            for message in error.message_dict.get("role_arn", error.messages):
                form.add_error("role_arn", message)
        else:
            messages.success(
                request,
                "Role saved. Your actual Bedrock spend appears here after the next daily sync.",
            )
            return redirect("founder-dashboard")
    context = {
        "latest": latest,
        **_billing_context(
            access=credit_services.billing_access_get_or_create(startup_id=latest.startup_id),
            form=form,
        ),
    }
    return render(request, "founders/billing_access.html", context, status=400)


@require_GET
def founder_projection_csv(request, projection_id: int | None = None):
    """The month-by-month projection as CSV: the founder's latest, or one of theirs by id."""
    visible = _founder_intakes(request)
    if visible is None:
        return redirect_to_login(request.get_full_path())
    if projection_id is None:
        latest = visible.first()
        projection = selectors.projection_for_intake(intake=latest) if latest else None
        startup = latest.startup if latest else None
    else:
        projection = selectors.projection_get_for_intakes(
            intakes=visible, projection_id=projection_id
        )
        startup = projection.workload.startup if projection else None
    if projection is None or startup is None:  # (no projection, no startup)
        raise Http404("No projection yet.")
    filename = f"cloudroute-projection-{slugify(startup.name) or projection.pk}.csv"
    return HttpResponse(
        projection_csv(projection=projection),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@require_http_methods(["GET", "POST"])
@login_required
def founder_edit(request: HttpRequest) -> HttpResponse:
    """Change the company facts and the workload of the founder's newest startup: a new
    version, checked, estimated and projected again; the partner sees the new workload."""
    latest = _latest_intake_or_404(request)
    data = request.POST if request.method == "POST" else None
    company = CompanyForm(data, instance=latest.startup)
    workload = WorkloadForm(data, instance=latest.workload)
    status = 400 if data else 200
    if data is not None and company.is_valid() and workload.is_valid():
        try:
            services.intake_revise(
                founder=request.user,
                startup_id=latest.startup_id,
                company=company.cleaned_data,
                workload=workload.cleaned_data,
            )
        except ApplicationError as error:
            fields = set(error.fields)
            target = company if fields & set(company.fields) else workload
            if message := form_add_error(target, error):
                target.add_error(None, message)
            status = error.status
            return _edit_page(request, latest, company, workload, status)
        messages.success(
            request,
            "Saved. We are checking your credit programs and projecting your spend again; "
            "this page shows the new figures in a few seconds.",
        )
        return redirect("founder-dashboard")
    return _edit_page(request, latest, company, workload, status)


def _edit_page(request, latest, company, workload, status: int) -> HttpResponse:
    context = {
        "latest": latest,
        "company_form": company,
        "workload_form": workload,
        "presets": USE_CASE_PRESETS,
    }
    return render(request, "founders/edit.html", context, status=status)
