"""matching's reactions to what the lower apps announce (credits/signals.py): each enqueues
a matching task by id. Connected in `MatchingConfig.ready`."""

from typing import Any

from django.dispatch import receiver

from credits.signals import credits_issued, outcome_changed

from .tasks import email_outcome_partner as email_outcome_partner_task
from .tasks import record_commission as record_commission_task


@receiver(credits_issued, dispatch_uid="matching.record_commission")
def commission_on_credits_issued(sender: type, *, application_id: int, **kwargs: Any) -> None:
    """The partner who filed the application earns its routing commission."""
    record_commission_task.delay(application_id)


@receiver(outcome_changed, dispatch_uid="matching.email_outcome_partner")
def partner_email_on_outcome_changed(sender: type, *, startup_id: int, **kwargs: Any) -> None:
    """The firm whose lead for the startup is accepted hears that the $0 outcome moved."""
    email_outcome_partner_task.delay(startup_id)
