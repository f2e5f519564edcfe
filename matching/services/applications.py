"""A partner firm starts a credit application for one of its leads."""

import datetime as dt
from decimal import Decimal

from core.errors import NotFoundError
from credits.models import CreditApplication
from credits.services import application_create

from ..models import Lead, LeadStatus, Partner
from .leads import LeadActionError

LEAD_NOT_ACCEPTED = "Accept the lead before filing a credit application for it."


def lead_require_accepted(*, lead: Lead) -> None:
    """The partner side's rule for filing: a firm files only for a founder who chose it, so
    the lead must be accepted (else LeadActionError, 409). Reads nothing."""
    if lead.status != LeadStatus.ACCEPTED:
        raise LeadActionError(LEAD_NOT_ACCEPTED)


def application_start(
    *,
    partner: Partner | None,
    lead: Lead,
    program_code: str,
    requested_amount: Decimal,
    actor,
    target_close_date: dt.date | None = None,
) -> CreditApplication:
    """Open a draft application for the startup of one of the firm's leads.

    `lead` comes from `selectors.lead_for_partner_or_404`; a lead of another firm (or a
    caller without one) is refused here too, as NotFoundError. The lead must be accepted
    (`lead_require_accepted`). Then `credits.services.application_create`, which locks
    nothing, writes the draft, its event and an audit entry in one transaction and raises
    ApplicationInputError / ApplicationTransitionError. Reads no row itself; enqueues nothing.
    The lead is not locked (as before this moved here): a lead withdrawn in the same instant
    can still get a draft, which cannot be submitted without the founder.
    """
    if partner is None or lead.partner_id != partner.pk:
        raise NotFoundError("No lead with this id.")
    lead_require_accepted(lead=lead)
    return application_create(
        startup_id=lead.startup_id,
        program_code=program_code,
        requested_amount=requested_amount,
        target_close_date=target_close_date,
        actor=actor,
    )
