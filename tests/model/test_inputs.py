"""Declared inputs: their specs, and an execution's input checked against them."""

from __future__ import annotations

import re
from typing import Any

import pydantic
import pytest
from helpers.loading import workflow_with_inputs

from harmonia.errors import ValidationFailed
from harmonia.model import InputSpec, Workflow

# --------------------------------------------------------------------------------- InputSpec


def test_input_without_default_is_required() -> None:
    assert InputSpec().required
    assert not InputSpec(default="x").required
    assert not InputSpec.model_validate({"default": None}).required


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "integer", "default": 0, "minimum": 1}, "0 is less than the minimum 1"),
        ({"type": "number", "default": 11, "maximum": 10}, "greater than the maximum 10"),
        ({"type": "integer", "default": True}, "expected integer, got boolean true"),
        ({"type": "integer", "default": 1.5}, "expected integer, got number 1.5"),
        ({"type": "string", "default": 3}, "expected string, got integer 3"),
        ({"type": "string", "default": "abc", "max_length": 2}, "more than max_length 2"),
        ({"type": "array", "default": [], "min_length": 1}, "fewer than min_length 1"),
        ({"type": "string", "default": "x", "enum": ["a", "b"]}, "is not one of: 'a', 'b'"),
        ({"type": "string", "default": "abc", "pattern": "^[0-9]+$"}, "does not match"),
        ({"type": "object", "default": []}, "expected object, got array"),
        ({"type": "boolean", "default": 0}, "expected boolean, got integer 0"),
    ],
)
def test_input_default_must_fit_the_spec(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=re.escape(message)):
        InputSpec.model_validate(spec)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "string", "minimum": 1}, "minimum applies to integer and number inputs"),
        ({"type": "integer", "min_length": 1}, "min_length applies to string and array"),
        ({"type": "integer", "pattern": "x"}, "pattern applies to string inputs"),
        ({"type": "string", "pattern": "("}, "invalid regular expression"),
        ({"type": "integer", "minimum": 5, "maximum": 1}, "maximum 1 is less than minimum 5"),
        ({"type": "string", "min_length": 3, "max_length": 1}, "max_length 1 is less than"),
        ({"type": "integer", "enum": [1, "2"]}, "enum values must be of type integer"),
        ({"type": "text"}, "Input should be"),
        ({"type": "string", "enum": []}, "at least 1 item"),
    ],
)
def test_input_spec_rejects_inconsistent_constraints(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=re.escape(message)):
        InputSpec.model_validate(spec)


def test_input_spec_accepts_a_consistent_spec() -> None:
    spec = InputSpec.model_validate(
        {"type": "integer", "minimum": 1, "maximum": 10, "enum": [1, 5, 10], "default": 5}
    )
    assert spec.check(5) == []
    assert spec.check(7) == ["7 is not one of: 1, 5, 10"]


# ----------------------------------------------------------------------------- validate_input


def _problems(workflow: Workflow, given: dict[str, Any]) -> list[tuple[str | None, str]]:
    with pytest.raises(ValidationFailed) as info:
        workflow.validate_input(given)
    return [(p.field, p.message) for p in info.value.problems]


def test_validate_input_applies_defaults() -> None:
    workflow = workflow_with_inputs(
        {
            "source": {"type": "string", "default": "https://example.org"},
            "limit": {"type": "integer", "default": 100, "minimum": 1},
            "tags": {"type": "array", "default": ["a"]},
            "note": {"type": "string", "default": None},
        }
    )
    result = workflow.validate_input({"limit": 5})
    assert result == {"source": "https://example.org", "limit": 5, "tags": ["a"], "note": None}
    # defaults are copied: mutating one execution's input never changes the definition
    result["tags"].append("b")
    assert workflow.validate_input({})["tags"] == ["a"]


def test_validate_input_accepts_explicit_null_for_null_default() -> None:
    workflow = workflow_with_inputs({"note": {"type": "string", "default": None}})
    assert workflow.validate_input({"note": None}) == {"note": None}


