"""Applications to join: operators read them and, with the review permission, approve one
with a vetting expiry (the firm is created and its applicant invited as admin) or refuse it
with a reason (e-mailed). The review page calls matching.services.joining."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.errors import ApplicationError
from core.pages import form_add_error

from ..models import JoinApplication, JoinStatus
from ..services import joining


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("refuse", "Refuse")], widget=forms.RadioSelect
    )
    vetting_expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Approving: the firm receives leads until this day (at most three years).",
    )
    refusal_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Refusing: the applicant reads this in the e-mail.",
    )


@admin.register(JoinApplication)
class JoinApplicationAdmin(admin.ModelAdmin):
    list_display = ["firm_name", "tier", "ace_access", "status", "submitted_at", "reviewed_by"]
    list_filter = ["status", "tier", "ace_access"]
    search_fields = ["firm_name", "contact_email", "website"]
    list_select_related = ["reviewed_by"]
    readonly_fields = ["evidence_links", "review_link"]
    exclude = ["evidence"]

    def has_add_permission(self, request) -> bool:
        return False  # firms apply on /partner/apply/

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # what the firm sent stays as sent; the review has its own page

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("matching.review_joinapplication")

    @admin.display(description="Designations and evidence")
    def evidence_links(self, obj: JoinApplication) -> str:
        if not obj.evidence:
            return "—"
        items = format_html_join(
            "",
            '<li>{} <a href="{}" rel="noopener noreferrer" target="_blank">{}</a></li>',
            (
                (entry.get("designation", ""), entry.get("url", ""), entry.get("url", ""))
                for entry in obj.evidence
            ),
        )
        return format_html("<ul>{}</ul>", items)

    @admin.display(description="Review")
    def review_link(self, obj: JoinApplication) -> str:
        if obj.status != JoinStatus.SUBMITTED:
            return obj.get_status_display()
        url = reverse("admin:matching_joinapplication_review", args=[obj.pk])
        return format_html('<a class="button" href="{}">Approve or refuse…</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:application_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="matching_joinapplication_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request, application_id: int):
        if not self.has_review_permission(request):
            raise PermissionDenied
        application = get_object_or_404(JoinApplication, pk=application_id)
        initial = {"vetting_expires_on": timezone.localdate() + dt.timedelta(days=365)}
        form = ReviewForm(request.POST or None, initial=initial)
        error, status = "", 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    message = self._decide(request, application, form.cleaned_data)
                except ApplicationError as exc:
                    error, status = form_add_error(form, exc), exc.status
                else:
                    messages.success(request, message)
                    return redirect("admin:matching_joinapplication_change", application.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Review {application.firm_name}",
            "opts": self.model._meta,
            "application": application,
            "form": form,
            "error": error,
        }
        return TemplateResponse(request, "matching/admin/join_review.html", context, status=status)

    @staticmethod
    def _decide(request, application: JoinApplication, data: dict) -> str:
        if data["decision"] == "approve":
            partner = joining.join_application_approve(
                application_id=application.pk,
                actor=request.user,
                expires_on=data["vetting_expires_on"],
            )
            return (
                f"Approved: {partner.name} is vetted until {partner.vetting_expires_on:%Y-%m-%d};"
                f" {application.contact_email} was invited as its admin."
            )
        joining.join_application_refuse(
            application_id=application.pk, actor=request.user, reason=data["refusal_reason"]
        )
        return f"Refused; {application.contact_email} is e-mailed the reason."
