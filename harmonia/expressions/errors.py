"""The errors of the expression language, shared by references, templates and conditions.

They carry the expression's text and a 0-based position so the loader can point at the problem,
and they pickle (they may cross a process boundary with a task's failure).
"""

from __future__ import annotations

import json
from typing import Any, Final

__all__ = [
    "ExpressionError",
    "ExpressionTypeError",
    "ReferenceMissing",
    "ReferenceUnusable",
    "excerpt",
]

_SHOWN_CHARS: Final = 120  # longer expression texts are shown as an excerpt around the position


def excerpt(text: str, position: int | None) -> str:
    """Quote `text` for a message, cutting it to an excerpt around `position` when it is long."""
    if len(text) <= _SHOWN_CHARS:
        return json.dumps(text, ensure_ascii=False)
    centre = min(position or 0, len(text))
    start = max(0, centre - _SHOWN_CHARS // 2)
    end = min(len(text), start + _SHOWN_CHARS)
    start = max(0, end - _SHOWN_CHARS)
    body = json.dumps(text[start:end], ensure_ascii=False)[1:-1]
    return '"' + ("..." if start else "") + body + ("..." if end < len(text) else "") + '"'


class ExpressionError(ValueError):
    """A reference, template or condition is malformed; raised when it is compiled.

    `text` is the whole expression (for a template: the whole string holding the `${...}`) and
    `position` the 0-based offset of the problem in it, so the loader can point at it.
    """

    def __init__(self, message: str, text: str, position: int | None = None) -> None:
        self.message = message
        self.text = text
        self.position = position
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = "" if self.position is None else f" at position {self.position}"
        if not self.text:
            return f"{self.message}{where}"
        return f"{self.message}{where} in {excerpt(self.text, self.position)}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the error picklable (it may cross a process boundary) despite the custom __init__.
        return (type(self), (self.message, self.text, self.position))


class ReferenceMissing(LookupError):
    """A well-formed reference has no value in the run-time context (missing key, bad index...)."""

    def __init__(self, reference: str, reason: str) -> None:
        self.reference = reference
        self.reason = reason
        super().__init__(f"reference ${{{reference}}} has no value: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reference, self.reason))


class ReferenceUnusable(ReferenceMissing):
    """A reference has a value, but not one that can be used where it stands: a quoted value
    in a shell command whose `${raw:...}` values make its place uncertain."""

    def __init__(self, reference: str, reason: str) -> None:
        self.reference = reference
        self.reason = reason
        LookupError.__init__(self, reason)


class ExpressionTypeError(TypeError):
    """A condition compared or tested values of types that do not go together, e.g. `"a" < 1`."""

    def __init__(self, message: str, text: str) -> None:
        self.message = message
        self.text = text
        super().__init__(f"{message} in {excerpt(text, None)}" if text else message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.text))
