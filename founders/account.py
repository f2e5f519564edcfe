"""The founder's account page: what CloudRoute holds about them, its JSON export, and
deleting the account. Founders only: staff and partner users get a 404, as for another
owner's page (matching.exports.user_is_founder)."""

import json

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from matching import exports, services


class AccountDeleteForm(forms.Form):
    """The founder types their e-mail address to confirm (any case, surrounding spaces)."""

    email = forms.EmailField(
        label="Type your e-mail address to confirm",
        help_text="This deletes your account and signs you out. It cannot be undone.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email.strip().lower() != self.user.email.lower():
            raise forms.ValidationError("That is not the e-mail address of this account.")
        return email


def _founder_or_404(request: HttpRequest) -> None:
    if not exports.user_is_founder(user=request.user):
        raise Http404("Founders only.")


def _account_page(request: HttpRequest, form: AccountDeleteForm, status: int = 200):
    context = {"form": form, **exports.account_summary(user=request.user)}
    return render(request, "founders/account.html", context, status=status)


@require_GET
@login_required
def founder_account(request: HttpRequest) -> HttpResponse:
    _founder_or_404(request)
    return _account_page(request, AccountDeleteForm(user=request.user))


@require_GET
@login_required
def founder_account_export(request: HttpRequest) -> HttpResponse:
    _founder_or_404(request)
    data = exports.founder_export(user=request.user)
    filename = f"cloudroute-account-{timezone.localdate():%Y-%m-%d}.json"
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@require_POST
@login_required
def founder_account_delete(request: HttpRequest) -> HttpResponse:
    _founder_or_404(request)
    form = AccountDeleteForm(request.POST, user=request.user)
    if not form.is_valid():
        return _account_page(request, form, status=400)
    services.account_delete(user=request.user)
    logout(request)
    return redirect("founder-account-deleted")


@require_GET
def founder_account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "founders/account_deleted.html")
