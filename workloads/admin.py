from botocore.exceptions import BotoCoreError, ClientError
from django.contrib import admin, messages

from . import aws, services
from .admin_history import HistoryModelAdmin
from .models import (
    AuditEvent,
    InferenceProfile,
    ModelPrice,
    PriceBook,
    Startup,
    TierDefault,
    Workload,
)


class WorkloadInline(admin.StackedInline):
    model = Workload
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # Each row is titled with its __str__ (which names the startup): one read per workload
        # otherwise.
        return super().get_queryset(request).select_related("startup")


@admin.register(Startup)
class StartupAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "stage",
        "country",
        "industry",
        "founder",
        "aws_paid_plan",
        "created_at",
    ]
    list_filter = ["stage", "industry", "country", "aws_paid_plan", "uses_china_regions"]
    search_fields = ["name", "website", "founder__email", "aws_account_id", "activate_org_id"]
    list_select_related = ["founder"]
    raw_id_fields = ["founder"]
    date_hierarchy = "created_at"
    inlines = [WorkloadInline]


@admin.register(Workload)
class WorkloadAdmin(admin.ModelAdmin):
    list_display = [
        "startup",
        "use_case",
        "region",
        "monthly_requests",
        "baseline_tier",
        "created_at",
    ]
    list_filter = ["use_case", "region", "baseline_tier"]
    search_fields = ["startup__name", "description"]
    list_select_related = ["startup"]
    raw_id_fields = ["startup"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "object_repr", "actor"]
    list_filter = ["action", "content_type"]
    search_fields = ["action", "object_repr", "actor__email", "object_id"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ModelPriceInline(admin.TabularInline):
    model = ModelPrice
    extra = 0
    fields = [
        "name",
        "model_id",
        "tier",
        "input",
        "output",
        "lifecycle",
        "end_of_life_on",
        "effective_from",
    ]
    show_change_link = True


class TierDefaultInline(admin.TabularInline):
    model = TierDefault
    extra = 0

    def get_queryset(self, request):
        # Each row is titled with its __str__ (which names the book): one read per tier else.
        return super().get_queryset(request).select_related("book")


class UnconfirmedFilter(admin.SimpleListFilter):
    """Books whose last AWS refresh did not confirm them (a default tier AWS lists unpriced,
    or the refresh held): what the operators' home counts."""

    title = "last refresh"
    parameter_name = "unconfirmed"

    def lookups(self, request, model_admin):
        return [("1", "Not confirmed (see the refresh note)")]

    def queryset(self, request, queryset):
        return queryset.exclude(refresh_note="") if self.value() == "1" else queryset


@admin.register(PriceBook)
class PriceBookAdmin(HistoryModelAdmin):
    list_display = ["name", "slug", "is_default", "illustrative", "effective_from", "refreshed_at"]
    list_filter = [UnconfirmedFilter]
    readonly_fields = ["refreshed_at", "refresh_note"]
    search_fields = ["name", "slug"]
    inlines = [TierDefaultInline, ModelPriceInline]
    actions = ["refresh_from_aws"]

    # The refresh adds price rows, edits lifecycles and moves tier defaults: it needs every
    # permission those edits would need in the admin, not only the book's change permission.
    REFRESH_PERMISSIONS = (
        "workloads.change_pricebook",
        "workloads.add_modelprice",
        "workloads.change_modelprice",
        "workloads.change_tierdefault",
    )

    def has_refresh_permission(self, request) -> bool:
        return request.user.has_perms(self.REFRESH_PERMISSIONS)

    @admin.action(description="Refresh models and prices from AWS", permissions=["refresh"])
    def refresh_from_aws(self, request, queryset) -> None:
        clients = aws.catalog_clients()
        if clients is None:
            self.message_user(
                request,
                "No AWS credentials are configured (environment, ~/.aws or an instance role), "
                "so nothing was refreshed.",
                messages.WARNING,
            )
            return
        for book in queryset.order_by("slug"):
            try:
                result = services.catalog_refresh(
                    bedrock_client=clients.bedrock,
                    pricing_client=clients.pricing,
                    book_slug=book.slug,
                    actor=request.user,
                )
            except (BotoCoreError, ClientError) as exc:
                self.message_user(request, f"{book}: AWS did not answer: {exc}", messages.ERROR)
                return
            self.message_user(
                request,
                f"{book}: AWS lists {result.models_listed} Anthropic models; "
                f"{result.lifecycle_updated} lifecycle changes, {result.prices_added} new "
                f"price rows, {result.prices_unchanged} prices unchanged.",
                messages.SUCCESS,
            )
            for warning in result.warnings:
                self.message_user(request, f"{book}: {warning}", messages.WARNING)


@admin.register(ModelPrice)
class ModelPriceAdmin(HistoryModelAdmin):
    list_display = [
        "name",
        "book",
        "tier",
        "input",
        "output",
        "cache_read",
        "batch_input",
        "min_cache_prefix",
        "lifecycle",
        "end_of_life_on",
        "effective_from",
    ]
    list_filter = ["book", "tier", "lifecycle", "supports_caching", "regional_premium"]
    search_fields = ["name", "model_id", "source"]
    list_select_related = ["book"]
    date_hierarchy = "effective_from"
    save_as = True  # a new price is a new dated row; the old one stays for history


@admin.register(InferenceProfile)
class InferenceProfileAdmin(admin.ModelAdmin):
    """The Bedrock catalog's inference profiles per Region (workloads.refresh_inference_profiles,
    daily), which the setup kit reads; read-only."""

    list_display = ["profile_id", "region", "model_id", "status", "read_at"]
    list_filter = ["region"]
    search_fields = ["profile_id", "model_id"]
    readonly_fields = [field.name for field in InferenceProfile._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
