"""The workloads app's e-mails, composed here and sent by the thin tasks."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.mail import send_email

from .models import PriceBook


def price_book_alert_send(*, book_slug: str, alerts: list[str]) -> None:
    """Tell the operators what a price-book refresh needs from them (a model turned legacy
    or end of life, a default moved, a held refresh). Nothing without alerts or operators."""
    book = PriceBook.objects.filter(slug=book_slug).first()
    operators = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .values_list("email", flat=True)
    )
    if book is None or not alerts or not operators:
        return
    url = settings.SITE_URL.rstrip("/") + reverse(
        "admin:workloads_pricebook_change", args=[book.pk]
    )
    send_email(
        # Our own words only: model names come from AWS, not from a user.
        subject=f"[ops] Price book {book.slug}: {len(alerts)} thing(s) to review",
        template="workloads/email/price_book_alert",
        context={"book": book, "alerts": alerts, "url": url},
        to=operators,
    )
