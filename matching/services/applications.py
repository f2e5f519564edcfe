"""A partner firm starts a credit application for one of its leads."""

import datetime as dt
from decimal import Decimal

from credits.models import CreditApplication
from credits.services import application_create

from .. import selectors
from ..models import LeadStatus, Partner
from .leads import LeadActionError

LEAD_NOT_ACCEPTED = "Accept the lead before filing a credit application for it."


def application_start(
    *,
    partner: Partner | None,
    lead_id: int,
    program_code: str,
    requested_amount: Decimal,
    actor,
    target_close_date: dt.date | None = None,
) -> CreditApplication:
    """Open a draft application for the startup of one of the firm's leads.

    The rule of the partner side: a firm files only for a founder who is its customer, so the
    lead must be the firm's (else NotFoundError, as for a missing lead) and accepted (else
    LeadActionError, 409). Reads the lead (one query), then `credits.services.
    application_create` (which locks nothing, writes the draft, its event and an audit entry
    in one transaction, and raises ApplicationInputError / ApplicationTransitionError).
    Enqueues nothing.
    """
    lead = selectors.lead_for_partner_or_404(partner=partner, lead_id=lead_id)
    if lead.status != LeadStatus.ACCEPTED:
        raise LeadActionError(LEAD_NOT_ACCEPTED)
    return application_create(
        startup_id=lead.startup_id,
        program_code=program_code,
        requested_amount=requested_amount,
        target_close_date=target_close_date,
        actor=actor,
    )
