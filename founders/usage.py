"""The founder applies what their Bedrock account measured (the dashboard's "measured vs
assumed" card): one POST, one service call (matching.services.workload_calibrate)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from matching import selectors, services


@require_POST
@login_required
def founder_usage_apply(request: HttpRequest) -> HttpResponse:
    """Save the measured values as a new version of the signed-in founder's newest workload
    and re-run its projection; back to the dashboard with what happened."""
    latest = selectors.intakes_for_founder(founder=request.user).first()
    try:
        through = dt.date.fromisoformat(request.POST.get("measured_through", ""))
    except ValueError:
        return _refused(request, "The page sent no valid measured_through date (YYYY-MM-DD).", 400)
    if latest is None:
        return _refused(request, "No such company on your account.", 404)
    try:
        services.workload_calibrate(
            founder=request.user, startup_id=latest.startup_id, measured_through=through
        )
    except ApplicationError as error:
        return _refused(request, error.detail, error.status)
    messages.success(
        request,
        "Saved the measured values as a new version of your workload; your projection is "
        "being updated.",
    )
    return redirect("founder-dashboard")


def _refused(request: HttpRequest, detail: str, status: int) -> HttpResponse:
    return render(
        request,
        "founders/usage_refused.html",
        {"detail": detail, "back": f"{reverse('founder-dashboard')}#measured-usage"},
        status=status,
    )
