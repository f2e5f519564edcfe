"""The firm's earnings (commissions per month, due / invoiced / paid) and its CSV exports:
the commissions and the leads. Every cell goes through core.spreadsheet.SafeWriter (no
formula injection); a lead's founder contact is in the export only once the firm accepted it,
as on the lead page."""

from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.spreadsheet import SafeWriter
from matching import selectors

from ..decorators import PartnerHttpRequest, partner_required

LEAD_COLUMNS = [
    "lead_id", "company", "status", "offered_at", "accept_by", "responded_at", "owner",
    "stage", "country", "use_case", "region", "monthly_requests",
    "founder_name", "founder_email", "aws_account_id",
]  # fmt: skip
COMMISSION_COLUMNS = [
    "recorded_on", "company", "program", "credits_issued", "rate", "amount", "status",
    "invoiced_on", "paid_on",
]  # fmt: skip


@require_GET
@partner_required
def partner_earnings(request: PartnerHttpRequest) -> HttpResponse:
    months = selectors.partner_earnings_by_month(partner=request.partner)
    totals = {
        key: sum((row[key] for row in months), Decimal("0")) for key in ("due", "invoiced", "paid")
    }
    return render(
        request,
        "portal/earnings.html",
        {"partner": request.partner, "months": months, "totals": totals},
    )


@require_GET
@partner_required
def partner_earnings_csv(request: PartnerHttpRequest) -> HttpResponse:
    rows = (
        [
            commission.created_at.date().isoformat(),
            commission.application.startup.name,
            commission.application.program.code,
            f"{commission.credits_issued:.2f}",
            f"{commission.rate}",
            f"{commission.amount:.2f}",
            commission.status,
            commission.invoiced_on.isoformat() if commission.invoiced_on else "",
            commission.paid_on.isoformat() if commission.paid_on else "",
        ]
        for commission in selectors.partner_commissions(partner=request.partner)
    )
    return _csv(request, "commissions", COMMISSION_COLUMNS, rows)


@require_GET
@partner_required
def partner_leads_csv(request: PartnerHttpRequest) -> HttpResponse:
    rows = (_lead_row(lead) for lead in selectors.leads_for_partner(partner=request.partner))
    return _csv(request, "leads", LEAD_COLUMNS, rows)


def _lead_row(lead) -> list:
    founder = lead.startup.founder if lead.contact_visible else None
    owner = lead.owner
    return [
        lead.pk,
        lead.startup.name,
        lead.status,
        lead.offered_at.isoformat(),
        lead.accept_by.isoformat(),
        lead.responded_at.isoformat() if lead.responded_at else "",
        (owner.full_name or owner.email) if owner else "",
        lead.startup.stage,
        str(lead.startup.country),
        lead.workload.use_case,
        lead.workload.region,
        lead.workload.monthly_requests,
        founder.full_name if founder else "",
        founder.email if founder else "",
        lead.startup.aws_account_id if lead.contact_visible else "",
    ]


def _csv(request: PartnerHttpRequest, what: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{request.partner.slug}-{what}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = SafeWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
