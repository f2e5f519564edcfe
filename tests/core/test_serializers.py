"""core.serializers: fields built once per class, and still one bound set per instance."""

import threading
from unittest import mock

import pytest
from rest_framework import serializers

from api.serializers.estimates import EstimateInputSerializer
from api.serializers.intakes import CompanyInputSerializer
from core.serializers import ModelSerializer, Serializer

ESTIMATE = {
    "monthly_requests": 25_000,
    "input_tokens": 6000,
    "cached_prefix_tokens": 4500,
    "output_tokens": 600,
    "escalation": {"sonnet": 0.15, "opus": 0.05},
    "credits": [{"amount": "1000.00"}, {"amount": "5000.00", "start_month": 3}],
}


class Grant(Serializer):
    amount = serializers.IntegerField(min_value=0)


class Body(Serializer):
    name = serializers.CharField(max_length=5)
    kind = serializers.ChoiceField(choices=["a", "b"], default="a")
    tags = serializers.ListField(child=serializers.CharField(max_length=3), default=list)
    labels = serializers.DictField(default={})
    grants = Grant(many=True, required=False)
    shape = serializers.SerializerMethodField()

    def get_shape(self, obj) -> str:
        return "square"


def test_fields_are_built_once_per_class():
    """The point of the class: DRF's own get_fields (deep copies, model introspection) runs
    once for the class, not once per instance."""

    class Fresh(Serializer):
        name = serializers.CharField()

    with mock.patch.object(
        serializers.Serializer, "get_fields", autospec=True, wraps=serializers.Serializer.get_fields
    ) as built:
        for _ in range(3):
            assert list(Fresh(data={}).fields) == ["name"]
    assert built.call_count == 1


def test_model_serializer_fields_are_built_once_per_class():
    class Fresh(ModelSerializer):
        class Meta(CompanyInputSerializer.Meta):
            pass

    with mock.patch.object(
        serializers.ModelSerializer,
        "get_fields",
        autospec=True,
        wraps=serializers.ModelSerializer.get_fields,
    ) as built:
        first, second = Fresh().fields, Fresh().fields
    assert built.call_count == 1
    assert list(first) == list(second) == list(CompanyInputSerializer().fields)


def test_each_instance_binds_its_own_fields():
    one, two = Body(), Body()
    for name in one.fields:
        assert one.fields[name] is not two.fields[name], name
        assert one.fields[name].parent is one and two.fields[name].parent is two
    # What holds other fields is DRF's deep copy: no shared child, list or nested serializer.
    assert one.fields["tags"].child is not two.fields["tags"].child
    assert one.fields["tags"].child.parent is one.fields["tags"]
    assert one.fields["grants"].child is not two.fields["grants"].child
    assert one.fields["grants"].child.root is one
    # A mutable default is copied too: a value one request changes is not another's default.
    assert one.fields["labels"].default is not two.fields["labels"].default
    # The prototypes are never bound.
    assert all(field.parent is None for field in Body._field_prototypes.values())


def test_a_subclass_builds_its_own_fields():
    class More(Body):
        extra = serializers.IntegerField()

    assert "extra" in More().fields
    assert "extra" not in Body().fields


def test_validation_and_output_are_drfs():
    assert Body().to_representation({"name": "x"})["shape"] == "square"
    good = Body(data={"name": "abc", "tags": ["x"], "grants": [{"amount": 2}]})
    assert good.is_valid(), good.errors
    assert good.validated_data == {
        "name": "abc",
        "kind": "a",
        "tags": ["x"],
        "labels": {},
        "grants": [{"amount": 2}],
    }
    bad = Body(data={"name": "abcdef", "kind": "c", "tags": ["long"], "grants": [{"amount": -1}]})
    assert not bad.is_valid()
    assert set(bad.errors) == {"name", "kind", "tags", "grants"}
    assert "no more than 5" in str(bad.errors["name"][0])
    assert '"c" is not a valid choice.' in str(bad.errors["kind"][0])
    # The errors of one instance never reach the next: nothing bound is shared.
    assert Body(data={"name": "ok"}).is_valid()


def test_the_estimate_validates_the_same_across_threads():
    """Requests on gunicorn's threads validate at once; each gets its own answer."""
    expected = EstimateInputSerializer(data=ESTIMATE)
    assert expected.is_valid(), expected.errors
    answers, errors = [], []

    def validate(index: int) -> None:
        body = {**ESTIMATE, "monthly_requests": index, "output_tokens": -index}
        for _ in range(50):
            serializer = EstimateInputSerializer(data=body if index % 2 else ESTIMATE)
            valid = serializer.is_valid()
            if index % 2:
                errors.append(valid or set(serializer.errors) != {"output_tokens"})
            else:
                answers.append(serializer.validated_data == expected.validated_data)

    threads = [threading.Thread(target=validate, args=(i,)) for i in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers and all(answers)
    assert errors and not any(errors)


@pytest.mark.parametrize("body", [{"name": ""}, {"name": None}, {}])
def test_required_and_blank_are_drfs(body):
    serializer = Body(data=body)
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["name"]
