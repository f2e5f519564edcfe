"""The audit trail: workloads.audit.audit_log and the AuditEvent row it writes."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from matching.models import Intake
from tests.factories import IntakeFactory, StartupFactory, UserFactory
from workloads.audit import audit_log
from workloads.models import AuditEvent, Startup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def test_it_records_actor_action_subject_and_data():
    actor = UserFactory()
    intake = IntakeFactory()

    event = audit_log(
        actor=actor, action="intake.submitted", subject=intake, data={"new_account": True}
    )

    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor == actor
    assert event.action == "intake.submitted"
    assert event.content_type == ContentType.objects.get_for_model(Intake)
    assert event.object_id == str(intake.pk)
    assert event.object_repr == str(intake)
    assert event.subject == intake
    assert event.data == {"new_account": True}
    assert event.created_at is not None


def test_it_records_the_system_as_no_actor():
    event = audit_log(actor=None, action="intake.processed", subject=IntakeFactory())

    event.refresh_from_db()
    assert event.actor is None
    assert event.data == {}


def test_it_records_an_anonymous_user_as_no_actor():
    event = audit_log(actor=AnonymousUser(), action="intake.viewed", subject=IntakeFactory())

    event.refresh_from_db()
    assert event.actor is None


def test_it_keeps_the_event_when_the_actor_is_deleted():
    actor = UserFactory()
    event = audit_log(actor=actor, action="startup.renamed", subject=StartupFactory())

    actor.delete()

    event.refresh_from_db()
    assert event.actor is None


def test_it_cuts_a_long_object_repr_to_200_characters():
    startup = StartupFactory(name="N" * 120)
    startup.name = "N" * 300  # str() of an unsaved rename, longer than the column

    event = audit_log(actor=None, action="startup.renamed", subject=startup)

    assert len(event.object_repr) == 200


def test_it_finds_the_events_of_one_object():
    startup, other = StartupFactory(), StartupFactory()
    audit_log(actor=None, action="startup.created", subject=startup)
    audit_log(actor=None, action="startup.updated", subject=startup)
    audit_log(actor=None, action="startup.created", subject=other)

    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Startup), object_id=str(startup.pk)
    )

    assert [event.action for event in events] == ["startup.updated", "startup.created"]


def test_it_refuses_an_undotted_action_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        audit_log(actor=None, action="submitted", subject=StartupFactory())


def test_it_refuses_a_badly_formed_dotted_action_in_full_clean():
    event = AuditEvent(
        action="Intake.Submitted!",
        content_type=ContentType.objects.get_for_model(Startup),
        object_id="1",
        object_repr="x",
    )

    with pytest.raises(ValidationError) as excinfo:
        event.full_clean()

    assert "action" in excinfo.value.message_dict


def test_it_links_to_the_subject_in_the_admin():
    intake = IntakeFactory()
    event = audit_log(actor=None, action="intake.processed", subject=intake)

    assert event.get_admin_url() == f"/admin/matching/intake/{intake.pk}/change/"
    assert str(event) == f"intake.processed {intake}"
