"""The append-only event journal of one execution: JSON lines, one event each.

Appends happen in batches (group commit: many events, one fsync). A process killed in the
middle of an append leaves at most a torn tail - a last line without its newline or a line that
does not parse; readers stop before it and `repair` cuts it off before anyone appends again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

import orjson

from harmonia.events import Event
from harmonia.store.storage import fsync_directory, naming, write_all


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
    """Open append handles of the journals being written, used by the single writer thread.

    It remembers how long each journal was after its last fsync. An append that fails (a full
    disk, an I/O error) may leave a torn line, or whole lines that were never fsynced and so
    never published: the journals it touched are cut back to their durable length right away,
    and if even that fails (the storage is gone), before anything else is appended to them
    (`cut_back`). A journal therefore only ever holds what its readers were told."""

    def __init__(self) -> None:
        self._handles: dict[Path, int] = {}
        """File descriptors (unbuffered: nothing of a failed batch stays behind in a buffer)."""
        self._durable: dict[Path, int] = {}
        """Each open journal's length after its last fsync."""
        self._dirty: dict[Path, int] = {}
        """Journals a failed append may have written past their durable length, to cut back."""

    def append(self, batches: Iterable[tuple[Path, list[bytes]]]) -> None:
        """Write each journal's lines, then fsync each touched file once (group commit).

        All or nothing: if any write or fsync fails, every journal of the batch is cut back to
        where it was before it (the error names the file that failed)."""
        if self._dirty:
            self.cut_back()
        touched: list[tuple[Path, int, int]] = []
        created: list[Path] = []
        try:
            for path, lines in batches:
                fd = self._handles.get(path)
                if fd is None:
                    fd = self._open(path, created)
                data = b"".join(lines)
                touched.append((path, fd, len(data)))
                write_all(fd, data, path)
            for path, fd, _ in touched:
                with naming(path):
                    os.fdatasync(fd)
            for path in created:
                fsync_directory(path.parent)
        except BaseException:
            for path, _fd, _ in touched:
                self._dirty[path] = self._durable[path]
                self._forget(path)
            with contextlib.suppress(OSError):
                self.cut_back()  # at once if the storage allows (a full disk can shrink a file)
            raise
        for path, _, size in touched:
            self._durable[path] += size

    def _open(self, path: Path, created: list[Path]) -> int:
        with naming(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                created.append(path)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._handles[path] = fd
        self._durable[path] = os.fstat(fd).st_size
        return fd

    def cut_back(self) -> None:
        """Cut every journal a failed append touched back to its durable length (and fsync
        it); raise, naming the file, if the storage still refuses."""
        for path, size in list(self._dirty.items()):
            with naming(path):
                try:
                    fd = os.open(path, os.O_WRONLY)
                except FileNotFoundError:
                    del self._dirty[path]
                    continue
                try:
                    if os.fstat(fd).st_size > size:
                        os.ftruncate(fd, size)
                        os.fsync(fd)
                finally:
                    os.close(fd)
            del self._dirty[path]

    @property
    def needs_cut_back(self) -> bool:
        return bool(self._dirty)

    def _forget(self, path: Path) -> None:
        fd = self._handles.pop(path, None)
        self._durable.pop(path, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self, path: Path) -> None:
        self._forget(path)

    def close_all(self) -> None:
        for path in list(self._handles):
            self.close(path)


class JournalTail:
    """Follows one journal as it grows, for a reader in another process (the daemon's stream
    relay): each `read_through(seq)` returns the events after the last one returned, up to
    `seq`, reading only the bytes appended since. Lines past `seq` (written, perhaps not yet
    durable) are left for a later call, so nothing is handed out before its writer says it is
    durable."""

    def __init__(self, path: Path, after_seq: int = 0) -> None:
        self.path = path
        self.last_seq = after_seq
        self._offset: int | None = None
        """Where the first line after `last_seq` starts; None until the file is first read."""

    def read_through(self, seq: int) -> list[Event]:
        if seq <= self.last_seq:
            return []
        try:
            with open(self.path, "rb") as handle:
                if self._offset is not None:
                    handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        start = 0
        if self._offset is None:
            start = _first_line_after(data, self.last_seq) if self.last_seq else 0
            self._offset = 0
        events: list[Event] = []
        pos = start
        end = data.rfind(b"\n") + 1
        while pos < end:
            nl = data.index(b"\n", pos)
            event = Event.from_journal(orjson.loads(data[pos:nl]))
            if event.seq > seq:
                break
            pos = nl + 1
            if event.seq > self.last_seq:
                events.append(event)
        self._offset += pos
        if events:
            self.last_seq = events[-1].seq
        return events
