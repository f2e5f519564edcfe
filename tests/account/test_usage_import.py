"""Storing what the founder's Bedrock account says (credits/services/usage.py): the daily
metrics as BedrockUsageDay rows and the quotas as BedrockQuota rows, re-imported in place;
the quotas as the throughput check reads them (credits.selectors.account_quotas); and the
daily tasks (credits.tasks.import_startup_usage, import_bedrock_usage). CloudWatch is moto,
Service Quotas a ModelStubber held to botocore's model."""

import datetime as dt

import boto3
import pytest
from django.utils import timezone
from moto import mock_aws

from credits import selectors, tasks
from credits.models import BedrockQuota, BedrockUsageDay, BillingAccess
from credits.services import bedrock_quotas_import, bedrock_usage_import
from tests.aws_model import ModelStubber, stubbed_client
from tests.bedrock_account import HAIKU, OPUS, SONNET, put_usage_day, quota, service_quotas_stub
from tests.factories import StartupFactory, WorkloadFactory

pytestmark = pytest.mark.django_db

REGION = "us-west-2"
ROLE = "arn:aws:iam::210987654321:role/CloudRoute"
HAIKU_TPM = "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5"
HAIKU_RPM = "Cross-region model inference requests per minute for Anthropic Claude Haiku 4.5"
SONNET_TPM = "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 5"
OPUS_GLOBAL_RPM = (
    "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.8"
)


def _today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def _days_ago(days: int) -> dt.date:
    return _today() - dt.timedelta(days=days)


def _startup_with_access(role_arn: str = ROLE):
    workload = WorkloadFactory(region=REGION)
    BillingAccess.objects.create(startup=workload.startup, role_arn=role_arn)
    return workload.startup


def _import_quotas(startup, quotas: list[dict], region: str = REGION) -> int:
    client, stubber = service_quotas_stub(quotas, region=region)
    with stubber:
        stored = bedrock_quotas_import(startup_id=startup.pk, region=region, sq_client=client)
    stubber.assert_no_pending_responses()
    return stored


def _usage_row(startup, dimension: str, day: dt.date, **counts) -> BedrockUsageDay:
    """A stored day of `dimension` (a Haiku profile or model id in these tests)."""
    return BedrockUsageDay.objects.create(
        startup=startup,
        day=day,
        dimension=dimension,
        model_id=HAIKU,
        read_at=timezone.now(),
        **counts,
    )


def _quota_row(startup, code: str, *, region: str = REGION, **values) -> BedrockQuota:
    defaults = {
        "name": HAIKU_TPM,
        "model_id": HAIKU,
        "scope": "cross_region",
        "kind": "tokens",
        "value": 1,
    }
    return BedrockQuota.objects.create(
        startup=startup,
        region=region,
        quota_code=code,
        read_at=timezone.now(),
        **(defaults | values),
    )


def _counts(startup) -> list[tuple]:
    return list(
        BedrockUsageDay.objects.filter(startup=startup)
        .order_by("day", "dimension")
        .values_list("dimension", "model_id", "day", "invocations", "input_tokens")
    )


@pytest.fixture
def cw():
    with mock_aws():
        yield boto3.client("cloudwatch", region_name=REGION)


# --- bedrock_usage_import --------------------------------------------------------------------


def test_usage_import_stores_one_row_per_model_and_day(cw):
    startup = _startup_with_access()
    put_usage_day(cw, dimension=f"us.{HAIKU}", day=_days_ago(2), invocations=10, input_tokens=100)
    put_usage_day(cw, dimension=f"us.{HAIKU}", day=_days_ago(1), invocations=20, input_tokens=200)
    put_usage_day(cw, dimension=SONNET, day=_days_ago(1), invocations=3, input_tokens=30)
    put_usage_day(cw, dimension="amazon.nova-lite-v1:0", day=_days_ago(1), invocations=99)

    assert bedrock_usage_import(startup_id=startup.pk, cw_client=cw) == 3
    assert _counts(startup) == [
        (f"us.{HAIKU}", HAIKU, _days_ago(2), 10, 100),
        (SONNET, SONNET, _days_ago(1), 3, 30),
        (f"us.{HAIKU}", HAIKU, _days_ago(1), 20, 200),
    ]


def test_usage_import_leaves_out_today_and_days_before_the_window(cw):
    startup = _startup_with_access()
    for back in (0, 1, 30, 31):
        put_usage_day(cw, dimension=HAIKU, day=_days_ago(back), invocations=1)
    bedrock_usage_import(startup_id=startup.pk, cw_client=cw)
    assert sorted(day for _, _, day, _, _ in _counts(startup)) == [_days_ago(30), _days_ago(1)]


