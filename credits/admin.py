from django.contrib import admin, messages
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.html import format_html

from workloads.admin import StartupAdmin as WorkloadsStartupAdmin
from workloads.admin_history import HistoryModelAdmin
from workloads.models import Startup

from . import selectors, tasks
from .models import (
    ApplicationEvent,
    BedrockQuota,
    BedrockUsageDay,
    BillingAccess,
    CreditApplication,
    CreditGrant,
    CreditProgram,
    EligibilitySnapshot,
    MonthlySpendActual,
)


@admin.register(CreditProgram)
class CreditProgramAdmin(HistoryModelAdmin):
    """Each row is a program's terms from a date; new terms: "Save as new" with a new date."""

    list_display = [
        "code",
        "name",
        "family",
        "filed_by",
        "amount_min",
        "amount_max",
        "typical_amount",
        "effective_from",
        "is_active",
    ]
    list_filter = ["family", "filed_by", "is_active", "covers_bedrock_third_party"]
    search_fields = ["code", "name", "notes"]
    date_hierarchy = "effective_from"
    save_as = True


class EligibilitySnapshotInline(admin.TabularInline):
    model = EligibilitySnapshot
    extra = 0
    max_num = 0
    can_delete = False
    # A tuple, so readonly_fields can share it (a list of str would not type as both).
    fields = ("created_at", "rule_version", "total_expected", "recommended_programs")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        # Each row is titled with its __str__ (which names the startup): one read per snapshot
        # otherwise, and a startup gains a snapshot on every re-evaluation.
        return super().get_queryset(request).select_related("startup")

    @admin.display(description="recommended")
    def recommended_programs(self, snapshot) -> str:
        return ", ".join(snapshot.recommended) or "—"


# The startup page is the workloads app's; credits adds its eligibility to it (credits may
# import workloads, never the reverse).
admin.site.unregister(Startup)


@admin.register(Startup)
class StartupAdmin(WorkloadsStartupAdmin):
    inlines = [*WorkloadsStartupAdmin.inlines, EligibilitySnapshotInline]
    # The operators' home links its at-risk count here (?outcome__status__exact=at_risk).
    list_filter = [*WorkloadsStartupAdmin.list_filter, "outcome__status"]
    readonly_fields = ["latest_eligibility"]
    actions = ["reevaluate"]

    @admin.display(description="latest eligibility")
    def latest_eligibility(self, startup) -> str:
        snapshot = selectors.snapshot_latest(startup_id=startup.pk) if startup.pk else None
        if snapshot is None:
            return "Not evaluated yet."
        return render_to_string(
            "credits/admin/snapshot.html", {"snapshot": snapshot, "result": snapshot.result}
        )

    # A re-evaluation writes a snapshot and a projection: it takes the startup's change
    # permission, not the view permission a read-only operator has.
    @admin.action(
        description="Re-evaluate eligibility and re-project (selected startups)",
        permissions=["change"],
    )
    def reevaluate(self, request, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        for startup_id in ids:
            # The id is bound now (a default argument) and enqueued on commit.
            def enqueue(startup_id: int = startup_id) -> None:
                tasks.reevaluate_startup.delay(startup_id)

            transaction.on_commit(enqueue, robust=True)
        self.message_user(
            request,
            format_html(
                "Re-evaluating {} startup(s) in the background; each startup's page shows the "
                "new snapshot when it is done.",
                len(ids),
            ),
            messages.SUCCESS,
        )


@admin.register(EligibilitySnapshot)
class EligibilitySnapshotAdmin(admin.ModelAdmin):
    list_display = ["startup", "created_at", "rule_version", "total_expected"]
    list_filter = ["rule_version"]
    search_fields = ["startup__name"]
    list_select_related = ["startup"]
    date_hierarchy = "created_at"
    readonly_fields = ["startup", "rule_version", "inputs", "result", "total_expected", "verdicts"]

    @admin.display(description="verdicts")
    def verdicts(self, snapshot) -> str:
        return render_to_string(
            "credits/admin/snapshot.html", {"snapshot": snapshot, "result": snapshot.result}
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Frozen: the admin's view-only page (no Save buttons that would end in a 403).
        return False


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    readonly_fields = ["created_at", "actor", "from_status", "to_status", "note"]
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

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
    # Status and amounts move through the application service, which records each event.
    readonly_fields = ["status", "approved_amount", "issued_amount", "target_close_date"]
    inlines = [ApplicationEventInline]

    def has_add_permission(self, request) -> bool:
        return False  # applications are created by the partner flow


@admin.register(CreditGrant)
class CreditGrantAdmin(admin.ModelAdmin):
    """Grants are written by the application service when credits are issued; read-only."""

    list_display = [
        "startup",
        "program",
        "amount",
        "issued_on",
        "expires_on",
        "covers_bedrock_third_party",
    ]
    list_filter = ["program", "covers_bedrock_third_party"]
    search_fields = ["startup__name", "application__ace_opportunity_id"]
    list_select_related = ["startup", "program"]
    date_hierarchy = "expires_on"
    readonly_fields = [
        "application",
        "startup",
        "program",
        "amount",
        "issued_on",
        "expires_on",
        "covers_bedrock_third_party",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BillingAccess)
class BillingAccessAdmin(admin.ModelAdmin):
    """The role a founder granted to read their costs; the ExternalId is ours, never typed."""

    list_display = ["startup", "role_arn", "created_at", "last_synced_at"]
    search_fields = ["startup__name", "role_arn"]
    list_select_related = ["startup"]
    raw_id_fields = ["startup"]
    fields = ["startup", "role_arn", "external_id", "created_at", "last_synced_at"]
    readonly_fields = ["external_id", "created_at", "last_synced_at"]


@admin.register(MonthlySpendActual)
class MonthlySpendActualAdmin(admin.ModelAdmin):
    """Imported from Cost Explorer by credits.import_spend_actuals; read-only."""

    list_display = ["startup", "month", "bedrock_cost", "credits_applied", "fetched_at"]
    search_fields = ["startup__name"]
    list_select_related = ["startup"]
    date_hierarchy = "month"
    readonly_fields = ["startup", "month", "bedrock_cost", "credits_applied", "fetched_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BedrockQuota)
class BedrockQuotaAdmin(admin.ModelAdmin):
    """Read from the founder's Service Quotas by credits.import_startup_usage; read-only."""

    list_display = ["startup", "region", "name", "value", "read_at"]
    list_filter = ["region", "scope", "kind"]
    search_fields = ["startup__name", "name", "quota_code"]
    list_select_related = ["startup"]
    readonly_fields = [field.name for field in BedrockQuota._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BedrockUsageDay)
class BedrockUsageDayAdmin(admin.ModelAdmin):
    """CloudWatch's daily Bedrock metrics of the founder's account; read-only."""

    list_display = ["startup", "day", "dimension", "invocations", "input_tokens", "output_tokens"]
    search_fields = ["startup__name", "dimension"]
    list_select_related = ["startup"]
    date_hierarchy = "day"
    readonly_fields = [field.name for field in BedrockUsageDay._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
