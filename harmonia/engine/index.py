"""Every execution's summary row, in memory, for listings that never wait on the disk.

The engine puts each row here as it queues it for the catalog, so a listing shows what this
process drives as it is now; rows of other processes (`harmonia run` beside a daemon) come from
the catalog file, read again only when a `stat` says it changed. Higher `last_seq` wins.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio

from harmonia.store import Store
from harmonia.store.catalog import Data, Seen

__all__ = ["ExecutionIndex"]

logger = logging.getLogger("harmonia.engine")

Row = dict[str, Any]


class ExecutionIndex:
    """Summary rows by execution id; see the module docstring."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._disk: dict[str, Row] = {}
        """The catalog's rows as last read."""
        self._own: dict[str, Row] = {}
        """Rows this engine recorded that may be newer than the catalog's."""
        self._seen: Seen | None = None
        self._ordered: list[Row] | None = None
        self._reading: anyio.Event | None = None
        self._damage_logged = False
        self._held: set[str] = set()
        """Executions stopped by a failed write: their rows are the catalog's (see `hold`)."""

    def put(self, summary: Row) -> None:
        """The engine recorded this row (call it on the event loop, before or as the catalog
        write is queued)."""
        if summary["id"] in self._held:
            return
        self._own[summary["id"]] = summary
        self._ordered = None

    def hold(self, execution_id: str) -> None:
        """A write failed and the execution was stopped: what this engine recorded of it may
        never reach the disk (a run that went on in memory to its end), so its row is the
        catalog's, whatever its stopping runner still records, until `release`."""
        self._own.pop(execution_id, None)
        self._held.add(execution_id)
        self._ordered = None

    def release(self, execution_id: str) -> None:
        """The execution is loaded from disk again (the storage is back)."""
        self._held.discard(execution_id)

    def peek(self, execution_id: str) -> Row | None:
        """One execution's row as last read or recorded, without reading the catalog."""
        return self._own.get(execution_id) or self._disk.get(execution_id)

    async def rows(self) -> list[Row]:
        """Every execution's row, newest first (shared: do not change them). Reads the
        catalog only if some process wrote it since the last read."""
        if self.store.catalog.changed_since(self._seen):
            await self._refresh()
        ordered = self._ordered
        if ordered is None:
            merged = {**self._disk, **self._own}
            ordered = sorted(
                merged.values(), key=lambda r: (r.get("created_at") or 0, r["id"]), reverse=True
            )
            self._ordered = ordered
        return ordered

    async def _refresh(self) -> None:
        reading = self._reading
        if reading is not None:  # one read at a time; its result serves every waiter
            await reading.wait()
            return
        self._reading = done = anyio.Event()
        try:
            seen, data = await anyio.to_thread.run_sync(self._read)
            if seen is not None:
                self._merge(seen, data)
        finally:
            self._reading = None
            done.set()

    def _read(self) -> tuple[Seen | None, Data]:
        try:
            return self.store.catalog_seen()  # a damaged catalog is rebuilt on the way
        except OSError as exc:
            # cannot rebuild it now (a full disk?): list what was read before
            if not self._damage_logged:
                logger.warning("cannot read the catalog, listing what was read before: %s", exc)
                self._damage_logged = True
            return None, {}

    def _merge(self, seen: Seen, data: Data) -> None:
        disk = {row["id"]: row for row in (data.get("executions") or {}).values()}
        for execution_id, own in list(self._own.items()):
            stored = disk.get(execution_id)
            if stored is not None and _seq(stored) >= _seq(own):
                del self._own[execution_id]  # the catalog caught up (or another process went on)
        self._disk = disk
        self._seen = seen
        self._damage_logged = False
        self._ordered = None


def _seq(row: Row) -> int:
    return int(row.get("last_seq") or 0)
