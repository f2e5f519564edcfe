"""DRF's Serializer and ModelSerializer with fields built once per class, not per request.

DRF builds a serializer's fields for every instance: `Serializer.get_fields` deep-copies each
declared field (which re-runs its `__init__`), and `ModelSerializer.get_fields` introspects
the model again on top. For the estimate that was about half of its validation, and the
intake pays it for three nested serializers (docs/performance.md, issue 19).

`FieldsOnce` builds them once per class with DRF's own `get_fields` and keeps them as
prototypes that are never bound. Each instance gets its own copy of each prototype:
- a leaf field (CharField, IntegerField, ChoiceField, SerializerMethodField, ...) a shallow
  copy: `bind()` then sets its name, parent and source on the copy alone, and what the copy
  shares with the prototype (its validators, choices, error messages) is only read;
- a field holding other fields (a nested serializer, a ListField's child) or a mutable
  default DRF's deep copy, exactly as before.

So two requests never share a bound field, and what they share is never written. The API's
serializers derive from these two classes; a serializer whose fields depend on its instance
(its context, the user) overrides `get_fields` and calls super() for the rest.
"""

import copy
from typing import Any

from rest_framework import serializers
from rest_framework.fields import Field

_MUTABLE = (list, dict, set)
AnyField = Field[Any, Any, Any, Any]


def _copy(field: AnyField) -> AnyField:
    holds_fields = isinstance(field, serializers.BaseSerializer) or hasattr(field, "child")
    if holds_fields or isinstance(getattr(field, "default", None), _MUTABLE):
        return copy.deepcopy(field)
    return copy.copy(field)


class FieldsOnce:
    """Fields built once per class (DRF's `get_fields`), copied per instance (see above)."""

    def get_fields(self) -> dict[str, AnyField]:
        cls = type(self)
        # The class's own attribute: a subclass declares other fields and builds its own.
        prototypes = cls.__dict__.get("_field_prototypes")
        if prototypes is None:
            # Two threads may both build them on a first request; either result is the same.
            prototypes = super().get_fields()  # type: ignore[misc]
            cls._field_prototypes = prototypes  # type: ignore[attr-defined]
        return {name: _copy(field) for name, field in prototypes.items()}


class Serializer(FieldsOnce, serializers.Serializer[Any]):
    pass


class ModelSerializer(FieldsOnce, serializers.ModelSerializer[Any]):
    pass


__all__ = ["FieldsOnce", "ModelSerializer", "Serializer"]
