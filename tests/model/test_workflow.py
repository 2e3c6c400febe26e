"""Workflows and tasks: effective defaults, the graph, documents."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from helpers.loading import workflow_with_inputs

from harmonia.errors import NotFound
from harmonia.model import RetryPolicy, TaskDefaults, TaskSpec, Workflow

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
    workflow = workflow_with_inputs({})
    effective = workflow.effective("a")
    assert effective.timeout is None
    assert effective.retry_policy == RetryPolicy()


def test_effective_unknown_task() -> None:
    with pytest.raises(NotFound):
        workflow_with_inputs({}).effective("nope")


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
