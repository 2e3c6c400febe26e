"""A task's input as far as it can be resolved yet, for display before or while it runs.

A dashboard knows only part of the context (no `env`, outputs not produced yet), so unlike
`Template.render` this never raises: what can be resolved is, by the engine's own rules (the
`$${` escape, types kept, values formatted and shell-quoted alike); the rest stays as written.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from harmonia.expressions.errors import ExpressionError, ReferenceMissing
from harmonia.expressions.limits import MAX_DEPTH
from harmonia.expressions.lookup import make_getter
from harmonia.expressions.shell import preview_shell_command
from harmonia.expressions.slots import Budget, format_value, split

__all__ = ["preview"]


def preview(value: Any, context: Mapping[str, Any], shell_fields: Collection[str] = ()) -> Any:
    """`value` (a JSON-like task input) with the references `context` can answer filled in.

    Each string is resolved on its own: one that is exactly a reference takes the value (type
    kept); in a longer string each answerable reference is formatted in and the others are left
    as written, as is a string that does not compile. The top-level keys in `shell_fields` are
    shown quoted as `/bin/sh` will get them. Dict keys are not templated; the input is not
    changed (containers are copied).
    """
    if shell_fields and isinstance(value, Mapping):
        return {
            key: preview_shell_command(item, context)
            if key in shell_fields and isinstance(item, str)
            else _preview(item, context, 1)
            for key, item in value.items()
        }
    return _preview(value, context, 0)


def _preview(value: Any, context: Mapping[str, Any], depth: int) -> Any:
    if isinstance(value, str):
        return _preview_string(value, context)
    if depth >= MAX_DEPTH:
        return value
    if isinstance(value, Mapping):
        return {key: _preview(item, context, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_preview(item, context, depth + 1) for item in value]
    if isinstance(value, tuple):
        return tuple(_preview(item, context, depth + 1) for item in value)
    return value


def _preview_string(text: str, context: Mapping[str, Any]) -> Any:
    if "$" not in text:
        return text
    try:
        pieces = split(text, Budget(), shell=False)
    except ExpressionError:
        return text
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        try:
            found = make_getter(piece.ref)(context)
        except ReferenceMissing:
            out.append(text[piece.position : piece.end])
            continue
        if len(pieces) == 1:
            return found
        out.append(format_value(found))
    return "".join(out)
