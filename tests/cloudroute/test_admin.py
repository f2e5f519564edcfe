"""The operators' admin: every registered model's pages load, and founders stay out."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from credits.models import (
    ApplicationEvent,
    BedrockQuota,
    BedrockUsageDay,
    BillingAccess,
    CreditGrant,
    MonthlySpendActual,
)
from credits.services import eligibility_evaluate
from matching.models import BulkJob, Commission, IdempotencyKey, RoutingDecision
from matching.services.joining import join_application_submit
from tests.factories import (
    CreditApplicationFactory,
    IntakeFactory,
    LeadFactory,
    PartnerMembershipFactory,
    UserFactory,
)
from workloads.audit import audit_log
from workloads.models import InferenceProfile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

OUR_APPS = {"cloudroute", "workloads", "credits", "matching"}
REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)
# One-row models whose changelist opens the row (tests/matching/test_routing_admin.py).
SINGLETONS = {("matching", "routingsettings")}
# Rows only the app makes (services, the partner flow, the API), so the admin never adds them.
NO_ADD = {
    ("credits", "creditapplication"),  # the partner flow
    ("credits", "creditgrant"),  # the application service, when credits are issued
    ("credits", "eligibilitysnapshot"),  # the eligibility service
    ("matching", "idempotencykey"),  # the intake API
    ("matching", "commission"),  # the commission service, when credits are issued
    ("matching", "joinapplication"),  # firms apply on /partner/apply/
    ("matching", "bulkjob"),  # admin actions start them
    ("matching", "lead"),  # routing
    ("matching", "routingdecision"),  # routing
    ("matching", "routingsettings"),  # the changelist creates the one row
    ("workloads", "auditevent"),  # audit_log
    # django-axes records sign-in attempts itself; operators only read or delete them.
    ("credits", "monthlyspendactual"),  # imported from Cost Explorer
    ("credits", "bedrockquota"),  # read from the founder's Service Quotas
    ("credits", "bedrockusageday"),  # read from the founder's CloudWatch
    ("workloads", "inferenceprofile"),  # the catalog refresh
    ("axes", "accessattempt"),
    ("axes", "accessfailurelog"),
    ("axes", "accesslog"),
}


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(email="operator@example.com", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def some_rows():
    """At least one row in each of our models, so changelists render real rows."""
    intake = IntakeFactory()
    audit_log(actor=intake.founder, action="intake.submitted", subject=intake)
    lead = LeadFactory(workload=intake.workload)
    RoutingDecision.objects.create(
        startup=intake.startup,
        lead=lead,
        chosen=lead.partner,
        trigger="assigned",
        why="Assigned by an operator.",
        ranking={},
        weights={},
    )
    PartnerMembershipFactory()
    BulkJob.objects.create(kind="pause", object_ids=[1])
    join_application_submit(
        values={
            "firm_name": "Applicant",
            "website": "https://applicant.example",
            "contact_name": "Ada",
            "contact_email": "ada@applicant.example",
            "tier": "select",
            "competencies": ["generative_ai"],
            "evidence": "GenAI https://applicant.example/x",
            "regions": ["us-east-1"],
            "countries": ["US"],
            "reference_customer": "Acme",
            "reference_contact": "rita@acme.example",
        }  # fmt: skip
    )
    application = CreditApplicationFactory(startup=intake.startup)
    ApplicationEvent.objects.create(application=application, to_status="draft")
    issued = CreditApplicationFactory(startup=intake.startup)
    Commission.objects.create(
        application=issued,
        partner=lead.partner,
        credits_issued=Decimal("1000"),
        rate=Decimal("0.1"),
        amount=Decimal("100"),
    )
    CreditGrant.objects.create(
        application=issued,
        startup=intake.startup,
        program=application.program,
        amount=Decimal("1000"),
        issued_on=dt.date(2026, 1, 1),
        expires_on=dt.date(2027, 1, 1),
        covers_bedrock_third_party=True,
    )
    eligibility_evaluate(startup_id=intake.startup_id)
    BillingAccess.objects.create(
        startup=intake.startup, role_arn="arn:aws:iam::210987654321:role/cloudroute-costs"
    )
    MonthlySpendActual.objects.create(
        startup=intake.startup,
        month=dt.date(2026, 10, 1),
        bedrock_cost=Decimal("812.40"),
        credits_applied=Decimal("812.40"),
    )
    read_at = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    BedrockQuota.objects.create(
        startup=intake.startup,
        region="us-west-2",
        quota_code="L-58BE175A",
        name="Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5",
        model_id="anthropic.claude-haiku-4-5-20251001-v1:0",
        scope="cross_region",
        kind="tokens",
        value=5_000_000,
        read_at=read_at,
    )
    BedrockUsageDay.objects.create(
        startup=intake.startup,
        day=dt.date(2026, 11, 29),
        dimension="us.anthropic.claude-haiku-4-5-20251001-v1:0",
        model_id="anthropic.claude-haiku-4-5-20251001-v1:0",
        invocations=10,
        read_at=read_at,
    )
    InferenceProfile.objects.create(
        region="us-west-2",
        profile_id="us.anthropic.claude-haiku-4-5-20251001-v1:0",
        arn="arn:aws:bedrock:us-west-2:111122223333:inference-profile/"
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        name="US Anthropic Claude Haiku 4.5",
        model_id="anthropic.claude-haiku-4-5-20251001-v1:0",
        model_arns=[
            "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
        ],
        read_at=read_at,
    )
    IdempotencyKey.objects.create(
        scope="intake.create",
        key="retry-1",
        request_fingerprint="0" * 64,
        response_status=201,
        response_body={"id": intake.pk},
    )
    return intake


def test_it_registers_the_domain_models():
    for app_label, model_name in [
        ("cloudroute", "user"),
        ("workloads", "startup"),
        ("workloads", "workload"),
        ("workloads", "auditevent"),
        ("credits", "creditprogram"),
        ("credits", "creditapplication"),
        ("matching", "partner"),
        ("matching", "intake"),
        ("matching", "lead"),
        ("matching", "idempotencykey"),
    ]:
        assert (app_label, model_name) in REGISTERED


@pytest.mark.parametrize(
    ("app_label", "model_name"), [entry for entry in REGISTERED if entry not in SINGLETONS]
)
def test_it_loads_each_changelist_with_a_search(operator_client, some_rows, app_label, model_name):
    url = reverse(f"admin:{app_label}_{model_name}_changelist")

    response = operator_client.get(url)
    searched = operator_client.get(url, {"q": "x"})

    assert response.status_code == 200
    assert searched.status_code == 200
    assert searched.context["cl"].query == "x"
    if app_label in OUR_APPS:
        assert response.context["cl"].result_count >= 1
        assert 'id="result_list"' in response.content.decode()


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_it_loads_the_add_page_unless_rows_come_from_elsewhere(
    operator_client, app_label, model_name
):
    response = operator_client.get(reverse(f"admin:{app_label}_{model_name}_add"))

    if (app_label, model_name) in NO_ADD:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert "<form" in response.content.decode()


def test_it_lists_only_registered_models_as_refusing_adds():
    assert NO_ADD.issubset(REGISTERED)
    # The pages operators create rows on by hand still offer it.
    assert {
        ("workloads", "startup"),
        ("matching", "partner"),
        ("credits", "creditprogram"),
    }.isdisjoint(NO_ADD)


def test_it_loads_the_change_page_of_our_rows(operator_client, some_rows):
    intake = some_rows
    for name, pk in [
        ("matching_intake", intake.pk),
        ("workloads_startup", intake.startup_id),
        ("workloads_workload", intake.workload_id),
        ("cloudroute_user", intake.founder_id),
    ]:
        response = operator_client.get(reverse(f"admin:{name}_change", args=[pk]))
        assert response.status_code == 200, name


def test_it_finds_a_startup_by_its_founders_email(operator_client, some_rows):
    url = reverse("admin:workloads_startup_changelist")

    found = operator_client.get(url, {"q": some_rows.founder.email})
    missed = operator_client.get(url, {"q": "nobody-by-this-name"})

    assert some_rows.startup.name in found.content.decode()
    assert some_rows.startup.name not in missed.content.decode()


def test_it_keeps_audit_events_read_only(operator_client, some_rows):
    assert operator_client.get(reverse("admin:workloads_auditevent_add")).status_code == 403


def test_it_sends_a_founder_to_the_admin_login(client):
    client.force_login(UserFactory(email="founder@example.com"))

    for url in (reverse("admin:index"), reverse("admin:workloads_startup_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_it_sends_an_anonymous_visitor_to_the_admin_login(client):
    response = client.get(reverse("admin:matching_intake_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_never_changes_an_applications_status_or_amounts_by_hand(operator_client):
    application = CreditApplicationFactory()
    change = reverse("admin:credits_creditapplication_change", args=[application.pk])
    form = operator_client.get(change).context["adminform"].form

    assert {"status", "approved_amount", "issued_amount"}.isdisjoint(form.fields)
    assert "requested_amount" in form.fields  # the rest stays editable


def test_it_reads_an_applications_event_actors_in_one_query(
    operator_client, django_assert_num_queries
):
    application = CreditApplicationFactory()
    change = reverse("admin:credits_creditapplication_change", args=[application.pk])
    ApplicationEvent.objects.create(application=application, actor=UserFactory(), to_status="draft")
    with CaptureQueriesContext(connection) as one_event:
        operator_client.get(change)
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(application=application, actor=UserFactory(), to_status="draft")
        for _ in range(5)
    )

    # The events come with their actors (one join), however many there are.
    with django_assert_num_queries(len(one_event)):
        response = operator_client.get(change)

    assert len(response.context["inline_admin_formsets"][0].formset.forms) == 6
