"""A lead as its firm sees it: one shape for the partner API's inbox and detail and for the
webhooks' lead events, so the two never disagree (and the contact stays hidden until the firm
accepts, `Lead.contact_visible`, in both)."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .models import Lead, LeadStatus


def company(lead: Lead) -> dict:
    startup = lead.startup
    return {
        "name": startup.name,
        "stage": startup.stage,
        "industry": startup.industry,
        "country": str(startup.country),
        "website": startup.website,
    }


def workload(lead: Lead) -> dict:
    workload = lead.workload
    return {
        "use_case": workload.use_case,
        "region": workload.region,
        "monthly_requests": workload.monthly_requests,
        "input_tokens": workload.input_tokens,
        "output_tokens": workload.output_tokens,
        "escalation": workload.escalation,
    }


def contact(lead: Lead) -> dict | None:
    if not lead.contact_visible:
        return None
    founder = lead.startup.founder
    if founder is None:  # the founder deleted their account: nobody left to contact
        return {"name": "", "email": "", "aws_account_id": lead.startup.aws_account_id}
    return {
        "name": founder.get_full_name(),
        "email": founder.email,
        "aws_account_id": lead.startup.aws_account_id,
    }


def datetime_str(value) -> str | None:
    """A datetime as the API writes it (DRF's DateTimeField: ISO 8601 in UTC, the project's
    TIME_ZONE, with "Z"), None for None. A test holds the two to the same text; this one
    skips DRF's per-call settings and time-zone lookups."""
    if not value:
        return None
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def lead_summary(lead: Lead) -> dict:
    """The partner API's PartnerLead as a plain dict: the inbox builds 50 per page, and the
    serializer's per-field machinery cost more than the query (docs/performance.md). A test
    holds the two to the same output."""
    return {
        "id": lead.id,
        "status": lead.status,
        "offered_at": datetime_str(lead.offered_at),
        "accept_by": datetime_str(lead.accept_by),
        "responded_at": datetime_str(lead.responded_at),
        "company": company(lead),
        "workload": workload(lead),
        "contact": contact(lead),
    }


def lead_summary_row(row: Mapping[str, Any]) -> dict:
    """`lead_summary` of a lead read as a row (`selectors.lead_inbox_rows_for_partner`): the
    same dict, without the 250 model instances of a page of 50 leads."""
    contact = None
    if row["status"] == LeadStatus.ACCEPTED:  # Lead.contact_visible
        email = row["startup__founder__email"]
        contact = {
            "name": (row["startup__founder__full_name"] or email) if email else "",
            "email": email or "",
            "aws_account_id": row["startup__aws_account_id"],
        }
    return {
        "id": row["id"],
        "status": row["status"],
        "offered_at": datetime_str(row["offered_at"]),
        "accept_by": datetime_str(row["accept_by"]),
        "responded_at": datetime_str(row["responded_at"]),
        "company": {
            "name": row["startup__name"],
            "stage": row["startup__stage"],
            "industry": row["startup__industry"],
            "country": row["startup__country"],
            "website": row["startup__website"],
        },
        "workload": {
            "use_case": row["workload__use_case"],
            "region": row["workload__region"],
            "monthly_requests": row["workload__monthly_requests"],
            "input_tokens": row["workload__input_tokens"],
            "output_tokens": row["workload__output_tokens"],
            "escalation": {
                "sonnet": row["workload__escalation_sonnet"],
                "opus": row["workload__escalation_opus"],
            },
        },
        "contact": contact,
    }
