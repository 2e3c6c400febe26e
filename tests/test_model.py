"""The workflow models: retry math, declared inputs, effective defaults, documents, schema."""

from __future__ import annotations

import json
import random
from typing import Any

import pydantic
import pytest

from harmonia.errors import ErrorKind, NotFound, ValidationFailed
from harmonia.model import InputSpec, RetryPolicy, TaskDefaults, TaskSpec, Workflow
from harmonia.schema import workflow_json_schema

# ------------------------------------------------------------------------------- RetryPolicy


def test_retry_policy_defaults() -> None:
    policy = RetryPolicy()
    assert policy.max_retries == 0
    assert policy.max_attempts == 1
    assert policy.initial_delay == 1.0
    assert policy.max_delay == 60.0
    assert policy.backoff_multiplier == 2.0
    assert policy.jitter == 0.1
    assert policy.retry_on is None


def test_max_retries_three_means_four_attempts() -> None:
    assert RetryPolicy(max_retries=3).max_attempts == 4


def test_delay_is_exponential_and_capped_without_jitter() -> None:
    policy = RetryPolicy(initial_delay=0.5, backoff_multiplier=3, max_delay=10, jitter=0)
    rng = random.Random(1)
    assert [policy.delay(n, rng) for n in range(1, 6)] == [0.5, 1.5, 4.5, 10.0, 10.0]


def test_delay_with_multiplier_one_is_constant() -> None:
    policy = RetryPolicy(initial_delay=2, backoff_multiplier=1, jitter=0)
    assert {policy.delay(n, random.Random()) for n in range(1, 20)} == {2.0}


@pytest.mark.parametrize("jitter", [0.1, 0.5, 1.0])
def test_delay_jitter_stays_within_bounds(jitter: float) -> None:
    policy = RetryPolicy(initial_delay=1, backoff_multiplier=2, max_delay=5, jitter=jitter)
    rng = random.Random(42)
    for attempt in range(1, 10):
        base = min(5.0, 2.0 ** (attempt - 1))
        delays = [policy.delay(attempt, rng) for _ in range(300)]
        assert all(base * (1 - jitter) - 1e-9 <= d <= base * (1 + jitter) + 1e-9 for d in delays)
        assert all(0 <= d <= policy.max_delay * (1 + jitter) + 1e-9 for d in delays)
        # the jitter really randomises: not every delay is the same
        assert len(set(delays)) > 1


def test_delay_is_deterministic_for_a_seeded_rng() -> None:
    policy = RetryPolicy(initial_delay=1, jitter=0.3)
    first = [policy.delay(n, random.Random(7)) for n in range(1, 5)]
    again = [policy.delay(n, random.Random(7)) for n in range(1, 5)]
    assert first == again


def test_delay_survives_huge_attempt_numbers() -> None:
    policy = RetryPolicy(initial_delay=1, backoff_multiplier=10, max_delay=30, jitter=0)
    assert policy.delay(10_000, random.Random()) == 30.0


def test_delay_treats_attempt_below_one_as_first_retry() -> None:
    policy = RetryPolicy(initial_delay=3, jitter=0)
    assert policy.delay(0, random.Random()) == 3.0


def test_should_retry() -> None:
    any_kind = RetryPolicy()
    assert any_kind.should_retry("timeout", True)
    assert not any_kind.should_retry("http_client_error", False)
    only_timeouts = RetryPolicy(retry_on=["timeout"])
    assert only_timeouts.should_retry("timeout", True)
    assert not only_timeouts.should_retry("exit_code", True)
    # a non-retryable failure never retries, even when its kind is listed
    listed = RetryPolicy(retry_on=["invalid_input"])
    assert not listed.should_retry("invalid_input", False)


def test_retry_on_accepts_every_error_kind() -> None:
    kinds = [kind.value for kind in ErrorKind]
    assert RetryPolicy(retry_on=kinds).retry_on == kinds


def test_retry_on_rejects_unknown_kinds_listing_the_valid_ones() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        RetryPolicy(retry_on=["timeout", "tmeout"])
    message = str(info.value)
    assert "unknown error kind 'tmeout'" in message
    assert "did you mean 'timeout'?" in message
    assert all(kind.value in message for kind in ErrorKind)


