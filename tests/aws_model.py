"""Stubbed AWS calls held to botocore's own service model, requests and responses alike.

Why: botocore.stub.Stubber checks a stubbed response's shape, types and required members,
and botocore's client checks a request the same way before it sends it (botocore.validate:
types, required and unknown members, unions, minimums only). Neither looks at the rest of
the model: enums, patterns, maximum lengths and ranges. So a ListOpportunities request with
MaxResults=500, or an AssumeRole with a space in RoleSessionName, passes every stubbed test
and fails only against AWS, with a ValidationException. This module checks all of it:

- structures: unknown members, missing required members, exactly one member of a union;
- strings: the enum (or, where the model has none, the "Valid values: A | B" list its
  documentation gives, as for ACE's Address.StateOrRegion), the pattern, the min/max length;
- lists, maps and blobs: the min/max length (and every item, key and value);
- integers, longs, floats and doubles: the min/max range;
- every value: its Python type (a bool is not a number here, though it is an int to Python).

ModelStubber is a drop-in Stubber that checks each stubbed response and expected_params
when they are added, and the ACTUAL params of every call the code makes (the part that
catches what production sends), whether or not expected_params were given. Error responses
(add_client_error) are not checked; the params of the call that gets them still are.
Responses may break the model only where AWS itself does (OFF_MODEL_ANSWERS, with the
evidence): requests never, since AWS checks them.

Patterns: the AWS API reference gives each one as what the whole value must match, so they
are full matches (a leading ^ or trailing $ changes nothing). They are Java regexes (\\p{L},
\\p{Z}, \\p{N}...) that `re` cannot read; the `regex` package reads them, after two
translations: UTF-16 surrogate pairs become the code points they stand for, and \\x{..}
becomes \\U........ . Java's \\w, \\d and \\s are ASCII; here they are Unicode, so a check
can be more lenient than AWS, never stricter. A pattern `regex` still cannot compile (8 in
botocore 1.44.8, in dlm, ds and rbin: \\p{all}, \\p{LD}, a doubled quantifier) is not
checked.
"""

import datetime as dt
import functools
import html
import uuid
from collections.abc import Collection
from decimal import Decimal
from typing import Any

import boto3
import regex
from botocore.model import OperationModel, Shape
from botocore.stub import ANY, Stubber
from botocore.utils import parse_to_aware_datetime

ENUM_SHOWN = 5  # a problem names the enum's first few values and how many there are
VALUE_SHOWN = 60  # characters of a value a problem repeats
REQUEST_CHECK_ID = "aws_model_request_params"  # the unique_id of the request check's handler

NUMBER_TYPES = {
    "integer": (int,),
    "long": (int,),
    "float": (int, float, Decimal),
    "double": (int, float, Decimal),
}

# Where AWS really answers what botocore's model rules out, a stubbed response may too:
# (service, string shape) -> the evidence. Only responses: AWS validates every request.
OFF_MODEL_ANSWERS = {
    ("bedrock", "InferenceType"): (
        "us-east-1's list_foundation_models lists INFERENCE_PROFILE "
        "(tests/fixtures/aws_pricelist/list_foundation_models_anthropic_use1.json); "
        "botocore 1.44.8's enum has ON_DEMAND and PROVISIONED only"
    ),
    ("bedrock", "InferenceProfileName"): (
        "system-defined profiles are named like 'US Anthropic Claude 3.5 Sonnet': the "
        "model's pattern ([0-9a-zA-Z][ _-]?)+ leaves out the '.'"
    ),
    ("bedrock", "FoundationModelLifecycleStatus"): (
        "AWS's model lifecycle guide names an End-of-Life state botocore 1.44.8's enum "
        "(ACTIVE, LEGACY) leaves out, so the adapter must read statuses it does not know"
    ),
}


def model_problems(
    shape: Shape, value: Any, where: str = "", *, unchecked: Collection[str] = ()
) -> list[str]:
    """Every way `value` breaks `shape` (and the shapes inside it), one message each, each
    naming its path from `where` (the shape's name when empty). ANY is never a problem.

    Strings of the shapes named in `unchecked` keep only their type check (no enum,
    pattern or length): OFF_MODEL_ANSWERS says why a response needs that."""
    where = where or shape.name
    if value is ANY:
        return []
    check = _CHECKS.get(shape.type_name)
    return check(shape, value, where, unchecked) if check else []


def request_problems(client, operation_name: str, params: dict) -> list[str]:
    """What in `params` for `client.<operation_name>(**params)` breaks the input model.

    A missing idempotency token is no problem: botocore fills it with a uuid4 before it
    sends the request."""
    return _input_problems(_operation(client, operation_name), params)


