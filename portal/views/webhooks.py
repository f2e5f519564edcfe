"""The firm's webhooks, for its admins: the endpoints, the latest deliveries with their tries
and last answers, and registering, rotating and deleting (matching.services.webhooks; the
same as the API's /api/v1/partner/webhooks/). A new secret is shown on the page that answers
the POST, once: never stored in a message or a cookie."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError
from core.pages import form_add_error
from matching import selectors
from matching.services import partner_is_admin, webhook_create, webhook_delete, webhook_rotate
from matching.services.webhooks import ADMINS_ONLY

from ..decorators import PartnerHttpRequest, partner_required
from ..forms import WebhookForm


def _render(
    request: PartnerHttpRequest, form, *, status: int = 200, secret: str = "", error: str = ""
) -> HttpResponse:
    partner = request.partner
    return render(
        request,
        "portal/webhooks.html",
        {
            "partner": partner,
            "webhooks": selectors.webhooks_for_partner(partner=partner),
            "deliveries": selectors.webhook_deliveries_recent(partner=partner),
            "form": form,
            "secret": secret,
            "error": error,
        },
        status=status,
    )


def _refused(request: PartnerHttpRequest) -> HttpResponse:
    return render(
        request, "portal/webhooks_refused.html", {"partner": request.partner, "why": ADMINS_ONLY},
        status=403,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@partner_required
def partner_webhooks(request: PartnerHttpRequest) -> HttpResponse:
    if not partner_is_admin(partner=request.partner, user=request.user):
        return _refused(request)
    if request.method == "GET":
        return _render(request, WebhookForm())
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _render(request, form, status=400)
    try:
        _, secret = webhook_create(partner=request.partner, actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        return _render(request, form, status=exc.status, error=form_add_error(form, exc))
    return _render(request, WebhookForm(), status=201, secret=secret)


@require_POST
@partner_required
def partner_webhook_rotate(request: PartnerHttpRequest, webhook_id: int) -> HttpResponse:
    if not partner_is_admin(partner=request.partner, user=request.user):
        return _refused(request)
    _, secret = webhook_rotate(partner=request.partner, actor=request.user, webhook_id=webhook_id)
    return _render(request, WebhookForm(), secret=secret)


@require_POST
@partner_required
def partner_webhook_delete(request: PartnerHttpRequest, webhook_id: int) -> HttpResponse:
    if not partner_is_admin(partner=request.partner, user=request.user):
        return _refused(request)
    webhook_delete(partner=request.partner, actor=request.user, webhook_id=webhook_id)
    messages.success(request, "Webhook deleted; its pending deliveries will not be sent.")
    return redirect("partner-webhooks")
