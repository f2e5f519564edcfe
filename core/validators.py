"""Validators shared by the models, the page forms and the API (Django and the stdlib only)."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible

# Zero-width non-joiner and joiner (Unicode category Cf) spell words in Persian, Hindi and
# other scripts, so a real name may contain them; every other Cc/Cf character is invisible or
# reorders the text around it (U+202E RIGHT-TO-LEFT OVERRIDE shows "Acme\u202eexe.doc" as
# "Acmecod.exe").
ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})


def control_characters(value: str) -> list[str]:
    """The control and format characters in `value` (Unicode Cc and Cf), as U+XXXX."""
    found = []
    for character in value:
        if character in ALLOWED_FORMAT_CHARACTERS:
            continue
        if unicodedata.category(character) in ("Cc", "Cf"):
            code = f"U+{ord(character):04X}"
            if code not in found:
                found.append(code)
    return found


@deconstructible
class NoControlCharactersValidator:
    """Refuse text with control characters (tab, new line, NUL, U+007F...) or invisible
    format characters (U+202E, U+200B, U+FEFF...), which print nothing or reorder text."""

    code = "control_characters"

    def __init__(self, what: str = "This answer") -> None:
        self.what = what

    def __call__(self, value: str) -> None:
        found = control_characters(str(value))
        if found:
            raise ValidationError(
                "%(what)s contains a hidden control character (%(found)s); retype it, or "
                "paste it as plain text.",
                code=self.code,
                params={"what": self.what, "found": ", ".join(found)},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoControlCharactersValidator) and other.what == self.what

    def __hash__(self) -> int:
        return hash(self.what)


no_control_characters = NoControlCharactersValidator()

AWS_ACCOUNT_ID_DIGITS = 12
_AWS_ACCOUNT_ID_SEPARATORS = re.compile(r"[\s\-]+")


def aws_account_id_normalize(value: str) -> str:
    """`value` as the 12 digits AWS stores, from "2109-8765-4321" or "2109 8765 4321".

    Empty stays empty (no account yet). Anything else is refused, never cut: 13 digits are
    13 digits."""
    text = str(value).strip()
    if not text:
        return ""
    digits = _AWS_ACCOUNT_ID_SEPARATORS.sub("", text)
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(
            "An AWS account id is 12 digits (dashes or spaces between them are fine, "
            "e.g. 2109-8765-4321); this one has other characters.",
            code="invalid",
        )
    if len(digits) != AWS_ACCOUNT_ID_DIGITS:
        raise ValidationError(
            "An AWS account id is 12 digits (dashes or spaces between them are fine, "
            "e.g. 2109-8765-4321); this one has %(count)d.",
            code="length",
            params={"count": len(digits)},
        )
    return digits


# An IAM role ARN (any partition): what sts.assume_role takes as RoleArn for a customer's or
# a partner firm's role. The path and name use IAM's own character set.
iam_role_arn_validator = RegexValidator(
    r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,128}$",
    "Enter an IAM role ARN such as arn:aws:iam::123456789012:role/CloudRouteCosts.",
)
# sts.assume_role's ExternalId: 2 to 1,224 characters of letters, digits and +=,.@:/-
# (botocore's model, AssumeRoleRequest.ExternalId).
external_id_validator = RegexValidator(
    r"^[\w+=,.@:/-]{2,1224}$",
    "Enter an ExternalId of 2 to 1224 letters, digits or +=,.@:/- (no spaces).",
)
