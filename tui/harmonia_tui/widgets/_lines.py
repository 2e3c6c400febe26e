"""What the line-API widgets (graph, event log, task detail) share."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["LineView", "StyleCache", "fitted_strip", "refresh_rows", "set_virtual_height"]


class LineView(ScrollView):
    """A scrolling line-API widget that reads its content width once per paint (`pass_width`)
    rather than once per line: Textual computes the region anew on every read."""

    pass_width = 0

    def render_lines(self, crop: Region) -> list[Strip]:
        self.pass_width = self.scrollable_content_region.width
        return super().render_lines(crop)


class StyleCache:
    """Styles on a widget's own background, each computed once: asking Textual for
    `rich_style` walks the DOM, far too slow for every row of every update. `named` makes a
    style from its name (parsed, unless the widget has component classes); `clear` forgets
    them all when the widget's styles or size change."""

    def __init__(self, widget: Widget, named: Callable[[str], Style] = Style.parse) -> None:
        self._widget = widget
        self._named = named
        self._styles: dict[str, Style] = {}

    def __call__(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._widget.rich_style if name == "" else self("") + self._named(name)
            self._styles[name] = style
        return style

    def clear(self) -> None:
        self._styles.clear()


def refresh_rows(view: ScrollView, rows: list[int]) -> None:
    """Repaint these lines of the content (virtual row numbers), in runs of adjacent rows.

    Unlike `ScrollView.refresh_lines`, the region stops at the content's edge: one that
    reaches the scrollbar makes Textual draw the scrollbar again too, which costs as much
    as the lines themselves.
    """
    if not rows:
        return
    top = view.scroll_offset.y
    width = view.scrollable_content_region.width
    rows = sorted(rows)
    start = previous = rows[0]
    for row in [*rows[1:], None]:
        if row is not None and row == previous + 1:
            previous = row
            continue
        view.refresh(Region(0, start - top, width, previous - start + 1))
        if row is not None:
            start = previous = row


def set_virtual_height(view: ScrollView, height: int) -> None:
    """Set how many lines `view` scrolls over, without a screen layout when possible.

    Assigning `virtual_size` lays the whole screen out again (it may add or remove a
    scrollbar); at twenty updates a second that would be most of the TUI's work. When the
    scrollbar's presence does not change, only the scrollbar needs to know; the caller
    repaints the lines that changed.
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
    else:
        view.virtual_size = size


def fitted_strip(segments: list[Segment], width: int, pad_style: Style) -> Strip:
    """One strip exactly `width` cells wide. A row usually fits: padding it by hand makes one
    Strip where cropping and extending would make three (each with caches of its own)."""
    length = sum(cell_len(segment.text) for segment in segments)
    if length > width:
        return Strip(segments).crop_extend(0, width, pad_style)
    if length < width:
        segments.append(Segment(" " * (width - length), pad_style))
    return Strip(segments, width)
