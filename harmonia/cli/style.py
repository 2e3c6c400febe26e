"""Colour, only for people: escape codes in a log file or a pipe are noise.

Colour is on when the stream is a terminal and `NO_COLOR` is unset (or empty, as
https://no-color.org says).
"""

from __future__ import annotations

import os
from typing import TextIO

__all__ = ["Style", "is_terminal", "style_for"]

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}

_STATUS_COLOURS = {
    "completed": "green",
    "failed": "red",
    "canceled": "magenta",
    "damaged": "red",
    "retrying": "yellow",
    "running": "cyan",
    "interrupted": "yellow",
    "paused": "yellow",
    "waiting": "magenta",
    "skipped": "dim",
    "pending": "dim",
}


class Style:
    """Wraps text in ANSI codes when enabled, and returns it unchanged otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def paint(self, text: str, *names: str) -> str:
        if not self.enabled or not names or not text:
            return text
        codes = ";".join(_CODES[name] for name in names)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def status(self, text: str, status: str | None = None) -> str:
        """`text` in the colour of a task or execution status (the text itself by default)."""
        colour = _STATUS_COLOURS.get(status if status is not None else text.strip())
        return self.paint(text, colour) if colour else text


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False


def style_for(stream: TextIO) -> Style:
    return Style(is_terminal(stream) and not os.environ.get("NO_COLOR"))
