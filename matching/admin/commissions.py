"""Commissions (what partner firms owe CloudRoute) and the operators' reports: commissions by
firm and month, and the application pipeline by state. Both reports export CSV."""

import statistics
from decimal import Decimal

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DateTimeField, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from core.spreadsheet import SafeWriter
from credits.models import (
    ApplicationStatus,
    CreditApplication,
    CreditOutcome,
    CreditProgram,
    OutcomeStatus,
)

from .. import services
from ..models import Commission, CommissionStatus, LeadStatus, Partner
from .actions import call_each

ZERO = Decimal("0")
MONEY = ("requested", "approved", "issued")


def _money(value) -> str:
    """An amount as dollars and cents (SQLite's sums come back unscaled)."""
    return f"{Decimal(value or 0):.2f}"


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = SafeWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def commission_report_rows(queryset=None) -> list[dict]:
    """Commissions per firm per calendar month (of recording), newest month first: one query."""
    queryset = Commission.objects.all() if queryset is None else queryset
    return list(
        queryset.annotate(month=TruncMonth("created_at"))
        .values("month", "partner_id", "partner__name")
        .annotate(
            count=Count("id"),
            credits=Sum("credits_issued"),
            total=Sum("amount"),
            due=Coalesce(Sum("amount", filter=Q(status=CommissionStatus.DUE)), ZERO),
            invoiced=Coalesce(Sum("amount", filter=Q(status=CommissionStatus.INVOICED)), ZERO),
            paid=Coalesce(Sum("amount", filter=Q(status=CommissionStatus.PAID)), ZERO),
        )
        .order_by("-month", "partner__name")
    )


def pipeline_applications(*, program: str = "", partner_id: int | None = None):
    """Applications, optionally of one program and of the startups one firm accepted."""
    queryset = CreditApplication.objects.all()
    if program:
        queryset = queryset.filter(program__code=program)
    if partner_id:
        # One filter() call, so both conditions apply to the same lead.
        queryset = queryset.filter(
            startup__leads__partner_id=partner_id, startup__leads__status=LeadStatus.ACCEPTED
        )
    return queryset


