"""A template's parameters: every kind of bad value is named, all at once, by parameter."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from harmonia.errors import ValidationFailed
from harmonia.model import TemplateSpec

PARAMETERS: dict[str, Any] = {
    "name": {"type": "string", "pattern": "^[a-z]+$", "min_length": 2, "max_length": 8},
    "count": {"type": "integer", "minimum": 1, "maximum": 5, "default": 2},
    "ratio": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5},
    "mode": {"type": "string", "enum": ["fast", "safe"], "default": "safe"},
    "dry": {"type": "boolean", "default": False},
    "tags": {"type": "array", "max_length": 2, "default": []},
    "extra": {"type": "object", "default": {}},
}


def spec(parameters: dict[str, Any] | None = None) -> TemplateSpec:
    return TemplateSpec.model_validate(
        {
            "kind": "template",
            "name": "t",
            "parameters": PARAMETERS if parameters is None else parameters,
            "workflow": {"name": "w", "tasks": {}},
        }
    )


def problems(given: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        spec().check_values(given)
    found: dict[str, list[str]] = {}
    for problem in caught.value.problems:
        assert problem.file == "template t"
        found.setdefault(str(problem.field), []).append(problem.message)
    return found


def test_defaults_fill_what_is_not_given() -> None:
    values = spec().check_values({"name": "abc"})
    assert values == {
        "name": "abc",
        "count": 2,
        "ratio": 0.5,
        "mode": "safe",
        "dry": False,
        "tags": [],
        "extra": {},
    }


def test_every_bad_value_is_named_at_once() -> None:
    found = problems(
        {
            "count": 9,
            "ratio": -0.5,
            "mode": "reckless",
            "dry": "no",
            "tags": ["a", "b", "c"],
            "extra": [1],
            "colour": "red",
        }
    )
    assert set(found) == {
        "parameters.name",
        "parameters.count",
        "parameters.ratio",
        "parameters.mode",
        "parameters.dry",
        "parameters.tags",
        "parameters.extra",
        "parameters.colour",
    }
    assert found["parameters.name"] == ["missing required parameter"]
    assert found["parameters.count"] == ["9 is greater than the maximum 5"]
    assert found["parameters.ratio"] == ["-0.5 is less than the minimum 0"]
    assert found["parameters.mode"] == ["'reckless' is not one of: 'fast', 'safe'"]
    assert found["parameters.dry"] == ['expected boolean, got string "no"']
    assert found["parameters.tags"] == ["has 3 items, more than max_length 2"]
    assert found["parameters.extra"] == ["expected object, got array"]
    assert found["parameters.colour"][0].startswith("unknown parameter 'colour'")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("A", "'A' does not match the pattern '^[a-z]+$'"),
        ("a", "has 1 characters, fewer than min_length 2"),
        ("abcdefghi", "has 9 characters, more than max_length 8"),
        (5, "expected string, got integer 5"),
    ],
)
def test_string_checks(value: Any, message: str) -> None:
    assert message in problems({"name": value})["parameters.name"]


def test_booleans_are_not_integers_and_integers_are_numbers() -> None:
    assert problems({"name": "ab", "count": True}) == {
        "parameters.count": ["expected integer, got boolean true"]
    }
    assert spec().check_values({"name": "ab", "ratio": 1})["ratio"] == 1


def test_an_integer_beyond_64_bits_is_named() -> None:
    found = problems({"name": "ab", "extra": {"n": 2**70}})
    assert list(found) == ["parameters.extra.n"]


def test_a_broken_parameter_spec_is_refused() -> None:
    # a parameter's default does not fit its parameter: it said "... fit the input"
    with pytest.raises(ValidationError, match="default does not fit its spec: 1 is less than"):
        spec({"n": {"type": "integer", "minimum": 3, "default": 1}})
    with pytest.raises(ValidationError, match="pattern applies to string"):
        spec({"n": {"type": "integer", "pattern": "x"}})
    with pytest.raises(ValidationError):
        spec({"bad name": {"type": "string"}})


def test_a_long_list_of_declared_names_is_cut() -> None:
    many = {f"p{i}": {"type": "integer", "default": i} for i in range(100)}
    with pytest.raises(ValidationFailed) as caught:
        spec(many).check_values({"nope": 1})
    assert caught.value.problems[0].message.endswith("... (100 in all)")


def test_the_template_schema_describes_template_files() -> None:
    from harmonia.schema import TEMPLATE_SCHEMA_ID, template_json_schema

    schema = template_json_schema()
    assert schema["$id"] == TEMPLATE_SCHEMA_ID
    assert schema["required"] == ["kind", "name", "workflow"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "kind",
        "name",
        "version",
        "description",
        "parameters",
        "workflow",
    }
    assert schema["properties"]["kind"]["const"] == "template"
    assert schema["properties"]["workflow"]["type"] == "object"
    parameter = schema["$defs"]["ParameterSpec"]
    assert parameter["additionalProperties"] is False
    assert {"type", "default", "enum", "minimum", "maximum", "pattern", "description"} <= set(
        parameter["properties"]
    )
    assert parameter["properties"]["type"]["enum"] == [
        "string",
        "integer",
        "number",
        "boolean",
        "object",
        "array",
    ]
