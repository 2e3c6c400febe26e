"""The `schedules:` of a workflow file: each a schedule the daemon runs the workflow on once
it is stored, checked like the rest of the file (file, line and field of each problem): a bad
cron expression, an unknown time zone, an interval <= 0, an input the workflow does not take."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harmonia.errors import Problem, ValidationFailed
from harmonia.loader.document import Document, KeyPath
from harmonia.model import Workflow
from harmonia.schedules import parse_spec

__all__ = ["schedule_problems"]


def schedule_problems(
    document: Document, data: Mapping[str, Any], workflow: Workflow | None
) -> list[Problem]:
    raw = data.get("schedules")
    if not isinstance(raw, list):  # absent, or a type error the model reports
        return []
    problems: list[Problem] = []
    for index, entry in enumerate(raw):
        where: KeyPath = ("schedules", index)
        try:
            spec = parse_spec(entry)
        except ValidationFailed as exc:
            problems += [document.problem(p.message, _path(where, p.field)) for p in exc.problems]
            continue
        if workflow is None:
            continue
        try:
            workflow.validate_input(spec.input)
        except ValidationFailed as exc:
            problems += [document.problem(p.message, _path(where, p.field)) for p in exc.problems]
    return problems


def _path(where: KeyPath, field: str | None) -> KeyPath:
    return (*where, *field.split(".")) if field else where
