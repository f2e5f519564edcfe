"""Who may call the partner API, and the request it then sees."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from matching import selectors
from matching.models import Partner


class PartnerRequest(Request):
    """A request past `IsPartnerMember`: `partner` is the caller's firm. For type checkers
    only: the permission sets the attribute on DRF's request (as healthchecks' ApiRequest)."""

    partner: Partner


class FindsPartnerRequest(Request):
    """A request past `FindsPartner`: `partner` may be None (the object lookup then answers
    404). For type checkers only, like PartnerRequest."""

    partner: Partner | None


class IsPartnerMember(BasePermission):
    """A signed-in member of a partner firm; the firm is kept on `request.partner`. Anyone
    else: 403."""

    message = "Only members of a partner firm may use the partner API."

    def has_permission(self, request, view) -> bool:
        partner = selectors.partner_for_user(request.user)
        request.partner = partner
        return partner is not None


class FindsPartner(BasePermission):
    """Any signed-in caller; its firm (or None) is kept on `request.partner`, so an object
    view answers 404 alike for another firm's object and for a caller without a firm."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        request.partner = selectors.partner_for_user(request.user)
        return True


class PartnerPagination(PageNumberPagination):
    page_size = 50
