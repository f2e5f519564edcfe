"""A firm's derived track record: what the scorecard shows and routing scores."""

import datetime as dt

import pytest
from django.utils import timezone

from credits.models import ApplicationStatus
from matching import selectors
from matching.models import LeadStatus
from tests.factories import CreditApplicationFactory, LeadFactory, PartnerFactory

from .partner_helpers import make_lead

pytestmark = pytest.mark.django_db


def test_it_reports_the_median_time_to_accept():
    partner = PartnerFactory()
    now = timezone.now()
    for name, hours in (("Alpha One", 1), ("Beta Two", 3), ("Gamma Three", 8)):
        make_lead(
            partner,
            name=name,
            status=LeadStatus.ACCEPTED,
            offered_at=now - dt.timedelta(hours=10),
            accept_by=now,
            responded_at=now - dt.timedelta(hours=10 - hours),
        )
    make_lead(partner, name="Delta Four")  # still offered: not counted

    scorecard = selectors.partner_scorecard(partner=partner)

    assert scorecard["median_hours_to_accept"] == pytest.approx(3.0)
    assert scorecard["counts"] == {LeadStatus.ACCEPTED: 3, LeadStatus.OFFERED: 1}


def test_it_has_no_median_without_an_accepted_lead():
    assert selectors.partner_scorecard(partner=PartnerFactory())["median_hours_to_accept"] is None


def test_it_counts_only_applications_of_startups_whose_lead_the_firm_accepted():
    filer, other = PartnerFactory(), PartnerFactory()
    accepted = make_lead(filer, name="Alpha One", status=LeadStatus.ACCEPTED)
    CreditApplicationFactory(startup=accepted.startup, status=ApplicationStatus.APPROVED)
    # The firm declined this one; another firm accepted it and filed a rejected application.
    declined = make_lead(
        filer, name="Beta Two", status=LeadStatus.DECLINED, decline_reason="not_a_fit"
    )
    LeadFactory(partner=other, workload=declined.workload, status=LeadStatus.ACCEPTED)
    CreditApplicationFactory(startup=declined.startup, status=ApplicationStatus.REJECTED)

    profile = selectors.partner_scorecard(partner=filer)["profile"]

    assert profile.approval_rate == 1.0
    assert selectors.partner_scorecard(partner=other)["profile"].approval_rate == 0.0