def response_problems(client, operation_name: str, response: dict) -> list[str]:
    """What in a stubbed `response` breaks the output model (ResponseMetadata aside)."""
    operation = _operation(client, operation_name)
    body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    where = f"{operation.name}(response)"
    if operation.output_shape is None:
        return [f"{where} has no members, got {sorted(body)}"] if body else []
    service = client.meta.service_model.service_name
    unchecked = {shape for (name, shape) in OFF_MODEL_ANSWERS if name == service}
    return model_problems(operation.output_shape, body, where, unchecked=unchecked)


def check_requests(client):
    """Hold every later call of `client` to its input model: AssertionError before it is
    sent. ModelStubber does it for its client; this is for clients moto answers, which a
    Stubber cannot wrap. Returns the client."""
    client.meta.events.register_first(
        "before-parameter-build.*.*", _check_request, unique_id=REQUEST_CHECK_ID
    )
    return client


class ModelStubber(Stubber):
    """A Stubber that also holds requests and responses to the whole service model.

    add_response raises AssertionError when the response or expected_params break the
    model; once active, every call raises AssertionError before it is answered when its
    actual params break it (check_requests). That check runs ahead of Stubber's own
    expected_params check, so a call that breaks the model says how, not just "Expected
    parameters"; deactivate removes it."""

    def activate(self) -> None:
        check_requests(self.client)
        super().activate()

    def deactivate(self) -> None:
        super().deactivate()
        self.client.meta.events.unregister(
            "before-parameter-build.*.*", _check_request, unique_id=REQUEST_CHECK_ID
        )

    def add_response(self, method, service_response, expected_params=None) -> None:
        problems = response_problems(self.client, method, service_response)
        if expected_params is not None:
            problems += request_problems(self.client, method, expected_params)
        _raise_if(problems, f"the stubbed {method}")
        super().add_response(method, service_response, expected_params)


def stubbed_client(service_name: str, region_name: str = "us-east-1"):
    """A boto3 client with fake credentials, for a ModelStubber: it never signs for real."""
    return boto3.client(
        service_name,
        region_name=region_name,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


# --- the checks, one per shape type ----------------------------------------------------------


def _structure(shape, value, where: str, unchecked: Collection[str]) -> list[str]:
    if not isinstance(value, dict):
        return [_wrong_type(shape, value, where)]
    if shape.metadata.get("document"):
        return []  # a document is free-form JSON
    members = shape.members
    problems = [
        f"{where}.{name} is not a member of {shape.name} ({_listing(list(members))})"
        for name in value
        if name not in members
    ]
    problems += [
        f"{where}.{name} is required by {shape.name} but missing"
        for name in shape.required_members
        if name not in value
    ]
    if shape.is_tagged_union and len(value) != 1:
        problems.append(f"{where} sets {len(value)} members of the union {shape.name}, not 1")
    for name, item in value.items():
        if name in members:
            problems += model_problems(members[name], item, f"{where}.{name}", unchecked=unchecked)
    return problems


def _list(shape, value, where: str, unchecked: Collection[str]) -> list[str]:
    if not isinstance(value, list | tuple):
        return [_wrong_type(shape, value, where)]
    problems = _length_problems(shape, value, where)
    for index, item in enumerate(value):
        problems += model_problems(shape.member, item, f"{where}[{index}]", unchecked=unchecked)
    return problems


def _map(shape, value, where: str, unchecked: Collection[str]) -> list[str]:
    if not isinstance(value, dict):
        return [_wrong_type(shape, value, where)]
    problems = _length_problems(shape, value, where)
    for key, item in value.items():
        problems += model_problems(
            shape.key, key, f"{where} key {_shown(key)}", unchecked=unchecked
        )
        problems += model_problems(shape.value, item, f"{where}[{key!r}]", unchecked=unchecked)
    return problems


def _string(shape, value, where: str, unchecked: Collection[str]) -> list[str]:
    if not isinstance(value, str):
        return [_wrong_type(shape, value, where)]
    if shape.name in unchecked:
        return []
    problems = _length_problems(shape, value, where)
    if shape.enum and value not in shape.enum:
        problems.append(f"{where}={_shown(value)} is not one of the enum ({_listing(shape.enum)})")
    documented = None if shape.enum else _documented_values(shape.documentation or "")
    if documented and value not in documented:
        problems.append(
            f"{where}={_shown(value)} is not one of the documented valid values "
            f"({_listing(sorted(documented))})"
        )
    pattern = shape.metadata.get("pattern")
    compiled = _compiled(pattern) if pattern is not None else None
    if compiled is not None and compiled.fullmatch(value) is None:
        problems.append(f"{where}={_shown(value)} does not match the pattern {pattern}")
    return problems


@functools.cache
def _documented_values(documentation: str) -> frozenset[str] | None:
    """The values a string member's documentation lists as "Valid values: A | B | C" where
    the model has no enum for it (Address.StateOrRegion, Project.CustomerUseCase): AWS
    refuses anything else, so a request is held to them. None when there is no such list."""
    text = html.unescape(regex.sub(r"<[^>]+>", " ", documentation))
    match = regex.search(r"Valid values:\s*(.+)", text, regex.S)
    if match is None or "|" not in match.group(1):
        return None
    values = [" ".join(value.split()) for value in match.group(1).split("|")]
    return frozenset(value for value in values if value) or None


def _number(shape, value, where: str, unchecked: Collection[str]) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES[shape.type_name]):
        return [_wrong_type(shape, value, where)]
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        return [f"{where}={value!r} is under the min {low}"]
    if high is not None and value > high:
        return [f"{where}={value!r} is over the max {high}"]
    return []


