"""Webhook deliveries to a real HTTP receiver on 127.0.0.1 (tests/webhook_receiver.py): each
event is a signed JSON POST the receiver can verify, a failure is retried with backoff and
then given up, a lead's contact never travels before the firm accepts, another firm's events
never reach an endpoint, and with DEBUG off nothing is sent to a loopback or private address
(checked again at every try, after DNS resolution)."""

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from credits.models import ApplicationStatus
from credits.services import application_transition
from matching.models import (
    IntakeStatus,
    LeadStatus,
    PartnerMembership,
    WebhookDelivery,
    WebhookEndpoint,
)
from matching.services import lead_accept, lead_route, leads_expire, webhook_create, webhook_rotate
from matching.services.webhooks import BACKOFF, MAX_ATTEMPTS, webhook_deliver
from matching.tasks import deliver_webhook, retry_webhooks
from tests.factories import (
    CreditApplicationFactory,
    CreditProgramFactory,
    IntakeFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    UserFactory,
    WorkloadFactory,
)
from tests.matching.routing_helpers import make_overdue, routable_partner
from tests.webhook_receiver import start_receiver

from .partner_helpers import make_lead

pytestmark = [pytest.mark.django_db]

ALL_EVENTS = [
    "lead.offered",
    "lead.accepted",
    "lead.expired",
    "application.status_changed",
    "credits.issued",
]


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def debug(settings):
    """A laptop: loopback receivers are allowed (only) with DEBUG on."""
    settings.DEBUG = True


def admin_of(firm):
    return PartnerMembershipFactory(
        partner=firm, user__email=f"admin@{firm.slug}.test", role=PartnerMembership.Role.ADMIN
    ).user


def subscribe(firm, url: str, events=ALL_EVENTS) -> tuple[WebhookEndpoint, str]:
    return webhook_create(partner=firm, actor=admin_of(firm), url=url, events=events)


def verify(received, secret: str) -> dict:
    """What a receiver does: recompute the HMAC over `<t>.<body>` and compare."""
    fields = [part.split("=", 1) for part in received.headers["CloudRoute-Signature"].split(",")]
    timestamp = dict(fields)["t"]
    signatures = [value for name, value in fields if name == "v1"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
    ).hexdigest()
    assert any(hmac.compare_digest(expected, signature) for signature in signatures)
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60
    return json.loads(received.body)


def test_an_offer_reaches_the_firm_signed_and_without_the_founders_contact(
    receiver, debug, django_capture_on_commit_callbacks
):
    firm = routable_partner(name="Northwind Cloud")
    _, secret = subscribe(firm, receiver.url())
    intake = IntakeFactory(status=IntakeStatus.READY)

    with django_capture_on_commit_callbacks(execute=True):
        lead_route(startup_id=intake.startup_id)

    [received] = receiver.requests
    assert received.path == "/hooks/cloudroute"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["CloudRoute-Event"] == "lead.offered"
    body = verify(received, secret)
    assert body["type"] == "lead.offered"
    assert received.headers["CloudRoute-Delivery"] == body["id"]
    lead = body["data"]["lead"]
    assert lead["status"] == "offered"
    assert lead["company"]["name"] == intake.startup.name
    assert lead["contact"] is None
    founder = intake.startup.founder
    assert founder.email not in received.body.decode()
    assert founder.full_name not in received.body.decode()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.next_attempt_at is None


def test_a_wrong_secret_does_not_verify(receiver, debug, django_capture_on_commit_callbacks):
    firm = PartnerFactory()
    subscribe(firm, receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=make_lead(firm).pk, partner=firm, actor=None)

    with pytest.raises(AssertionError):
        verify(receiver.requests[0], "whsec_not-the-secret")


