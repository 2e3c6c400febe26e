"""A parsed workflow document, and where each part of it came from, found only when asked.

Parsing is on the path of every `harmonia validate` and `harmonia run`, while lines are needed
only to report a problem: so a `Document` keeps what it takes to find them (the YAML node tree)
and builds its line index the first time a problem asks for one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from harmonia.errors import Problem

__all__ = ["Document", "KeyPath", "LineIndex", "split_path"]

KeyPath = tuple[Hashable, ...]
LineIndex = dict[KeyPath, int]


@dataclass
class Document:
    """A parsed document, the problems found while parsing it, and a way to its lines.

    `shape` is what the parser learnt on its own pass: a shape problem or None, and whether an
    integer beyond 64 bits is in the data. None: the data must be walked (`loader.shape`).
    """

    source: str
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    fatal: bool = False  # nothing usable was parsed: stop after reporting `problems`
    index_lines: Callable[[], LineIndex] | None = None
    shape: tuple[str | None, bool] | None = None
    plain_json: bool = False
    """Read by orjson: JSON values only, no NaN (`Workflow.to_document` may share them)."""
    key_texts: dict[KeyPath, str] = field(default_factory=dict)
    """A key YAML read as something else than a string (`yes` -> True), as written: filled
    with the lines, so that a problem names the key the author sees."""
    _lines: LineIndex | None = field(default=None, repr=False)

    @property
    def lines(self) -> LineIndex:
        """Line of every key and list item, built on first use (empty without a source text)."""
        if self._lines is None:
            self._lines = self.index_lines() if self.index_lines is not None else {}
            self.index_lines = None  # the node tree it holds is not needed any more
        return self._lines

    def line(self, path: KeyPath) -> int | None:
        """Line of `path`, or of its closest ancestor that has one (missing keys have none)."""
        lines = self.lines
        for end in range(len(path), -1, -1):
            line = lines.get(path[:end])
            if line is not None:
                return line
        return None

    def written_key(self, path: KeyPath) -> str | None:
        """The text of the last key of `path` where YAML read it as no string, else None."""
        return self.key_texts.get(path) if self.lines else None

    def problem(self, message: str, path: KeyPath, *, line_path: KeyPath | None = None) -> Problem:
        """A problem at `path`, split into task and field the way users read a workflow."""
        task, field_ = split_path(path)
        line = self.line(path if line_path is None else line_path)
        return Problem(message, file=self.source, line=line, task=task, field=field_)


def split_path(path: KeyPath) -> tuple[str | None, str | None]:
    """Split a key path into task and field.

    `("tasks", "fetch", "retry_policy", "max_retries")` -> `("fetch", "retry_policy.max_retries")`.
    """
    if len(path) >= 2 and path[0] == "tasks":
        return str(path[1]), _dotted(path[2:])
    return None, _dotted(path)


def _dotted(parts: KeyPath) -> str | None:
    text = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or None
