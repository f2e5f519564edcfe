"""The public page where a firm applies to join CloudRoute's partner network; operators
review the application in the admin (matching.services.joining)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.pages import form_add_error
from core.throttling import page_rate_limited
from matching.services.joining import join_application_submit

from ..forms import JoinApplicationForm


@require_http_methods(["GET", "POST"])
def partner_apply(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render(request, JoinApplicationForm())
    if page_rate_limited(request, "auth"):
        return render(request, "founders/too_many_requests.html", status=429)
    form = JoinApplicationForm(request.POST)
    if not form.is_valid():
        return _render(request, form, status=400)
    try:
        join_application_submit(values=form.cleaned_data)
    except ApplicationError as exc:
        return _render(request, form, status=exc.status, error=form_add_error(form, exc))
    return redirect("partner-apply-sent")


def partner_apply_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/apply_sent.html")


def _render(request, form, status: int = 200, error: str = "") -> HttpResponse:
    return render(request, "portal/apply.html", {"form": form, "error": error}, status=status)