def test_running_the_usage_import_twice_does_not_duplicate(cw):
    startup = _startup_with_access()
    put_usage_day(cw, dimension=f"us.{HAIKU}", day=_days_ago(1), invocations=10, input_tokens=100)
    bedrock_usage_import(startup_id=startup.pk, cw_client=cw)
    first = _counts(startup)
    assert bedrock_usage_import(startup_id=startup.pk, cw_client=cw) == 1
    assert _counts(startup) == first
    assert BedrockUsageDay.objects.filter(startup=startup).count() == 1


def test_a_changed_day_is_updated_in_place(cw):
    startup = _startup_with_access()
    put_usage_day(cw, dimension=f"us.{HAIKU}", day=_days_ago(1), invocations=10, input_tokens=100)
    bedrock_usage_import(startup_id=startup.pk, cw_client=cw)
    [before] = BedrockUsageDay.objects.filter(startup=startup)
    # Late data points arrive for the same day: CloudWatch's daily sum grows.
    put_usage_day(cw, dimension=f"us.{HAIKU}", day=_days_ago(1), invocations=5, input_tokens=50)

    bedrock_usage_import(startup_id=startup.pk, cw_client=cw)

    [after] = BedrockUsageDay.objects.filter(startup=startup)
    assert after.pk == before.pk
    assert (after.invocations, after.input_tokens) == (15, 150)
    assert after.read_at >= before.read_at


def test_usage_import_records_when_it_read_the_account(cw):
    startup = _startup_with_access()
    before = timezone.now()
    bedrock_usage_import(startup_id=startup.pk, cw_client=cw)  # no metrics yet: still a read
    access = BillingAccess.objects.get(startup=startup)
    assert access.usage_synced_at is not None and access.usage_synced_at >= before


def test_usage_import_never_touches_another_startups_rows(cw):
    ours, theirs = _startup_with_access(), _startup_with_access()
    _usage_row(theirs, f"us.{HAIKU}", _days_ago(1), invocations=777)
    put_usage_day(cw, dimension=f"us.{HAIKU}", day=_days_ago(1), invocations=10)

    bedrock_usage_import(startup_id=ours.pk, cw_client=cw)

    assert [row[3] for row in _counts(theirs)] == [777]
    assert [row[3] for row in _counts(ours)] == [10]
    assert BillingAccess.objects.get(startup=theirs).usage_synced_at is None


# --- bedrock_quotas_import -------------------------------------------------------------------


def test_quotas_import_stores_the_known_models_quotas():
    startup = _startup_with_access()
    stored = _import_quotas(
        startup,
        [
            quota(HAIKU_TPM, "L-HAIKUTPM", 4_000_000.0),
            quota(HAIKU_RPM, "L-HAIKURPM", 2_000.0),
            quota("Cross-region model inference tokens per minute for Meta Llama 4", "L-X", 9.0),
        ],
    )
    assert stored == 2
    rows = BedrockQuota.objects.filter(startup=startup).order_by("quota_code")
    assert [(r.quota_code, r.region, r.model_id, r.scope, r.kind, r.value) for r in rows] == [
        ("L-HAIKURPM", REGION, HAIKU, "cross_region", "requests", 2_000),
        ("L-HAIKUTPM", REGION, HAIKU, "cross_region", "tokens", 4_000_000),
    ]


def test_quotas_import_updates_in_place_and_deletes_quotas_no_longer_listed():
    startup = _startup_with_access()
    _import_quotas(
        startup, [quota(HAIKU_TPM, "L-HAIKUTPM", 1.0), quota(HAIKU_RPM, "L-HAIKURPM", 2.0)]
    )
    kept = BedrockQuota.objects.get(startup=startup, quota_code="L-HAIKUTPM")

    _import_quotas(
        startup, [quota(HAIKU_TPM, "L-HAIKUTPM", 5.0), quota(SONNET_TPM, "L-SONNET", 3.0)]
    )

    rows = {r.quota_code: r for r in BedrockQuota.objects.filter(startup=startup)}
    assert sorted(rows) == ["L-HAIKUTPM", "L-SONNET"]
    assert (rows["L-HAIKUTPM"].pk, rows["L-HAIKUTPM"].value) == (kept.pk, 5)


