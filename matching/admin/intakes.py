"""Intakes, with the operators' review queue and the routing actions; idempotency keys."""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.response import TemplateResponse
from django.utils import timezone

from .. import services
from ..models import IdempotencyKey, Intake, Lead, LeadStatus, Partner, RoutingStatus
from .actions import call_each


def review_queue_conditions() -> dict[str, Q]:
    """What puts an intake in front of an operator, by queue."""
    leads = Lead.objects.filter(startup_id=OuterRef("startup_id"))
    no_live_lead = ~Exists(leads.filter(status__in=Lead.LIVE_STATUSES))
    lapsed = Exists(leads.filter(status__in=[LeadStatus.EXPIRED, LeadStatus.DECLINED]))
    # Past its accept-by time but not expired yet: the beat task is late or not running.
    sla_breach = Exists(leads.filter(status=LeadStatus.OFFERED, accept_by__lt=timezone.now()))
    return {
        "unrouted": Q(routing_status=RoutingStatus.UNROUTED),
        "lapsed": Q(no_live_lead & lapsed),
        "sla": Q(sla_breach),
    }


class ReviewQueueFilter(admin.SimpleListFilter):
    """The operators' review queue: intakes no partner is working on, or should be."""

    title = "review queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("all", "Needs an operator (any of these)"),
            ("unrouted", "Unrouted: no partner left"),
            ("lapsed", "Latest offer expired or declined, nothing live"),
            ("sla", "SLA breach: offer past its accept-by time"),
        ]

    def queryset(self, request, queryset):
        conditions = review_queue_conditions()
        if self.value() == "all":
            return queryset.filter(
                conditions["unrouted"] | conditions["lapsed"] | conditions["sla"]
            )
        if self.value() in conditions:
            return queryset.filter(conditions[self.value()])
        return queryset


class AssignPartnerForm(forms.Form):
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.filter(is_active=True).order_by("name"),
        help_text="Skips the scoring, but never offers a startup to a firm that already had it.",
    )


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "startup",
        "email",
        "founder",
        "confirmed_at",
        "status",
        "routing_status",
        "attempts",
        "created_at",
        "processed_at",
    ]
    list_filter = [ReviewQueueFilter, "routing_status", "status"]
    search_fields = ["startup__name", "email", "founder__email"]
    list_select_related = ["startup", "founder"]
    raw_id_fields = ["founder", "startup", "workload"]
    # The statuses move through the services (processing, routing), never by hand.
    # Confirmation happens only through the founder's e-mailed link (intake_confirm).
    readonly_fields = [
        "access_token_hash",
        "status",
        "routing_status",
        "confirmed_at",
        "email",
        "claimed_by",
    ]
    date_hierarchy = "created_at"
    actions = ["reroute_now", "assign_partner"]

    def has_route_permission(self, request) -> bool:
        """Re-routing and assigning withdraw and offer leads: they need the lead's change
        permission, not only the intake's view permission (a read-only operator has that)."""
        return request.user.has_perm("matching.change_lead")

    @staticmethod
    def _one_per_startup(queryset: QuerySet[Intake]) -> list[Intake]:
        """Routing works per startup: two selected intakes of one startup route it once."""
        by_startup: dict[int, Intake] = {}
        for intake in queryset.select_related("startup").order_by("-created_at"):
            by_startup.setdefault(intake.startup_id, intake)
        return list(by_startup.values())

    @admin.action(
        description="Re-route now (withdraw the offer, offer the next partner)",
        permissions=["route"],
    )
    def reroute_now(self, request, queryset):
        def call(intake: Intake) -> str | None:
            decision = services.lead_reroute(startup_id=intake.startup_id, actor=request.user)
            if decision is not None and decision.chosen_id is None:
                return "no partner passes the filters; it stays in the queue."
            return None

        call_each(self, request, self._one_per_startup(queryset), call, done="Re-routed")

    @admin.action(description="Assign to a partner…", permissions=["route"])
    def assign_partner(self, request, queryset):
        """An intermediate page with a partner select; on submit, lead_assign per startup."""
        form = AssignPartnerForm(request.POST if "apply" in request.POST else None)
        intakes = self._one_per_startup(queryset)
        if form.is_valid():
            partner = form.cleaned_data["partner"]

            def call(intake: Intake) -> None:
                services.lead_assign(
                    startup_id=intake.startup_id, partner_id=partner.pk, actor=request.user
                )

            call_each(self, request, intakes, call, done=f"Offered to {partner}")
            return None  # back to the changelist, with the messages
        context = {
            **self.admin_site.each_context(request),
            "title": "Assign to a partner",
            "opts": self.model._meta,
            "form": form,
            "intakes": intakes,
            "selected": queryset.values_list("pk", flat=True),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "action_name": "assign_partner",
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "matching/admin/assign_partner.html", context)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Read-only. The key and the client are hashes and the stored response holds no token;
    `secret_seed` is hidden too, since with SECRET_KEY it re-derives the intake's token."""

    list_display = ["scope", "key", "response_status", "created_at"]
    list_filter = ["scope"]
    search_fields = ["key"]
    exclude = ["response_body", "secret_seed"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
