"""A data folder's small set of records of one kind (schedules, inbound hooks), held in memory
and replaced whole in one JSON file (temp file, fsync, rename), so a crash leaves the old file
or the new one, never half.

A change is kept only once it is on disk: `add` and `remove` undo themselves in memory when the
write fails, so a refused request changes nothing. Only the daemon writes these files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import anyio.to_thread
import orjson

from harmonia.errors import NotFound
from harmonia.store.storage import load_or_set_aside, write_atomically

__all__ = ["RecordFile"]


class _Record(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=_Record)


class RecordFile(Generic[R]):
    """Records by key, in memory; `snapshot` on the event loop, `write` in a thread (`save`)."""

    FILE: ClassVar[str]
    SECTION: ClassVar[str]
    """The list's name in the file, and what the log says is missing when it is damaged."""
    NOUN: ClassVar[str]
    KEY: ClassVar[re.Pattern[str]]
    """What a key looks like: any other names nothing (404), and never reaches a lookup."""
    DAMAGE: ClassVar[tuple[type[Exception], ...]] = (
        orjson.JSONDecodeError,
        KeyError,
        TypeError,
        ValueError,
    )
    LOGGER: ClassVar[logging.Logger]

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / self.FILE
        self.records: dict[str, R] = {}

    def key_of(self, record: R) -> str:
        raise NotImplementedError

    def from_row(self, row: dict[str, Any]) -> R:
        raise NotImplementedError

    def in_file_order(self) -> Iterable[R]:
        return self.records.values()

    def load(self) -> None:
        """Read the file (none: no records). A damaged one (a hand or a disk, never a crash) is
        kept aside byte for byte and the daemon goes on without these records rather than not
        at all."""
        records = load_or_set_aside(self.path, self._parse, self.DAMAGE, self.LOGGER, self.SECTION)
        self.records = records or {}

    def _parse(self, payload: bytes) -> dict[str, R]:
        records = (self.from_row(row) for row in orjson.loads(payload)[self.SECTION])
        return {self.key_of(record): record for record in records}

    def snapshot(self) -> bytes:
        """The file's bytes now (taken on the event loop, written in a thread)."""
        rows = [record.to_dict() for record in self.in_file_order()]
        return orjson.dumps({"version": 1, self.SECTION: rows})

    def write(self, payload: bytes) -> None:
        write_atomically(self.path, payload)

    async def save(self) -> None:
        await anyio.to_thread.run_sync(self.write, self.snapshot())

    def get(self, key: str) -> R:
        record = self.records.get(key) if self.KEY.fullmatch(key) else None
        if record is None:
            raise NotFound(f"no {self.NOUN} {key!r}")
        return record

    async def add(self, record: R) -> None:
        key = self.key_of(record)
        self.records[key] = record
        try:
            await self.save()
        except BaseException:
            del self.records[key]
            raise

    async def remove(self, key: str) -> R:
        record = self.get(key)
        del self.records[key]
        try:
            await self.save()
        except BaseException:
            self.records[key] = record
            raise
        return record
