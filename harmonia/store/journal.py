"""The append-only event journal of one execution: JSON lines, one event each.

Appends happen in batches (group commit: many events, one fsync). A process killed in the
middle of an append leaves at most a torn tail - a last line without its newline; readers stop
before it and `repair` cuts it off before anyone appends again. Anything else wrong is damage
(`harmonia.store.journalscan`): readers stop before it too, and nothing cuts or appends to it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from harmonia.events import Event
from harmonia.store.journalscan import JournalDamage, JournalScan, first_line_after, scan
from harmonia.store.storage import fsync_directory, naming, run_together, write_all


class CorruptJournal(Exception):
    """A journal is damaged (see `harmonia.store.journalscan`): something other than a crash
    changed it, so nobody may cut or append to it."""

    def __init__(self, path: Path, damage: JournalDamage) -> None:
        super().__init__(f"{path}: line {damage.line} (byte {damage.offset}): {damage.reason}")
        self.path = path
        self.damage = damage


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def read_events(path: Path, after_seq: int = 0, limit: int | None = None) -> list[Event]:
    """Every event with `seq > after_seq`, in order (the first `limit` of them if given), up to
    a torn tail or damage. The lines before `after_seq` are not checked (see `scan`)."""
    return scan(_read(path), after_seq=after_seq, limit=limit, thorough=False).events


def load(
    path: Path,
    *,
    after_seq: int = 0,
    execution_id: str | None = None,
    repair: bool = False,
) -> JournalScan:
    """The events after `after_seq` of an execution's journal, every line of it checked, and
    the damage, if any. Lines at or before `after_seq` (a snapshot has them) are checked by
    checksum and seq only, not parsed.

    `repair` (for the process about to append, which holds the execution's lock) cuts a torn
    tail off - never damage: the caller must not append to a damaged journal."""
    data = _read(path)
    result = scan(data, after_seq=after_seq, execution_id=execution_id)
    if repair and result.damage is None and result.end < len(data):
        _truncate(path, result.end)
    return result


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())


def repair(path: Path) -> int:
    """Cut a torn tail off the journal; return how many bytes were removed. Raises
    `CorruptJournal`, cutting nothing, if the journal is damaged."""
    data = _read(path)
    result = scan(data)
    if result.damage is not None:
        raise CorruptJournal(path, result.damage)
    cut = len(data) - result.end
    if cut:
        _truncate(path, result.end)
    return cut


def locate(path: Path, seq: int) -> tuple[int, int]:
    """The byte offset and the line number (from 1) of the line holding event `seq`."""
    data = _read(path)
    offset = first_line_after(data, seq - 1)
    return offset, data.count(b"\n", 0, offset) + 1


def last_seq(path: Path) -> int:
    """The seq of the last good event, 0 for an empty or missing journal."""
    return scan(_read(path)).last_seq


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
        """Write each journal's lines and fsync it once (group commit): every journal at once,
        each in a thread (see `sync_together`), a new one's folder fsynced too.

        All or nothing: if any write or fsync fails, every journal of the batch is cut back to
        where it was before it (the error names the file that failed)."""
        jobs = self.jobs(batches)
        self.settle([result for result, _ in run_together(jobs)])

    def jobs(self, batches: Iterable[tuple[Path, list[bytes]]]) -> list[AppendJob]:
        """`append` in two halves, for a caller that runs these jobs at once with others of
        its own (`AtomicWrites.sync_first`) and then hands what they answered to `settle`.
        A journal a failed append left dirty is cut back first (raising if it still fails)."""
        if self._dirty:
            self.cut_back()
        return [
            partial(_append_one, path, b"".join(lines), self._handles.get(path))
            for path, lines in batches
        ]

    def settle(self, appended: Sequence[_Appended | None]) -> None:
        """Take in what `jobs` did; raise the first error once every journal of the batch is
        cut back (see `append`)."""
        for item in appended:
            assert item is not None  # _append_one catches what it raises
            if item.fd is not None and item.path not in self._handles:
                self._handles[item.path] = item.fd
                self._durable[item.path] = item.start
        errors = [item.error for item in appended if item is not None and item.error is not None]
        if errors:
            for item in appended:
                if item is not None and item.fd is not None:
                    self._dirty[item.path] = self._durable[item.path]
                    self._forget(item.path)
            with contextlib.suppress(OSError):
                self.cut_back()  # at once if the storage allows (a full disk can shrink a file)
            raise errors[0]
        for item in appended:
            if item is not None:
                self._durable[item.path] += item.size

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


@dataclass
class _Appended:
    """What `_append_one` did to one journal: the descriptor it wrote with (opened by it if
    `start` is its length then), how much, and the error that stopped it."""

    path: Path
    fd: int | None
    size: int
    start: int = 0
    error: BaseException | None = None


AppendJob = Callable[[], _Appended]
"""One journal's write and fdatasync (run in an fsync thread; never raises)."""

Round = tuple[list[AppendJob], Callable[[list[Any]], None]]
"""`JournalAppender.jobs` and the `settle` their answers go to (`Store.journal_round`)."""


def _append_one(path: Path, data: bytes, fd: int | None) -> _Appended:
    """Open (if needed), write and fdatasync one journal; a new one's folder is fsynced too.
    Runs in an fsync thread; never raises (the error is in the answer)."""
    item = _Appended(path, fd, len(data))
    try:
        created = False
        if item.fd is None:
            with naming(path):
                path.parent.mkdir(parents=True, exist_ok=True)
                created = not path.exists()
                item.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                item.start = os.fstat(item.fd).st_size
        write_all(item.fd, data, path)
        with naming(path):
            os.fdatasync(item.fd)
        if created:
            fsync_directory(path.parent)
    except Exception as exc:
        item.error = exc
    return item