def _boolean(shape, value, where: str, unchecked: Collection[str]) -> list[str]:
    return [] if isinstance(value, bool) else [_wrong_type(shape, value, where)]


def _timestamp(shape, value, where: str, unchecked: Collection[str]) -> list[str]:
    """A datetime, or what botocore reads as one (an ISO 8601 string, epoch seconds)."""
    if isinstance(value, dt.datetime):
        return []
    try:
        parse_to_aware_datetime(value)
    except (TypeError, ValueError):
        return [_wrong_type(shape, value, where)]
    return []


def _blob(shape, value, where: str, unchecked: Collection[str]) -> list[str]:
    if isinstance(value, bytes | bytearray | str):
        return _length_problems(shape, value, where)
    return [] if hasattr(value, "read") else [_wrong_type(shape, value, where)]


_CHECKS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _number,
    "long": _number,
    "float": _number,
    "double": _number,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "blob": _blob,
}


# --- helpers ---------------------------------------------------------------------------------


def _length_problems(shape, value, where: str) -> list[str]:
    """The model's min/max on a string's characters, a blob's bytes, a list's or map's items."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    size = len(value)
    if low is not None and size < low:
        return [f"{where} has length {size}, under the min {low}"]
    if high is not None and size > high:
        return [f"{where} has length {size}, over the max {high}"]
    return []


@functools.cache
def _compiled(pattern: str) -> "regex.Pattern[str] | None":
    """The model's Java pattern read by `regex` (module docstring); None if it cannot be."""
    python = pattern.replace(r"\uD800\uDC00-\uDBFF\uDFFF", r"\U00010000-\U0010FFFF")
    python = regex.sub(r"\\x\{([0-9A-Fa-f]+)\}", lambda m: rf"\U{int(m[1], 16):08X}", python)
    try:
        return regex.compile(python)
    except regex.error:
        return None


def _operation(client, method: str) -> OperationModel:
    name = client.meta.method_to_api_mapping.get(method)
    if name is None:
        service = client.meta.service_model.service_name
        raise ValueError(f"{service} has no method {method!r}")
    return client.meta.service_model.operation_model(name)


def _check_request(params: dict, model: OperationModel, **kwargs) -> None:
    """botocore's before-parameter-build handler: `params` are what the code passed."""
    _raise_if(_input_problems(model, params), f"the call to {model.name}")


def _input_problems(operation: OperationModel, params: dict) -> list[str]:
    if operation.input_shape is None:
        return [f"{operation.name} takes no parameters, got {sorted(params)}"] if params else []
    tokens = {name: str(uuid.uuid4()) for name in operation.idempotent_members}
    return model_problems(operation.input_shape, tokens | params, operation.name)


def _raise_if(problems: list[str], what: str) -> None:
    if problems:
        listed = "\n".join(f"- {problem}" for problem in problems)
        raise AssertionError(f"{what} breaks botocore's model:\n{listed}")


def _wrong_type(shape, value, where: str) -> str:
    kind = type(value).__name__
    return f"{where}={_shown(value)} is a {kind}, not a {shape.type_name} ({shape.name})"


def _listing(values: list[str]) -> str:
    shown = ", ".join(values[:ENUM_SHOWN])
    return shown if len(values) <= ENUM_SHOWN else f"{shown}, ... {len(values)} in all"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= VALUE_SHOWN else f"{text[: VALUE_SHOWN - 3]}..."
