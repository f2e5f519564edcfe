"""The accepting firm fixes what ACE's pre-submission check names, on the lead page
(matching.services.precheck_fix, POST /partner/applications/<id>/precheck/): only the listed
fields of a draft, before a filing froze its payload, validated by the model fields, saved
together, and recorded as an application event the founder reads and an audit entry."""

from decimal import Decimal

import pytest
from django.utils import timezone

from credits.models import ApplicationEvent, ApplicationStatus, CreditApplication
from credits.services import (
    ApplicationInputError,
    ApplicationTransitionError,
    application_create,
    application_precheck,
)
from matching import services
from matching.models import AceFiling, Lead, LeadStatus
from matching.services import application_precheck_fix, precheck_fixable_fields
from matching.services.precheck_fix import FROZEN
from tests.factories import IntakeFactory, PartnerFactory, PartnerMembershipFactory
from workloads.models import AuditEvent, Startup, Workload
from workloads.services import workload_project

from .partner_helpers import make_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

FIXED = "application.precheck_fixed"


def fix_url(application_id: int) -> str:
    return f"/partner/applications/{application_id}/precheck/"


@pytest.fixture
def firm_x():
    return PartnerFactory(name="Northwind Cloud")


@pytest.fixture
def member_x(firm_x):
    return PartnerMembershipFactory(partner=firm_x, user__email="ana@northwind.test").user


@pytest.fixture
def lead_x(firm_x) -> Lead:
    return make_lead(firm_x, status=LeadStatus.ACCEPTED, responded_at=timezone.now())


@pytest.fixture
def draft(lead_x, member_x) -> CreditApplication:
    """A draft ready for ACE but for its startup's website."""
    workload_project(workload_id=lead_x.workload_id)  # a non-zero expected monthly spend
    Startup.objects.filter(pk=lead_x.startup_id).update(website="")
    return application_create(
        startup_id=lead_x.startup_id,
        program_code="bedrock_poc",
        requested_amount=Decimal("25000"),
        actor=member_x,
    )


@pytest.fixture
def x_client(client, member_x):
    client.force_login(member_x)
    return client


def lead_page(lead: Lead) -> str:
    return f"/partner/leads/{lead.pk}/"


def fix(draft, firm, actor, **values) -> CreditApplication:
    return application_precheck_fix(
        application_id=draft.pk, partner=firm, actor=actor, values=values
    )


def startup_of(draft) -> Startup:
    return Startup.objects.get(pk=draft.startup_id)


def fresh(draft) -> CreditApplication:
    return CreditApplication.objects.select_related("startup").get(pk=draft.pk)


def fields_of(draft) -> list[str]:
    return [problem.field for problem in application_precheck(application=fresh(draft))]


def nothing_recorded(draft) -> bool:
    same_state = ApplicationEvent.objects.filter(
        application=draft, from_status="draft", to_status="draft"
    )
    return not same_state.exists() and not AuditEvent.objects.filter(action=FIXED).exists()


# --- The service ----------------------------------------------------------------------


def test_the_firm_sets_the_website_and_the_check_no_longer_lists_it(draft, firm_x, member_x):
    assert fields_of(draft) == ["website"]
    assert precheck_fixable_fields(application=fresh(draft)) == ["website"]

    fix(draft, firm_x, member_x, website="https://acme-robotics.example")

    assert startup_of(draft).website == "https://acme-robotics.example"
    assert fields_of(draft) == []
    event = ApplicationEvent.objects.get(application=draft, note__contains="corrected")
    assert (event.from_status, event.to_status, event.actor) == ("draft", "draft", member_x)
    assert event.note == "Northwind Cloud corrected the website for ACE."
    audit = AuditEvent.objects.get(action=FIXED)
    assert audit.actor == member_x
    assert audit.object_id == str(draft.pk)
    assert audit.data == {
        "partner": firm_x.pk,
        "changes": {"website": {"before": "", "after": "https://acme-robotics.example"}},
    }
    # The draft is still a draft, and nothing else of the founder's answers moved.
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT
    assert startup_of(draft).name == "Acme Robotics"


