"""The OpenAPI schema's component names are part of the API: generated clients name their
types after them. Each serializer the schema shows has a public name."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def test_no_component_takes_a_private_class_name(components):
    assert [name for name in components if name.startswith("_")] == []


@pytest.mark.parametrize(
    "name",
    [
        "Error",
        "PartnerLead",
        "PartnerLeadDetail",
        "PartnerLeadNote",
        "PartnerApplication",
        "PartnerApplicationEvent",
        "PartnerApplicationDetail",
        "AuthToken",
    ],
)
def test_the_published_names_stay(components, name):
    assert name in components
