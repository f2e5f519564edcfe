"""A firm's team: admins invite by e-mail (a link that works once, expires, and survives
only while open) and remove teammates; any member gives a lead to a teammate, the lead page
shows its owner and the inbox filters "mine"; never across firms."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.authtoken.models import Token

from matching.models import Lead, PartnerInvitation, PartnerMembership
from matching.services import invitation_accept, invitation_for_token, partner_invite
from matching.services.team import invitation_token
from tests.factories import PartnerFactory, PartnerMembershipFactory, UserFactory
from workloads.models import AuditEvent

from .partner_helpers import make_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

ADMIN = PartnerMembership.Role.ADMIN
PASSWORD = "a-long-enough-passphrase-42"


@pytest.fixture
def firm():
    return PartnerFactory(name="Northwind Cloud")


@pytest.fixture
def admin(firm):
    return PartnerMembershipFactory(partner=firm, user__email="ada@northwind.test", role=ADMIN).user


@pytest.fixture
def member(firm):
    return PartnerMembershipFactory(
        partner=firm, user__email="max@northwind.test", user__full_name="Max Member"
    ).user


def invitation_path() -> str:
    match = re.search(r"https?://[^/\s]+(/partner/invitations/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_an_admin_invites_and_the_invitee_joins_with_a_password(
    client, firm, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/partner/team/invite/", {"email": "Nia@Northwind.test", "role": "member"}
        )
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["nia@northwind.test"]]
    path = invitation_path()
    client.logout()

    page = client.get(path)
    assert page.status_code == 200 and "Join Northwind Cloud" in page.text
    joined = client.post(
        path, {"full_name": "Nia New", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert joined.status_code == 302 and joined["Location"] == "/partner/"
    membership = PartnerMembership.objects.get(user__email="nia@northwind.test")
    assert (membership.partner, membership.role) == (firm, "member")
    assert client.get("/partner/").status_code == 200  # signed in
    # The link worked once.
    client.logout()
    assert client.get(path).status_code == 400
    assert AuditEvent.objects.filter(action="partner.invited").exists()
    assert AuditEvent.objects.filter(action="partner.joined").exists()


def test_a_member_cannot_invite_or_remove(client, firm, admin, member):
    client.force_login(member)

    assert (
        client.post("/partner/team/invite/", {"email": "x@y.test", "role": "admin"}).status_code
        == 403
    )
    admin_membership = PartnerMembership.objects.get(user=admin)
    assert client.post(f"/partner/team/members/{admin_membership.pk}/remove/").status_code == 403
    assert not PartnerInvitation.objects.exists()
    assert PartnerMembership.objects.filter(pk=admin_membership.pk).exists()


def test_an_invitation_expires_is_replaced_and_can_be_withdrawn(firm, admin):
    first = partner_invite(partner=firm, actor=admin, email="nia@northwind.test", role="member")
    second = partner_invite(partner=firm, actor=admin, email="nia@northwind.test", role="admin")

    assert invitation_for_token(invitation_token(first)) is None  # replaced
    assert invitation_for_token(invitation_token(second)) == second
    token = invitation_token(second)
    tampered = token[:-1] + ("1" if token.endswith("0") else "0")  # never the token itself
    assert invitation_for_token(tampered) is None
    PartnerInvitation.objects.filter(pk=second.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert invitation_for_token(invitation_token(second)) is None


def test_an_address_already_in_another_firm_cannot_join(firm, admin):
    PartnerMembershipFactory(user__email="bo@bluebird.test")
    invitation = partner_invite(partner=firm, actor=admin, email="bo@bluebird.test", role="member")

    with pytest.raises(Exception, match="already exists"):
        invitation_accept(token=invitation_token(invitation), full_name="Bo", password=PASSWORD)

    assert PartnerMembership.objects.filter(user__email="bo@bluebird.test").count() == 1


def test_a_weak_password_is_refused_by_field(client, firm, admin):
    invitation = partner_invite(
        partner=firm, actor=admin, email="nia@northwind.test", role="member"
    )

    response = client.post(
        f"/partner/invitations/{invitation_token(invitation)}/",
        {"full_name": "Nia", "password1": "12345678", "password2": "12345678"},
    )

    assert response.status_code == 400
    assert "password1" in response.context["form"].errors or "password" in response.text
    assert not PartnerMembership.objects.filter(user__email="nia@northwind.test").exists()


def test_an_admin_removes_a_teammate_whose_tokens_and_leads_go(client, firm, admin, member):
    lead = make_lead(firm)
    Lead.objects.filter(pk=lead.pk).update(owner=member)
    Token.objects.create(user=member)
    client.force_login(admin)

    membership = PartnerMembership.objects.get(user=member)
    assert client.post(f"/partner/team/members/{membership.pk}/remove/").status_code == 302

    assert not PartnerMembership.objects.filter(user=member).exists()
    assert not Token.objects.filter(user=member).exists()
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_removing_an_admin_revokes_the_invitations_they_sent(client, firm, admin):
    other_admin = PartnerMembershipFactory(partner=firm, role=ADMIN).user
    theirs = partner_invite(partner=firm, actor=other_admin, email="pal@else.test", role="admin")
    mine = partner_invite(partner=firm, actor=admin, email="new@northwind.test", role="member")
    client.force_login(admin)

    membership = PartnerMembership.objects.get(user=other_admin)
    assert client.post(f"/partner/team/members/{membership.pk}/remove/").status_code == 302

    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.revoked_at is not None and mine.revoked_at is None
    assert invitation_for_token(invitation_token(theirs)) is None


def test_the_last_admin_stays(client, firm, admin):
    client.force_login(admin)
    own = PartnerMembership.objects.get(user=admin)

    assert client.post(f"/partner/team/members/{own.pk}/remove/").status_code == 409
    assert PartnerMembership.objects.filter(pk=own.pk).exists()


def test_another_firms_teammate_cannot_be_removed(client, admin):
    stranger = PartnerMembershipFactory(user__email="bo@bluebird.test")
    client.force_login(admin)

    assert client.post(f"/partner/team/members/{stranger.pk}/remove/").status_code == 404
    assert PartnerMembership.objects.filter(pk=stranger.pk).exists()


def test_a_member_gives_a_lead_to_a_teammate_and_filters_mine(client, firm, admin, member):
    lead = make_lead(firm)
    other = make_lead(firm, name="Beta Labs")
    client.force_login(admin)

    response = client.post(f"/partner/leads/{lead.pk}/owner/", {"owner": str(member.pk)})

    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).owner == member
    page = client.get(f"/partner/leads/{lead.pk}/").text
    assert 'data-testid="lead-owner">Max Member<' in page
    client.force_login(member)
    mine = client.get("/partner/?owner=mine").text
    assert f'data-testid="lead-{lead.pk}"' in mine and f'data-testid="lead-{other.pk}"' not in mine
    assert AuditEvent.objects.filter(action="lead.owner_set").exists()


def test_a_lead_cannot_go_to_someone_outside_the_firm(client, firm, admin):
    lead = make_lead(firm)
    outsider = UserFactory(email="eve@example.com")
    client.force_login(admin)

    response = client.post(f"/partner/leads/{lead.pk}/owner/", {"owner": str(outsider.pk)})

    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_another_firms_lead_is_a_404(client, admin):
    theirs = make_lead(PartnerFactory(name="Bluebird"))
    client.force_login(admin)

    assert client.post(f"/partner/leads/{theirs.pk}/owner/", {"owner": ""}).status_code == 404


def test_the_team_page_reads_in_a_fixed_number_of_queries(
    client, firm, admin, member, django_assert_num_queries
):
    for n in range(3):
        PartnerMembershipFactory(partner=firm, user__email=f"m{n}@northwind.test")
    client.force_login(admin)
    client.get("/partner/team/")
    # session, user, membership (+partner), members (+users), open invitations, admin check:
    # six, however many members
    with django_assert_num_queries(6):
        assert client.get("/partner/team/").status_code == 200


@pytest.mark.parametrize("address", ["fay@founder.test", "FAY@founder.test"])
def test_an_invitation_never_takes_over_an_existing_account(firm, admin, address):
    founder = UserFactory(email="fay@founder.test")
    invitation = partner_invite(partner=firm, actor=admin, email=address, role="admin")

    with pytest.raises(Exception, match="already exists"):
        invitation_accept(token=invitation_token(invitation), full_name="Eve", password=PASSWORD)

    founder.refresh_from_db()
    assert not founder.check_password(PASSWORD)
    assert not PartnerMembership.objects.filter(user=founder).exists()


def test_a_malformed_token_is_the_400_page(client):
    assert client.get("/partner/invitations/%C2%B2-x/").status_code == 400