def test_the_founders_dashboard_shows_the_note_in_the_timeline(
    client, draft, lead_x, firm_x, member_x
):
    IntakeFactory(workload=lead_x.workload)
    fix(draft, firm_x, member_x, website="https://acme-robotics.example")
    client.force_login(lead_x.startup.founder)

    response = client.get("/my/")

    assert response.status_code == 200
    html = response.text
    timeline = html[html.index('class="timeline"') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert "Northwind Cloud corrected the website for ACE." in timeline
    assert "Your partner started an application" in timeline


def test_a_us_state_typed_as_its_code_is_stored_by_its_name(draft, firm_x, member_x):
    Startup.objects.filter(pk=draft.startup_id).update(state="Narnia")
    assert "state" in precheck_fixable_fields(application=fresh(draft))

    fix(draft, firm_x, member_x, state="wa")

    assert startup_of(draft).state == "Washington"
    assert "state" not in fields_of(draft)
    changes = AuditEvent.objects.get(action=FIXED).data["changes"]
    assert changes == {"state": {"before": "Narnia", "after": "Washington"}}


def test_a_field_the_check_does_not_list_is_refused_and_nothing_saved(draft, firm_x, member_x):
    with pytest.raises(ApplicationInputError) as raised:
        fix(draft, firm_x, member_x, website="https://acme.example", company_name="Evil Corp")

    assert list(raised.value.fields) == ["company_name"]
    assert "open to change: website" in raised.value.fields["company_name"][0]
    startup = startup_of(draft)
    assert (startup.name, startup.website) == ("Acme Robotics", "")
    assert nothing_recorded(draft)


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("website", "not a url", "website"),
        ("state", "Narnia", "state"),
    ],
)
def test_an_invalid_value_is_refused_by_field_and_nothing_saved(
    draft, firm_x, member_x, field, value, column
):
    Startup.objects.filter(pk=draft.startup_id).update(state="")
    before = Startup.objects.values().get(pk=draft.startup_id)
    assert {"website", "state"} <= set(fields_of(draft))
    valid = {"website": "https://acme.example", "state": "Washington"}

    with pytest.raises(ApplicationInputError) as raised:
        fix(draft, firm_x, member_x, **{**valid, field: value})

    assert list(raised.value.fields) == [field]
    assert Startup.objects.values().get(pk=draft.startup_id) == before
    assert before[column] == ""
    assert nothing_recorded(draft)


def test_a_short_business_problem_is_fixed_on_the_newest_workload(draft, firm_x, member_x):
    Workload.objects.filter(startup_id=draft.startup_id).update(description="Too short")
    assert "business_problem" in fields_of(draft)
    text = "We route inbound support tickets to the right team by urgency."

    fix(draft, firm_x, member_x, website="https://acme.example", business_problem=text)

    assert Workload.objects.get(startup_id=draft.startup_id).description == text
    assert fields_of(draft) == []
    note = ApplicationEvent.objects.get(application=draft, note__contains="corrected").note
    assert note == "Northwind Cloud corrected the website, the business problem for ACE."


def test_no_change_at_all_is_refused(draft, firm_x, member_x):
    with pytest.raises(ApplicationInputError) as raised:
        fix(draft, firm_x, member_x, website="")

    assert list(raised.value.fields) == ["precheck"]
    assert nothing_recorded(draft)


def test_only_a_draft_is_fixed(draft, firm_x, member_x):
    CreditApplication.objects.filter(pk=draft.pk).update(status=ApplicationStatus.SUBMITTED)

    with pytest.raises(ApplicationTransitionError, match="Only a draft"):
        fix(draft, firm_x, member_x, website="https://acme.example")

    assert startup_of(draft).website == ""
    assert nothing_recorded(draft)


def frozen_filing(draft, firm) -> AceFiling:
    return AceFiling.objects.create(
        application=draft,
        partner=firm,
        catalog="Sandbox",
        client_token="token-precheck-fix",
        engagement_token="engage-precheck-fix",
        request={"Customer": {"Account": {"CompanyName": "Acme Robotics"}}},
    )


def test_a_filing_that_froze_its_payload_stops_the_fix(draft, firm_x, member_x):
    frozen_filing(draft, firm_x)

    with pytest.raises(ApplicationTransitionError) as raised:
        fix(draft, firm_x, member_x, website="https://acme.example")

    assert raised.value.detail == FROZEN
    assert startup_of(draft).website == ""
    assert nothing_recorded(draft)


def test_a_filing_without_a_payload_yet_does_not_stop_the_fix(draft, firm_x, member_x):
    AceFiling.objects.create(
        application=draft,
        partner=firm_x,
        catalog="Sandbox",
        client_token="token-empty",
        engagement_token="engage-empty",
        request={},
    )

    fix(draft, firm_x, member_x, website="https://acme.example")

    assert startup_of(draft).website == "https://acme.example"


def test_another_firm_cannot_fix_the_application(draft):
    firm_y = PartnerFactory(name="Bluebird Partners")
    member_y = PartnerMembershipFactory(partner=firm_y, user__email="bo@bluebird.test").user

    with pytest.raises(CreditApplication.DoesNotExist):
        fix(draft, firm_y, member_y, website="https://evil.example")

    assert startup_of(draft).website == ""
    assert nothing_recorded(draft)