def test_accepting_sends_the_contact_and_expiring_does_not(
    receiver, debug, django_capture_on_commit_callbacks
):
    firm = PartnerFactory()
    subscribe(firm, receiver.url())
    taken, lapsed = make_lead(firm, name="Acme Robotics"), make_lead(firm, name="Zeta Labs")
    make_overdue(lapsed)

    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=taken.pk, partner=firm, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        leads_expire()

    accepted, expired = (json.loads(r.body) for r in receiver.requests)
    assert accepted["type"] == "lead.accepted"
    assert accepted["data"]["lead"]["contact"] == {
        "name": "Fay Founder",
        "email": "acme@founder.test",
        "aws_account_id": "123456789012",
    }
    assert expired["type"] == "lead.expired"
    assert expired["data"]["lead"]["status"] == "expired"
    assert expired["data"]["lead"]["contact"] is None
    assert "zeta@founder.test" not in receiver.requests[1].body.decode()


def test_another_firms_events_never_reach_an_endpoint(
    receiver, debug, django_capture_on_commit_callbacks
):
    firm_x, firm_y = PartnerFactory(name="Northwind"), PartnerFactory(name="Bluebird")
    subscribe(firm_x, receiver.url("/x"))
    subscribe(firm_y, receiver.url("/y"))
    lead_y = make_lead(firm_y)

    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=lead_y.pk, partner=firm_y, actor=None)

    assert [r.path for r in receiver.requests] == ["/y"]
    assert not WebhookDelivery.objects.filter(endpoint__partner=firm_x).exists()


def test_only_the_subscribed_events_are_sent(receiver, debug, django_capture_on_commit_callbacks):
    firm = PartnerFactory()
    subscribe(firm, receiver.url(), events=["lead.expired"])
    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=make_lead(firm).pk, partner=firm, actor=None)

    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_a_500_is_retried_after_its_backoff_with_the_same_event(
    receiver, debug, django_capture_on_commit_callbacks
):
    firm = PartnerFactory()
    _, secret = subscribe(firm, receiver.url())
    receiver.statuses = [500]

    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=make_lead(firm).pk, partner=firm, actor=None)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("retrying", 1, 500)
    assert delivery.last_error == "HTTP 500: receiver broke"
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert wait == BACKOFF[0]

    retry_webhooks()  # not due yet: nothing sent
    assert len(receiver.requests) == 1

    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    retry_webhooks()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["CloudRoute-Delivery"] == second.headers["CloudRoute-Delivery"]
    verify(second, secret)


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_try(receiver, debug):
    firm = PartnerFactory()
    endpoint, _ = subscribe(firm, receiver.url())
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_key="lead:1:lead.offered",
        event_type="lead.offered",
        payload={"id": "x", "data": {}},
        attempts=MAX_ATTEMPTS - 1,
        next_attempt_at=timezone.now(),
    )
    receiver.statuses = [503]

    assert webhook_deliver(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == MAX_ATTEMPTS and delivery.failed_at is not None
    assert delivery.next_attempt_at is None
    assert webhook_deliver(delivery_id=delivery.pk) == "skipped"
    assert len(receiver.requests) == 1


def test_a_delivered_event_is_not_sent_again_and_recording_twice_makes_one(
    receiver, debug, django_capture_on_commit_callbacks
):
    from matching.services.webhooks import lead_event_record

    firm = PartnerFactory()
    subscribe(firm, receiver.url())
    lead = make_lead(firm, status=LeadStatus.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        lead_event_record(lead=lead, event_type="lead.accepted")
        lead_event_record(lead=lead, event_type="lead.accepted")

    delivery = WebhookDelivery.objects.get()
    deliver_webhook(delivery.pk)
    retry_webhooks()
    assert len(receiver.requests) == 1


def test_a_receiver_that_does_not_answer_is_an_attempt_without_a_status(debug, receiver):
    firm = PartnerFactory()
    endpoint, _ = subscribe(firm, receiver.url())
    endpoint.url = "http://127.0.0.1:9/closed"  # the discard port: nothing listens
    endpoint.save()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_key="k", event_type="lead.offered", payload={},
        next_attempt_at=timezone.now(),
    )  # fmt: skip

    assert webhook_deliver(delivery_id=delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert delivery.last_error == "The connection failed."


# --- addresses ----------------------------------------------------------------------------


def test_with_debug_off_a_loopback_receiver_is_never_called(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    firm = PartnerFactory()
    subscribe(firm, receiver.url())
    settings.DEBUG = False

    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=make_lead(firm).pk, partner=firm, actor=None)

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "retrying" and delivery.last_status_code is None
    assert delivery.last_error.startswith("Not sent: Use an https:// URL.")


def test_a_name_that_now_resolves_to_a_private_address_is_refused_at_the_try(
    fake_dns, django_capture_on_commit_callbacks
):
    fake_dns["crm.rebind.example"] = ["93.184.216.34"]
    firm = PartnerFactory()
    subscribe(firm, "https://crm.rebind.example/hook")
    fake_dns["crm.rebind.example"] = ["10.0.0.9"]

    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=make_lead(firm).pk, partner=firm, actor=None)

    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error == (
        "Not sent: crm.rebind.example resolves to 10.0.0.9, a private, loopback or reserved "
        "address; use a receiver on the public internet."
    )


def test_the_request_goes_to_the_checked_address_with_the_name_as_host(
    receiver, debug, fake_dns, django_capture_on_commit_callbacks
):
    fake_dns["crm.local.example"] = ["127.0.0.1"]
    firm = PartnerFactory()
    subscribe(firm, f"http://crm.local.example:{receiver.port}/hook?source=cloudroute")

    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=make_lead(firm).pk, partner=firm, actor=None)

    [received] = receiver.requests
    assert received.path == "/hook?source=cloudroute"
    assert received.headers["Host"] == f"crm.local.example:{receiver.port}"


