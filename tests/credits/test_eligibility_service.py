"""Eligibility snapshots: what eligibility_evaluate stores, that a stored snapshot survives
rule and program changes, Org ID reuse, the expected credits and the intake pipeline."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from credits import eligibility
from credits.models import CreditProgram, EligibilitySnapshot
from credits.services import (
    DEFAULT_VALIDITY_MONTHS,
    eligibility_evaluate,
    expected_grants,
    startup_credits_refresh,
)
from matching.services import intake_process
from tests.factories import IntakeFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import AuditEvent, PriceBook, WorkloadProjection
from workloads.selectors import price_cache_clear
from workloads.services import workload_estimate
from workloads.spend import CreditGrant, to_cents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

API = "/api/v1/eligibility/"


def _startup(**changes):
    """A seed-stage startup with a provider's Org ID: Portfolio and the PoC apply."""
    values = {
        "stage": "seed",
        "founded_on": dt.date(2023, 5, 10),
        "website": "https://acme.example",
        "aws_account_id": "210987654321",
        "aws_paid_plan": True,
        "uses_china_regions": False,
        "activate_org_id": "VC-ORG-1234",
        "prior_activate_credits": Decimal("0.00"),
    }
    return StartupFactory(**{**values, **changes})


def _api_body(startup, **extra) -> dict:
    return {
        "stage": startup.stage,
        "founded_on": startup.founded_on.isoformat(),
        "website": startup.website,
        "aws_account_id": startup.aws_account_id,
        "aws_paid_plan": startup.aws_paid_plan,
        "uses_china_regions": startup.uses_china_regions,
        "activate_org_id": startup.activate_org_id,
        "prior_activate_credits": str(startup.prior_activate_credits),
        "generative_ai": True,
        **extra,
    }


def _programs(result: dict) -> dict[str, dict]:
    return {program["code"]: program for program in result["programs"]}


def _reason(program: dict, code: str) -> dict:
    return next(reason for reason in program["reasons"] if reason["code"] == code)


def _new_terms(code: str, *, effective_from: dt.date, **changes) -> CreditProgram:
    row = CreditProgram.objects.filter(code=code).order_by("-effective_from").first()
    row.pk = None
    row.effective_from = effective_from
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()
    return row


def _open_the_accelerator_window() -> None:
    today = timezone.localdate()
    CreditProgram.objects.filter(code="genai_accelerator").update(
        window_opens_on=today - dt.timedelta(days=10),
        window_closes_on=today + dt.timedelta(days=10),
    )


def _stored_credits(grants: list[CreditGrant]) -> list[dict]:
    """Grants as a projection's inputs store them."""
    return [
        {"amount": f"{g.amount:.2f}", "start_month": g.start_month, "valid_months": g.valid_months}
        for g in grants
    ]


# --- eligibility_evaluate -----------------------------------------------------------------


def test_it_stores_a_snapshot_with_the_inputs_the_rules_and_the_verdicts():
    startup = _startup()

    snapshot = eligibility_evaluate(
        startup_id=startup.pk, projected_monthly_spend=Decimal("8000.00")
    )

    snapshot.refresh_from_db()
    assert snapshot.startup == startup
    assert snapshot.rule_version == eligibility.RULE_VERSION
    applicant = snapshot.inputs["applicant"]
    assert applicant["stage"] == "seed"
    assert applicant["founded_on"] == "2023-05-10"
    assert applicant["activate_org_id"] == "VC-ORG-1234"
    assert applicant["prior_activate_credits"] == "0.00"
    assert applicant["projected_monthly_spend"] == "8000.00"
    assert applicant["generative_ai"] is True
    assert applicant["org_id_used_elsewhere"] is False
    assert snapshot.inputs["today"] == timezone.localdate().isoformat()
    current = {
        code: CreditProgram.objects.filter(code=code).latest("effective_from")
        for code in ("activate_portfolio", "activate_founders", "bedrock_poc", "genai_accelerator")
    }
    assert snapshot.inputs["programs"] == {
        code: {
            "id": row.pk,
            "effective_from": row.effective_from.isoformat(),
            "validity_months": row.validity_months,
        }
        for code, row in current.items()
    }
    programs = _programs(snapshot.result)
    assert programs["activate_portfolio"]["verdict"] == "eligible"
    assert programs["activate_founders"]["verdict"] == "superseded"
    assert programs["bedrock_poc"]["expected_amount"] == "16000.00"  # 2 months of $8,000
    assert snapshot.recommended == ["activate_portfolio", "bedrock_poc"]
    assert snapshot.total_expected == Decimal("116000.00")
    assert snapshot.result["total_expected"] == "116000.00"


