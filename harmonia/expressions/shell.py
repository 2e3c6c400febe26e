"""Command strings run by `/bin/sh`: each value is quoted for the place it lands in.

The command is the workflow author's shell code, but its values come from whoever starts the
workflow, so each must reach the shell as one word of data, never as code (`shellsyntax` says
where each lands). `${raw:REF}` is the author's explicit way to insert shell code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harmonia.expressions.errors import ExpressionError, ReferenceUnusable
from harmonia.expressions.lookup import make_getter
from harmonia.expressions.quoting import ShellContext, quote
from harmonia.expressions.shellsyntax import Hole, ShellSyntaxError, analyse
from harmonia.expressions.slots import Budget, Slot, format_value, split

__all__ = ["compile_shell_string", "shell_items"]


def shell_items(pieces: list[str | Slot], raw_values: Mapping[int, str]) -> list[str | Hole]:
    """The command as `shellsyntax.analyse` reads it: characters and holes; the raw slots
    whose values are given (by index in `pieces`) are characters too."""
    items: list[str | Hole] = []
    for index, piece in enumerate(pieces):
        if isinstance(piece, str):
            items.extend(piece)
        elif index in raw_values:
            items.extend(raw_values[index])
        else:
            items.append(Hole(piece.label, piece.position, piece.raw))
    return items


def compile_shell_string(text: str, budget: Budget) -> tuple[bool, Any]:
    """Compile a command string; returns (dynamic, render function or constant value).

    A string that is only a reference to a list stays that list: an argv, which no shell parses.
    """
    if "$" not in text:
        return False, text
    pieces = split(text, budget, shell=True)
    slots = [(i, p) for i, p in enumerate(pieces) if isinstance(p, Slot)]
    if not slots:
        literal = "".join(p for p in pieces if isinstance(p, str))
        return False, (text if literal == text else literal)
    try:
        contexts = analyse(shell_items(pieces, {}))
    except ShellSyntaxError as exc:
        raise ExpressionError(exc.message, text, exc.position) from None
    if len(pieces) == 1:
        slot = slots[0][1]
        get = make_getter(slot.ref)
        if slot.raw:
            return True, get

        def render_word(context: Mapping[str, Any]) -> Any:
            value = get(context)
            if isinstance(value, list | tuple):
                return value
            return quote(format_value(value), ShellContext.WORD)

        return True, render_word
    base = [p if isinstance(p, str) else "" for p in pieces]
    dynamic = tuple(
        (index, make_getter(slot.ref), context)
        for (index, slot), context in zip(slots, contexts, strict=True)
    )
    # A raw value is shell code: it can open a quote or a comment. Quoted values after one
    # are placed again, with the raw values in, whenever the command is rendered.
    first_raw = next((n for n, (_, slot) in enumerate(slots) if slot.raw), len(slots))
    recheck = any(not slot.raw for _, slot in slots[first_raw:])

    def render_command(context: Mapping[str, Any]) -> str:
        out = base.copy()
        values = [format_value(get(context)) for _, get, _ in dynamic]
        placed: list[ShellContext | None] = [c for _, _, c in dynamic]
        if recheck:
            raw = {index: values[n] for n, (index, slot) in enumerate(slots) if slot.raw}
            try:
                again = iter(analyse(shell_items(pieces, raw)))
            except ShellSyntaxError as exc:
                reason = f"{exc.message} (once the raw values are in the command)"
                raise ReferenceUnusable(_slot_at(slots, exc.position), reason) from None
            placed = [None if slot.raw else next(again) for _, slot in slots]
        for (index, _, _), value, where, (_, slot) in zip(
            dynamic, values, placed, slots, strict=True
        ):
            out[index] = value if where is None else _quoted(value, where, slot)
        return "".join(out)

    return True, render_command


def _quoted(value: str, where: ShellContext, slot: Slot) -> str:
    try:
        return quote(value, where)
    except ValueError as exc:  # not an integer in shell arithmetic
        raise ReferenceUnusable(slot.ref.text, f"reference {slot.label}: {exc}") from None


def _slot_at(slots: list[tuple[int, Slot]], position: int) -> str:
    """The reference text of the slot at `position`, for a run-time message."""
    return next((slot.ref.text for _, slot in slots if slot.position == position), "?")
