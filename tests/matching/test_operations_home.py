"""The operators' home (the admin index): the queues that need a person, counted, each a link
into the filtered list; the intake page links its leads, decisions and applications; the
pipeline's counts open the applications behind them."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from credits.models import ApplicationStatus, CreditOutcome, OutcomeStatus
from matching.models import IntakeStatus, LeadStatus, RoutingDecision, RoutingStatus
from tests.factories import CreditApplicationFactory, IntakeFactory, LeadFactory, UserFactory
from tests.matching.routing_helpers import make_overdue
from workloads.models import PriceBook

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(email="olive@cloudroute.test", is_staff=True, is_superuser=True))
    return client


def queues(client) -> dict[str, tuple[int, str]]:
    html = client.get(reverse("admin:index")).content.decode()
    rows = re.findall(r'<a href="([^"]+)">([^<]+)</a></th>\s*<td><strong[^>]*>(\d+)</strong>', html)
    return {label: (int(count), url.replace("&amp;", "&")) for url, label, count in rows}


def test_each_queue_is_counted_and_opens_its_filtered_list(operator_client):
    IntakeFactory(routing_status=RoutingStatus.UNROUTED)
    IntakeFactory(status=IntakeStatus.FAILED)
    lapsed = IntakeFactory()
    LeadFactory(workload=lapsed.workload, status=LeadStatus.EXPIRED)
    late = IntakeFactory()
    make_overdue(LeadFactory(workload=late.workload))
    risky = IntakeFactory()
    CreditOutcome.objects.create(startup=risky.startup, status=OutcomeStatus.AT_RISK)
    PriceBook.objects.filter(is_default=True).update(refresh_note="2026-12-01: held.")

    found = queues(operator_client)

    assert [count for count, _ in found.values()] == [1, 1, 1, 1, 1, 1]
    for count, url in found.values():
        page = operator_client.get(url)
        assert page.status_code == 200, url
        assert page.context["cl"].result_count == count, url


def test_a_read_only_operator_sees_the_counts_and_a_stranger_none(client):
    viewer = UserFactory(email="vic@cloudroute.test", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(viewer)
    assert 'data-testid="ops-home"' in client.get(reverse("admin:index")).content.decode()

    staff_without_rights = UserFactory(email="new@cloudroute.test", is_staff=True)
    client.force_login(staff_without_rights)
    assert 'data-testid="ops-home"' not in client.get(reverse("admin:index")).content.decode()


def test_the_intake_page_links_its_leads_decisions_and_applications(operator_client):
    intake = IntakeFactory()
    lead = LeadFactory(workload=intake.workload)
    RoutingDecision.objects.create(
        startup=intake.startup, lead=lead, chosen=lead.partner, trigger="assigned",
        why="Assigned by an operator.", ranking={}, weights={},
    )  # fmt: skip
    CreditApplicationFactory(startup=intake.startup)
    IntakeFactory()  # another startup's rows stay out of the lists
    html = operator_client.get(
        reverse("admin:matching_intake_change", args=[intake.pk])
    ).content.decode()

    links = re.findall(r'<a href="([^"]+\?startup__id__exact=\d+)">', html)
    assert len(links) == 3
    for url in links:
        page = operator_client.get(url)
        assert page.status_code == 200 and page.context["cl"].result_count == 1, url


def test_the_pipeline_opens_the_applications_behind_a_count(operator_client):
    CreditApplicationFactory(status=ApplicationStatus.DRAFT)
    CreditApplicationFactory(status=ApplicationStatus.DRAFT)
    html = operator_client.get(reverse("admin:matching_commission_pipeline")).content.decode()
    url = re.search(r'<a href="([^"]+)" data-testid="drill-draft"', html).group(1)

    page = operator_client.get(url.replace("&amp;", "&"))
    assert page.context["cl"].result_count == 2
