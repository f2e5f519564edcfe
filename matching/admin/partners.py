"""Partner firms: the directory, their members, and pausing or resuming new leads."""

from django import forms
from django.contrib import admin

from credits.aws import ace

from ..models import BulkJobKind, Partner, PartnerAceAccount, PartnerMembership
from .jobs import start_job_and_show


class PartnerAceAccountForm(forms.ModelForm):
    delivery_models = forms.MultipleChoiceField(
        choices=[(model, model) for model in ace.DELIVERY_MODELS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="ACE's Project.DeliveryModels: how the firm delivers (one or more to file).",
    )

    class Meta:
        model = PartnerAceAccount
        fields = [
            "enabled",
            "catalog",
            "role_arn",
            "external_id",
            "solution_id",
            "delivery_models",
        ]


class PartnerAceAccountInline(admin.StackedInline):
    """How CloudRoute files in the firm's Partner Central (docs/ace.md). Its own model's
    permissions apply: a staff user who may change partners but not ACE accounts sees it
    read-only."""

    model = PartnerAceAccount
    form = PartnerAceAccountForm
    extra = 0
    max_num = 1
    can_delete = False
    readonly_fields = ["last_synced_at"]


class PartnerMembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    raw_id_fields = ["user"]

    def get_queryset(self, request):
        # Each row is titled with its __str__ (user @ firm): two reads per member otherwise.
        return super().get_queryset(request).select_related("user", "partner")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "tier",
        "is_active",
        "accepting_leads",
        "capacity",
        "vetting_expires_on",
        "last_assigned_at",
    ]
    list_filter = ["tier", "is_active", "accepting_leads"]
    search_fields = ["name", "slug", "contact_email"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["vetted_by"]
    inlines = [PartnerMembershipInline, PartnerAceAccountInline]
    actions = ["pause_partners", "resume_partners"]

    @admin.action(description="Pause partner (stop offering new leads)", permissions=["change"])
    def pause_partners(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        return start_job_and_show(request, kind=BulkJobKind.PAUSE, object_ids=ids)

    @admin.action(description="Resume partner (offer new leads again)", permissions=["change"])
    def resume_partners(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        return start_job_and_show(request, kind=BulkJobKind.RESUME, object_ids=ids)