def test_a_country_problem_opens_the_state_too(draft):
    Startup.objects.filter(pk=draft.startup_id).update(country="XK", website="https://a.example")

    assert precheck_fixable_fields(application=fresh(draft)) == ["country", "state"]


def test_the_services_package_exports_the_fix():
    assert services.application_precheck_fix is application_precheck_fix


# --- The portal -----------------------------------------------------------------------


def test_the_portal_saves_the_fix_and_redirects_to_the_applications(x_client, draft, lead_x):
    html = x_client.get(lead_page(lead_x)).text
    assert 'data-testid="precheck-fix"' in html
    assert f'name="fix-{draft.pk}-website"' in html

    response = x_client.post(fix_url(draft.pk), {f"fix-{draft.pk}-website": "acme.example"})

    assert response.status_code == 302
    assert response.url == f"{lead_page(lead_x)}#applications"
    # Django's URL form field assumes https for an address typed without a scheme.
    assert startup_of(draft).website == "https://acme.example"
    page = x_client.get(lead_page(lead_x)).text
    assert "Saved. The founder sees what you changed in the timeline." in page
    assert 'data-testid="precheck"' not in page
    assert "Northwind Cloud corrected the website for ACE." in page


def test_the_portal_stores_a_us_state_code_by_its_name(x_client, draft):
    Startup.objects.filter(pk=draft.startup_id).update(state="")
    data = {f"fix-{draft.pk}-website": "https://acme.example", f"fix-{draft.pk}-state": "wa"}

    assert x_client.post(fix_url(draft.pk), data).status_code == 302

    assert startup_of(draft).state == "Washington"


@pytest.mark.parametrize(
    ("field", "value"),
    [("website", "not a url"), ("state", "Narnia")],
)
def test_the_portal_shows_an_invalid_value_under_its_field_with_a_400(
    x_client, draft, field, value
):
    Startup.objects.filter(pk=draft.startup_id).update(state="")
    before = Startup.objects.values().get(pk=draft.startup_id)
    data = {
        f"fix-{draft.pk}-website": "https://acme.example",
        f"fix-{draft.pk}-state": "Washington",
        f"fix-{draft.pk}-{field}": value,
    }

    response = x_client.post(fix_url(draft.pk), data)

    assert response.status_code == 400
    row = next(r for r in response.context["applications"] if r["application"].pk == draft.pk)
    assert list(row["fix_form"].errors) == [field]
    assert f'id="id_fix-{draft.pk}-{field}_error"' in response.text
    assert Startup.objects.values().get(pk=draft.startup_id) == before
    assert nothing_recorded(draft)


def test_the_portal_refuses_a_field_the_check_does_not_list(x_client, draft):
    data = {f"fix-{draft.pk}-website": "https://acme.example", f"fix-{draft.pk}-name": "Evil"}

    response = x_client.post(fix_url(draft.pk), data)

    # The form has only the listed fields: an unlisted one is never read.
    assert response.status_code == 302
    startup = startup_of(draft)
    assert (startup.name, startup.website) == ("Acme Robotics", "https://acme.example")


def test_the_portal_answers_409_for_a_non_draft(x_client, draft):
    CreditApplication.objects.filter(pk=draft.pk).update(status=ApplicationStatus.SUBMITTED)

    response = x_client.post(fix_url(draft.pk), {f"fix-{draft.pk}-website": "https://a.example"})

    assert response.status_code == 409
    assert "Only a draft" in response.context["error"]
    assert startup_of(draft).website == ""
    assert nothing_recorded(draft)


def test_the_portal_answers_409_for_a_frozen_filing(x_client, draft, firm_x):
    frozen_filing(draft, firm_x)

    response = x_client.post(fix_url(draft.pk), {f"fix-{draft.pk}-website": "https://a.example"})

    assert response.status_code == 409
    assert response.context["error"] == FROZEN
    assert startup_of(draft).website == ""
    assert nothing_recorded(draft)


def test_the_portal_is_a_404_for_another_firms_member(client, draft):
    firm_y = PartnerFactory(name="Bluebird Partners")
    member_y = PartnerMembershipFactory(partner=firm_y, user__email="bo@bluebird.test").user
    client.force_login(member_y)

    response = client.post(fix_url(draft.pk), {f"fix-{draft.pk}-website": "https://a.example"})

    assert response.status_code == 404
    assert startup_of(draft).website == ""
    assert nothing_recorded(draft)


def test_the_portal_is_a_404_for_a_founder(client, draft, lead_x):
    client.force_login(lead_x.startup.founder)

    response = client.post(fix_url(draft.pk), {f"fix-{draft.pk}-website": "https://a.example"})

    assert response.status_code == 404
    assert startup_of(draft).website == ""


