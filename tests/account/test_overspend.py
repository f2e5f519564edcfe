"""The overspend alert (credits.services.usage_overspend_check): when the spend measured on
the founder's Bedrock account runs more than 20% above the newest workload's projection, the
founder (credits.email_usage_overspent) and the firm whose lead is accepted (the
`usage_overspent` signal -> matching.email_overspend_partner) hear of it, once per workload
version. Also the founder's data: the account export lists the stored quotas and usage days,
and deleting the account removes them.

The workload below assumes exactly what `_measure` stores (per request: 1,800 input tokens
with a 1,200-token prefix, 80 output tokens, a 0.75 cache hit rate, 20% on Sonnet), so the
measured monthly cost over the projection is 300,000 requests / its monthly_requests.
"""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone

from credits import selectors
from credits.calibration import Measured
from credits.models import BedrockQuota, BedrockUsageDay, BillingAccess
from credits.selectors import Calibration
from credits.services import usage_overspend_check
from matching.models import DeclineReason, LeadStatus
from matching.services import account_delete
from tests.bedrock_account import HAIKU, SONNET
from tests.factories import (
    IntakeFactory,
    LeadFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    UserFactory,
    WorkloadFactory,
)

pytestmark = pytest.mark.django_db

COMPANY = "Quillfeather Analytics"  # typed by the founder: never in a subject
MEASURED_REQUESTS = 300_000  # what _measure's ten days make a month
ASSUMED = {
    "monthly_growth": 0.0,
    "input_tokens": 1_800,
    "cached_prefix_tokens": 1_200,
    "output_tokens": 80,
    "cache_hit_rate": 0.75,
    "batch_share": 0.0,
    "escalation_sonnet": 0.2,
    "escalation_opus": 0.0,
    "cascade": False,
}


def _measure(startup, *, days: int = 10) -> None:
    """Ten days of 8,000 Haiku and 2,000 Sonnet invocations a day, as the import stores them."""
    today = timezone.localdate()
    for back in range(1, days + 1):
        for dimension, model_id, calls in ((f"us.{HAIKU}", HAIKU, 8_000), (SONNET, SONNET, 2_000)):
            BedrockUsageDay.objects.create(
                startup=startup,
                day=today - dt.timedelta(days=back),
                dimension=dimension,
                model_id=model_id,
                invocations=calls,
                input_tokens=calls * 600,
                output_tokens=calls * 80,
                cache_read_tokens=calls * 3 // 4 * 1_200,
                cache_write_tokens=calls // 4 * 1_200,
                read_at=timezone.now(),
            )


@pytest.fixture
def founder():
    return UserFactory(email="founder@quillfeather.example", full_name="Dana Quill")


@pytest.fixture
def make_account(founder):
    """A startup of `founder` that granted its role, whose workload assumes
    `monthly_requests`, with the measured days stored."""

    def make(monthly_requests: int, *, measured: bool = True):
        intake = IntakeFactory(
            workload__startup__founder=founder,
            workload__startup__name=COMPANY,
            workload__monthly_requests=monthly_requests,
            **{f"workload__{name}": value for name, value in ASSUMED.items()},
        )
        BillingAccess.objects.create(
            startup=intake.startup, role_arn="arn:aws:iam::210987654321:role/CloudRoute"
        )
        if measured:
            _measure(intake.startup)
        return intake

    return make


@pytest.fixture
def firm():
    """A firm with two members, whose lead for the startup the test accepts."""
    partner = PartnerFactory(name="Northwind Cloud")
    for email in ("ana@northwind.example", "bo@northwind.example"):
        PartnerMembershipFactory(partner=partner, user__email=email)
    return partner


def _accepted_lead(intake, partner):
    return LeadFactory(workload=intake.workload, partner=partner, status=LeadStatus.ACCEPTED)


def _check(startup, capture) -> bool:
    """The overspend check, its on-commit signal and task run as after a real commit."""
    with capture(execute=True):
        return usage_overspend_check(startup_id=startup.pk)


def _mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def _partner_mails() -> list:
    return [message for message in mail.outbox if "ana@northwind.example" in message.to]


# --- alerting ---------------------------------------------------------------------------------


def test_spend_measured_far_above_the_projection_alerts_the_founder_and_the_partner(
    make_account, founder, firm, django_capture_on_commit_callbacks
):
    intake = make_account(100_000)
    _accepted_lead(intake, firm)

    assert _check(intake.startup, django_capture_on_commit_callbacks) is True

    [to_founder] = _mails_to(founder.email)
    [to_partner] = _partner_mails()
    assert sorted(to_partner.to) == ["ana@northwind.example", "bo@northwind.example"]
    assert founder.email not in to_partner.to
    assert COMPANY not in to_founder.subject
    assert COMPANY not in to_partner.subject
    assert "measured Bedrock spend" in to_founder.subject
    assert COMPANY in to_partner.body  # the partner is told which lead
    access = BillingAccess.objects.get(startup=intake.startup)
    assert access.overspend_alerted_workload_id == intake.workload_id


