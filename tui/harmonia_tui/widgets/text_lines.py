"""A few lines of text that change often, such as an execution's summary.

A `Static` lays its whole text out and repaints every line on each `update`; at twenty
updates a second that is a visible part of the screen's cost. This draws the text into
lines once per change, compares them with the lines on screen, and repaints only those that
differ (under a flood of task events, usually one line of three).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["TextLines", "changed_rows"]


def changed_rows(old: list[Strip], new: list[Strip]) -> list[int]:
    """The rows whose line differs (a row only one of the two has counts as changed)."""
    rows = [row for row, (a, b) in enumerate(zip(old, new, strict=False)) if a != b]
    return rows + list(range(min(len(old), len(new)), max(len(old), len(new))))


class TextLines(Widget):
    def __init__(self, text: Text, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = text
        self._strips: list[Strip] = []
        self._width = -1
        self._style: Style | None = None

    def update(self, text: Text) -> None:
        self.text = text
        if self._width < 0 or self._width != self.size.width:
            self._width = -1
            self.refresh()
            return
        old = self._strips
        self._draw()
        for row in changed_rows(old, self._strips):
            self.refresh(Region(0, row, self._width, 1))

    def _draw(self) -> None:
        width = self._width = self.size.width
        console = self.app.console
        options = console.options.update(width=width, height=self.size.height)
        if self._style is None:
            self._style = self.rich_style  # walks the DOM: once per style change
        lines = console.render_lines(self.text, options, style=self._style, pad=True)
        self._strips = [Strip(line, width) for line in lines[: self.size.height]]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._width = -1
        self._style = None

    def on_resize(self) -> None:
        self._width = -1

    def render_line(self, y: int) -> Strip:
        if self._width < 0 or self._width != self.size.width:
            self._draw()
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.rich_style)