@pytest.mark.parametrize("monthly_spend", [None, "8000.00"])
@pytest.mark.parametrize(
    "changes",
    [{}, {"activate_org_id": ""}, {"stage": "series_b"}, {"aws_paid_plan": False, "website": ""}],
    ids=["org-id", "no-org-id", "series-b", "free-plan-no-website"],
)
def test_it_agrees_with_the_api_for_the_same_inputs(api_client, changes, monthly_spend):
    startup = _startup(**changes)
    spend = Decimal(monthly_spend) if monthly_spend else None

    snapshot = eligibility_evaluate(startup_id=startup.pk, projected_monthly_spend=spend)
    response = api_client.post(
        API, _api_body(startup, projected_monthly_spend=monthly_spend), format="json"
    )

    assert response.status_code == 200, response.content
    snapshot.refresh_from_db()  # what the JSON column gives back, not the dict that went in
    assert snapshot.result == response.json()


def test_it_writes_an_audit_event():
    startup = _startup()
    operator = UserFactory(is_staff=True)

    snapshot = eligibility_evaluate(startup_id=startup.pk, actor=operator)

    event = AuditEvent.objects.get(action="eligibility.evaluated")
    assert event.actor == operator
    assert event.subject == startup
    assert event.data == {
        "snapshot": snapshot.pk,
        "recommended": ["activate_portfolio", "bedrock_poc"],
        "total_expected": "125000.00",
    }


def test_it_writes_nothing_for_a_startup_that_no_longer_exists():
    assert eligibility_evaluate(startup_id=987654) is None
    assert not EligibilitySnapshot.objects.exists()
    assert not AuditEvent.objects.filter(action="eligibility.evaluated").exists()


def test_it_adds_a_snapshot_each_time_and_the_newest_comes_first():
    startup = _startup()

    first = eligibility_evaluate(startup_id=startup.pk)
    second = eligibility_evaluate(startup_id=startup.pk)

    assert list(startup.eligibility_snapshots.all()) == [second, first]


# --- the snapshot survives a rule change --------------------------------------------------


def test_it_never_rewrites_a_stored_snapshot_when_rules_or_terms_change(monkeypatch):
    startup = _startup()
    before = eligibility_evaluate(startup_id=startup.pk)
    stored_result = json.loads(json.dumps(before.result))
    stored_inputs = json.loads(json.dumps(before.inputs))
    old_terms = CreditProgram.objects.filter(code="activate_portfolio").latest("effective_from")

    new_terms = _new_terms(
        "activate_portfolio",
        effective_from=timezone.localdate(),
        amount_max=Decimal("300000"),
        typical_amount=Decimal("150000"),
    )
    # evaluate() reads RULE_VERSION from the engine module's namespace, so patch it there.
    monkeypatch.setattr(eligibility.engine, "RULE_VERSION", "2099.1.1")
    after = eligibility_evaluate(startup_id=startup.pk)

    before.refresh_from_db()
    assert before.rule_version != "2099.1.1"
    assert before.result == stored_result
    assert before.inputs == stored_inputs
    assert before.inputs["programs"]["activate_portfolio"]["id"] == old_terms.pk
    assert before.total_expected == Decimal("125000.00")
    assert _programs(before.result)["activate_portfolio"]["amount_max"] == "200000.00"
    # The new evaluation reads the new rules and terms.
    after.refresh_from_db()
    assert after.rule_version == "2099.1.1"
    assert after.result["rule_version"] == "2099.1.1"
    assert after.inputs["programs"]["activate_portfolio"]["id"] == new_terms.pk
    portfolio = _programs(after.result)["activate_portfolio"]
    assert (portfolio["amount_max"], portfolio["expected_amount"]) == ("300000.00", "150000.00")
    assert after.total_expected == Decimal("175000.00")
    assert after.result != before.result


# --- Org ID reuse -------------------------------------------------------------------------


def test_it_flags_an_org_id_another_founder_used_whatever_its_case():
    StartupFactory(activate_org_id="vc-org-1234")
    startup = _startup(activate_org_id=" VC-ORG-1234 ")

    snapshot = eligibility_evaluate(startup_id=startup.pk)

    portfolio = _programs(snapshot.result)["activate_portfolio"]
    assert portfolio["verdict"] == "ineligible"
    reused = _reason(portfolio, "org_id_not_reused")
    assert reused["passed"] is False
    # Partners read reasons before they accept: the Org ID itself is never quoted.
    assert "VC-ORG-1234" not in reused["message"]
    assert reused["fix"]
    assert snapshot.inputs["applicant"]["org_id_used_elsewhere"] is True
    # Founders is no longer superseded: it is the Activate program to apply for.
    assert _programs(snapshot.result)["activate_founders"]["verdict"] == "eligible"
    assert snapshot.recommended == ["activate_founders", "bedrock_poc"]


def test_it_does_not_flag_the_same_founders_second_startup():
    founder = UserFactory()
    StartupFactory(founder=founder, activate_org_id="VC-ORG-1234")
    startup = _startup(founder=founder)

    snapshot = eligibility_evaluate(startup_id=startup.pk)

    portfolio = _programs(snapshot.result)["activate_portfolio"]
    assert portfolio["verdict"] == "eligible"
    assert _reason(portfolio, "org_id_not_reused")["passed"] is True