# --- rotation -----------------------------------------------------------------------------


def test_after_a_rotation_both_secrets_verify_for_a_day(
    receiver, debug, django_capture_on_commit_callbacks
):
    firm = PartnerFactory()
    endpoint, old = subscribe(firm, receiver.url())
    _, new = webhook_rotate(partner=firm, actor=endpoint.created_by, webhook_id=endpoint.pk)

    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=make_lead(firm, name="Acme One").pk, partner=firm, actor=None)
    verify(receiver.requests[0], old)
    verify(receiver.requests[0], new)

    WebhookEndpoint.objects.update(previous_secret_until=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(lead_id=make_lead(firm, name="Beta Two").pk, partner=firm, actor=None)
    verify(receiver.requests[1], new)
    with pytest.raises(AssertionError):
        verify(receiver.requests[1], old)


# --- application events -------------------------------------------------------------------


def test_an_application_move_and_issued_credits_reach_the_firm_that_accepted_the_lead(
    receiver, debug, django_capture_on_commit_callbacks
):
    firm, other = PartnerFactory(), PartnerFactory()
    subscribe(firm, receiver.url("/x"))
    subscribe(other, receiver.url("/other"))
    workload = WorkloadFactory()
    lead = make_lead(firm, status=LeadStatus.ACCEPTED)
    application = CreditApplicationFactory(
        startup=lead.startup,
        program=CreditProgramFactory(),
        status=ApplicationStatus.APPROVED,
        ace_opportunity_id="O100",
        approved_amount=Decimal("20000"),
    )
    assert workload  # another startup's workload: no lead, no events

    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            application_id=application.pk,
            to=ApplicationStatus.CREDITS_ISSUED,
            actor=UserFactory(is_staff=True),
            issued_amount=Decimal("20000.00"),
            expires_on=timezone.localdate() + dt.timedelta(days=365),
        )

    assert [r.path for r in receiver.requests] == ["/x", "/x"]
    by_type = {json.loads(r.body)["type"]: json.loads(r.body)["data"] for r in receiver.requests}
    moved = by_type["application.status_changed"]
    assert moved["application"]["id"] == application.pk
    assert moved["application"]["lead_id"] == lead.pk
    assert moved["change"]["from"] == "approved" and moved["change"]["to"] == "credits_issued"
    issued = by_type["credits.issued"]
    assert issued["credits"]["amount"] == "20000.00"
    assert issued["application"]["approved_amount"] == "20000.00"
