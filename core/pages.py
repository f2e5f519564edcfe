"""The pages' side of the error model: a service's `ApplicationError` shown on a page."""

from django import forms

from .errors import ApplicationError


def form_add_error(form: forms.BaseForm | None, error: ApplicationError) -> str:
    """Show a service's error on the page that called it, and return the message that goes
    above the form ("" when the form holds it all). The page answers with `error.status`.

    Per-field messages go under the form's fields (those for fields the form does not have
    above it, as the form's own errors); an error without fields is returned as is."""
    if form is None or not error.fields:
        return error.detail
    for field, messages in error.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    return ""
