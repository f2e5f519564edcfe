"""Writes of the matching app: the founder's intake, and routing leads to partners."""

from .ace import (
    AceUnavailableError,
    ace_client_for,
    ace_sync_partner,
    application_file_with_ace,
    benefits_client_for,
    benefits_sync_partner,
)
from .commissions import (
    CommissionError,
    commission_amount,
    commission_mark,
    commission_record,
    commissions_missing_requeue,
)
from .intake import (
    intake_process,
    intake_submit,
    intake_token_hash,
    intakes_stuck_requeue,
    intakes_unrouted_requeue,
)
from .leads import (
    LeadActionError,
    lead_accept,
    lead_assign,
    lead_decline,
    lead_note_add,
    lead_reroute,
    lead_route,
    leads_expire,
    partner_pause,
)

__all__ = [
    "AceUnavailableError",
    "ace_client_for",
    "application_file_with_ace",
    "ace_sync_partner",
    "benefits_client_for",
    "benefits_sync_partner",
    "CommissionError",
    "commission_amount",
    "commission_mark",
    "commission_record",
    "commissions_missing_requeue",
    "LeadActionError",
    "intake_process",
    "intake_submit",
    "intake_token_hash",
    "intakes_stuck_requeue",
    "intakes_unrouted_requeue",
    "lead_accept",
    "lead_assign",
    "lead_decline",
    "lead_note_add",
    "lead_reroute",
    "lead_route",
    "leads_expire",
    "partner_pause",
]