def test_an_empty_quota_answer_deletes_nothing():
    startup = _startup_with_access()
    _quota_row(startup, "L-HAIKUTPM", value=4_000_000)
    assert _import_quotas(startup, []) == 0
    assert list(
        BedrockQuota.objects.filter(startup=startup).values_list("quota_code", "value")
    ) == [("L-HAIKUTPM", 4_000_000)]


def test_an_answer_without_a_known_model_deletes_nothing():
    startup = _startup_with_access()
    _quota_row(startup, "L-HAIKUTPM")
    _import_quotas(startup, [quota("On-demand model inference tokens per minute for X", "L-X", 1)])
    assert BedrockQuota.objects.filter(startup=startup).count() == 1


def test_quotas_import_deletes_only_in_its_region_and_for_its_startup():
    ours, theirs = _startup_with_access(), _startup_with_access()
    _quota_row(ours, "L-OLD")  # ours, this Region: no longer listed
    _quota_row(ours, "L-EAST", region="us-east-1")  # ours, another Region
    _quota_row(theirs, "L-OLD")  # another startup, same Region and code
    _quota_row(theirs, "L-HAIKUTPM", value=42)

    _import_quotas(ours, [quota(HAIKU_TPM, "L-HAIKUTPM", 7.0)])

    ours_left = BedrockQuota.objects.filter(startup=ours).order_by("region", "quota_code")
    assert [(r.region, r.quota_code, r.value) for r in ours_left] == [
        ("us-east-1", "L-EAST", 1),
        (REGION, "L-HAIKUTPM", 7),
    ]
    theirs_left = BedrockQuota.objects.filter(startup=theirs).order_by("quota_code")
    assert [(r.quota_code, r.value) for r in theirs_left] == [("L-HAIKUTPM", 42), ("L-OLD", 1)]


# --- account_quotas --------------------------------------------------------------------------


def test_account_quotas_groups_requests_and_tokens_per_model_for_one_scope():
    startup = _startup_with_access()
    _import_quotas(
        startup,
        [
            quota(HAIKU_TPM, "L-HAIKUTPM", 4_000_000.0),
            quota(HAIKU_RPM, "L-HAIKURPM", 2_000.0),
            quota(SONNET_TPM, "L-SONNETTPM", 1_000_000.0),
            quota(OPUS_GLOBAL_RPM, "L-OPUSGRPM", 50.0),
        ],
    )
    found = selectors.account_quotas(startup_id=startup.pk, region=REGION, scope="cross_region")

    assert sorted(found) == [HAIKU, SONNET]  # Opus has a global quota only
    haiku, sonnet = found[HAIKU], found[SONNET]
    assert (haiku.scope, haiku.rpm, haiku.tpm, haiku.source) == (
        "cross_region",
        2_000,
        4_000_000,
        "account",
    )
    assert haiku.read_on == timezone.localdate().isoformat()
    assert f"{HAIKU_RPM} (L-HAIKURPM)" in haiku.reference
    assert f"{HAIKU_TPM} (L-HAIKUTPM)" in haiku.reference
    assert (sonnet.rpm, sonnet.tpm) == (None, 1_000_000)

    global_quotas = selectors.account_quotas(startup_id=startup.pk, region=REGION, scope="global")
    assert list(global_quotas) == [OPUS]
    assert (global_quotas[OPUS].rpm, global_quotas[OPUS].tpm) == (50, None)


def test_account_quotas_is_empty_for_another_region_scope_or_startup():
    startup, other = _startup_with_access(), _startup_with_access()
    _quota_row(startup, "L-HAIKUTPM")
    assert (
        selectors.account_quotas(startup_id=startup.pk, region="eu-west-1", scope="cross_region")
        == {}
    )
    assert selectors.account_quotas(startup_id=startup.pk, region=REGION, scope="on_demand") == {}
    assert selectors.account_quotas(startup_id=other.pk, region=REGION, scope="cross_region") == {}


# --- the daily tasks --------------------------------------------------------------------------


@pytest.fixture
def account_clients(cw, monkeypatch):
    """What usage_clients_for returns, swapped in: moto's CloudWatch and a stubbed Service
    Quotas client (its answers added by each test), and the regions it was asked for."""
    sq, stubber = service_quotas_stub([quota(HAIKU_TPM, "L-HAIKUTPM", 4_000_000.0)])
    asked = []

    def clients_for(access, *, region):
        asked.append((access.startup_id, region))
        return cw, sq

    monkeypatch.setattr("credits.services.usage_clients_for", clients_for)
    with stubber:
        yield {"cw": cw, "stubber": stubber, "asked": asked}


