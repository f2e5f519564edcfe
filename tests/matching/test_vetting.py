"""Vetting that runs out: the portal tells the firm (expired: no new leads; soon: the date),
and the daily reminder e-mails the firm and the operators 30 and 7 days before, once each."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from matching import tasks
from matching.models import Partner
from matching.services import revetting_reminders_send
from tests.factories import PartnerMembershipFactory, UserFactory
from tests.matching.routing_helpers import routable_partner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def firm_expiring_in(days: int | None) -> Partner:
    today = timezone.localdate()
    expires = None if days is None else today + dt.timedelta(days=days)
    firm = routable_partner(name="Northwind Cloud", vetting_expires_on=expires)
    PartnerMembershipFactory(partner=firm, user__email="ada@northwind.test")
    return firm


@pytest.mark.parametrize(
    ("days", "testid"),
    [(-1, "vetting-expired"), (None, "vetting-expired"), (10, "vetting-soon"), (90, None)],
)
def test_the_portal_says_where_the_vetting_stands(client, days, testid):
    firm = firm_expiring_in(days)
    client.force_login(firm.memberships.get().user)

    page = client.get("/partner/").text

    for shown in ("vetting-expired", "vetting-soon"):
        assert (f'data-testid="{shown}"' in page) is (shown == testid)
    if testid == "vetting-expired":
        assert "no new leads" in page


def test_reminders_go_30_and_7_days_before_once_each(
    monkeypatch, django_capture_on_commit_callbacks
):
    UserFactory(email="olive@cloudroute.test", is_staff=True)
    firm = firm_expiring_in(30)
    today = timezone.localdate()

    def run_on(day: dt.date) -> list[int]:
        monkeypatch.setattr(timezone, "localdate", lambda *args: day)
        with django_capture_on_commit_callbacks(execute=True):
            return revetting_reminders_send()

    assert run_on(today) == [firm.pk]
    assert run_on(today) == []  # the same day again: nothing more
    assert run_on(today + dt.timedelta(days=10)) == []  # still the 30-day window
    assert run_on(today + dt.timedelta(days=23)) == [firm.pk]  # 7 days left
    assert run_on(today + dt.timedelta(days=25)) == []
    # Two reminders, each one mail to the firm and one to the operators.
    assert [message.to for message in mail.outbox] == [
        ["ada@northwind.test"],
        ["olive@cloudroute.test"],
    ] * 2
    assert "runs out on" in mail.outbox[0].subject
    assert "/partner/profile/" in mail.outbox[0].body
    assert f"/admin/matching/partner/{firm.pk}/change/" in mail.outbox[1].body


def test_the_mail_goes_out_from_a_retrying_task_after_the_stamp(
    monkeypatch, django_capture_on_commit_callbacks
):
    """The firm's row is stamped first; the send is a task that Celery retries (a mail
    server's hiccup does not lose the reminder, and does not undo the stamp)."""
    firm = firm_expiring_in(30)
    sent = []
    monkeypatch.setattr(tasks.email_revetting_reminder, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        revetting_reminders_send()

    assert sent == [firm.pk] and mail.outbox == []
    firm.refresh_from_db()
    assert firm.revetting_reminded_on == timezone.localdate()
    assert tasks.email_revetting_reminder.autoretry_for == (Exception,)
    assert tasks.email_revetting_reminder.max_retries == 5


def test_firms_far_from_expiry_or_inactive_get_none(django_capture_on_commit_callbacks):
    firm_expiring_in(90)
    inactive = routable_partner(name="Old Firm", is_active=False)
    Partner.objects.filter(pk=inactive.pk).update(
        vetting_expires_on=timezone.localdate() + dt.timedelta(days=3)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert revetting_reminders_send() == []
    assert mail.outbox == []


def test_the_daily_task_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["remind-revetting"]
    assert entry["task"] == tasks.remind_revetting.name == "matching.remind_revetting"
