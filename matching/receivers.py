"""matching's reactions to what the lower apps announce (credits/signals.py): each enqueues
a matching task by id. Connected in `MatchingConfig.ready`."""

from typing import Any

from django.dispatch import receiver

from credits.signals import (
    application_status_changed,
    credits_issued,
    outcome_changed,
    usage_overspent,
)

from .tasks import email_outcome_partner as email_outcome_partner_task
from .tasks import email_overspend_partner as email_overspend_partner_task
from .tasks import record_application_webhooks as record_application_webhooks_task
from .tasks import record_commission as record_commission_task
from .tasks import record_credits_issued_webhooks as record_credits_issued_webhooks_task


@receiver(credits_issued, dispatch_uid="matching.record_commission")
def commission_on_credits_issued(sender: type, *, application_id: int, **kwargs: Any) -> None:
    """The partner who filed the application earns its routing commission."""
    record_commission_task.delay(application_id)


@receiver(outcome_changed, dispatch_uid="matching.email_outcome_partner")
def partner_email_on_outcome_changed(sender: type, *, startup_id: int, **kwargs: Any) -> None:
    """The firm whose lead for the startup is accepted hears that the $0 outcome moved."""
    email_outcome_partner_task.delay(startup_id)


@receiver(credits_issued, dispatch_uid="matching.record_credits_issued_webhooks")
def webhooks_on_credits_issued(sender: type, *, application_id: int, **kwargs: Any) -> None:
    """The firm's CRM hears of the issued credits (`credits.issued`)."""
    record_credits_issued_webhooks_task.delay(application_id)


@receiver(application_status_changed, dispatch_uid="matching.record_application_webhooks")
def webhooks_on_application_moved(sender: type, *, event_id: int, **kwargs: Any) -> None:
    """The firm's CRM hears of the move (`application.status_changed`)."""
    record_application_webhooks_task.delay(event_id)


@receiver(usage_overspent, dispatch_uid="matching.email_overspend_partner")
def partner_email_on_overspend(
    sender: type, *, startup_id: int, workload_id: int, **kwargs: Any
) -> None:
    """The firm whose lead for the startup is accepted hears that measured spend runs over."""
    email_overspend_partner_task.delay(startup_id, workload_id)
