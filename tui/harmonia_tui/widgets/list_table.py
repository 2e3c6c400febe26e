"""The table of the list screens, with the keys the help promises: j/k like the arrows, home
and end to the first and last row, h/l to scroll sideways on a narrow terminal."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

__all__ = ["ListTable"]


class ListTable(DataTable[Text | str]):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("home,g", "scroll_top", "First row", show=False),
        Binding("end,G", "scroll_bottom", "Last row", show=False),
        Binding("h", "cursor_left", "Scroll left", show=False),
        Binding("l", "cursor_right", "Scroll right", show=False),
    ]
