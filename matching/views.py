"""The founder's pages: the intake form, the sign-in link and the dashboard."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from workloads import services as workload_services
from workloads.choices import USE_CASE_PRESETS
from workloads.selectors import PriceBookMissingError

from . import selectors, services
from .forms import CompanyForm, FounderForm, WorkloadEstimateForm, WorkloadForm
from .signin import signin_token_user

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_http_methods(["GET", "POST"])
def intake(request):
    data = request.POST if request.method == "POST" else None
    company = CompanyForm(data, initial={"country": "US", "aws_paid_plan": True})
    founder = FounderForm(data)
    workload = WorkloadForm(data, initial=WorkloadForm.INITIAL)
    if data is not None and all([company.is_valid(), founder.is_valid(), workload.is_valid()]):
        # The e-mailed sign-in link is signed with the founder's last_login, which login()
        # changes: sign a new founder in before commit, so the e-mail task (run on commit)
        # signs the link with the new stamp instead of one that is already stale.
        with transaction.atomic():
            intake_row, _, created = services.intake_submit(
                company=company.cleaned_data,
                founder_name=founder.cleaned_data["name"],
                founder_email=founder.cleaned_data["email"],
                workload=workload.cleaned_data,
            )
            if created:
                login(request, intake_row.founder, backend=MODEL_BACKEND)
        if created:
            return redirect("founder-dashboard")
        if request.user.pk == intake_row.founder_id:
            return redirect("founder-dashboard")
        # An existing account: only its owner may open it, through the e-mailed link.
        return render(request, "matching/check_email.html", {"email": intake_row.founder.email})
    return render(
        request,
        "matching/intake.html",
        {
            "company_form": company,
            "founder_form": founder,
            "workload_form": workload,
            "presets": USE_CASE_PRESETS,
        },
        status=400 if data is not None else 200,
    )


@require_POST
def intake_estimate(request):
    """htmx: the live estimate under the intake form, from the workload fields typed so far."""
    form = WorkloadEstimateForm(request.POST)
    context = {"form": form, "estimate": None}
    if form.is_valid():
        try:
            estimate = workload_services.workload_estimate(workload=form.instance)
        except PriceBookMissingError:
            estimate = None
        if estimate is not None:
            first = estimate.months[0] if estimate.months else None
            context["estimate"] = {
                "monthly_cost": first.cost if first else 0.0,
                "baseline_cost": first.baseline_cost if first else 0.0,
                "saving": (first.baseline_cost - first.cost) if first else 0.0,
                "saving_share": (1 - first.cost / first.baseline_cost)
                if first and first.baseline_cost
                else 0.0,
                "per_request_cost": estimate.per_request_cost,
                "warnings": estimate.warnings,
            }
    return render(request, "matching/_live_estimate.html", context)


@require_GET
def signin_link(request, token: str):
    user = signin_token_user(token)
    if user is None:
        messages.error(request, "That sign-in link has expired or was already used.")
        return render(request, "matching/signin_invalid.html", status=400)
    login(request, user, backend=MODEL_BACKEND)
    return redirect("founder-dashboard")


@login_required
@require_GET
def founder_dashboard(request):
    intakes = list(selectors.intakes_for_founder(founder=request.user)[:20])
    context = {"intakes": intakes, "latest": intakes[0] if intakes else None}
    template = "matching/_intake_status.html" if request.htmx else "matching/dashboard.html"
    return render(request, template, context)
