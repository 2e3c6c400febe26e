"""A template string cut into its literal text and its `${...}` slots, and how a value is
formatted into such a string. Shared by plain templates, shell commands and previews, so that
all three read `$${` and format values exactly alike."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from harmonia.expressions.errors import ExpressionError
from harmonia.expressions.limits import MAX_TEMPLATE_REFERENCES
from harmonia.expressions.references import Reference, marker_misplaced, scan_marked

__all__ = ["Budget", "Slot", "format_value", "split"]

# Built once: json.dumps with options would build a new encoder on every call.
_JSON: Final = json.JSONEncoder(ensure_ascii=False, default=str)


def format_value(value: Any) -> str:
    """Format a referenced value into a longer string: str() for text/numbers, else JSON."""
    cls = type(value)
    if cls is str:
        return value  # type: ignore[no-any-return]
    if cls is int or cls is float:
        return str(value)
    if value is None or isinstance(value, bool | Mapping | list | tuple):
        return _JSON.encode(value)
    return str(value)


class Budget:
    """Counts what one `compile_template` call has walked, to bound its work."""

    __slots__ = ("nodes", "references")

    def __init__(self) -> None:
        self.nodes = 0
        self.references: list[Reference] = []


class Slot(NamedTuple):
    """A `${...}` in a template string: its reference, whether it is `raw:`, and where it is
    written (`text[position:end]`)."""

    ref: Reference
    raw: bool
    position: int
    end: int

    @property
    def label(self) -> str:
        return "${raw:" + self.ref.text + "}" if self.raw else str(self.ref)


def split(text: str, budget: Budget, *, shell: bool) -> list[str | Slot]:
    """`text` as literal pieces (with `$${` turned into `${`) and slots, in order."""
    pieces: list[str | Slot] = []
    literal: list[str] = []
    i = 0
    while True:
        j = text.find("$", i)
        if j < 0:
            literal.append(text[i:])
            break
        if text.startswith("$${", j):
            literal.append(text[i:j] + "${")
            i = j + 3
        elif text.startswith("${", j):
            literal.append(text[i:j])
            if any(literal):
                pieces.append("".join(literal))
            literal = []
            ref, marker, i = scan_marked(text, j)
            if marker is not None and not shell:
                raise ExpressionError(marker_misplaced(marker), text, j)
            pieces.append(Slot(ref, marker is not None, j, i))
            budget.references.append(ref)
            if len(budget.references) > MAX_TEMPLATE_REFERENCES:
                raise ExpressionError(
                    f"template has more than {MAX_TEMPLATE_REFERENCES} references", text, j
                )
        else:
            literal.append(text[i : j + 1])
            i = j + 1
    if any(literal):
        pieces.append("".join(literal))
    return pieces
