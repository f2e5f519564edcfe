"""`matching.services.application_start`: a firm files only for its own accepted leads. The
rule lives in the service, so the API and the portal cannot differ on it."""

from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import NotFoundError
from credits.models import CreditApplication
from credits.services import ApplicationInputError
from matching.models import DeclineReason, LeadStatus
from matching.services import LEAD_NOT_ACCEPTED, LeadActionError, application_start
from tests.factories import PartnerFactory, UserFactory

from .partner_helpers import make_lead

pytestmark = pytest.mark.django_db


def _start(partner, lead, **overrides):
    arguments = {
        "partner": partner,
        "lead": lead,
        "program_code": "bedrock_poc",
        "requested_amount": Decimal("25000.00"),
        "actor": UserFactory(),
        **overrides,
    }
    return application_start(**arguments)


@pytest.fixture
def firm():
    return PartnerFactory(name="Northwind Cloud")


def test_it_opens_a_draft_for_an_accepted_lead(firm):
    lead = make_lead(firm, status=LeadStatus.ACCEPTED, responded_at=timezone.now())

    application = _start(firm, lead)

    assert application.startup_id == lead.startup_id
    assert application.status == "draft"
    assert application.requested_amount == Decimal("25000.00")


@pytest.mark.parametrize(
    "state",
    [
        {"status": LeadStatus.OFFERED},
        {"status": LeadStatus.DECLINED, "decline_reason": DeclineReason.NO_CAPACITY},
        {"status": LeadStatus.EXPIRED},
    ],
    ids=["offered", "declined", "expired"],
)
def test_a_lead_not_accepted_is_refused_with_a_409(firm, state):
    lead = make_lead(firm, **state)

    with pytest.raises(LeadActionError) as refused:
        _start(firm, lead)

    assert (refused.value.status, refused.value.detail) == (409, LEAD_NOT_ACCEPTED)
    assert not CreditApplication.objects.exists()


def test_another_firms_lead_is_not_found(firm):
    lead = make_lead(firm, status=LeadStatus.ACCEPTED, responded_at=timezone.now())

    with pytest.raises(NotFoundError):
        _start(PartnerFactory(name="Bluebird"), lead)
    with pytest.raises(NotFoundError):
        _start(None, lead)  # a caller who belongs to no firm
    assert not CreditApplication.objects.exists()


def test_the_program_rules_still_apply(firm):
    lead = make_lead(firm, status=LeadStatus.ACCEPTED, responded_at=timezone.now())

    with pytest.raises(ApplicationInputError) as refused:
        _start(firm, lead, program_code="nope")

    assert list(refused.value.fields) == ["program"]