@pytest.mark.parametrize(
    "fields",
    [
        {"max_retries": -1},
        {"initial_delay": -0.1},
        {"max_delay": -1},
        {"backoff_multiplier": 0.5},
        {"jitter": 1.5},
        {"jitter": -0.1},
        {"max_retries": "3"},  # strict: no string coercion
        {"max_retries": True},  # strict: a boolean is not an integer
        {"initial_delay": float("nan")},
        {"max_retires": 3},  # unknown field
    ],
)
def test_retry_policy_rejects(fields: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        RetryPolicy.model_validate(fields)


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
    with pytest.raises(pydantic.ValidationError) as info:
        InputSpec.model_validate(spec)
    assert message in str(info.value)


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
    with pytest.raises(pydantic.ValidationError) as info:
        InputSpec.model_validate(spec)
    assert message in str(info.value)


def test_input_spec_accepts_a_consistent_spec() -> None:
    spec = InputSpec.model_validate(
        {"type": "integer", "minimum": 1, "maximum": 10, "enum": [1, 5, 10], "default": 5}
    )
    assert spec.check(5) == []
    assert spec.check(7) == ["7 is not one of: 1, 5, 10"]


# ----------------------------------------------------------------------------- validate_input


def _workflow(inputs: dict[str, Any], **extra: Any) -> Workflow:
    return Workflow.model_validate(
        {
            "name": "w",
            "input": inputs,
            "tasks": {"a": {"component": "core", "action": "echo"}},
            **extra,
        }
    )


def _problems(workflow: Workflow, given: dict[str, Any]) -> list[tuple[str | None, str]]:
    with pytest.raises(ValidationFailed) as info:
        workflow.validate_input(given)
    return [(p.field, p.message) for p in info.value.problems]


def test_validate_input_applies_defaults() -> None:
    workflow = _workflow(
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
    workflow = _workflow({"note": {"type": "string", "default": None}})
    assert workflow.validate_input({"note": None}) == {"note": None}


def test_validate_input_reports_missing_and_unknown() -> None:
    workflow = _workflow({"alpha": {"type": "string"}, "beta": {"type": "integer", "default": 1}})
    assert _problems(workflow, {"alpah": "x"}) == [
        ("input.alpah", "unknown input 'alpah' (did you mean 'alpha'?); declared: alpha, beta"),
        ("input.alpha", "missing required input"),
    ]


def test_validate_input_with_no_declared_inputs() -> None:
    workflow = _workflow({})
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
    workflow = _workflow({"v": {"type": type_}})
    for value in good:
        assert workflow.validate_input({"v": value}) == {"v": value}
    for value in bad:
        problems = _problems(workflow, {"v": value})
        assert problems == [("input.v", problems[0][1])]
        assert problems[0][1].startswith(f"expected {type_}, got ")


def test_validate_input_refuses_integers_beyond_64_bits() -> None:
    workflow = _workflow({"v": {"type": "integer"}, "a": {"type": "array"}})
    problems = _problems(workflow, {"v": 2**64, "a": [1, {"x": -(2**63) - 1}]})
    assert [field for field, _ in problems] == ["input.v", "input.a[1].x"]
    assert all("integers must be between -2^63 and 2^64-1" in message for _, message in problems)


def test_validate_input_bounds_lengths_enum_and_pattern() -> None:
    workflow = _workflow(
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
    workflow = _workflow({"n": {"type": "number", "enum": [1, 2]}})
    assert workflow.validate_input({"n": 1.0}) == {"n": 1.0}
    flags = _workflow({"f": {"type": "boolean", "enum": [True]}})
    assert flags.validate_input({"f": True}) == {"f": True}


def test_validate_input_problems_carry_no_file() -> None:
    workflow = _workflow({"x": {"type": "integer"}})
    with pytest.raises(ValidationFailed) as info:
        workflow.validate_input({"x": "1"})
    problem = info.value.problems[0]
    assert (problem.file, problem.line, problem.task) == (None, None, None)


# ------------------------------------------------------------------------- Workflow and tasks


def test_workflow_defaults() -> None:
    workflow = Workflow.model_validate(
        {"name": "w", "tasks": {"a": {"component": "core", "action": "echo"}}}
    )
    assert workflow.version == "1.0.0"
    assert workflow.max_concurrency == 16
    assert workflow.input == {}
    assert workflow.defaults == TaskDefaults()
    task = workflow.tasks["a"]
    assert (task.input, task.depends_on, task.when, task.timeout) == ({}, [], None, None)


def test_effective_merges_defaults_field_by_field() -> None:
    workflow = Workflow.model_validate(
        {
            "name": "w",
            "defaults": {
                "timeout": 30,
                "retry_policy": {"max_retries": 2, "initial_delay": 0.5, "retry_on": ["timeout"]},
            },
            "tasks": {
                "inherits": {"component": "core", "action": "echo"},
                "own": {
                    "component": "core",
                    "action": "echo",
                    "timeout": 5,
                    "retry_policy": {"max_retries": 5, "jitter": 0},
                },
                # explicitly setting the default value still wins over the workflow default
                "explicit": {
                    "component": "core",
                    "action": "echo",
                    "retry_policy": {"max_retries": 0},
                },
            },
        }
    )
    inherits = workflow.effective("inherits")
    assert inherits.timeout == 30
    assert inherits.retry_policy == RetryPolicy(
        max_retries=2, initial_delay=0.5, retry_on=["timeout"]
    )
    own = workflow.effective("own")
    assert own.timeout == 5
    assert own.retry_policy == RetryPolicy(
        max_retries=5, initial_delay=0.5, jitter=0, retry_on=["timeout"]
    )
    assert workflow.effective("explicit").retry_policy is not None
    assert workflow.effective("explicit").retry_policy.max_retries == 0  # type: ignore[union-attr]
    # the tasks themselves stay as written
    assert workflow.tasks["inherits"].timeout is None
    assert workflow.tasks["inherits"].retry_policy is None


def test_effective_without_defaults() -> None:
    workflow = _workflow({})
    effective = workflow.effective("a")
    assert effective.timeout is None
    assert effective.retry_policy == RetryPolicy()


def test_effective_unknown_task() -> None:
    with pytest.raises(NotFound):
        _workflow({}).effective("nope")


def test_upstream_and_downstream() -> None:
    workflow = Workflow.model_validate(
        {
            "name": "w",
            "tasks": {
                "a": {"component": "core", "action": "echo"},
                "b": {"component": "core", "action": "echo", "depends_on": ["a"]},
                "c": {"component": "core", "action": "echo", "depends_on": ["b"]},
                "d": {"component": "core", "action": "echo"},
            },
        }
    )
    assert workflow.upstream("c") == {"a", "b"}
    assert workflow.upstream("a") == set()
    assert workflow.downstream("a") == {"b", "c"}
    assert workflow.downstream("d") == set()


def test_task_spec_rejects_duplicate_dependencies() -> None:
    with pytest.raises(pydantic.ValidationError, match="duplicate dependency 'a'"):
        TaskSpec.model_validate({"component": "c", "action": "a", "depends_on": ["a", "b", "a"]})


def test_task_spec_accepts_boolean_when() -> None:
    assert TaskSpec.model_validate({"component": "c", "action": "a", "when": False}).when == "false"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"name": "w", "tasks": {}}, "at least 1 item"),
        ({"name": "", "tasks": {"a": {"component": "c", "action": "x"}}}, "at least 1 char"),
        ({"name": "  ", "tasks": {"a": {"component": "c", "action": "x"}}}, "must not be blank"),
        ({"name": "w", "tasks": {"bad id": {"component": "c", "action": "x"}}}, "pattern"),
        ({"name": "w", "tasks": {"9a": {"component": "c", "action": "x"}}}, "pattern"),
        (
            {"name": "w", "max_concurrency": 0, "tasks": {"a": {"component": "c", "action": "x"}}},
            "greater than or equal to 1",
        ),
        (
            {"name": "w", "tasks": {"a": {"component": "c", "action": "x", "timeout": 0}}},
            "greater than 0",
        ),
        (
            {"name": "w", "tasks": {"a": {"component": "c", "action": "x", "depends_on": ["a"]}}},
            "cannot depend on itself",
        ),
        (
            {"name": "w", "tasks": {"a": {"component": "c", "action": "x", "depends_on": ["z"]}}},
            "unknown dependency 'z'",
        ),
        (
            {
                "name": "w",
                "tasks": {
                    "a": {"component": "c", "action": "x", "depends_on": ["b"]},
                    "b": {"component": "c", "action": "x", "depends_on": ["a"]},
                },
            },
            "dependency cycle: a -> b -> a",
        ),
        (
            {"name": "w", "tasks": {"a": {"component": "c", "action": "x"}}, "extra": 1},
            "Extra inputs",
        ),
    ],
)
def test_workflow_rejects(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        Workflow.model_validate(doc)
    assert message in str(info.value)


def test_task_ids_may_use_letters_digits_underscore_and_dash() -> None:
    workflow = Workflow.model_validate(
        {"name": "w", "tasks": {"_a-1": {"component": "c", "action": "x"}}}
    )
    assert list(workflow.tasks) == ["_a-1"]


def test_to_document_keeps_only_what_was_written() -> None:
    doc = {
        "name": "w",
        "input": {"limit": {"type": "integer", "default": 3}},
        "defaults": {"retry_policy": {"max_retries": 2}},
        "tasks": {
            "a": {"component": "core", "action": "echo", "input": {"x": "${input.limit}"}},
            "b": {"component": "core", "action": "echo", "depends_on": ["a"], "timeout": 1.5},
        },
    }
    workflow = Workflow.model_validate(doc)
    document = workflow.to_document()
    assert document == doc
    assert json.loads(json.dumps(document)) == document
    again = Workflow.model_validate(document)
    assert again == workflow
    assert again.effective("a").retry_policy == workflow.effective("a").retry_policy


# ------------------------------------------------------------------------------------ schema


def test_json_schema_describes_the_file_format() -> None:
    schema = workflow_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    assert schema["title"] == "Harmonia workflow"
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"name", "tasks"}
    assert schema["additionalProperties"] is False
    defs = schema["$defs"]
    assert set(defs) >= {"TaskSpec", "RetryPolicy", "InputSpec", "TaskDefaults"}
    assert all(d["additionalProperties"] is False for d in defs.values())
    tasks = schema["properties"]["tasks"]
    assert list(tasks["patternProperties"]) == [r"^[A-Za-z_][A-Za-z0-9_-]*$"]
    assert tasks["additionalProperties"] is False
    assert schema["properties"]["input"]["additionalProperties"] is False
    assert "timeout" in defs["RetryPolicy"]["properties"]["retry_on"]["items"]["enum"]
    assert json.loads(json.dumps(schema)) == schema
    # a fresh dict every time: callers may modify it
    schema["title"] = "changed"
    assert workflow_json_schema()["title"] == "Harmonia workflow"
