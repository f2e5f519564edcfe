"""Intakes, with the operators' review queue and the routing actions; idempotency keys."""

from dataclasses import asdict

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .. import scoring, selectors, services
from ..models import (
    BulkJobKind,
    IdempotencyKey,
    Intake,
    Partner,
    RoutingDecision,
    RoutingSettings,
)
from .actions import call_each
from .jobs import start_job_and_show
from .routing import decision_explanation

# The assign page ranks every firm for the first this many selected startups (all selected
# are assigned; the service still refuses a firm that had one of the others).
ASSIGN_AT_ONCE = 20


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
        conditions = selectors.review_queue_conditions()
        if self.value() == "all":
            return queryset.filter(
                conditions["unrouted"] | conditions["lapsed"] | conditions["sla"]
            )
        if self.value() in conditions:
            return queryset.filter(conditions[self.value()])
        return queryset


class IntakeChangeList(ChangeList):
    """The intake list; a review queue (`?queue=`) without the date hierarchy, whose links
    are two more queries over the queue's filter (its dates by year, then by month; issue
    19). An operator works a queue as a whole; the full list keeps its dates."""

    def __init__(self, request, model, list_display, links, list_filter, dates, *rest, **kw):
        if request.GET.get(ReviewQueueFilter.parameter_name):
            dates = None
        super().__init__(request, model, list_display, links, list_filter, dates, *rest, **kw)


class AssignPartnerForm(forms.Form):
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.filter(is_active=True).order_by("name"),
        widget=forms.RadioSelect,
        help_text="Skips the scoring (a firm failing a filter can still be chosen by hand), but "
        "never offers a startup to a firm that already had it.",
    )

    def __init__(self, *args, blocked: dict[int, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.blocked = blocked

    def clean_partner(self) -> Partner:
        partner = self.cleaned_data["partner"]
        if partner.pk in self.blocked:
            raise forms.ValidationError(self.blocked[partner.pk])
        return partner


# What an operator's hand cannot override: the service refuses a firm that had the lead.
BLOCKING = {"already_offered", "inactive"}


def assign_choices(intakes: list[Intake]) -> tuple[list[dict], dict[int, str]]:
    """Every firm routing sees, ranked for the selected intakes (scored candidates first, by
    score for the first intake, then the rejected by name): each with, per intake, its score
    and breakdown or the filters it fails; and the firms that cannot take one of them, with
    why. The same engine as routing (services.routing_preview), changing nothing."""
    rows: dict[int, dict] = {}
    blocked: dict[int, str] = {}
    # The directory and the weights are read once for all the selected startups.
    partners = selectors.partner_profiles()
    weights = services.routing_weights(RoutingSettings.load())
    for index, intake in enumerate(intakes):
        ranking = services.routing_preview(
            startup_id=intake.startup_id, weights=weights, partners=partners
        )
        if ranking is None:
            continue
        for candidate in ranking.candidates:
            row = rows.setdefault(
                candidate.partner_id,
                {"id": candidate.partner_id, "name": candidate.name, "cells": {}},
            )
            row["cells"][intake.pk] = {"score": candidate.score, "breakdown": candidate.breakdown}
            if index == 0:
                row["score"] = candidate.score
        for rejection in ranking.rejected:
            row = rows.setdefault(
                rejection.partner_id,
                {"id": rejection.partner_id, "name": rejection.name, "cells": {}},
            )
            row["cells"][intake.pk] = {"failed": rejection.failed, "messages": rejection.messages}
            if BLOCKING & set(rejection.failed) and rejection.partner_id not in blocked:
                reason = (
                    "already had this lead"
                    if "already_offered" in rejection.failed
                    else ("is deactivated")
                )
                blocked[rejection.partner_id] = (
                    f"{rejection.name} {reason} ({intake.startup}); choose another firm."
                )
    ordered = sorted(rows.values(), key=lambda row: (-(row.get("score") or -1), row["name"]))
    for row in ordered:
        row["blocked"] = blocked.get(row["id"], "")
        row["per_intake"] = [row["cells"].get(intake.pk) for intake in intakes]
    return ordered, blocked


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
        "simulate_link",
        "related_links",
    ]
    date_hierarchy = "created_at"  # not on a review queue (IntakeChangeList)
    actions = ["reroute_now", "assign_partner"]

    def get_changelist(self, request, **kwargs):
        return IntakeChangeList

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
        """A background job (its page shows the progress), one re-route per startup."""
        startups = [intake.startup_id for intake in self._one_per_startup(queryset)]
        return start_job_and_show(request, kind=BulkJobKind.REROUTE, object_ids=startups)

    @admin.action(description="Assign to a partner…", permissions=["route"])
    def assign_partner(self, request, queryset):
        """An intermediate page: every firm with its score breakdown, or the filters it
        fails, per selected startup; on submit, lead_assign per startup."""
        intakes = self._one_per_startup(queryset)
        ranked = intakes[:ASSIGN_AT_ONCE]
        rows, blocked = assign_choices(ranked)
        form = AssignPartnerForm(request.POST if "apply" in request.POST else None, blocked=blocked)
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
            "intakes": ranked,
            "unranked": len(intakes) - len(ranked),
            "rows": rows,
            "factors": scoring.FACTORS,
            "chosen_id": str(form["partner"].value() or ""),
            "selected": queryset.values_list("pk", flat=True),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "action_name": "assign_partner",
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "matching/admin/assign_partner.html", context)

    def get_urls(self):
        return [
            path(
                "<int:intake_id>/simulate/",
                self.admin_site.admin_view(self.simulate_view),
                name="matching_intake_simulate",
            ),
            *super().get_urls(),
        ]

    def simulate_view(self, request, intake_id: int):
        """Who would get this startup's lead if it were routed now, and why (the engine and
        explanation of a real routing); reads only, so viewing the intake is enough."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        intake = get_object_or_404(Intake.objects.select_related("startup"), pk=intake_id)
        ranking = services.routing_preview(startup_id=intake.startup_id)
        explanation = None
        if ranking is not None:
            explanation = decision_explanation(
                RoutingDecision(ranking=ranking.as_dict(), weights=asdict(ranking.weights))
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Routing {intake.startup} now",
            "opts": self.model._meta,
            "intake": intake,
            "ranking": ranking,
            "explanation": explanation,
        }
        return TemplateResponse(request, "matching/admin/simulate_routing.html", context)

    @admin.display(description="Its leads, decisions and applications")
    def related_links(self, intake: Intake) -> str:
        if intake.startup_id is None:
            return "-"
        query = f"?startup__id__exact={intake.startup_id}"
        return format_html(
            '<a href="{}">Leads</a> · <a href="{}">Routing decisions</a> · '
            '<a href="{}">Credit applications</a>',
            reverse("admin:matching_lead_changelist") + query,
            reverse("admin:matching_routingdecision_changelist") + query,
            reverse("admin:credits_creditapplication_changelist") + query,
        )

    @admin.display(description="Routing now")
    def simulate_link(self, intake: Intake) -> str:
        if intake.pk is None:
            return "-"
        url = reverse("admin:matching_intake_simulate", args=[intake.pk])
        return format_html('<a href="{}">Who would get it now, and why</a>', url)


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