def test_the_task_imports_quotas_and_metrics(account_clients):
    startup = _startup_with_access()
    put_usage_day(account_clients["cw"], dimension=f"us.{HAIKU}", day=_days_ago(1), invocations=8)

    assert tasks.import_startup_usage.delay(startup.pk).get() == 1

    assert account_clients["asked"] == [(startup.pk, REGION)]
    assert list(
        BedrockQuota.objects.filter(startup=startup).values_list("quota_code", "value")
    ) == [("L-HAIKUTPM", 4_000_000)]
    assert [row[3] for row in _counts(startup)] == [8]
    account_clients["stubber"].assert_no_pending_responses()


def test_a_refused_quota_read_still_imports_the_metrics(cw, monkeypatch, caplog):
    startup = _startup_with_access()
    _quota_row(startup, "L-HAIKUTPM", value=123)
    sq = stubbed_client("service-quotas", region_name=REGION)
    stubber = ModelStubber(sq)
    stubber.add_client_error(
        "list_service_quotas",
        service_error_code="AccessDeniedException",
        service_message="not authorized to perform: servicequotas:ListServiceQuotas",
        http_status_code=400,
        expected_params={"ServiceCode": "bedrock"},
    )
    monkeypatch.setattr("credits.services.usage_clients_for", lambda access, *, region: (cw, sq))
    put_usage_day(cw, dimension=HAIKU, day=_days_ago(1), invocations=4)

    with stubber:
        assert tasks.import_startup_usage(startup.pk) == 1

    stubber.assert_no_pending_responses()
    assert [row[3] for row in _counts(startup)] == [4]
    assert list(BedrockQuota.objects.filter(startup=startup).values_list("value", flat=True)) == [
        123
    ]  # kept as it was
    assert "service-quotas: startup" in caplog.text


def test_the_task_without_billing_access_reads_nothing(account_clients):
    workload = WorkloadFactory()
    assert tasks.import_startup_usage(workload.startup_id) is None
    no_role = _startup_with_access(role_arn="")
    assert tasks.import_startup_usage(no_role.pk) is None
    assert account_clients["asked"] == []


def test_the_task_without_a_workload_reads_nothing(account_clients):
    startup = StartupFactory()
    BillingAccess.objects.create(startup=startup, role_arn=ROLE)
    assert tasks.import_startup_usage(startup.pk) is None
    assert account_clients["asked"] == []


def test_the_task_without_aws_credentials_reads_nothing(monkeypatch):
    startup = _startup_with_access()
    monkeypatch.setattr("credits.services.usage_clients_for", lambda access, *, region: None)
    assert tasks.import_startup_usage(startup.pk) is None
    assert BillingAccess.objects.get(startup=startup).usage_synced_at is None


def test_the_task_reads_the_newest_workloads_region(account_clients):
    startup = _startup_with_access()
    WorkloadFactory(startup=startup, region="us-east-1")  # newer
    tasks.import_startup_usage(startup.pk)
    assert account_clients["asked"] == [(startup.pk, "us-east-1")]
    assert set(BedrockQuota.objects.filter(startup=startup).values_list("region", flat=True)) == {
        "us-east-1"
    }


def test_one_startups_task_never_touches_another_startups_rows(account_clients):
    ours, theirs = _startup_with_access(), _startup_with_access()
    _quota_row(theirs, "L-THEIRS", value=5)
    _usage_row(theirs, f"us.{HAIKU}", _days_ago(1), invocations=777)
    put_usage_day(account_clients["cw"], dimension=f"us.{HAIKU}", day=_days_ago(1), invocations=8)

    tasks.import_startup_usage(ours.pk)

    assert list(BedrockQuota.objects.filter(startup=theirs).values_list("quota_code", "value")) == [
        ("L-THEIRS", 5)
    ]
    assert [row[3] for row in _counts(theirs)] == [777]
    assert BillingAccess.objects.get(startup=theirs).usage_synced_at is None
    assert BillingAccess.objects.get(startup=ours).usage_synced_at is not None


def test_the_daily_sweep_enqueues_one_import_per_startup_with_a_role(monkeypatch):
    first, second = _startup_with_access(), _startup_with_access()
    _startup_with_access(role_arn="")  # the founder has not created the role yet
    WorkloadFactory()  # no billing access at all
    enqueued = []
    monkeypatch.setattr(tasks.import_startup_usage, "delay", enqueued.append)

    assert tasks.import_bedrock_usage() == 2
    assert enqueued == sorted([first.pk, second.pk])