def test_the_portal_sends_anonymous_visitors_to_the_partner_sign_in(client, draft):
    response = client.post(fix_url(draft.pk), {f"fix-{draft.pk}-website": "https://a.example"})

    assert response.status_code == 302
    assert response.url.startswith("/partner/login/?next=")
    assert startup_of(draft).website == ""


def test_the_portal_fix_is_post_only(x_client, draft):
    assert x_client.get(fix_url(draft.pk)).status_code == 405


def test_the_lead_page_shows_the_form_only_for_drafts_with_fixable_problems(
    x_client, draft, lead_x
):
    assert 'data-testid="precheck-fix"' in x_client.get(lead_page(lead_x)).text

    # Only a problem the firm cannot fix here (no spend projection): the notice, no form.
    Startup.objects.filter(pk=draft.startup_id).update(website="https://acme.example")
    lead_x.workload.projections.all().delete()
    html = x_client.get(lead_page(lead_x)).text
    assert 'data-testid="precheck"' in html
    assert "expected_monthly_spend" in html
    assert 'data-testid="precheck-fix"' not in html

    # A ready draft: neither.
    workload_project(workload_id=lead_x.workload_id)
    html = x_client.get(lead_page(lead_x)).text
    assert 'data-testid="precheck"' not in html
    assert 'data-testid="precheck-fix"' not in html

    # A submitted application with a problem: not a draft, no check and no form.
    Startup.objects.filter(pk=draft.startup_id).update(website="")
    CreditApplication.objects.filter(pk=draft.pk).update(status=ApplicationStatus.SUBMITTED)
    html = x_client.get(lead_page(lead_x)).text
    assert 'data-testid="precheck"' not in html
    assert 'data-testid="precheck-fix"' not in html


def test_the_lead_page_with_the_form_reads_in_a_fixed_number_of_queries(
    x_client, draft, lead_x, django_assert_num_queries
):
    Startup.objects.filter(pk=draft.startup_id).update(aws_account_id="", state="")
    x_client.get(lead_page(lead_x))  # the first request also saves the session's portal flag
    # session, user, membership (+partner), lead (+startup, workload, founder), snapshot,
    # projection, notes (+author), ACE account exists, applications (+startup, program), their
    # events (+actor), the draft's precheck: workload, projection; the form's current values:
    # workload; programs for the create form; the team for the owner form. A ready draft's
    # page is 15 (tests/perf): the fix form costs one read more. (+1 since issue 20: the
    # account's quotas for the throughput check.)
    with django_assert_num_queries(16):
        response = x_client.get(lead_page(lead_x))

    assert response.status_code == 200
    assert 'data-testid="precheck-fix"' in response.text
    for name in ("website", "state"):
        assert f'name="fix-{draft.pk}-{name}"' in response.text
    # The credits land in the AWS account: only the founder sets it.
    assert f'name="fix-{draft.pk}-aws_account_id"' not in response.text
    assert "Only the founder sets it" in response.text


# --- Deleting the founder's account ---------------------------------------------------


def test_deleting_the_founders_account_clears_the_values_from_the_audit(
    draft, lead_x, firm_x, member_x
):
    fix(draft, firm_x, member_x, website="https://acme-robotics.example")
    created = AuditEvent.objects.exclude(action=FIXED).filter(object_id=str(draft.pk))
    untouched = {event.pk: event.data for event in created}
    assert untouched  # application.created
    assert AuditEvent.objects.get(action=FIXED).data["changes"]

    services.account_delete(user=lead_x.startup.founder)

    audit = AuditEvent.objects.get(action=FIXED)
    assert audit.data == {}
    assert audit.actor == member_x  # the firm's member is not the account deleted
    assert "Acme" not in audit.object_repr
    everything = str(list(AuditEvent.objects.values("object_repr", "data")))
    assert "acme-robotics" not in everything
    # Only the corrections lose their data; the application's other events keep theirs.
    assert {e.pk: e.data for e in AuditEvent.objects.filter(pk__in=untouched)} == untouched
    # The application and its event stay (the firm's history).
    assert CreditApplication.objects.filter(pk=draft.pk).exists()
    assert ApplicationEvent.objects.filter(application=draft, note__contains="corrected").exists()


def test_the_aws_account_id_is_never_open_to_the_firm(draft, firm_x, member_x):
    Startup.objects.filter(pk=draft.startup_id).update(aws_account_id="")
    assert "aws_account_id" in fields_of(draft)  # the check names it
    assert "aws_account_id" not in precheck_fixable_fields(application=fresh(draft))

    with pytest.raises(ApplicationInputError) as raised:
        fix(draft, firm_x, member_x, aws_account_id="111122223333")

    assert list(raised.value.fields) == ["aws_account_id"]
    assert startup_of(draft).aws_account_id == ""
