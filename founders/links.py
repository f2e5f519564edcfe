"""The e-mailed links: confirm an intake, sign in, ask for a new link.

A link opens a page with one button; only that POST spends it, so a mail scanner that
follows the link (a GET) changes nothing and no page signs a browser in by a GET (login
CSRF). Asking for a new link answers the same whatever the address, and only enqueues the
e-mail: whether the address has an account is looked up in the task, not in the request.
"""

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.pages import form_add_error
from core.throttling import page_rate_limited
from matching import selectors, services
from matching.signin import confirm_token_intake_id, signin_token_user

from .forms import ConfirmForm, LinkRequestForm
from .views import SESSION_INTAKES, too_many_requests


def _invalid_link(request: HttpRequest, *, status: int = 400) -> HttpResponse:
    return render(request, "founders/link_invalid.html", {"form": LinkRequestForm()}, status=status)


@require_http_methods(["GET", "POST"])
def intake_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the page with the button (and, when the address already has companies, which one
    this intake updates). POST: confirm, sign in as the address's founder, go to /my/."""
    named = confirm_token_intake_id(token)
    intake = (
        selectors.intake_for_confirm_link(intake_id=named[0], email=named[1]) if named else None
    )
    if intake is None:
        return _invalid_link(request)
    if intake.is_confirmed:
        return render(request, "founders/link_used.html", {"form": LinkRequestForm()}, status=409)
    choices, preselected = services.intake_confirm_choices(intake=intake)
    form = ConfirmForm(
        request.POST if request.method == "POST" else None,
        choices=choices,
        initial={"company": preselected},
    )
    status = 200
    if form.is_valid():
        try:
            confirmed = services.intake_confirm(
                intake_id=intake.pk,
                email=intake.email,
                company=form.cleaned_data["company"],
                fresh=confirm_token_intake_id(token, max_age=settings.SIGNIN_LINK_MAX_AGE)
                is not None,
            )
        except ApplicationError as error:
            if message := form_add_error(form, error):
                form.add_error(None, message)
            status = error.status
        else:
            login(request, confirmed.founder, backend=settings.AUTHENTICATION_BACKENDS[0])
            request.session.pop(SESSION_INTAKES, None)
            return redirect("founder-dashboard")
    elif form.is_bound:
        status = 400
    context = {
        "intake": intake,
        "form": form,
        "updates": len(choices) > 1,
        "link_form": LinkRequestForm(initial={"email": intake.email}),
    }
    return render(request, "founders/confirm.html", context, status=status)


@require_http_methods(["GET", "POST"])
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a "Sign in" button; POST: sign in (the link works once)."""
    user = signin_token_user(token)
    if user is None:
        return _invalid_link(request)
    if request.method == "POST":
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        return redirect("founder-dashboard")
    return render(request, "founders/signin_confirm.html", {"user": user})


@require_http_methods(["GET", "POST"])
def link_request(request: HttpRequest) -> HttpResponse:
    """ "E-mail me a new link": the same answer for every address."""
    if request.method == "POST" and page_rate_limited(request, "auth"):
        return too_many_requests(request)
    form = LinkRequestForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        email = form.cleaned_data["email"]
        services.signin_link_request(email=email)
        return render(request, "founders/link_sent.html", {"email": email})
    status = 400 if form.is_bound else 200
    return render(request, "founders/link_request.html", {"form": form}, status=status)
