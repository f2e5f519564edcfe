"""Sentry (issue 18 §3): off without SENTRY_DSN; with one, the Django and Celery integrations
are on and an unhandled view error reaches it tagged with the request id. The transport here
keeps envelopes in a list: nothing is ever sent."""

import json

import pytest
import sentry_sdk
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.transport import Transport

from cloudroute.observability.sentry import sentry_init
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DSN = "https://public@sentry.example.invalid/1"


def boom(request):
    raise RuntimeError("the view broke")


def fine(request):
    return HttpResponse("ok")


# ROOT_URLCONF of these tests: a view that fails and one that does not.
urlpatterns = [path("boom/", boom, name="boom"), path("fine/", fine, name="fine")]


class CapturingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        return [
            item.payload.json
            for envelope in self.envelopes
            for item in envelope.items
            if item.type == "event"
        ]


@pytest.fixture
def sentry():
    transport = CapturingTransport()
    assert sentry_init(dsn=DSN, environment="test", transport=transport)
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def test_it_is_off_without_a_dsn():
    # settings.py ran sentry_init with the environment's (empty) SENTRY_DSN.
    assert not sentry_sdk.get_client().is_active()
    assert sentry_init(dsn="", environment="test") is False
    assert not sentry_sdk.get_client().is_active()


def test_with_a_dsn_the_django_and_celery_integrations_are_on(sentry):
    client = sentry_sdk.get_client()

    assert client.is_active()
    assert client.get_integration(DjangoIntegration) is not None
    assert client.get_integration(CeleryIntegration) is not None
    collected = client.options["data_collection"]
    assert collected["user_info"] is False
    assert collected["http_bodies"] == []
    assert collected["cookies"] == {"mode": "off"}
    assert client.options["environment"] == "test"


def test_an_unhandled_view_error_reaches_it_with_the_request_id(sentry, settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False

    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(email="founder@example.com"))

    response = client.post("/boom/", {"email": "founder@example.com"})

    assert response.status_code == 500
    [event] = sentry.events()
    assert event["exception"]["values"][-1]["value"] == "the view broke"
    assert event["tags"]["request_id"] == response["X-Request-ID"]
    assert event["environment"] == "test"
    assert "user" not in event
    assert "data" not in event["request"] and "cookies" not in event["request"]
    assert "founder@example.com" not in json.dumps(event)


def test_a_good_request_sends_nothing(sentry, settings):
    settings.ROOT_URLCONF = __name__

    assert Client().get("/fine/").status_code == 200

    assert sentry.events() == []
