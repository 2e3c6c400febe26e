"""A hook's input mapping: which parts of a delivery's JSON body become which inputs.

The form is one documented thing: `{input_name: JSON Pointer}` (RFC 6901, `/repository/name`,
`/commits/0/id`; `""` is the whole body). Without a mapping the body itself, an object, is the
input. A pointer that finds nothing is an error naming the pointer and the input.
"""

from __future__ import annotations

import re
from typing import Any

from harmonia.errors import Problem, ValidationFailed

__all__ = ["apply_mapping", "check_mapping", "resolve_pointer"]

INPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def check_mapping(mapping: dict[str, Any]) -> dict[str, str]:
    """The mapping if every key is an input name and every value a JSON Pointer."""
    problems = []
    for name, pointer in mapping.items():
        if not INPUT_NAME.fullmatch(name):
            problems.append(Problem(f"{name!r} is not an input name", field="input_map"))
        elif not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
            message = f'{pointer!r} is not a JSON Pointer ("" or starting with /)'
            problems.append(Problem(message, field=f"input_map.{name}"))
    if problems:
        raise ValidationFailed(problems)
    return dict(mapping)


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value `pointer` names in `document` (`KeyError` naming the pointer if none)."""
    value = document
    if pointer == "":
        return value
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise KeyError(pointer)
    return value


def apply_mapping(body: Any, mapping: dict[str, str] | None) -> dict[str, Any]:
    """The execution's input made from a delivery's body (`ValidationFailed` if it cannot)."""
    if mapping is None:
        if not isinstance(body, dict):
            kind = "array" if isinstance(body, list) else "scalar"
            message = f"the body is a JSON {kind}, not an object: without an input_map it is "
            raise ValidationFailed([Problem(message + "the workflow's input", field="body")])
        return body
    given: dict[str, Any] = {}
    for name, pointer in mapping.items():
        try:
            given[name] = resolve_pointer(body, pointer)
        except KeyError:
            message = f"the body has nothing at {pointer!r}"
            raise ValidationFailed([Problem(message, field=f"input_map.{name}")]) from None
    return given
