"""Problems in the words of workflow authors: pydantic's errors located by file, line, task
and field, and every problem raised together, sorted and once.

pydantic says `int_type` at `("tasks", "fetch", "timeout")`; an author needs "expected a
number, got boolean true" at line 7, task 'fetch', field 'timeout', with a "did you mean" for
misspelt fields. The wording of one error is `harmonia.model.wording`'s, which the daemon and
the components' input checks share; what only a file has (keys, hints) is added here.
"""

from __future__ import annotations

from types import NoneType, UnionType
from typing import Any, NoReturn, Union, get_args, get_origin

import pydantic

from harmonia.errors import Problem, ValidationFailed
from harmonia.loader.document import Document, KeyPath
from harmonia.model import IDENTIFIER_PATTERN, Workflow, describe_value
from harmonia.model.wording import error_message, unknown_field

__all__ = ["pydantic_problems", "raise_problems"]


def raise_problems(problems: list[Problem]) -> NoReturn:
    """Every problem once, in the order of the file (line, then message, task and field)."""
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.line or 0, p.message, p.task or "", p.field or ""))
    raise ValidationFailed(problems=unique)


def pydantic_problems(exc: pydantic.ValidationError, parsed: Document) -> list[Problem]:
    """Turn pydantic's errors into located problems with wording for workflow authors."""
    problems = []
    for error in exc.errors(include_url=False):
        loc: KeyPath = tuple(error["loc"])
        kind = error["type"]
        value = error.get("input")
        if loc and loc[-1] == "[key]":
            # pydantic may normalise the key in `loc` (True -> 1); the input is the key as read
            loc = (*loc[:-2], value) if len(loc) >= 2 else loc[:-1]
            written = parsed.written_key(loc)  # `yes`, read by YAML as true
            message = _key_message(loc, value, kind, error["msg"], written)
            if written is not None:  # located by the key the author wrote, not 'True'
                problems.append(parsed.problem(message, (*loc[:-1], written), line_path=loc))
                continue
        elif kind == "extra_forbidden":
            known = _fields_at(loc[:-1])
            message = unknown_field(str(loc[-1]), known) if known else "unknown field"
        elif kind == "too_short" and loc == ("tasks",):
            message = "a workflow needs at least one task"
        else:
            message = error_message(error)
        problems.append(parsed.problem(message, loc))
    return problems


_NAMES = {
    "tasks": "task id",
    "input": "input name",
    "output": "output name",
    "parameters": "parameter name",
}


def _key_message(loc: KeyPath, key: Any, kind: str, default: str, written: str | None) -> str:
    what = _NAMES.get(str(loc[0]) if len(loc) == 2 else "", "key")
    if kind == "string_pattern_mismatch":
        return (
            f"invalid {what} '{key}': must start with a letter or '_' and contain only "
            f"letters, digits, '_' and '-' ({IDENTIFIER_PATTERN})"
        )
    if kind == "string_type" and written is not None:
        return (
            f"YAML reads the {what} {written} as {describe_value(key)}, not as a name: quote "
            f'it ("{written}":) to keep it'
        )
    if kind == "string_type":
        return f"invalid {what} {describe_value(key)}: must be a string"
    return default


def _fields_at(path: KeyPath) -> list[str]:
    """Field names of the model found at `path` below `Workflow`, for "did you mean" hints."""
    current: Any = Workflow
    for part in path:
        current = _unwrap_optional(current)
        if isinstance(current, type) and issubclass(current, pydantic.BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            current = info.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) is list:
            current = get_args(current)[0]
        else:
            return []
    current = _unwrap_optional(current)
    if isinstance(current, type) and issubclass(current, pydantic.BaseModel):
        return list(current.model_fields)
    return []


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not NoneType]
        if len(members) == 1:
            return members[0]
    return annotation