def test_the_founders_mail_states_the_measured_and_projected_monthly_cost(
    make_account, founder, django_capture_on_commit_callbacks
):
    intake = make_account(100_000)
    found = selectors.usage_calibration(workload=intake.workload)
    # 300,000 requests measured, 100,000 assumed, everything else as assumed.
    assert found.measured_monthly_cost == 3 * found.projected_monthly_cost
    assert found.overspend_percent == 200

    _check(intake.startup, django_capture_on_commit_callbacks)

    [message] = _mails_to(founder.email)
    measured = floatformat(found.measured_monthly_cost, "2g")
    projected = floatformat(found.projected_monthly_cost, "2g")
    assert measured != projected
    assert f"${measured} a month" in message.body
    assert f"200% more than the ${projected}" in message.body
    assert "Requests a month: you told us 100,000, measured 300,000" in message.body


def test_a_second_check_for_the_same_workload_version_mails_nothing(
    make_account, founder, firm, django_capture_on_commit_callbacks
):
    intake = make_account(100_000)
    _accepted_lead(intake, firm)
    _check(intake.startup, django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    assert sent == 2

    assert _check(intake.startup, django_capture_on_commit_callbacks) is False
    assert len(mail.outbox) == sent


def test_a_new_workload_version_still_over_alerts_again(
    make_account, founder, firm, django_capture_on_commit_callbacks
):
    intake = make_account(100_000)
    _accepted_lead(intake, firm)
    _check(intake.startup, django_capture_on_commit_callbacks)
    newer = WorkloadFactory(startup=intake.startup, monthly_requests=150_000, **ASSUMED)

    assert _check(intake.startup, django_capture_on_commit_callbacks) is True

    assert len(_mails_to(founder.email)) == 2
    assert len(_partner_mails()) == 2
    access = BillingAccess.objects.get(startup=intake.startup)
    assert access.overspend_alerted_workload_id == newer.pk


def test_a_new_workload_version_matching_the_measurements_alerts_nobody(
    make_account, founder, firm, django_capture_on_commit_callbacks
):
    intake = make_account(100_000)
    _accepted_lead(intake, firm)
    _check(intake.startup, django_capture_on_commit_callbacks)
    WorkloadFactory(startup=intake.startup, monthly_requests=MEASURED_REQUESTS, **ASSUMED)

    assert _check(intake.startup, django_capture_on_commit_callbacks) is False
    assert len(mail.outbox) == 2  # the first version's alert only
    access = BillingAccess.objects.get(startup=intake.startup)
    assert access.overspend_alerted_workload_id == intake.workload_id


@pytest.mark.parametrize(
    ("monthly_requests", "overspend"),
    [
        (MEASURED_REQUESTS, Decimal("0.0000")),  # as assumed
        (250_000, Decimal("0.2000")),  # exactly 20% above: not more than 20%
        (600_000, Decimal("-0.5000")),  # below the projection
    ],
)
def test_at_or_below_twenty_percent_nothing_is_sent(
    make_account, firm, monthly_requests, overspend, django_capture_on_commit_callbacks
):
    intake = make_account(monthly_requests)
    _accepted_lead(intake, firm)
    assert selectors.usage_calibration(workload=intake.workload).overspend == overspend

    assert _check(intake.startup, django_capture_on_commit_callbacks) is False

    assert mail.outbox == []
    assert BillingAccess.objects.get(startup=intake.startup).overspend_alerted_workload_id is None


def test_just_over_twenty_percent_alerts(make_account, founder, django_capture_on_commit_callbacks):
    intake = make_account(249_000)  # 300,000 / 249,000 = +20.48%
    assert selectors.usage_calibration(workload=intake.workload).overspend > Decimal("0.20")
    assert _check(intake.startup, django_capture_on_commit_callbacks) is True
    assert len(_mails_to(founder.email)) == 1


def test_the_threshold_is_more_than_twenty_percent():
    def calibration(measured: str, projected: str) -> Calibration:
        return Calibration(
            measured=Measured(1, 1, 1, 0, 1, 0.0, 0.0, 0.0),
            first_day=dt.date(2026, 10, 1),
            last_day=dt.date(2026, 10, 1),
            rows=[],
            measured_monthly_cost=Decimal(measured),
            projected_monthly_cost=Decimal(projected),
            read_at=timezone.now(),
        )

    assert calibration("120.00", "100.00").over_threshold is False
    assert calibration("120.01", "100.00").over_threshold is True
    assert calibration("50.00", "0.00").over_threshold is False  # nothing projected: no ratio


def test_without_an_accepted_lead_only_the_founder_hears(
    make_account, founder, firm, django_capture_on_commit_callbacks
):
    intake = make_account(100_000)
    LeadFactory(
        workload=intake.workload,
        partner=firm,
        status=LeadStatus.DECLINED,
        decline_reason=DeclineReason.NO_CAPACITY,
    )
    LeadFactory(workload=intake.workload, partner=PartnerFactory(), status=LeadStatus.OFFERED)

    assert _check(intake.startup, django_capture_on_commit_callbacks) is True

    assert [message.to for message in mail.outbox] == [[founder.email]]


def test_without_measurements_or_billing_access_nothing_is_checked(
    make_account, founder, django_capture_on_commit_callbacks
):
    unmeasured = make_account(100_000, measured=False)
    assert _check(unmeasured.startup, django_capture_on_commit_callbacks) is False
    no_access = make_account(100_000)
    BillingAccess.objects.filter(startup=no_access.startup).delete()
    assert _check(no_access.startup, django_capture_on_commit_callbacks) is False
    assert mail.outbox == []


def test_nothing_is_sent_before_the_check_commits(make_account, django_capture_on_commit_callbacks):
    """The signal and the founder's task wait for the commit (send_on_commit)."""
    intake = make_account(100_000)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert usage_overspend_check(startup_id=intake.startup_id) is True
    assert len(callbacks) == 2
    assert mail.outbox == []


def test_the_founders_mail_is_not_sent_for_a_workload_replaced_meanwhile(
    make_account, founder, django_capture_on_commit_callbacks
):
    from credits.services import usage_overspent_email_send

    intake = make_account(100_000)
    WorkloadFactory(startup=intake.startup, monthly_requests=100_000, **ASSUMED)
    usage_overspent_email_send(startup_id=intake.startup_id, workload_id=intake.workload_id)
    assert mail.outbox == []


def test_a_cascade_account_with_direct_sonnet_calls_does_not_break_the_check(
    founder, django_capture_on_commit_callbacks
):
    intake = IntakeFactory(workload__startup__founder=founder, workload__cascade=True)
    BillingAccess.objects.create(
        startup=intake.startup, role_arn="arn:aws:iam::210987654321:role/CloudRoute"
    )
    day = timezone.localdate() - dt.timedelta(days=1)
    for model_id, calls in ((HAIKU, 100), (SONNET, 500)):
        BedrockUsageDay.objects.create(
            startup=intake.startup,
            day=day,
            dimension=model_id,
            model_id=model_id,
            invocations=calls,
            input_tokens=calls * 500,
            output_tokens=calls * 50,
            read_at=timezone.now(),
        )
    _check(intake.startup, django_capture_on_commit_callbacks)  # alerting or not, no crash


# --- the founder's data: export and deletion --------------------------------------------------


def _store_account_rows(startup, *, code: str, invocations: int) -> None:
    BedrockQuota.objects.create(
        startup=startup,
        region="us-west-2",
        quota_code=code,
        name="Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5",
        model_id=HAIKU,
        scope="cross_region",
        kind="tokens",
        value=4_000_000,
        read_at=timezone.now(),
    )
    BedrockUsageDay.objects.create(
        startup=startup,
        day=timezone.localdate() - dt.timedelta(days=1),
        dimension=f"us.{HAIKU}",
        model_id=HAIKU,
        invocations=invocations,
        input_tokens=invocations * 10,
        read_at=timezone.now(),
    )


@pytest.fixture
def two_founders(make_account):
    ours = make_account(100_000, measured=False)
    _store_account_rows(ours.startup, code="L-OURS0001", invocations=11)
    theirs = IntakeFactory()
    _store_account_rows(theirs.startup, code="L-THEIRS01", invocations=99)
    return ours, theirs


def test_the_export_lists_the_founders_quotas_and_usage_days_only(client, founder, two_founders):
    ours, _ = two_founders
    client.force_login(founder)

    response = client.get(reverse("founder-account-export"))

    assert response.status_code == 200
    [startup] = json.loads(response.content)["startups"]
    assert startup["id"] == ours.startup_id
    assert [row["quota_code"] for row in startup["bedrock_quotas"]] == ["L-OURS0001"]
    assert startup["bedrock_quotas"][0]["value"] == 4_000_000
    [day] = startup["bedrock_usage_days"]
    assert (day["invocations"], day["input_tokens"]) == (11, 110)
    assert day["day"] == (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert "L-THEIRS01" not in response.content.decode()


@pytest.mark.parametrize("with_history", [False, True], ids=["deleted", "kept-anonymised"])
def test_deleting_the_account_removes_its_quotas_and_usage_days(
    founder, two_founders, firm, with_history
):
    ours, theirs = two_founders
    if with_history:  # a partner's lead keeps the startup, anonymised
        _accepted_lead(ours, firm)

    result = account_delete(user=founder)

    assert result == (
        {"kept": [ours.startup_id], "deleted": []}
        if with_history
        else {"kept": [], "deleted": [ours.startup_id]}
    )
    assert not BedrockQuota.objects.filter(startup_id=ours.startup_id).exists()
    assert not BedrockUsageDay.objects.filter(startup_id=ours.startup_id).exists()
    assert list(BedrockQuota.objects.values_list("quota_code", flat=True)) == ["L-THEIRS01"]
    assert list(BedrockUsageDay.objects.values_list("startup_id", flat=True)) == [theirs.startup_id]
