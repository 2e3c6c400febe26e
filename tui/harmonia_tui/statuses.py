"""What each status means to the dashboard (active, finished, resumable) and how it looks.

A status is always shown as a glyph *and* a word, coloured, so that colour is never the only
signal; each glyph has an ASCII stand-in. The sets here decide which clocks run, which keys
apply and when a row counts as done, the same way on every screen.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EXECUTION_FINISHED",
    "RESUMABLE",
    "TASK_ACTIVE",
    "TASK_DONE",
    "StatusLook",
    "look_of",
]

TASK_ACTIVE = frozenset({"running", "retrying"})
TASK_DONE = frozenset({"completed", "skipped"})
EXECUTION_FINISHED = frozenset({"completed", "failed", "canceled"})
RESUMABLE = frozenset({"failed", "paused", "canceled"})
"""Executions that `R` (resume) applies to."""


@dataclass(frozen=True)
class StatusLook:
    glyph: str
    ascii: str
    style: str
    """A Rich style; colour is never the only signal (the glyph and the word are shown too)."""


_LOOKS: dict[str, StatusLook] = {
    "pending": StatusLook("○", ".", "bright_black"),
    "running": StatusLook("◐", ">", "bold yellow"),
    "retrying": StatusLook("↻", "~", "dark_orange"),
    "waiting": StatusLook("◈", "?", "bold black on yellow"),
    "completed": StatusLook("✓", "+", "green"),
    "failed": StatusLook("✗", "x", "bold red"),
    "skipped": StatusLook("⊘", "-", "bright_black italic"),
    "canceled": StatusLook("■", "#", "magenta"),
    "paused": StatusLook("‖", "=", "cyan"),
    "damaged": StatusLook("⚠", "!", "bold red reverse"),
}
_UNKNOWN_LOOK = StatusLook("?", "?", "")


def look_of(status: str) -> StatusLook:
    """The look of a status; one the TUI does not know yet is a plain `?`."""
    return _LOOKS.get(status, _UNKNOWN_LOOK)
