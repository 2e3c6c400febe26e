"""The append-only event journal of one execution: JSON lines, one event each.

Appends happen in batches (group commit: many events, one fsync). A process killed in the
middle of an append leaves at most a torn tail - a last line without its newline or a line that
does not parse; readers stop before it and `repair` cuts it off before anyone appends again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import orjson

from harmonia.events import Event
from harmonia.store.storage import fsync_directory


class CorruptJournal(Exception):
    """A line in the middle of a journal does not parse: something other than a crash wrote it."""


def _scan(
    data: bytes, path: Path, after_seq: int = 0, limit: int | None = None
) -> tuple[list[Event], int]:
    """Parse whole lines; return the events with `seq > after_seq` (stopping after `limit` of
    them, if given) and the byte length of the good prefix read."""
    if limit is None:
        start = _first_line_after(data, after_seq) if after_seq else 0
        whole = _scan_whole(data, start)
        if whole is not None:
            events, end = whole
            if after_seq and not start:  # the jump found no line to start from
                events = [e for e in events if e.seq > after_seq]
            return events, end
    return _scan_lines(data, path, after_seq, limit)


def _scan_whole(data: bytes, start: int) -> tuple[list[Event], int] | None:
    """Every complete line from byte `start` (the first line after the seq asked for; a reader
    that loads a snapshot then the journal after it must not build every earlier event) at
    once, as one JSON array: one parser call instead of one per line
    (resuming a 10,000-task execution reads ~10,000 lines before its first task can start).
    The journal's lines are orjson output, which never holds a raw newline, so the lines
    joined with commas are the array of the events. None if any complete line is damaged:
    the line-by-line scan then finds where, and tells a torn tail from corruption."""
    end = data.rfind(b"\n") + 1
    if end <= start:
        return [], max(end, start)
    try:
        raws = orjson.loads(b"[" + data[start : end - 1].replace(b"\n", b",") + b"]")
        events = [Event.from_journal(raw) for raw in raws]
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None
    return events, end


def _scan_lines(
    data: bytes, path: Path, after_seq: int = 0, limit: int | None = None
) -> tuple[list[Event], int]:
    events: list[Event] = []
    # A reader catching up (a lagging subscriber, an SSE client's Last-Event-ID) pages through
    # the journal after a seq: jump to it rather than parse every line before it, or paging
    # through a long journal costs quadratic time. Those lines are not checked on the way.
    pos = _first_line_after(data, after_seq) if after_seq else 0
    good_end = pos
    size = len(data)
    while pos < size:
        nl = data.find(b"\n", pos)
        if nl == -1:
            break  # torn tail: no newline yet
        line = data[pos:nl]
        try:
            raw = orjson.loads(line)
            event = Event.from_journal(raw)
        except (orjson.JSONDecodeError, KeyError, TypeError):
            if data[nl + 1 :].strip(b"\n\x00 "):
                # a bad line followed by more lines is damage, not a torn append
                rest = data[nl + 1 :]
                if _has_valid_line(rest):
                    raise CorruptJournal(f"{path}: unreadable line at byte {pos}") from None
            break
        pos = nl + 1
        good_end = pos
        if event.seq > after_seq:
            events.append(event)
            if limit is not None and len(events) >= limit:
                break
    return events, good_end


_SEQ_PREFIX = b'{"seq":'
"""How every journal line starts (`Event.to_journal_line` writes `seq` first)."""


def _line_start(data: bytes, at: int) -> int:
    """Where the first line that starts at or after byte `at` starts (`len(data)`: none)."""
    if at == 0:
        return 0
    nl = data.find(b"\n", at - 1)
    return len(data) if nl == -1 else nl + 1


def _seq_at(data: bytes, start: int) -> int | None:
    """The seq of the line starting at `start`, read from its first bytes; None if unreadable."""
    if not data.startswith(_SEQ_PREFIX, start):
        return None
    begin = start + len(_SEQ_PREFIX)
    comma = data.find(b",", begin, begin + 24)
    digits = data[begin:comma] if comma != -1 else b""
    return int(digits) if digits.isdigit() else None


def _first_line_after(data: bytes, after_seq: int) -> int:
    """The start of the first line whose seq is above `after_seq`, by binary search: a journal's
    seqs only grow. 0 (read everything) if a line on the way cannot be read."""
    size = len(data)
    lo, hi = 0, size
    while lo < hi:
        mid = (lo + hi) // 2
        start = _line_start(data, mid)
        if start >= size:
            hi = mid
            continue
        seq = _seq_at(data, start)
        if seq is None:
            return 0
        if seq > after_seq:
            hi = mid
        else:
            lo = mid + 1
    return _line_start(data, lo)


def _has_valid_line(rest: bytes) -> bool:
    for line in rest.split(b"\n"):
        if not line.strip():
            continue
        try:
            orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        return True
    return False


def read_events(path: Path, after_seq: int = 0, limit: int | None = None) -> list[Event]:
    """Every complete event with `seq > after_seq`, in order (the first `limit` of them if
    given); a torn tail is ignored."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    events, _ = _scan(data, path, after_seq, limit)
    return events


def read_and_repair(path: Path, after_seq: int = 0) -> list[Event]:
    """`read_events` and `repair` in one read of the file (the resume path)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    events, good_end = _scan(data, path)
    if good_end < len(data):
        _truncate(path, good_end)
    return [e for e in events if e.seq > after_seq] if after_seq else events


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())


def repair(path: Path) -> int:
    """Cut a torn tail off the journal; return how many bytes were removed."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0
    _, good_end = _scan(data, path)
    cut = len(data) - good_end
    if cut:
        _truncate(path, good_end)
    return cut


def last_seq(path: Path) -> int:
    """The seq of the last complete event, 0 for an empty or missing journal."""
    events = read_events(path)
    return events[-1].seq if events else 0


class JournalAppender:
    """Open append handles of the journals being written, used by the single writer thread."""

    def __init__(self) -> None:
        self._handles: dict[Path, BinaryIO] = {}

    def append(self, batches: Iterable[tuple[Path, list[bytes]]]) -> None:
        """Write each journal's lines, then fsync each touched file once (group commit)."""
        touched: list[BinaryIO] = []
        created: list[Path] = []
        for path, lines in batches:
            handle = self._handles.get(path)
            if handle is None:
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists():
                    created.append(path)
                handle = open(path, "ab")  # noqa: SIM115 - kept open across batches on purpose
                self._handles[path] = handle
            handle.write(b"".join(lines))
            touched.append(handle)
        for handle in touched:
            handle.flush()
            os.fdatasync(handle.fileno())
        for path in created:
            fsync_directory(path.parent)

    def close(self, path: Path) -> None:
        handle = self._handles.pop(path, None)
        if handle is not None:
            handle.close()

    def close_all(self) -> None:
        for path in list(self._handles):
            self.close(path)
