from django.contrib import admin

from .models import IdempotencyKey, Intake, Lead, Partner, PartnerMembership


class PartnerMembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "tier",
        "is_active",
        "accepting_leads",
        "capacity",
        "vetting_expires_on",
    ]
    list_filter = ["tier", "is_active", "accepting_leads"]
    search_fields = ["name", "slug", "contact_email"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["vetted_by"]
    inlines = [PartnerMembershipInline]


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = ["id", "startup", "founder", "status", "attempts", "created_at", "processed_at"]
    list_filter = ["status"]
    search_fields = ["startup__name", "founder__email"]
    list_select_related = ["startup", "founder"]
    raw_id_fields = ["founder", "startup", "workload"]
    readonly_fields = ["access_token_hash"]
    date_hierarchy = "created_at"


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["startup", "partner", "status", "offered_at", "accept_by", "responded_at"]
    list_filter = ["status", "partner", "decline_reason"]
    search_fields = ["startup__name", "partner__name"]
    list_select_related = ["startup", "partner"]
    raw_id_fields = ["startup", "workload", "partner"]
    date_hierarchy = "offered_at"


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ["scope", "key", "response_status", "created_at"]
    list_filter = ["scope"]
    search_fields = ["key"]
