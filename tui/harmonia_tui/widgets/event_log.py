"""The live event log of one execution: one line per event, newest at the bottom.

Drawn with Textual's line API: appending a batch of a thousand events costs a list extend, and
only the lines on screen are ever rendered (each once, then cached), so a flood of events
never slows the screen. It keeps the last `keep` lines, follows the newest while scrolled to
the bottom (scroll up to stop following), and can be filtered to lines containing some text.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.scroll_view import ScrollView
from textual.strip import Strip

from harmonia_tui.viewstate import Glyphs, LogLine
from harmonia_tui.widgets._lines import set_virtual_height

__all__ = ["EventLog"]


class EventLog(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    EventLog {
        background: $surface;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    def __init__(self, glyphs: Glyphs, *, keep: int = 2000, id: str | None = None) -> None:
        super().__init__(id=id)
        self.glyphs = glyphs
        self.keep = keep
        self.lines_kept: list[LogLine] = []
        self._shown: list[LogLine] | None = None
        """The lines matching the filter (None: no filter, every kept line)."""
        self.query_text = ""
        self.follow = True
        """Whether the newest line is kept in view (until the user scrolls up)."""
        self._scrolling = False
        self._strips: dict[int, Strip] = {}
        self._styles: dict[str, Style] = {}
        self._width = 0

    @property
    def shown(self) -> list[LogLine]:
        return self.lines_kept if self._shown is None else self._shown

    def add(self, lines: list[LogLine]) -> None:
        """Append a batch (only the newest `keep` lines are kept)."""
        if not lines:
            return
        self.lines_kept.extend(lines[-self.keep :])
        if self._shown is not None:
            self._shown.extend(line for line in lines[-self.keep :] if self._matches(line))
        if len(self.lines_kept) > self.keep * 2:  # trim now and then, not on every batch
            del self.lines_kept[: len(self.lines_kept) - self.keep]
            if self._shown is not None:
                del self._shown[: max(0, len(self._shown) - self.keep)]
            live = {line.seq for line in self.lines_kept}
            self._strips = {seq: s for seq, s in self._strips.items() if seq in live}
        self._resize()
        if self.follow:
            self._to_end()
        self.refresh()

    def _to_end(self) -> None:
        """Show the newest line (now, and again once a pending layout has happened)."""
        self._scrolling = True
        try:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        finally:
            self._scrolling = False
        self.call_after_refresh(self._to_end_later)

    def _to_end_later(self) -> None:
        if self.follow and self.scroll_y < self.max_scroll_y:
            self._scrolling = True
            try:
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
            finally:
                self._scrolling = False

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Scrolling up stops following the newest events; back at the bottom resumes it."""
        super().watch_scroll_y(old, new)
        if self._scrolling:
            return
        if new < old:
            self.follow = False
        elif new >= self.max_scroll_y:
            self.follow = True

    def set_filter(self, text: str) -> None:
        self.query_text = text.strip().lower()
        self._shown = (
            None
            if not self.query_text
            else [line for line in self.lines_kept if self._matches(line)]
        )
        self._resize()
        self.follow = True
        self._to_end()
        self.refresh()

    def _matches(self, line: LogLine) -> bool:
        return self.query_text in line.text.lower()

    def _resize(self) -> None:
        set_virtual_height(self, len(self.shown))

    def on_resize(self, event: events.Resize) -> None:
        self._resize()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._strips.clear()
            self._styles.clear()
            self._width = width
        index = y + self.scroll_offset.y
        shown = self.shown
        if not 0 <= index < len(shown):
            return Strip.blank(width, self._style(""))
        line = shown[index]
        strip = self._strips.get(line.seq)
        if strip is None:
            strip = self._strips[line.seq] = self._strip(line, width)
        return strip

    def _style(self, name: str) -> Style:
        """A style on the widget's background, computed once (`rich_style` is costly)."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style if name == "" else self._style("") + Style.parse(name)
            self._styles[name] = style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def _strip(self, line: LogLine, width: int) -> Strip:
        """Segments built directly: a flood of events must not cost a Rich render each."""
        g = self.glyphs
        dim = self._style("dim")
        segments = [
            Segment(f"{line.offset.rjust(8)} {line.seq:>5} ", dim),
            Segment(g.status(line.status), self._style(g.style(line.status) or "none")),
            Segment(" " + line.text, self._style("red" if line.status == "failed" else "none")),
        ]
        return Strip(segments).crop_extend(0, width, self._style(""))

    def _text(self, line: LogLine) -> Text:
        g = self.glyphs
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(line.offset.rjust(8), style="dim")
        text.append(f" {line.seq:>5} ", style="dim")
        text.append(g.status(line.status), style=g.style(line.status))
        text.append(" ")
        text.append(line.text, style="red" if line.status == "failed" else "")
        return text

    @property
    def shown_text(self) -> str:
        """Every line the log holds under the current filter, as plain text (tests)."""
        return "\n".join(self._text(line).plain for line in self.shown)
