"""The e-mails a founder gets because someone typed their address: the intake's confirmation
link and the sign-in link. Anyone can trigger them, so each address gets at most
settings.FOUNDER_EMAILS_PER_HOUR of them an hour whoever asks and from wherever, and their
subjects carry no text anyone typed."""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.mail import send_email

from ..models import Intake
from ..signin import confirm_url, founder_may_sign_in, signin_url
from ..tasks import email_signin_request as email_signin_request_task

logger = logging.getLogger(__name__)

CONFIRM_SUBJECT = "Confirm your CloudRoute intake"
SIGNIN_SUBJECT = "Your CloudRoute sign-in link"


def recipient_allows(email: str, *, kind: str) -> bool:
    """Count one founder e-mail of `kind` ("confirm" or "signin") to `email` in the current
    hour; False past the cap.

    A fixed hourly window in the cache (Redis in production), keyed by a hash of the
    address, one count per kind: intakes anyone can send naming an address spend only the
    confirmation count, never the founder's own sign-in links. If the cache cannot be
    reached the e-mail goes out (as the throttles do)."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    key = f"founder-emails:{kind}:{digest}:{timezone.now():%Y%m%d%H}"
    try:
        cache.add(key, 0, timeout=3600)
        count = cache.incr(key)
    except Exception:  # the cache is down: the cap cannot be read
        logger.warning("founder e-mail cap unavailable; sending anyway", exc_info=True)
        return True
    if count > settings.FOUNDER_EMAILS_PER_HOUR:
        logger.info("founder e-mail cap reached for one address (%s this hour)", count)
        return False
    return True


def intake_confirmation_email_send(*, intake_id: int) -> None:
    """The link that confirms the intake (and attaches it to the address's account); nothing
    when the intake is gone or already confirmed, or the address is over its cap."""
    intake = Intake.objects.select_related("startup").filter(pk=intake_id).first()
    if intake is None or intake.is_confirmed or not recipient_allows(intake.email, kind="confirm"):
        return
    send_email(
        subject=CONFIRM_SUBJECT,
        template="matching/email/intake_confirm",
        context={"intake": intake, "url": confirm_url(intake=intake)},
        to=[intake.email],
    )


def signin_link_request(*, email: str) -> None:
    """ "E-mail me a new link" for `email`: enqueued (the request reads no account, so it
    answers alike and as fast for every address); the task decides what to send."""
    transaction.on_commit(lambda: email_signin_request_task.delay(email), robust=True)


def signin_link_request_email_send(*, email: str) -> None:
    """Someone asked for a new link for `email`: a founder account gets a sign-in link; the
    newest unconfirmed intake of the address (account or not) gets its confirmation link
    again, since only that link can confirm it; any other address nothing (the page answers
    the same in every case). Staff and partner accounts get neither."""
    email = email.strip().lower()
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is not None:
        if not founder_may_sign_in(user):
            return
        if recipient_allows(user.email, kind="signin"):
            send_email(
                subject=SIGNIN_SUBJECT,
                template="matching/email/signin_link",
                context={"user": user, "url": signin_url(user=user)},
                to=[user.email],
            )
    intake = (
        Intake.objects.filter(email=email, confirmed_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    if intake is not None:
        intake_confirmation_email_send(intake_id=intake.pk)
