"""The append-only event journal of one execution: JSON lines, one event each.

Appends happen in batches (group commit: many events, one fsync). A process killed in the
middle of an append leaves at most a torn tail - a last line without its newline; readers stop
before it and `repair` cuts it off before anyone appends again. Anything else wrong is damage
(`harmonia.store.journalscan`): readers stop before it too, and nothing cuts or appends to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from harmonia.events import Event
from harmonia.store.journalscan import JournalDamage, JournalScan, first_line_after, scan
from harmonia.store.storage import fsync_directory


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
