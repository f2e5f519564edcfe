"""A lead as its firm sees it: one shape for the partner API's inbox and detail and for the
webhooks' lead events, so the two never disagree (and the contact stays hidden until the firm
accepts, `Lead.contact_visible`, in both)."""

from rest_framework import serializers

from .models import Lead


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


_datetime = serializers.DateTimeField()


def datetime_str(value) -> str | None:
    """A datetime as the API writes it (DRF's DateTimeField), None for None."""
    return _datetime.to_representation(value) if value else None


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
