"""The one error model: each ApplicationError answers its own status and body in the API,
and lands on the form in the pages."""

import pytest
from django import forms
from django.http import Http404
from rest_framework.exceptions import NotFound

from core.api import exception_handler
from core.errors import (
    ApplicationError,
    ConflictError,
    InvalidInputError,
    NotConfiguredError,
    NotFoundError,
    UpstreamError,
)
from core.pages import form_add_error
from credits.services import ApplicationInputError, ApplicationTransitionError
from matching.services import AceUnavailableError, CommissionError, LeadActionError
from workloads.selectors import PriceBookMissingError


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InvalidInputError("bad"), 400, "invalid"),
        (NotFoundError("gone"), 404, "not_found"),
        (ConflictError("no"), 409, "conflict"),
        (UpstreamError("down"), 502, "upstream_failed"),
        (NotConfiguredError("later"), 503, "not_configured"),
        (ApplicationInputError(fields={"to": ["x"]}), 400, "application_input"),
        (ApplicationTransitionError("no"), 409, "application_state"),
        (LeadActionError("no"), 409, "lead_state"),
        (CommissionError("no"), 409, "commission_state"),
        (AceUnavailableError("down"), 502, "ace_unavailable"),
        (PriceBookMissingError("default"), 503, "price_book_missing"),
    ],
)
def test_each_error_says_its_status_and_code(error, status, code):
    response = exception_handler(error, {})

    assert (error.status, error.code) == (status, code)
    assert response.status_code == status


def test_an_error_without_fields_answers_detail():
    response = exception_handler(LeadActionError("This lead is no longer open."), {})

    assert response.data == {"detail": "This lead is no longer open."}


def test_an_error_with_fields_answers_the_per_field_dict():
    error = ApplicationInputError(fields={"issued_amount": ["Enter it."], "expires_on": ["Too"]})

    response = exception_handler(error, {})

    assert response.status_code == 400
    assert response.data == {"issued_amount": ["Enter it."], "expires_on": ["Too"]}
    assert error.detail == "Enter it.; Too"
    assert error.errors == {"issued_amount": ["Enter it."], "expires_on": ["Too"]}


def test_a_price_book_error_tells_the_client_what_to_do_and_keeps_what_for_the_log():
    error = PriceBookMissingError("bedrock-current: no price for the opus tier's model")

    assert exception_handler(error, {}).data == {
        "detail": "No price book is configured yet; an operator must add one."
    }
    assert error.what == "bedrock-current: no price for the opus tier's model"


def test_a_not_found_error_is_also_django_s_404():
    assert isinstance(NotFoundError("x"), Http404)
    assert issubclass(NotFoundError, ApplicationError)


def test_other_exceptions_stay_drf_s():
    response = exception_handler(NotFound("Nope."), {})

    assert (response.status_code, response.data) == (404, {"detail": "Nope."})
    assert exception_handler(ValueError("boom"), {}) is None  # a 500, as before


class _Form(forms.Form):
    amount = forms.DecimalField()


def test_the_pages_put_field_messages_on_the_form():
    form = _Form({"amount": "1"})
    assert form.is_valid()

    above = form_add_error(
        form, ApplicationInputError(fields={"amount": ["Too much."], "program": ["Unknown."]})
    )

    assert above == ""
    assert form.errors == {"amount": ["Too much."], "__all__": ["Unknown."]}


def test_the_pages_show_an_error_without_fields_above_the_form():
    form = _Form({"amount": "1"})
    assert form.is_valid()

    assert form_add_error(form, ConflictError("Not now.")) == "Not now."
    assert form_add_error(None, ApplicationInputError(fields={"a": ["x"], "b": ["y"]})) == "x; y"
    assert not form.errors