def test_it_does_not_flag_a_startup_without_an_org_id():
    StartupFactory(activate_org_id="")

    snapshot = eligibility_evaluate(startup_id=_startup(activate_org_id="").pk)

    assert _reason(_programs(snapshot.result)["activate_portfolio"], "org_id_not_reused")["passed"]


# --- expected_grants ----------------------------------------------------------------------


def test_it_expects_credits_only_from_recommended_eligible_programs():
    _open_the_accelerator_window()  # the accelerator is recommended, but competitive
    startup = _startup()
    snapshot = eligibility_evaluate(
        startup_id=startup.pk, projected_monthly_spend=Decimal("8000.00")
    )
    programs = _programs(snapshot.result)
    assert programs["genai_accelerator"]["verdict"] == "competitive"
    assert snapshot.recommended == ["activate_portfolio", "bedrock_poc", "genai_accelerator"]

    grants = expected_grants(snapshot)

    assert grants == [
        # Portfolio's validity is not published: the default.
        CreditGrant(
            amount=Decimal("100000.00"), start_month=1, valid_months=DEFAULT_VALIDITY_MONTHS
        ),
        CreditGrant(amount=Decimal("16000.00"), start_month=1, valid_months=2),  # the PoC
    ]
    assert DEFAULT_VALIDITY_MONTHS == 12


def test_it_expects_nothing_when_nothing_is_eligible():
    startup = _startup(stage="series_b", aws_account_id="")

    snapshot = eligibility_evaluate(startup_id=startup.pk)

    assert snapshot.recommended == []
    assert expected_grants(snapshot) == []


def test_it_takes_validity_from_the_terms_stored_in_the_snapshot():
    CreditProgram.objects.filter(code="activate_portfolio").update(validity_months=24)
    snapshot = eligibility_evaluate(startup_id=_startup().pk)
    CreditProgram.objects.filter(code="activate_portfolio").update(validity_months=6)

    grants = expected_grants(snapshot)

    assert [grant.valid_months for grant in grants] == [24, 2]


# --- startup_credits_refresh and the intake pipeline --------------------------------------


def test_it_refreshes_the_snapshot_and_projects_against_the_expected_credits():
    workload = WorkloadFactory(startup=_startup())
    estimate = workload_estimate(workload=workload)

    snapshot = startup_credits_refresh(startup_id=workload.startup_id)

    monthly_spend = to_cents(estimate.months[0].cost)
    assert snapshot.inputs["applicant"]["projected_monthly_spend"] == str(monthly_spend)
    poc = _programs(snapshot.result)["bedrock_poc"]
    assert Decimal(poc["expected_amount"]) == min(
        max(monthly_spend * 2, Decimal("10000")), Decimal("50000")
    )
    projection = WorkloadProjection.objects.get(workload=workload)
    assert projection.inputs["credits"] == _stored_credits(expected_grants(snapshot))
    assert len(projection.inputs["credits"]) == 2


def test_it_projects_the_newest_workload_by_default():
    startup = _startup()
    WorkloadFactory(startup=startup)
    newest = WorkloadFactory(startup=startup)

    startup_credits_refresh(startup_id=startup.pk)

    assert list(WorkloadProjection.objects.values_list("workload_id", flat=True)) == [newest.pk]


def test_it_stores_a_snapshot_without_a_projection_when_there_is_no_price_book():
    workload = WorkloadFactory(startup=_startup())
    PriceBook.objects.all().delete()
    price_cache_clear()

    snapshot = startup_credits_refresh(startup_id=workload.startup_id)

    assert snapshot is not None
    assert snapshot.inputs["applicant"]["projected_monthly_spend"] is None
    assert _programs(snapshot.result)["bedrock_poc"]["expected_amount"] == "25000.00"
    assert not WorkloadProjection.objects.exists()


def test_it_stores_a_snapshot_for_a_startup_without_a_workload():
    startup = _startup()

    snapshot = startup_credits_refresh(startup_id=startup.pk)

    assert snapshot.startup == startup
    assert not WorkloadProjection.objects.exists()


def test_it_leaves_a_snapshot_and_a_projection_with_credits_after_an_intake():
    intake = IntakeFactory(workload=WorkloadFactory(startup=_startup()))

    intake_process(intake_id=intake.pk)

    snapshot = EligibilitySnapshot.objects.get(startup=intake.startup)
    assert snapshot.recommended == ["activate_portfolio", "bedrock_poc"]
    projection = WorkloadProjection.objects.get(workload=intake.workload)
    assert projection.inputs["credits"] == _stored_credits(expected_grants(snapshot))
    assert projection.inputs["credits"][0]["amount"] == "100000.00"
    intake.refresh_from_db()
    assert intake.status == "ready"
