"""Celery tasks of the matching app: thin, take ids, safe to run twice.

Each imports the service it calls inside its body; the services import these tasks at module
level (as `<name>_task`), so the two modules never import each other at load time."""

import logging
from typing import TypedDict

from celery import shared_task

from .models import PartnerAceAccount

logger = logging.getLogger(__name__)


class RetryOptions(TypedDict):
    """The shared_task options of a task that retries (typed so the overloads match)."""

    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: bool
    max_retries: int


RETRY: RetryOptions = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(bind=True, name="matching.process_intake", **RETRY)
def process_intake(self, intake_id: int) -> str | None:
    """The claim records this task's id, so the same message redelivered after its worker
    was killed (same id) takes over its own lease at once (intake_process)."""
    from .services import intake_process

    intake = intake_process(intake_id=intake_id, task_id=self.request.id or "")
    return intake.status if intake else None


@shared_task(name="matching.sweep_pending_intakes")
def sweep_pending_intakes() -> int:
    """Beat, every minute: re-enqueue intakes whose processing never ran or whose worker
    died (lease run out), and routing for processed intakes a lost enqueue left unrouted."""
    from .services import intakes_stuck_requeue, intakes_unrouted_requeue

    return len(intakes_stuck_requeue()) + len(intakes_unrouted_requeue())


@shared_task(name="matching.purge_unconfirmed_intakes")
def purge_unconfirmed_intakes() -> int:
    """Beat, daily: delete what intakes never confirmed within their link's life made."""
    from .services import intakes_unconfirmed_purge

    return intakes_unconfirmed_purge()


@shared_task(name="matching.route_startup", **RETRY)
def route_startup(startup_id: int, trigger: str = "intake") -> int | None:
    from .services import lead_route

    decision = lead_route(startup_id=startup_id, trigger=trigger)
    return decision.pk if decision else None


@shared_task(name="matching.expire_leads")
def expire_leads() -> int:
    from .services import leads_expire

    return len(leads_expire())


@shared_task(name="matching.sync_ace")
def sync_ace() -> dict[str, int]:
    """Beat, every 15 minutes: pull each enabled firm's changed ACE opportunities into its
    applications, then its credit allocations (Partner Central Benefits) into issued credits
    (counts prefixed "benefits_"). A firm without reachable credentials, or whose pull fails,
    is skipped (and logged); the others still sync, and the next run tries it again."""
    from . import services  # read at call time: tests swap the AWS clients

    totals: dict[str, int] = {"partners": 0, "failed": 0}
    for account in PartnerAceAccount.objects.filter(enabled=True).order_by("pk"):
        try:
            client = services.ace_client_for(account)
            if client is None:
                logger.info("ace sync: no AWS credentials for partner %s", account.partner_id)
                continue
            counts = services.ace_sync_partner(partner_id=account.partner_id, client=client)
        except Exception:
            logger.exception("ace sync: partner %s failed", account.partner_id)
            totals["failed"] += 1
            continue
        totals["partners"] += 1
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        # Then the credits AWS issued for the firm's approved applications (same credentials).
        try:
            benefits_client = services.benefits_client_for(account)
            if benefits_client is None:
                continue
            counts = services.benefits_sync_partner(
                partner_id=account.partner_id, client=benefits_client
            )
        except Exception:
            logger.exception("benefits sync: partner %s failed", account.partner_id)
            totals["benefits_failed"] = totals.get("benefits_failed", 0) + 1
            continue
        for key, value in counts.items():
            totals[f"benefits_{key}"] = totals.get(f"benefits_{key}", 0) + value
    return totals


@shared_task(name="matching.remind_revetting")
def remind_revetting() -> int:
    """Beat, daily: e-mail the firms (and the operators) whose vetting runs out soon."""
    from .services import revetting_reminders_send

    return len(revetting_reminders_send())


@shared_task(name="matching.email_revetting_reminder", **RETRY)
def email_revetting_reminder(partner_id: int) -> None:
    """Enqueued by remind_revetting once the firm's row is stamped; retried if sending
    fails, so a stamped reminder is not lost to a mail server's hiccup."""
    from .services.vetting import revetting_reminder_email_send

    revetting_reminder_email_send(partner_id=partner_id)


@shared_task(name="matching.email_join_submitted", **RETRY)
def email_join_submitted(application_id: int) -> None:
    """The applicant's receipt and the operators' notice of an application to join."""
    from .services.joining import join_submitted_email_send

    join_submitted_email_send(application_id=application_id)


@shared_task(name="matching.email_join_decision", **RETRY)
def email_join_decision(application_id: int) -> None:
    """A refused application's reason, to the applicant."""
    from .services.joining import join_decision_email_send

    join_decision_email_send(application_id=application_id)


