"""One name for a value's type in every message that shows it to a workflow's author.

Values come from JSON and YAML files and API bodies, so the names are JSON Schema's (`object`,
`array`, `integer`, ...). The loader, the expressions and the components each had their own
(`array`, `a list`, `list`) and drifted apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["a_json_kind", "json_kind"]


def json_kind(value: Any) -> str:
    """`null`, `boolean`, `integer`, `number`, `string`, `object` or `array` (else the class)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def a_json_kind(value: Any) -> str:
    """The kind with its article, for prose ("is an array"); null takes none."""
    kind = json_kind(value)
    if kind == "null":
        return kind
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
