"""A partner user's password reset e-mail, sent by a task (`matching.email_password_reset`)
that takes the typed address: the page only enqueues, so it answers in the same time whether
or not the address has an account (no enumeration by timing, as by the answer)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction

from ..models import PartnerMembership
from ..tasks import email_password_reset as email_password_reset_task


class _PartnerPasswordResetForm(PasswordResetForm):
    """Django's reset form, for partner firms' users only: a founder signs in by e-mailed
    link and has no password, and operators reset theirs with an administrator."""

    def get_users(self, email):
        return (
            user
            for user in super().get_users(email)
            if PartnerMembership.objects.filter(user_id=user.pk).exists()
        )


def partner_password_reset_request(*, email: str) -> None:
    """Enqueue the reset e-mail for the typed address, on commit; looks nothing up."""
    transaction.on_commit(lambda: email_password_reset_task.delay(email), robust=True)


def partner_password_reset_email_send(*, email: str) -> None:
    """E-mail a reset link to each active partner user with this address (none: nothing).
    Django's token generator makes the link; its base is SITE_URL, never a request's Host."""
    form = _PartnerPasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        subject_template_name="matching/email/partner_password_reset_subject.txt",
        email_template_name="matching/email/partner_password_reset.txt",
        extra_email_context={"site_url": settings.SITE_URL.rstrip("/")},
    )
