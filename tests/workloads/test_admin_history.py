"""History for routing settings, credit programs and price books: each admin save is audited
with the changed fields before and after (inline rows too), and the object's History page in
the admin shows who changed what, when, from what to what."""

from decimal import Decimal

import pytest
from django.urls import reverse

from credits.models import CreditProgram
from matching.models import RoutingSettings
from tests.factories import UserFactory
from workloads.models import AuditEvent, ModelPrice, PriceBook

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(email="olive@cloudroute.test", is_staff=True, is_superuser=True))
    return client


def form_data(client, url: str) -> dict:
    """What the change page would post back unchanged (inline management forms included)."""
    context = client.get(url).context
    data = {}
    form = context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is not None:
            data[name] = value.pk if hasattr(value, "pk") else value
    for formset in context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, 0)
        for inline in formset.formset.forms:
            for name, field in inline.fields.items():
                value = inline.initial.get(name, field.initial)
                if value is not None:
                    data[inline.add_prefix(name)] = value.pk if hasattr(value, "pk") else value
    return {key: value for key, value in data.items() if value is not False}


def test_a_routing_settings_change_is_kept_with_before_and_after(operator_client):
    settings_row = RoutingSettings.load()
    url = reverse("admin:matching_routingsettings_change", args=[settings_row.pk])
    before = settings_row.accept_hours

    response = operator_client.post(url, {**form_data(operator_client, url), "accept_hours": 9})

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="routingsettings.changed")
    assert event.actor.email == "olive@cloudroute.test"
    assert event.data["changes"] == {"accept_hours": {"before": before, "after": 9}}
    history = operator_client.get(
        reverse("admin:matching_routingsettings_history", args=[settings_row.pk])
    ).content.decode()
    assert 'data-testid="audited-change"' in history
    assert f"accept_hours</strong>: {before} → 9" in history
    assert "olive@cloudroute.test" in history


def test_a_programs_terms_and_a_price_rows_change_are_kept(operator_client):
    program = CreditProgram.objects.filter(code="bedrock_poc").latest("effective_from")
    url = reverse("admin:credits_creditprogram_change", args=[program.pk])
    old_max = program.amount_max
    operator_client.post(url, {**form_data(operator_client, url), "amount_max": "60000.00"})

    event = AuditEvent.objects.get(action="creditprogram.changed")
    assert event.data["changes"]["amount_max"] == {"before": str(old_max), "after": "60000.00"}

    price = ModelPrice.objects.filter(book__is_default=True).first()
    book_url = reverse("admin:workloads_pricebook_change", args=[price.book_id])
    data = form_data(operator_client, book_url)
    prefix = next(
        inline.formset.prefix
        for inline in operator_client.get(book_url).context["inline_admin_formsets"]
        if inline.formset.model is ModelPrice
    )
    key = next(
        k for k, v in data.items() if k.startswith(prefix) and k.endswith("-id") and v == price.pk
    )
    data[key.replace("-id", "-input")] = "9.99"
    response = operator_client.post(book_url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    price.refresh_from_db()
    assert price.input == Decimal("9.99")
    event = AuditEvent.objects.get(action="pricebook.modelprice_changed")
    assert event.data["row"] == str(price)
    assert event.data["changes"]["input"]["after"] == "9.99"
    history = operator_client.get(
        reverse("admin:workloads_pricebook_history", args=[price.book_id])
    ).content.decode()
    assert "pricebook.modelprice_changed" in history


def test_saving_without_changes_records_nothing(operator_client):
    settings_row = RoutingSettings.load()
    url = reverse("admin:matching_routingsettings_change", args=[settings_row.pk])
    operator_client.post(url, form_data(operator_client, url))

    assert not AuditEvent.objects.filter(action="routingsettings.changed").exists()
    assert PriceBook.objects.exists()
