"""The program cards on the founder's dashboard and the operators' eligibility pages in the
admin: the latest snapshot with its reasons, re-evaluation and read-only snapshots."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from django.utils.html import escape

from credits.eligibility import COVERAGE_WARNING
from credits.models import CreditProgram, EligibilitySnapshot
from credits.services import billing_access_get_or_create, eligibility_evaluate
from matching.models import IntakeStatus
from tests.factories import IntakeFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import AuditEvent, WorkloadProjection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

DASHBOARD = "/my/"
STARTUPS = "/admin/workloads/startup/"


def _intake_for(founder, name: str = "Dana Robotics", **startup_changes):
    values = {
        "founder": founder,
        "name": name,
        "stage": "seed",
        "founded_on": dt.date(2023, 5, 10),
        "website": "https://dana.example",
        "aws_account_id": "210987654321",
        "aws_paid_plan": True,
        "activate_org_id": "DANA-VC-ORG",
    }
    startup = StartupFactory(**{**values, **startup_changes})
    return IntakeFactory(workload=WorkloadFactory(startup=startup), status=IntakeStatus.READY)


def _card(html: str, code: str) -> str:
    start = html.index(f'data-testid="program-{code}"')
    return html[start : html.index("</article>", start)]


def _reason(snapshot: EligibilitySnapshot, program: str, code: str) -> dict:
    verdict = next(p for p in snapshot.result["programs"] if p["code"] == program)
    return next(reason for reason in verdict["reasons"] if reason["code"] == code)


@pytest.fixture
def founder():
    return UserFactory(email="dana@example.com", full_name="Dana Founder")


@pytest.fixture
def operator():
    return UserFactory(email="ops@cloudroute.example", is_staff=True, is_superuser=True)


# --- the founder's dashboard --------------------------------------------------------------


def test_it_shows_a_card_per_program_with_verdict_amount_and_who_files_it(client, founder):
    intake = _intake_for(founder)
    snapshot = eligibility_evaluate(startup_id=intake.startup_id)
    client.force_login(founder)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert response.context["eligibility"] == snapshot.result
    html = response.content.decode()
    assert 'data-testid="programs"' in html
    portfolio = _card(html, "activate_portfolio")
    assert "AWS Activate Portfolio" in portfolio
    assert '<span class="badge verdict-eligible">Eligible</span>' in portfolio
    assert "<strong>$100,000</strong>" in portfolio
    assert "you apply yourself" in portfolio
    assert escape("You have an Activate Provider Organization ID.") in portfolio
    founders = _card(html, "activate_founders")
    assert '<span class="badge verdict-superseded">Superseded</span>' in founders
    assert "a bigger program of the same kind applies" in founders
    poc = _card(html, "bedrock_poc")
    assert '<span class="badge verdict-eligible">Eligible</span>' in poc
    assert "<strong>$25,000</strong>" in poc
    assert "filed by your AWS partner" in poc
    accelerator = _card(html, "genai_accelerator")
    assert '<span class="badge verdict-ineligible">Ineligible</span>' in accelerator
    assert "$0–$1,000,000" in accelerator  # the range, as nothing is expected
    # The recommended stack and what to expect from it, in the order of the cards.
    start = html.index('data-testid="recommended"')
    recommended = html[start : html.index("</p>", start)]
    assert recommended.index("AWS Activate Portfolio") < recommended.index(
        "Bedrock proof-of-concept credits"
    )
    assert "AWS Activate Founders" not in recommended
    assert 'data-testid="total-expected">$125,000<' in html
    assert f"rules {snapshot.rule_version}" in html


def test_it_lists_failed_reasons_first_with_what_would_fix_them(client, founder):
    intake = _intake_for(founder, aws_paid_plan=False, website="")
    snapshot = eligibility_evaluate(startup_id=intake.startup_id)
    client.force_login(founder)

    html = client.get(DASHBOARD).content.decode()

    portfolio = _card(html, "activate_portfolio")
    assert '<span class="badge verdict-ineligible">Ineligible</span>' in portfolio
    assert "$0–$200,000" in portfolio
    items = portfolio.split("<li ")[1:]
    classes = [item.split('"')[1] for item in items]
    assert classes[:2] == ["failed", "failed"]
    assert set(classes[2:]) == {"passed"}
    web = _reason(snapshot, "activate_portfolio", "has_web_presence")
    paid = _reason(snapshot, "activate_portfolio", "aws_paid_account")
    assert escape(web["message"]) in items[0]
    assert f"What would fix it: {escape(web['fix'])}" in items[0]
    assert escape(paid["message"]) in items[1]
    assert f"What would fix it: {escape(paid['fix'])}" in items[1]
    assert "What would fix it" not in "".join(items[2:])
    # Only the PoC is left to recommend.
    assert 'data-testid="total-expected">$25,000<' in html


def test_it_says_when_nothing_fits(client, founder):
    intake = _intake_for(founder, stage="series_b", aws_account_id="")
    eligibility_evaluate(startup_id=intake.startup_id)
    client.force_login(founder)

    html = client.get(DASHBOARD).content.decode()

    assert "None of the programs fits yet" in html
    assert 'data-testid="recommended"' not in html
    assert "Activate is for companies up to Series A; you told us Series B." in html


def test_it_warns_when_a_program_does_not_cover_claude_on_bedrock(client, founder):
    CreditProgram.objects.filter(code="bedrock_poc").update(covers_bedrock_third_party=False)
    intake = _intake_for(founder)
    eligibility_evaluate(startup_id=intake.startup_id)
    client.force_login(founder)

    html = client.get(DASHBOARD).content.decode()

    poc = _card(html, "bedrock_poc")
    assert "would not be covered" in poc
    assert escape(COVERAGE_WARNING) in poc
    assert "would not be covered" not in _card(html, "activate_portfolio")


def test_it_shows_the_latest_snapshot_of_the_latest_intake(client, founder):
    intake = _intake_for(founder)
    eligibility_evaluate(startup_id=intake.startup_id)
    CreditProgram.objects.filter(code="bedrock_poc").update(covers_bedrock_third_party=False)
    latest = eligibility_evaluate(startup_id=intake.startup_id)
    client.force_login(founder)

    response = client.get(DASHBOARD)

    assert response.context["eligibility"] == latest.result
    assert "would not be covered" in response.content.decode()


def test_it_shows_no_cards_before_the_first_evaluation(client, founder):
    _intake_for(founder)
    client.force_login(founder)

    response = client.get(DASHBOARD)

    assert "eligibility" not in response.context
    assert 'data-testid="programs"' not in response.content.decode()


def test_it_never_shows_another_founders_cards(client, founder):
    intake = _intake_for(founder)
    eligibility_evaluate(startup_id=intake.startup_id)
    eve = UserFactory(email="eve@example.com")
    eves = _intake_for(eve, "Eve Labs", activate_org_id="", stage="series_b")
    client.force_login(eve)

    before = client.get(DASHBOARD)
    eligibility_evaluate(startup_id=eves.startup_id)
    after = client.get(DASHBOARD)

    assert 'data-testid="programs"' not in before.content.decode()  # Eve's is not evaluated yet
    html = after.content.decode()
    assert "DANA-VC-ORG" not in html
    assert "Dana Robotics" not in html
    assert "you told us Series B" in html  # her own
    assert after.context["eligibility"] == eves.startup.eligibility_snapshots.get().result


@pytest.mark.parametrize("count", [1, 10])
def test_it_reads_the_dashboard_with_cards_in_a_fixed_number_of_queries(
    client, founder, django_assert_num_queries, count
):
    for n in range(count):
        intake = _intake_for(founder, f"Startup {n}")
        eligibility_evaluate(startup_id=intake.startup_id)
    for _ in range(count - 1):
        eligibility_evaluate(startup_id=intake.startup_id)  # the latest startup's, re-checked
    # The first visit makes the billing access (three queries more, once); count a later one.
    billing_access_get_or_create(startup_id=intake.startup_id)
    client.force_login(founder)

    # 1. the session (django_session)
    # 2. the signed-in user (cloudroute_user)
    # 3. the founder's intakes with their startup and workload (one join)
    # 4. the latest intake's newest projection (none here, so no actual-spend query)
    # 5. the latest startup's newest eligibility snapshot (the cards read its JSON only)
    # 6. the latest startup's live lead with its partner (none here)
    # 7. the latest startup's credit applications with their programs and grants (none
    #    here, so no events query; see tests/credits/test_outcome.py for the page with them)
    # 8. the latest startup's billing access (its ExternalId; signed-in founders only)
    # (No outcome query: the badge reads the projection the page shows.)
    # 9-11. the default book's tier prices for the setup kit and the quota check (cold here)
    # 12. the inference profiles of the workload's Region (the setup kit)
    with django_assert_num_queries(12):
        response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert response.content.decode().count('class="program program-') == 4


# --- the admin ----------------------------------------------------------------------------


def test_it_shows_the_latest_snapshot_with_its_reasons_on_the_startup_page(client, operator):
    intake = _intake_for(UserFactory(), stage="series_b")
    eligibility_evaluate(startup_id=intake.startup_id)
    CreditProgram.objects.filter(code="bedrock_poc").update(covers_bedrock_third_party=False)
    latest = eligibility_evaluate(startup_id=intake.startup_id)
    client.force_login(operator)

    response = client.get(f"{STARTUPS}{intake.startup_id}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "latest eligibility" in html.lower()
    assert f"rules {latest.rule_version}" in html
    assert "<code>pre_series_b</code>" in html
    assert escape("Activate is for companies up to Series A; you told us Series B.") in html
    assert "<strong>AWS Activate Portfolio</strong>: ineligible" in html
    assert "<strong>Bedrock proof-of-concept credits</strong>: eligible ($25000.00)" in html
    assert escape(COVERAGE_WARNING) in html  # from the latest snapshot
    assert "✘" in html and "✔" in html
    # Both snapshots listed read-only below.
    assert html.count("bedrock_poc") >= 2


def test_it_says_a_startup_was_not_evaluated_yet(client, operator):
    startup = StartupFactory()
    client.force_login(operator)

    html = client.get(f"{STARTUPS}{startup.pk}/change/").content.decode()

    assert "Not evaluated yet." in html


def test_it_reevaluates_the_selected_startups(client, operator, django_capture_on_commit_callbacks):
    first = _intake_for(UserFactory(), "First Co").startup
    second = _intake_for(UserFactory(), "Second Co", activate_org_id="").startup
    untouched = _intake_for(UserFactory(), "Third Co").startup
    eligibility_evaluate(startup_id=first.pk)
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            STARTUPS,
            {"action": "reevaluate", "_selected_action": [first.pk, second.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert len(callbacks) == 2  # one task per startup, enqueued after the commit
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages == [
        "Re-evaluating 2 startup(s) in the background; each startup's page shows the new "
        "snapshot when it is done."
    ]
    assert first.eligibility_snapshots.count() == 2
    assert second.eligibility_snapshots.count() == 1
    assert not untouched.eligibility_snapshots.exists()
    assert second.eligibility_snapshots.get().recommended == ["activate_founders", "bedrock_poc"]
    # Re-evaluation re-projects each startup's workload against its expected credits.
    assert WorkloadProjection.objects.filter(workload__startup=first).count() == 1
    assert WorkloadProjection.objects.filter(workload__startup=second).count() == 1
    assert AuditEvent.objects.filter(action="eligibility.evaluated").count() == 3


def test_it_renders_a_snapshot_read_only_in_the_admin(client, operator):
    intake = _intake_for(UserFactory(), aws_paid_plan=False)
    snapshot = eligibility_evaluate(startup_id=intake.startup_id)
    url = f"/admin/credits/eligibilitysnapshot/{snapshot.pk}/change/"
    client.force_login(operator)

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>AWS Activate Portfolio</strong>: ineligible" in html
    assert "<code>aws_paid_account</code>" in html
    assert "fix: " in html
    assert 'name="_save"' not in html  # nothing to save
    assert "<textarea" not in html and 'name="rule_version"' not in html


def test_it_refuses_to_change_a_snapshot_in_the_admin(client, operator):
    intake = _intake_for(UserFactory())
    snapshot = eligibility_evaluate(startup_id=intake.startup_id)
    url = f"/admin/credits/eligibilitysnapshot/{snapshot.pk}/change/"
    client.force_login(operator)

    response = client.post(
        url,
        {
            "startup": intake.startup_id,
            "rule_version": "forged",
            "inputs": "{}",
            "result": '{"programs": []}',
            "total_expected": "9999999",
            "_save": "Save",
        },
    )

    assert response.status_code == 403
    stored = EligibilitySnapshot.objects.get(pk=snapshot.pk)
    assert (stored.rule_version, stored.result, stored.total_expected) == (
        snapshot.rule_version,
        snapshot.result,
        snapshot.total_expected,
    )
    assert client.get("/admin/credits/eligibilitysnapshot/add/").status_code == 403


def test_it_lists_snapshots_in_the_admin(client, operator):
    for n in range(3):
        eligibility_evaluate(startup_id=_intake_for(UserFactory(), f"Listed {n}").startup_id)
    client.force_login(operator)

    response = client.get("/admin/credits/eligibilitysnapshot/")

    assert response.status_code == 200
    html = response.content.decode()
    for n in range(3):
        assert f"Listed {n}" in html
    assert "125000.00" in html


def _program_form(program: CreditProgram, **changes) -> dict:
    values = {
        "code": program.code,
        "name": program.name,
        "family": program.family,
        "filed_by": program.filed_by,
        "amount_min": program.amount_min,
        "amount_max": program.amount_max,
        "typical_amount": program.typical_amount,
        "currency": program.currency,
        "validity_months": program.validity_months or "",
        "window_opens_on": program.window_opens_on or "",
        "window_closes_on": program.window_closes_on or "",
        "effective_from": program.effective_from,
        "source_url": program.source_url,
        "notes": program.notes,
        "covers_bedrock_third_party": "on",
        "is_active": "on",
        **changes,
    }
    return {name: str(value) for name, value in values.items()}


def test_it_keeps_the_old_terms_when_an_operator_saves_new_ones(client, operator, api_client):
    current = CreditProgram.objects.filter(code="activate_portfolio").latest("effective_from")
    today = timezone.localdate()
    client.force_login(operator)

    response = client.post(
        f"/admin/credits/creditprogram/{current.pk}/change/",
        _program_form(
            current, amount_max="300000.00", effective_from=today.isoformat(), _saveasnew="1"
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = CreditProgram.objects.filter(code="activate_portfolio").order_by("effective_from")
    assert [(row.effective_from, row.amount_max) for row in rows] == [
        (dt.date(2020, 1, 1), Decimal("100000.00")),
        (dt.date(2025, 1, 1), Decimal("200000.00")),
        (today, Decimal("300000.00")),
    ]
    answer = api_client.post(
        "/api/v1/eligibility/", {"stage": "seed", "founded_on": "2023-05-10"}, format="json"
    )
    portfolio = next(p for p in answer.json()["programs"] if p["code"] == "activate_portfolio")
    assert portfolio["amount_max"] == "300000.00"


def test_it_refuses_new_terms_on_a_date_that_already_has_terms(client, operator):
    current = CreditProgram.objects.filter(code="activate_portfolio").latest("effective_from")
    client.force_login(operator)

    response = client.post(
        f"/admin/credits/creditprogram/{current.pk}/change/",
        _program_form(current, amount_max="300000.00", _saveasnew="1"),
    )

    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert "already exists" in str(errors)
    assert CreditProgram.objects.filter(code="activate_portfolio").count() == 2