def pipeline_summary(*, program: str = "", partner_id: int | None = None) -> dict:
    """Count and credit value by state (one query), the median days from intake to credits
    issued (one query) and the startups at risk of paying (one query)."""
    applications = pipeline_applications(program=program, partner_id=partner_id)
    by_status = {
        row["status"]: row
        for row in applications.values("status").annotate(
            count=Count("id"),
            requested=Coalesce(Sum("requested_amount"), ZERO),
            approved=Coalesce(Sum("approved_amount"), ZERO),
            issued=Coalesce(Sum("issued_amount"), ZERO),
        )
    }
    states = []
    for value, label in ApplicationStatus.choices:
        row = by_status.get(value, {})
        states.append(
            {
                "status": value,
                "label": label,
                "count": row.get("count", 0),
                "requested": row.get("requested", ZERO),
                "approved": row.get("approved", ZERO),
                "issued": row.get("issued", ZERO),
            }
        )
    totals = {
        key: sum((state[key] for state in states), start=0 if key == "count" else ZERO)
        for key in ("count", "requested", "approved", "issued")
    }
    # The intake is the startup's first intake (its own creation if it has none).
    issued = applications.filter(
        status=ApplicationStatus.CREDITS_ISSUED, grant__isnull=False
    ).values_list(
        "grant__issued_on",
        Coalesce(
            Min("startup__intakes__created_at"),
            "startup__created_at",
            output_field=DateTimeField(),
        ),
    )
    days = [
        (issued_on - timezone.localdate(intake_at)).days
        for issued_on, intake_at in issued
        if issued_on
    ]
    at_risk = CreditOutcome.objects.filter(
        status=OutcomeStatus.AT_RISK,
        startup__in=applications.values("startup_id"),
    ).count()
    return {
        "states": states,
        "totals": totals,
        "median_days": statistics.median(days) if days else None,
        "issued_count": len(days),
        "at_risk": at_risk,
    }


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    """Written by the commission service when credits are issued; operators only mark them
    invoiced and paid (through the service) and read the reports."""

    list_display = [
        "created_at",
        "partner",
        "application",
        "credits_issued",
        "rate",
        "amount",
        "status",
        "invoiced_on",
        "paid_on",
    ]
    list_filter = ["status", "partner"]
    date_hierarchy = "created_at"
    search_fields = ["partner__name", "application__startup__name"]
    list_select_related = ["partner", "application__startup", "application__program"]
    # A tuple, so readonly_fields can share it (a list of str would not type as both).
    fields = (
        "application",
        "partner",
        "credits_issued",
        "rate",
        "amount",
        "status",
        "invoiced_on",
        "paid_on",
        "created_at",
    )
    readonly_fields = fields
    actions = ["mark_invoiced", "mark_paid"]

    def has_add_permission(self, request) -> bool:
        return False  # the commission service records them when credits are issued

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # amounts are fixed; status moves through the actions

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_mark_permission(self, request) -> bool:
        """The change form is off (amounts are fixed), but moving the status is a change."""
        return request.user.has_perm("matching.change_commission")

    @admin.action(description="Mark invoiced", permissions=["mark"])
    def mark_invoiced(self, request, queryset):
        self._mark(request, queryset, status=CommissionStatus.INVOICED, done="Marked invoiced")

    @admin.action(description="Mark paid", permissions=["mark"])
    def mark_paid(self, request, queryset):
        self._mark(request, queryset, status=CommissionStatus.PAID, done="Marked paid")

    def _mark(self, request, queryset, *, status: str, done: str) -> None:
        def call(commission: Commission) -> str | None:
            try:
                services.commission_mark(
                    commission_id=commission.pk, status=status, actor=request.user
                )
            except services.CommissionError as exc:
                return str(exc)
            return None

        call_each(self, request, queryset.select_related("partner"), call, done=done)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("report/", wrap(self.report_view), name="matching_commission_report"),
            path("pipeline/", wrap(self.pipeline_view), name="matching_commission_pipeline"),
            *super().get_urls(),
        ]

    def report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = commission_report_rows()
        if request.GET.get("format") == "csv":
            return _csv_response(
                "commissions-by-firm-and-month.csv",
                [
                    "month",
                    "partner",
                    "commissions",
                    "credits_issued",
                    "total",
                    "due",
                    "invoiced",
                    "paid",
                ],
                (
                    [
                        f"{row['month']:%Y-%m}",
                        row["partner__name"],
                        row["count"],
                        _money(row["credits"]),
                        _money(row["total"]),
                        _money(row["due"]),
                        _money(row["invoiced"]),
                        _money(row["paid"]),
                    ]
                    for row in rows
                ),
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Commissions by firm and month",
            "rows": rows,
            "total": sum((row["total"] for row in rows), start=ZERO),
            "csv_url": reverse("admin:matching_commission_report") + "?format=csv",
        }
        return TemplateResponse(request, "matching/admin/commission_report.html", context)

    def pipeline_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        program = request.GET.get("program", "")
        try:
            partner_id = int(request.GET.get("partner") or 0) or None
        except ValueError:
            partner_id = None
        summary = pipeline_summary(program=program, partner_id=partner_id)
        if request.GET.get("format") == "csv":
            return _csv_response(
                "application-pipeline.csv",
                ["state", "applications", "requested", "approved", "issued"],
                [
                    *(
                        [row["status"], row["count"], *(_money(row[k]) for k in MONEY)]
                        for row in (*summary["states"], {"status": "total", **summary["totals"]})
                    ),
                    [
                        "median_days_intake_to_credits",
                        summary["median_days"] if summary["median_days"] is not None else "",
                    ],
                    ["at_risk_startups", summary["at_risk"]],
                ],
            )
        query = request.GET.copy()
        query["format"] = "csv"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Application pipeline",
            **summary,
            "programs": list(
                CreditProgram.objects.order_by("code").values_list("code", flat=True).distinct()
            ),
            "partners": list(Partner.objects.order_by("name").values_list("pk", "name")),
            "program": program,
            "partner_id": partner_id,
            "csv_url": reverse("admin:matching_commission_pipeline") + "?" + query.urlencode(),
        }
        return TemplateResponse(request, "matching/admin/pipeline.html", context)
