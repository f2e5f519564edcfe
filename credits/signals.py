"""What the credits app announces to the apps above it.

credits never imports a higher app (docs/architecture.md#layers); where a higher app must act
on something that happened here, credits sends one of these signals and the higher app's
receivers (`matching/receivers.py`) enqueue their own tasks. The signals carry notifications
across that boundary only; the flow inside an app stays in its services.

Each is sent by `send_on_commit`, once the transaction that made the change commits: a
receiver sees the committed rows, a rollback announces nothing, and a failing receiver (a
broker down, say) is logged without undoing the change. Receivers must be quick and take ids:
enqueue a task and return. What a lost enqueue leaves undone is picked up by the receiving
app's sweepers (docs/reliability.md).
"""

from typing import Any

from django.db import transaction
from django.dispatch import Signal

credits_issued = Signal()
"""Credits were issued on a partner-filed application: its grant exists. Sender:
`CreditApplication`. Keyword arguments: `application_id`, `startup_id`."""

application_status_changed = Signal()
"""An application moved from one state to another (`application_transition`). Sender:
`CreditApplication`. Keyword arguments: `application_id`, `event_id` (the ApplicationEvent
that records the move)."""

outcome_changed = Signal()
"""A startup's $0 outcome moved (its status or its first month out of pocket). Sender:
`CreditOutcome`. Keyword arguments: `startup_id`, `outcome_id`."""


def send_on_commit(signal: Signal, *, sender: type, **kwargs: Any) -> None:
    """Send `signal` when the current transaction commits (at once outside of one)."""
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs), robust=True)


usage_overspent = Signal()
"""The spend measured on the startup's Bedrock account runs more than 20% above the
projection of its newest workload (`usage_overspend_check`, once per workload version).
Sender: `BillingAccess`. Keyword arguments: `startup_id`, `workload_id`."""
