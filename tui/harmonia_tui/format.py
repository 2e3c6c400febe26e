"""Glyphs, times and progress bars as the screens show them, as plain strings (no Textual).

`Glyphs(ascii=True)` swaps every non-ASCII character the TUI draws for an ASCII one, for
terminals without box drawing or symbols. Times are shown relative to an injected clock, and
offsets from an execution's start, so that tests and snapshots render the same text whenever
and wherever they run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harmonia_tui.statuses import StatusLook, look_of

__all__ = [
    "Clock",
    "Glyphs",
    "elapsed",
    "format_ago",
    "format_duration",
    "format_offset",
    "local_time",
    "parse_time",
    "plural",
    "progress_bar",
    "system_clock",
    "truncate",
    "unique_prefixes",
]

Clock = Callable[[], datetime]
"""The time now, timezone-aware. Injected so that tests and snapshots render fixed times."""


def system_clock() -> datetime:
    return datetime.now(UTC)


class _Glyph:
    """One character the TUI draws, read on a `Glyphs` as the one it uses (`Glyphs.pick`);
    on the class itself, the Unicode one."""

    def __init__(self, unicode: str, ascii: str) -> None:
        self.unicode = unicode
        self.ascii = ascii

    def __get__(self, glyphs: Glyphs | None, owner: type[Glyphs]) -> str:
        return self.unicode if glyphs is None else glyphs.pick(self.unicode, self.ascii)


@dataclass(frozen=True)
class Glyphs:
    """Every character the TUI draws that is not plain ASCII, with its ASCII stand-in."""

    ascii: bool = False

    def look(self, status: str) -> StatusLook:
        return look_of(status)

    def status(self, status: str) -> str:
        look = self.look(status)
        return look.ascii if self.ascii else look.glyph

    def style(self, status: str) -> str:
        return self.look(status).style

    def pick(self, unicode: str, ascii: str) -> str:
        return ascii if self.ascii else unicode

    rule = _Glyph("─", "-")
    parents_arrow = _Glyph("◂", "<")
    children_arrow = _Glyph("▸", ">")
    ellipsis = _Glyph("…", "...")
    bar_full = _Glyph("█", "#")
    bar_empty = _Glyph("░", ".")
    bullet = _Glyph("·", "-")


def progress_bar(done: int, total: int, width: int, glyphs: Glyphs) -> str:
    if width <= 0:
        return ""
    filled = width if total and done >= total else (done * width // total if total else 0)
    return glyphs.bar_full * filled + glyphs.bar_empty * (width - filled)


# ---- times -----------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """A time from a document: a datetime already, an ISO string (`...Z`), or nothing."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_duration(seconds: float | None) -> str:
    """Short and fixed-width enough for a table column: 0.40s, 12.3s, 3m04s, 2h05m, 3d04h."""
    if seconds is None or math.isnan(seconds):
        return ""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def format_ago(when: datetime | None, now: datetime) -> str:
    """`when` relative to `now`: "just now", "42s ago", "5m ago", "3h ago", "2d ago"."""
    if when is None:
        return ""
    seconds = (now - when).total_seconds()
    if seconds < 1:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)}s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    return f"{int(seconds // 86400)}d ago"


def format_offset(when: datetime | None, origin: datetime | None) -> str:
    """A time as an offset from the execution's start (`+1.25s`), so it reads the same in
    any time zone and in snapshots."""
    if when is None or origin is None:
        return ""
    seconds = (when - origin).total_seconds()
    sign = "-" if seconds < 0 else "+"
    return sign + format_duration(abs(seconds))


def local_time(moment: datetime | None, *, offset: bool = False) -> str:
    """A moment in this machine's time zone, to the second ("-" for none): the hooks' and
    schedules' times, which are dates rather than durations. With `offset`, the zone's UTC
    offset after it (`+01:00`): a schedule's planned time sits beside its cron's own zone."""
    if moment is None:
        return "-"
    local = moment.astimezone()
    text = local.strftime("%Y-%m-%d %H:%M:%S")
    zone = local.strftime("%z")
    return f"{text} {zone[:3]}:{zone[3:]}" if offset else text


def elapsed(start: datetime | None, end: datetime | None, now: datetime) -> float | None:
    """Seconds from `start` to `end`, or to `now` while there is no end; None before a start."""
    if start is None:
        return None
    return ((end or now) - start).total_seconds()


ID_STEM = len("20261202-230745-")
"""An execution id's date and time: always shown (it says when), then hex to tell it apart."""


def unique_prefixes(ids: list[str], *, hex_digits: int = 2) -> dict[str, str]:
    """The shortest prefix of each id that no other id of `ids` starts with, keeping the date
    and time and at least `hex_digits` after them: short enough for a narrow terminal, and
    still what `harmonia watch PREFIX` and the `/` filter take."""
    ordered = sorted(set(ids))
    shortest = ID_STEM + hex_digits
    prefixes: dict[str, str] = {}
    for index, current in enumerate(ordered):
        length = shortest
        for neighbour in ordered[max(0, index - 1) : index + 2]:
            if neighbour != current:
                length = max(length, _common_length(current, neighbour) + 1)
        prefixes[current] = current[:length]
    return prefixes


def _common_length(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """`text` cut to `width` characters, the cut marked (a name too long for its column)."""
    if len(text) <= width:
        return text
    return text[: max(0, width - len(ellipsis))] + ellipsis


def plural(count: int, noun: str) -> str:
    """`1 task`, `2 tasks`: counts read as words, not as `task(s)`."""
    return f"{count} {noun}" + ("" if count == 1 else "s")
