"""The US states and territories ACE accepts (workloads.choices.US_STATES), the name lookup
the page and the API share, and the migration that turned stored codes into names."""

import gzip
import importlib
import json
import re
from pathlib import Path

import botocore
import pytest
from django.apps import apps

from tests.factories import StartupFactory
from workloads.choices import US_STATES, us_state_name
from workloads.models import Startup

MIGRATION = importlib.import_module("workloads.migrations.0006_startup_state_names")
# ACE's military post entries: not where a company is registered.
MILITARY = {"APO/AE", "AFO/FPO", "FPO, AP"}


def _ace_state_names() -> list[str]:
    """The "Valid values" of Address.StateOrRegion in botocore's partnercentral-selling."""
    data = Path(botocore.__file__).parent / "data" / "partnercentral-selling"
    [model] = sorted(data.glob("*/service-2.json*"))
    raw = gzip.decompress(model.read_bytes()) if model.suffix == ".gz" else model.read_bytes()
    address = json.loads(raw)["shapes"]["Address"]["members"]["StateOrRegion"]
    values = re.search(r"Valid values: <code>(.*?)</code>", address["documentation"]).group(1)
    return [value.strip() for value in values.split(" | ")]


def test_the_list_is_aces_states_and_territories():
    # ACE's names in ACE's order (the select's order).
    assert list(US_STATES.values()) == [n for n in _ace_state_names() if n not in MILITARY]
    assert len(US_STATES) == 59  # 50 states, DC and 8 territories
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in US_STATES)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("WA", "Washington"),
        ("wa", "Washington"),
        ("Washington", "Washington"),
        ("WASHINGTON", "Washington"),
        (" new  york ", "New York"),
        ("VI", "Virgin Islands"),
        ("U.S. Virgin Islands", "Virgin Islands"),
        ("District of Columbia", "Dist. of Columbia"),
        ("dist. of columbia", "Dist. of Columbia"),
    ],
)
def test_a_code_or_name_gives_the_stored_name(given, name):
    assert us_state_name(given) == name


@pytest.mark.parametrize(
    "given", ["", "W", "Atlantis", "\U0001f984", "Washington State", "APO/AE", None, 12, ["WA"]]
)
def test_anything_else_gives_none(given):
    assert us_state_name(given) is None


@pytest.mark.django_db
def test_the_migration_turns_us_codes_into_names_and_back():
    us_code = StartupFactory(state="WA")
    us_lower = StartupFactory(state="ny")
    us_name = StartupFactory(state="Texas")
    us_unknown = StartupFactory(state="Somewhere")
    abroad = StartupFactory(country="DE", state="BE")  # Berlin, not a US code

    MIGRATION.states_to_names(apps, None)

    states = dict(Startup.objects.values_list("pk", "state"))
    assert states[us_code.pk] == "Washington"
    assert states[us_lower.pk] == "New York"
    assert states[us_name.pk] == "Texas"
    assert states[us_unknown.pk] == "Somewhere"
    assert states[abroad.pk] == "BE"

    MIGRATION.names_to_states(apps, None)

    states = dict(Startup.objects.values_list("pk", "state"))
    assert (states[us_code.pk], states[us_name.pk], states[abroad.pk]) == ("WA", "TX", "BE")
