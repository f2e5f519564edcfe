"""The firm's scorecard: its track record as routing sees it."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from matching import selectors
from matching.models import LeadStatus

from ..decorators import PartnerHttpRequest, partner_required


@require_GET
@partner_required
def partner_scorecard(request: PartnerHttpRequest) -> HttpResponse:
    scorecard = selectors.partner_scorecard(partner=request.partner)
    counts = scorecard["counts"]
    return render(
        request,
        "portal/scorecard.html",
        {
            "partner": request.partner,
            "profile": scorecard["profile"],
            "median_hours_to_accept": scorecard["median_hours_to_accept"],
            "counts": [
                {"value": value, "label": label, "count": counts.get(value, 0)}
                for value, label in LeadStatus.choices
            ],
            "total": sum(counts.values()),
        },
    )
