"""Leads, with the partner's notes and the startup's routing log."""

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ..models import Lead, LeadNote, RoutingDecision


class LeadNoteInline(admin.TabularInline):
    """The partner's notes, read-only: operators read them, partners write them."""

    model = LeadNote
    extra = 0
    # A tuple, so readonly_fields can share it (a list of str would not type as both).
    fields = ("created_at", "author", "body")
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    """A lead moves only through the services (which audit and log every move): operators use
    the actions on the intakes (re-route, assign); here its state is read-only."""

    list_display = ["startup", "partner", "status", "offered_at", "accept_by", "responded_at"]
    list_filter = ["status", "partner", "decline_reason"]
    search_fields = ["startup__name", "partner__name"]
    list_select_related = ["startup", "partner"]
    readonly_fields = [
        "status",
        "partner",
        "startup",
        "workload",
        "offered_at",
        "accept_by",
        "responded_at",
        "decline_reason",
        "routing_log",
    ]
    date_hierarchy = "offered_at"
    raw_id_fields = ["owner"]  # the firm's teammate working it; a select would list every user
    inlines = [LeadNoteInline]

    def get_queryset(self, request):
        # The change page shows the startup, the firm and the workload (named after its
        # startup) as read-only text: one query with the lead instead of four after it.
        return (
            super().get_queryset(request).select_related("startup", "partner", "workload__startup")
        )

    def has_add_permission(self, request) -> bool:
        return False  # leads are made by routing (lead_route / lead_assign)

    @admin.display(description="Routing log")
    def routing_log(self, lead: Lead) -> str:
        """Every routing decision for this lead's startup, oldest first, with why."""
        if lead.pk is None:
            return "-"
        decisions = (
            RoutingDecision.objects.filter(startup_id=lead.startup_id)
            .select_related("chosen", "actor", "lead")
            .order_by("created_at", "id")
        )
        return mark_safe(  # noqa: S308 - rendered by the template engine, which escapes
            render_to_string("matching/admin/_routing_log.html", {"decisions": decisions})
        )
