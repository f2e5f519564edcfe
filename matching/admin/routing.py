"""Routing: the operators' settings row, and every decision with "why this partner / why not
the others"."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from workloads.admin_history import HistoryModelAdmin

from .. import scoring, services
from ..models import RoutingDecision, RoutingSettings


@admin.register(RoutingSettings)
class RoutingSettingsAdmin(HistoryModelAdmin):
    """One row: the changelist opens it; it can be neither added twice nor deleted."""

    fieldsets = [
        (
            "Scoring weights",
            {
                "description": "Relative weights of the score's factors (any numbers from 0 "
                "to 100; only their ratio matters). Hard filters always apply first.",
                "fields": [
                    "competency_weight",
                    "stage_weight",
                    "industry_weight",
                    "track_record_weight",
                    "load_weight",
                    "tier_weight",
                ],
            },
        ),
        ("Rotation and SLA", {"fields": ["fairness_margin", "accept_hours", "updated_at"]}),
    ]
    readonly_fields = ["updated_at"]
    change_form_template = "matching/admin/routingsettings_change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="matching_routingsettings_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id: int):
        """The settings form's values, unsaved: the open leads whose firm would not win them
        under those weights (the same engine as routing). Saves nothing."""
        settings_row = RoutingSettings.load()
        if request.method != "POST" or not self.has_change_permission(request, settings_row):
            raise PermissionDenied
        form = self.get_form(request, settings_row)(request.POST, instance=settings_row)
        moved: list[dict] = []
        if form.is_valid():
            unsaved = form.save(commit=False)
            moved = services.routing_settings_preview(weights=services.routing_weights(unsaved))
        context = {
            **self.admin_site.each_context(request),
            "title": "What these settings would change",
            "opts": self.model._meta,
            "form": form,
            "moved": moved,
            "settings_row": settings_row,
        }
        return TemplateResponse(
            request,
            "matching/admin/routingsettings_preview.html",
            context,
            status=200 if form.is_valid() else 400,
        )

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        settings_row = RoutingSettings.load()
        return HttpResponseRedirect(
            reverse("admin:matching_routingsettings_change", args=[settings_row.pk])
        )

    def has_add_permission(self, request) -> bool:
        # Never: the changelist creates the row on first use. (Asking the database whether
        # it exists would cost a query on every admin page, which lists the add links.)
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _in_order(values: dict, names: tuple[str, ...]) -> list[tuple[str, float]]:
    """A stored dict's items in the engine's order (PostgreSQL's jsonb does not keep it)."""
    known = [(name, values[name]) for name in names if name in values]
    return known + [(name, value) for name, value in values.items() if name not in names]


def decision_explanation(decision: RoutingDecision) -> dict:
    """The stored ranking, arranged for "why this partner / why not the others"."""
    ranking = decision.ranking or {}
    try:
        normalised = scoring.Weights(**decision.weights).normalised()
        shares = dict(zip(scoring.FACTORS, normalised, strict=True))
    except (TypeError, ValueError):  # weights stored by an older version of the engine
        shares = {}
    chosen = ranking.get("chosen")

    def factors(candidate: dict) -> list[dict]:
        return [
            {
                "name": name.replace("_", " "),
                "value": value,
                "share": shares.get(name),
                "points": value * shares[name] if name in shares else None,
            }
            for name, value in _in_order(candidate.get("breakdown", {}), scoring.FACTORS)
        ]

    others = []
    for candidate in ranking.get("candidates", []):
        if chosen and candidate["partner_id"] == chosen["partner_id"]:
            continue
        if not chosen:
            why_not = "Not chosen."
        elif candidate.get("within_margin"):
            why_not = (
                f"Tied within the margin with {chosen['name']}, which was assigned less "
                "recently (fair rotation)."
            )
        else:
            why_not = f"Scored {chosen['score'] - candidate['score']:.4f} below {chosen['name']}."
        others.append({**candidate, "factors": factors(candidate), "why_not": why_not})
    return {
        "scored": bool(ranking),
        "chosen": {**chosen, "factors": factors(chosen)} if chosen else None,
        "others": others,
        "candidates_omitted": ranking.get("candidates_omitted", 0),
        "rejected": ranking.get("rejected", []),
        "rejected_omitted": ranking.get("rejected_omitted", 0),
        "failed_counts_line": " · ".join(
            f"{code}: {count}"
            for code, count in _in_order(ranking.get("failed_counts", {}), scoring.HARD_FILTERS)
        ),
        "weights_line": " · ".join(
            f"{name} {value:g}"
            for name, value in _in_order(decision.weights or {}, (*scoring.FACTORS, "margin"))
        ),
    }


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(admin.ModelAdmin):
    """Read-only: the routing log, and "why this partner / why not the others"."""

    list_display = ["created_at", "startup", "trigger", "chosen", "lead_status", "actor"]
    list_filter = ["trigger", "chosen", "created_at"]
    search_fields = ["startup__name", "chosen__name", "why"]
    list_select_related = ["startup", "chosen", "lead", "actor"]
    date_hierarchy = "created_at"
    # A tuple, so readonly_fields can share it (a list of str would not type as both).
    fields = ("startup", "trigger", "chosen", "lead", "actor", "created_at", "why")
    readonly_fields = fields
    change_form_template = "matching/admin/routingdecision_change_form.html"

    def get_queryset(self, request):
        # The decision page shows the startup, the firm, the lead (named after its startup and
        # firm) and the operator as read-only text: one query instead of six.
        return (
            super()
            .get_queryset(request)
            .select_related("startup", "chosen", "lead__startup", "lead__partner", "actor")
        )

    @admin.display(description="Lead now")
    def lead_status(self, decision: RoutingDecision) -> str:
        return decision.lead.get_status_display() if decision.lead else "-"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["explanation"] = decision_explanation(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)
