"""Writes of the matching app: the founder's intake, routing leads to partners, what a firm
does with its leads (applications, ACE), commissions."""

from .accounts import account_delete
from .ace import ace_sync_partner, benefits_sync_partner
from .ace_clients import AceUnavailableError, ace_client_for, benefits_client_for
from .ace_filing import application_file_with_ace, filing_problems
from .applications import LEAD_NOT_ACCEPTED, application_start, lead_require_accepted
from .commissions import (
    CommissionError,
    commission_amount,
    commission_mark,
    commission_record,
    commissions_missing_requeue,
)
from .confirmation import (
    NEW_COMPANY,
    ConfirmChoice,
    intake_confirm,
    intake_confirm_choices,
    intake_revise,
    intakes_unconfirmed_purge,
    workload_calibrate,
)
from .emails import (
    lead_accepted_email_send,
    lead_offered_email_send,
    operators_unrouted_email_send,
    outcome_partner_email_send,
    overspend_partner_email_send,
    partner_invitation_email_send,
)
from .founder_emails import (
    intake_confirmation_email_send,
    signin_link_request,
    signin_link_request_email_send,
)
from .intake import (
    intake_process,
    intake_submit,
    intake_token_hash,
    intakes_stuck_requeue,
    intakes_unrouted_requeue,
)
from .leads import (
    OTHER_NEEDS_NOTE,
    LeadActionError,
    lead_accept,
    lead_assign,
    lead_decline,
    lead_note_add,
    lead_reroute,
    lead_route,
    leads_expire,
    partner_pause,
    routing_preview,
    routing_settings_preview,
    routing_weights,
)
from .partner_profile import (
    ProfileInputError,
    partner_is_admin,
    partner_profile_update,
)
from .precheck_fix import (
    application_precheck_fix,
    precheck_fix_initial,
    precheck_fixable_fields,
)
from .team import (
    invitation_accept,
    invitation_for_token,
    invitation_revoke,
    lead_owner_set,
    member_remove,
    partner_invite,
)
from .vetting import revetting_reminders_send
from .webhooks import (
    WebhookInputError,
    webhook_create,
    webhook_delete,
    webhook_rotate,
)

__all__ = [
    "workload_calibrate",
    "routing_preview",
    "routing_weights",
    "routing_settings_preview",
    "WebhookInputError",
    "webhook_create",
    "webhook_delete",
    "webhook_rotate",
    "revetting_reminders_send",
    "invitation_accept",
    "invitation_for_token",
    "invitation_revoke",
    "lead_owner_set",
    "member_remove",
    "partner_invite",
    "partner_invitation_email_send",
    "ProfileInputError",
    "partner_is_admin",
    "partner_profile_update",
    "application_precheck_fix",
    "precheck_fix_initial",
    "precheck_fixable_fields",
    "account_delete",
    "AceUnavailableError",
    "ace_client_for",
    "filing_problems",
    "application_file_with_ace",
    "application_start",
    "ace_sync_partner",
    "benefits_client_for",
    "benefits_sync_partner",
    "CommissionError",
    "commission_amount",
    "commission_mark",
    "commission_record",
    "commissions_missing_requeue",
    "LEAD_NOT_ACCEPTED",
    "LeadActionError",
    "OTHER_NEEDS_NOTE",
    "ConfirmChoice",
    "intake_confirm",
    "intake_confirm_choices",
    "intake_revise",
    "intakes_unconfirmed_purge",
    "NEW_COMPANY",
    "intake_process",
    "lead_accepted_email_send",
    "lead_offered_email_send",
    "operators_unrouted_email_send",
    "outcome_partner_email_send",
    "overspend_partner_email_send",
    "intake_confirmation_email_send",
    "signin_link_request",
    "signin_link_request_email_send",
    "intake_submit",
    "intake_token_hash",
    "intakes_stuck_requeue",
    "intakes_unrouted_requeue",
    "lead_accept",
    "lead_assign",
    "lead_decline",
    "lead_note_add",
    "lead_require_accepted",
    "lead_reroute",
    "lead_route",
    "leads_expire",
    "partner_pause",
]
