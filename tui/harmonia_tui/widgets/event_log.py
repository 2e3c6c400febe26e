"""The live event log of one execution: one line per event, newest at the bottom.

Drawn with Textual's line API: appending a batch of a thousand events costs a list extend;
an event is described (turned into its line of text) only when it is drawn or filtered, and
only the lines on screen are ever rendered (each once, then cached), so a flood of events
never slows the screen. It keeps the last `keep` lines, follows the newest while scrolled to
the bottom (scroll up to stop following), and can be filtered to lines containing some text.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.strip import Strip

from harmonia.client import Event
from harmonia_tui.describe import LogLine, describe_event
from harmonia_tui.format import Glyphs
from harmonia_tui.widgets._lines import (
    LineView,
    StyleCache,
    fitted_strip,
    refresh_rows,
    set_virtual_height,
)

__all__ = ["EventLog"]


class EventLog(LineView, can_focus=True):
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
        self.lines_kept: list[tuple[Event, datetime | None]] = []
        """The newest events (at most about `keep`), each with the time its offset counts from."""
        self._shown: list[tuple[Event, datetime | None]] | None = None
        """The events whose line matches the filter (None: no filter, every kept one)."""
        self._lines: dict[int, LogLine] = {}
        """Lines described so far, by seq."""
        self.query_text = ""
        self.follow = True
        """Whether the newest line is kept in view (until the user scrolls up)."""
        self._scrolling = False
        self._strips: dict[int, Strip] = {}
        self._style = StyleCache(self)
        self._width = 0

    @property
    def shown(self) -> list[LogLine]:
        return [self._line(entry) for entry in self._entries]

    @property
    def _entries(self) -> list[tuple[Event, datetime | None]]:
        return self.lines_kept if self._shown is None else self._shown

    def _line(self, entry: tuple[Event, datetime | None]) -> LogLine:
        event, origin = entry
        line = self._lines.get(event.seq)
        if line is None:
            line = self._lines[event.seq] = describe_event(event, origin)
        return line

    def add(self, events: list[Event], origin: datetime | None) -> None:
        """Append a batch; only the newest `keep` events are kept.

        Once the log is full it stays exactly `keep` lines long, so while it follows the
        newest events neither its height nor its scroll position changes: the lines on
        screen are repainted, the scrollbar is not (drawing a scrollbar costs Textual as
        much as the lines beside it).
        """
        if not events:
            return
        entries = self._entries
        before = len(entries)
        top = self.scroll_offset.y
        new = [(event, origin) for event in events[-self.keep :]]
        self.lines_kept.extend(new)
        if self._shown is not None:
            self._shown.extend(entry for entry in new if self._matches(entry))
        gone = max(0, len(self._entries) - self.keep)
        if len(self.lines_kept) > self.keep:
            del self.lines_kept[: len(self.lines_kept) - self.keep]
            if self._shown is not None:
                del self._shown[:gone]
            if len(self._strips) > 2 * self.keep:  # now and then, not on every batch
                live = {event.seq for event, _ in self.lines_kept}
                self._strips = {seq: s for seq, s in self._strips.items() if seq in live}
                self._lines = {seq: line for seq, line in self._lines.items() if seq in live}
        self._resize()
        if self.follow:
            self._to_end()
            self.refresh(self.size.region)  # every line on screen moved up
        elif gone:  # scrolled back: keep the same lines in view while they last
            self._scroll_quietly(max(0, top - gone))
            self.refresh(self.size.region)
        else:  # scrolled back: repaint only new lines that land on screen
            bottom = top + self.scrollable_content_region.height
            refresh_rows(self, [r for r in range(before, len(self._entries)) if top <= r < bottom])

    def _scroll_quietly(self, y: float) -> None:
        """Scroll without that counting as the user's scrolling."""
        self._scrolling = True
        try:
            self.scroll_to(y=y, animate=False, immediate=True)
        finally:
            self._scrolling = False

    def _to_end(self) -> None:
        """Show the newest line (now, and again once a pending layout has happened)."""
        self._scroll_quietly(self.max_scroll_y)
        self.call_after_refresh(self._to_end_later)

    def _to_end_later(self) -> None:
        if self.follow and self.scroll_y < self.max_scroll_y:
            self._scroll_quietly(self.max_scroll_y)

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
            else [entry for entry in self.lines_kept if self._matches(entry)]
        )
        self._resize()
        self.follow = True
        self._to_end()
        self.refresh()

    def _matches(self, entry: tuple[Event, datetime | None]) -> bool:
        return self.query_text in self._line(entry).text.lower()

    def _resize(self) -> None:
        set_virtual_height(self, len(self._entries))

    def on_resize(self, event: events.Resize) -> None:
        self._resize()

    def render_line(self, y: int) -> Strip:
        width = self.pass_width
        if width != self._width:
            self._strips.clear()
            self._style.clear()
            self._width = width
        index = y + self.scroll_offset.y
        entries = self._entries
        if not 0 <= index < len(entries):
            return Strip.blank(width, self._style(""))
        seq = entries[index][0].seq
        strip = self._strips.get(seq)
        if strip is None:
            strip = self._strips[seq] = self._strip(self._line(entries[index]), width)
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style.clear()
        self._strips.clear()

    def _strip(self, line: LogLine, width: int) -> Strip:
        """Segments built directly: a flood of events must not cost a Rich render each."""
        g = self.glyphs
        dim = self._style("dim")
        head = f"{line.offset.rjust(8)} {line.seq:>5} "
        glyph = g.status(line.status)
        # cut the text to the room left here: cropping a strip afterwards costs far more
        text = set_cell_size(" " + line.text, max(0, width - cell_len(head) - cell_len(glyph)))
        segments = [
            Segment(head, dim),
            Segment(glyph, self._style(g.style(line.status) or "none")),
            Segment(text, self._style("red" if line.status == "failed" else "none")),
        ]
        return fitted_strip(segments, width, self._style(""))

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
