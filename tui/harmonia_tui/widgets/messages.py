"""What the app says (an action done, why a key does not apply, an error), in a bar above the
footer instead of a toast: a toast is drawn over the screen, and the newest lines of the event
log and the selected task's detail are exactly where toasts appear. The bar takes its own
lines for as long as a message lasts, so it covers nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

__all__ = ["LiveMessage", "MessageBar"]

SHOWN = 3
"""Messages at once: the newest."""
LINES_EACH = 13
"""Lines of one message: a validation error's message and its first twelve problems."""

_STYLE = {"error": "bold red", "warning": "yellow", "information": "green"}


@dataclass(frozen=True)
class LiveMessage:
    severity: str
    title: str
    text: str
    until: float
    """`time.monotonic()` after which it is no longer shown."""

    @property
    def live(self) -> bool:
        return time.monotonic() < self.until


class MessageBar(Static):
    DEFAULT_CSS = """
    MessageBar {
        display: none;
        height: auto;
        max-height: 16;
        background: $boost;
        padding: 0 1;
    }
    MessageBar.-shown {
        display: block;
    }
    """

    def __init__(self) -> None:
        super().__init__("", id="messages", markup=False)

    def show(self, messages: Iterable[LiveMessage]) -> None:
        live = [m for m in messages if m.live][-SHOWN:]
        self.set_class(bool(live), "-shown")
        text = Text(no_wrap=False, overflow="fold")
        for index, message in enumerate(live):
            if index:
                text.append("\n")
            lines = message.text.splitlines() or [""]
            if message.title:
                text.append(f"{message.title}: ", style=_STYLE.get(message.severity, ""))
            text.append(lines[0])
            for line in lines[1:LINES_EACH]:
                text.append(f"\n  {line}")
            if len(lines) > LINES_EACH:
                text.append(f"\n  ... and {len(lines) - LINES_EACH} more", style="dim")
        self.update(text)

    @property
    def plain(self) -> str:
        """What the bar says now (tests)."""
        rendered = self.render()
        return rendered.plain if isinstance(rendered, Text) else str(rendered)
