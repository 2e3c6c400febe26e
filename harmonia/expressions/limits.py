"""Bounds on every expression input, so a hostile or broken workflow file is refused quickly
instead of eating the engine's stack or CPU when it is compiled."""

from __future__ import annotations

from typing import Final

__all__ = ["MAX_DEPTH", "MAX_EXPRESSION_LENGTH", "MAX_TEMPLATE_NODES", "MAX_TEMPLATE_REFERENCES"]

MAX_EXPRESSION_LENGTH: Final = 2_000  # characters in one condition or one `${...}`
MAX_DEPTH: Final = 64  # nesting of (), [] and `not` in a condition; of dicts/lists in a template
MAX_TEMPLATE_NODES: Final = 100_000  # values (scalars, strings, dicts, lists) in one template
MAX_TEMPLATE_REFERENCES: Final = 10_000  # `${...}` occurrences in one template
