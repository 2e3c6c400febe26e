"""Shared by the loader's tests: the fixture files and ways to get a load's problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harmonia.errors import Problem, ValidationFailed
from harmonia.loader import load_workflow_file, load_workflow_text
from harmonia.model import Workflow

DATA = Path(__file__).resolve().parent.parent / "data"
VALID = sorted((DATA / "valid").glob("*.yaml"))
INVALID = DATA / "invalid"

GOOD_TASK = "    component: core\n    action: echo\n"


def with_section(name: str, section: str, before_tasks: str = "") -> str:
    """The YAML of a one-task workflow `name` ending in `section:`, for a test to append the
    section's items to: one text, so that the line numbers the tests expect stay put."""
    task = "  a: {component: core, action: echo, input: {x: 1}}\n"
    return f"name: {name}\n{before_tasks}tasks:\n{task}{section}:\n"


def section_problems(text: str) -> list[tuple[int | None, str | None, str]]:
    """(line, field, message) of each problem of `text` loaded as the file wf.yaml."""
    return [(p.line, p.field, p.message) for p in fails(text, source="wf.yaml")]


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ValidationFailed) as info:
        load_workflow_file(path)
    return info.value.problems


def located(problems: list[Problem]) -> list[tuple[int | None, str | None, str | None]]:
    return [(p.line, p.task, p.field) for p in problems]


def fails(text: str, **kwargs: Any) -> list[Problem]:
    with pytest.raises(ValidationFailed) as info:
        load_workflow_text(text, **kwargs)
    return info.value.problems


def workflow_with_inputs(inputs: dict[str, Any], **extra: Any) -> Workflow:
    """A one-task workflow declaring `inputs`, built as the model builds it."""
    return Workflow.model_validate(
        {
            "name": "w",
            "input": inputs,
            "tasks": {"a": {"component": "core", "action": "echo"}},
            **extra,
        }
    )
