"""core.validators: control characters in names, and AWS account ids typed with dashes."""

import pytest
from django.core.exceptions import ValidationError

from core.validators import (
    NoControlCharactersValidator,
    aws_account_id_normalize,
    control_characters,
    no_control_characters,
)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Acme", []),
        ("Zoë Ørsted 株式会社 & Co.", []),
        ("می\u200cخواهم", []),  # zero-width non-joiner: part of the word in Persian
        ("\U0001f469\u200d\U0001f4bb", []),  # zero-width joiner inside an emoji
        ("a\x00b", ["U+0000"]),
        ("a\tb\nc", ["U+0009", "U+000A"]),
        ("a\x1f\x1fb", ["U+001F"]),  # each character once
        ("a\x7fb", ["U+007F"]),
        ("a\x85b", ["U+0085"]),  # C1 control
        ("Acme\u202eexe.doc", ["U+202E"]),  # right-to-left override
        ("a\u2066b", ["U+2066"]),  # left-to-right isolate
        ("a\u200bb", ["U+200B"]),  # zero-width space
        ("\ufeffAcme", ["U+FEFF"]),  # byte-order mark
        ("a\u00adb", ["U+00AD"]),  # soft hyphen
    ],
)
def test_it_finds_control_and_format_characters(text, found):
    assert control_characters(text) == found


def test_the_validator_names_the_field_and_the_characters():
    validator = NoControlCharactersValidator("The company name")

    with pytest.raises(ValidationError) as raised:
        validator("Acme\u202e\x00")

    error = raised.value.error_list[0]
    assert error.code == "control_characters"
    assert error.message % error.params == (
        "The company name contains a hidden control character (U+202E, U+0000); retype it, "
        "or paste it as plain text."
    )
    validator("Acme Analytics")  # no error


def test_the_default_validator_speaks_of_the_answer():
    with pytest.raises(ValidationError, match="This answer contains"):
        no_control_characters("a\x01")


def test_the_validator_deconstructs_for_migrations():
    validator = NoControlCharactersValidator("The company name")

    path, args, kwargs = validator.deconstruct()

    assert path == "core.validators.NoControlCharactersValidator"
    assert args == ("The company name",)
    assert NoControlCharactersValidator(*args, **kwargs) == validator
    assert validator != NoControlCharactersValidator("Your name")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("123456789012", "123456789012"),
        ("1234-5678-9012", "123456789012"),
        ("1234 5678 9012", "123456789012"),
        ("  1234 -5678- 9012\t", "123456789012"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_an_aws_account_id_is_normalised(typed, stored):
    assert aws_account_id_normalize(typed) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1234567890123", "length"),
        ("1234-5678-9012-3", "length"),
        ("12345678901", "length"),
        ("1234.5678.9012", "invalid"),
        ("1234_5678_9012", "invalid"),
        ("12345678901a", "invalid"),
        ("١٢٣٤٥٦٧٨٩٠١٢", "invalid"),  # Arabic-Indic digits: str.isdigit, but not ASCII
    ],
)
def test_anything_but_12_ascii_digits_is_refused(typed, code):
    with pytest.raises(ValidationError) as raised:
        aws_account_id_normalize(typed)

    assert raised.value.error_list[0].code == code
