from django.contrib import admin

from .models import ApplicationEvent, CreditApplication, CreditProgram


@admin.register(CreditProgram)
class CreditProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "family", "filed_by", "amount_min", "amount_max", "is_active"]
    list_filter = ["family", "filed_by", "is_active", "covers_bedrock_third_party"]
    search_fields = ["code", "name", "notes"]


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    readonly_fields = ["created_at", "actor", "from_status", "to_status", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # transitions go through the application service


@admin.register(CreditApplication)
class CreditApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "startup",
        "program",
        "status",
        "requested_amount",
        "issued_amount",
        "updated_at",
    ]
    list_filter = ["status", "program"]
    search_fields = ["startup__name", "ace_opportunity_id"]
    list_select_related = ["startup", "program"]
    raw_id_fields = ["startup", "created_by"]
    readonly_fields = ["status"]
    inlines = [ApplicationEventInline]
