"""One error model for services, the API and the pages.

A service refuses a request by raising an `ApplicationError` subclass; the error says which
HTTP status it means (`status`), a stable machine-readable `code`, and either a message
(`detail`) or per-field messages (`fields`). The API's exception handler
(`core.api.exception_handler`) and the pages' helper (`core.pages.form_add_error`) turn it into a
response, so no view maps errors by hand (docs/architecture.md#errors).

The body keeps the API's two shapes: `{"detail": "..."}`, or `{"field": ["message", ...]}`
when the error names fields.
"""

from collections.abc import Mapping, Sequence

from django.http import Http404


class ApplicationError(Exception):
    """Base of every error a service raises on purpose. Subclasses set `status` and `code`."""

    status: int = 400
    code: str = "invalid"

    def __init__(
        self,
        detail: str = "",
        *,
        fields: Mapping[str, Sequence[str]] | None = None,
        code: str | None = None,
    ) -> None:
        self.fields: dict[str, list[str]] = {
            name: list(messages) for name, messages in (fields or {}).items()
        }
        self.detail = detail or "; ".join(m for ms in self.fields.values() for m in ms)
        if code is not None:
            self.code = code
        super().__init__(self.detail)

    @property
    def errors(self) -> dict[str, list[str]]:
        """Per-field messages (`{"detail": [message]}` for an error without fields)."""
        return self.fields or {"detail": [self.detail]}

    def body(self) -> dict[str, object]:
        """The API's error body: the per-field dict, else `{"detail": ...}`."""
        if self.fields:
            return dict(self.fields)
        return {"detail": self.detail}


class InvalidInputError(ApplicationError):
    """400: the input cannot be accepted; `fields` names each field and what would be."""

    status = 400
    code = "invalid"


class NotFoundError(ApplicationError, Http404):
    """404: no such object, or not the caller's (the two look alike). Also an Http404, so a
    page that lets it through renders the site's 404 page."""

    status = 404
    code = "not_found"


class ConflictError(ApplicationError):
    """409: the object's current state does not allow this."""

    status = 409
    code = "conflict"


class UpstreamError(ApplicationError):
    """502: an upstream service (AWS) failed; nothing changed, the caller may retry."""

    status = 502
    code = "upstream_failed"


class NotConfiguredError(ApplicationError):
    """503: the setup an operator must finish is missing (no price book, say)."""

    status = 503
    code = "not_configured"


class ForbiddenError(ApplicationError):
    """403: signed in and allowed to see this, but not to change it (a firm member, not an
    admin, editing the firm's profile)."""

    status = 403
    code = "forbidden"
