"""What the line-API widgets (graph, event log, task detail) share."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget

__all__ = ["set_virtual_height"]


def set_virtual_height(view: ScrollView, height: int) -> None:
    """Set how many lines `view` scrolls over, without a screen layout when possible.

    Assigning `virtual_size` lays the whole screen out again (it may add or remove a
    scrollbar); at twenty updates a second that would be most of the TUI's work. When the
    scrollbar's presence does not change, only the scrollbar needs to know.
    """
    size = Size(view.scrollable_content_region.width, height)
    old = view.virtual_size
    if size == old:
        return
    viewport = view.scrollable_content_region.height
    same_scrollbar = (old.height > viewport) == (height > viewport) and old.width == size.width
    if same_scrollbar and view.is_mounted and viewport > 0:
        view.set_reactive(Widget.virtual_size, size)
        view._scroll_update(size)  # the scrollbar's size and position; no layout
        view.refresh()
    else:
        view.virtual_size = size