@shared_task(name="matching.email_password_reset", **RETRY)
def email_password_reset(email: str) -> None:
    """Takes the typed address, not an id: the reset page must not look it up (same answer
    and timing whether or not it has an account). Safe to run twice: two links, both valid
    until the password changes."""
    from .services.password_reset import partner_password_reset_email_send

    partner_password_reset_email_send(email=email)


@shared_task(name="matching.email_partner_invitation", **RETRY)
def email_partner_invitation(invitation_id: int) -> None:
    from .services import partner_invitation_email_send

    partner_invitation_email_send(invitation_id=invitation_id)


@shared_task(name="matching.email_lead_offered", **RETRY)
def email_lead_offered(lead_id: int) -> None:
    from .services import lead_offered_email_send

    lead_offered_email_send(lead_id=lead_id)


@shared_task(name="matching.email_lead_accepted", **RETRY)
def email_lead_accepted(lead_id: int) -> None:
    from .services import lead_accepted_email_send

    lead_accepted_email_send(lead_id=lead_id)


@shared_task(name="matching.email_operators_unrouted", **RETRY)
def email_operators_unrouted(startup_id: int) -> None:
    from .services import operators_unrouted_email_send

    operators_unrouted_email_send(startup_id=startup_id)


@shared_task(name="matching.record_commission", **RETRY)
def record_commission(application_id: int) -> int | None:
    """Enqueued when credits announces credits issued (matching.receivers)."""
    from .services import commission_record

    commission = commission_record(application_id=application_id)
    return commission.pk if commission else None


@shared_task(name="matching.sweep_missing_commissions")
def sweep_missing_commissions() -> int:
    """Beat, every 10 minutes: record the commissions whose task was lost on credits issue."""
    from .services import commissions_missing_requeue

    return len(commissions_missing_requeue())


@shared_task(name="matching.email_outcome_partner", **RETRY)
def email_outcome_partner(startup_id: int) -> None:
    """Enqueued when credits announces an outcome change (matching.receivers)."""
    from .services import outcome_partner_email_send

    outcome_partner_email_send(startup_id=startup_id)


@shared_task(name="matching.email_overspend_partner", **RETRY)
def email_overspend_partner(startup_id: int, workload_id: int) -> None:
    """Enqueued when credits announces measured spend above the projection (receivers)."""
    from .services import overspend_partner_email_send

    overspend_partner_email_send(startup_id=startup_id, workload_id=workload_id)


@shared_task(name="matching.email_intake_confirmation", **RETRY)
def email_intake_confirmation(intake_id: int) -> None:
    from .services import intake_confirmation_email_send

    intake_confirmation_email_send(intake_id=intake_id)


@shared_task(name="matching.email_signin_request", **RETRY)
def email_signin_request(email: str) -> None:
    """Takes the typed address, not an id: the request must not look it up (same answer and
    timing whether or not it has an account). Safe to run twice: the cap bounds repeats."""
    from .services import signin_link_request_email_send

    signin_link_request_email_send(email=email)


@shared_task(name="matching.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Beat, hourly: delete the Idempotency-Key records past IDEMPOTENCY_KEY_TTL (their
    replays stop before that anyway). Safe to run twice: a second run finds nothing."""
    from .services.idempotency import idempotency_keys_purge

    return idempotency_keys_purge()


@shared_task(name="matching.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    """One try of a webhook delivery. Safe to run twice: a delivery not due, or held by
    another worker, is skipped. A failed try is retried by `retry_webhooks` after its backoff."""
    from .services.webhooks import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id)


@shared_task(name="matching.retry_webhooks")
def retry_webhooks() -> int:
    """Beat, every minute: enqueue the webhook deliveries that are due (retries after their
    backoff, and first tries whose enqueue was lost)."""
    from .services.webhooks import webhook_deliveries_due

    return len(webhook_deliveries_due())


@shared_task(name="matching.record_application_webhooks", **RETRY)
def record_application_webhooks(event_id: int) -> int:
    """Enqueued when credits announces an application's move (matching.receivers). Safe to
    run twice: the event's id keys its deliveries."""
    from .services.webhooks import application_event_webhooks_record

    return len(application_event_webhooks_record(event_id=event_id))


@shared_task(name="matching.record_credits_issued_webhooks", **RETRY)
def record_credits_issued_webhooks(application_id: int) -> int:
    """Enqueued when credits announces issued credits. Safe to run twice (keyed by the
    application)."""
    from .services.webhooks import credits_issued_webhooks_record

    return len(credits_issued_webhooks_record(application_id=application_id))


@shared_task(name="matching.run_bulk_job", **RETRY)
def run_bulk_job(job_id: int) -> int:
    """An operator's bulk action, row by row with its progress saved. Safe to run twice: it
    resumes where the job stopped."""
    from .services.jobs import bulk_job_run

    return bulk_job_run(job_id=job_id).done