def test_validate_input_reports_missing_and_unknown() -> None:
    workflow = workflow_with_inputs(
        {"alpha": {"type": "string"}, "beta": {"type": "integer", "default": 1}}
    )
    assert _problems(workflow, {"alpah": "x"}) == [
        ("input.alpah", "unknown input 'alpah' (did you mean 'alpha'?); declared: alpha, beta"),
        ("input.alpha", "missing required input"),
    ]


def test_validate_input_with_no_declared_inputs() -> None:
    workflow = workflow_with_inputs({})
    assert workflow.validate_input({}) == {}
    assert _problems(workflow, {"x": 1}) == [
        ("input.x", "unknown input 'x'; this workflow declares no inputs")
    ]


@pytest.mark.parametrize(
    ("type_", "good", "bad"),
    [
        ("string", ["", "x"], [1, None, True, ["x"]]),
        ("integer", [0, -3, 2**64 - 1, -(2**63)], [True, False, 1.0, "1", None]),
        ("number", [0, 1.5, -2], [True, "1.5", None]),
        ("boolean", [True, False], [0, 1, "true", None]),
        ("object", [{}, {"a": 1}], [[], "x", None]),
        ("array", [[], [1, "a"]], [{}, "abc", None]),
    ],
)
def test_validate_input_types(type_: str, good: list[Any], bad: list[Any]) -> None:
    workflow = workflow_with_inputs({"v": {"type": type_}})
    for value in good:
        assert workflow.validate_input({"v": value}) == {"v": value}
    for value in bad:
        problems = _problems(workflow, {"v": value})
        assert problems == [("input.v", problems[0][1])]
        assert problems[0][1].startswith(f"expected {type_}, got ")


def test_validate_input_refuses_integers_beyond_64_bits() -> None:
    workflow = workflow_with_inputs({"v": {"type": "integer"}, "a": {"type": "array"}})
    problems = _problems(workflow, {"v": 2**64, "a": [1, {"x": -(2**63) - 1}]})
    assert [field for field, _ in problems] == ["input.v", "input.a[1].x"]
    assert all("integers must be between -2^63 and 2^64-1" in message for _, message in problems)


def test_validate_input_bounds_lengths_enum_and_pattern() -> None:
    workflow = workflow_with_inputs(
        {
            "n": {"type": "integer", "minimum": 1, "maximum": 10},
            "s": {"type": "string", "min_length": 2, "max_length": 4, "pattern": "^[a-z]+$"},
            "color": {"type": "string", "enum": ["red", "green"]},
            "items": {"type": "array", "max_length": 1},
        }
    )
    ok = {"n": 10, "s": "ab", "color": "red", "items": [1]}
    assert workflow.validate_input(ok) == ok
    assert _problems(workflow, {"n": 0, "s": "ABCDE", "color": "blue", "items": [1, 2]}) == [
        ("input.n", "0 is less than the minimum 1"),
        ("input.s", "has 5 characters, more than max_length 4"),
        ("input.s", "'ABCDE' does not match the pattern '^[a-z]+$'"),
        ("input.color", "'blue' is not one of: 'red', 'green'"),
        ("input.items", "has 2 items, more than max_length 1"),
    ]
    assert _problems(workflow, {"n": 11, "s": "a", "color": "red", "items": []}) == [
        ("input.n", "11 is greater than the maximum 10"),
        ("input.s", "has 1 characters, fewer than min_length 2"),
    ]


def test_enum_keeps_booleans_and_integers_apart() -> None:
    workflow = workflow_with_inputs({"n": {"type": "number", "enum": [1, 2]}})
    assert workflow.validate_input({"n": 1.0}) == {"n": 1.0}
    flags = workflow_with_inputs({"f": {"type": "boolean", "enum": [True]}})
    assert flags.validate_input({"f": True}) == {"f": True}


def test_validate_input_problems_carry_no_file() -> None:
    workflow = workflow_with_inputs({"x": {"type": "integer"}})
    with pytest.raises(ValidationFailed) as info:
        workflow.validate_input({"x": "1"})
    problem = info.value.problems[0]
    assert (problem.file, problem.line, problem.task) == (None, None, None)
