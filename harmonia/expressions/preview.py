"""A task's input as far as it can be resolved yet, for display before or while it runs.

A dashboard knows only part of the context (no `env`, outputs not produced yet), so unlike
`Template.render` this never raises: what can be resolved is, by the engine's own rules (the
`$${` escape, types kept, values formatted and shell-quoted alike); the rest stays as written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from harmonia.expressions.errors import ExpressionError, ReferenceMissing
from harmonia.expressions.limits import MAX_DEPTH
from harmonia.expressions.lookup import make_getter
from harmonia.expressions.quoting import quote
from harmonia.expressions.shell import shell_items
from harmonia.expressions.shellsyntax import ShellSyntaxError, analyse
from harmonia.expressions.slots import Budget, Slot, format_value, split

__all__ = ["preview", "preview_shell_command"]


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


def preview_shell_command(text: str, context: Mapping[str, Any]) -> Any:
    """`text` as `/bin/sh` will get it: the references `context` can answer are filled in and
    quoted as they will be, the others are left as written, as is a command that does not
    compile. A command that is only a raw reference, or a reference to a list, is that value."""
    try:
        pieces = split(text, Budget(), shell=True)
        slots = [piece.position for piece in pieces if isinstance(piece, Slot)]
        places = dict(zip(slots, analyse(shell_items(pieces, {})), strict=True))
    except (ExpressionError, ShellSyntaxError):
        return text
    if len(pieces) == 1 and isinstance(slot := pieces[0], Slot):
        found = _lookup(slot, context)
        if found is not _MISSING and (slot.raw or isinstance(found, list | tuple)):
            return found

    def show(slot: Slot, found: Any) -> str:
        where = places[slot.position]
        return format_value(found) if where is None else quote(format_value(found), where)

    return _fill(text, pieces, context, show)


_MISSING: Any = object()


def _lookup(slot: Slot, context: Mapping[str, Any]) -> Any:
    try:
        return make_getter(slot.ref)(context)
    except ReferenceMissing:
        return _MISSING


def _fill(
    text: str,
    pieces: list[str | Slot],
    context: Mapping[str, Any],
    show: Callable[[Slot, Any], str],
) -> str:
    """The pieces joined, each slot shown by `show` or, when it cannot be, as written."""
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        try:
            found = _lookup(piece, context)
            shown = None if found is _MISSING else show(piece, found)
        except ValueError:  # a value that cannot go where it stands (shell arithmetic)
            shown = None
        out.append(text[piece.position : piece.end] if shown is None else shown)
    return "".join(out)


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
    if len(pieces) == 1 and isinstance(slot := pieces[0], Slot):
        found = _lookup(slot, context)
        return text if found is _MISSING else found
    return _fill(text, pieces, context, lambda slot, found: format_value(found))
