"""What the engine writes about an execution besides its events: folder, snapshot, catalog row.

Every write is queued on the durable writer behind the events it reflects, so files never get
ahead of the journal; each row also goes to the in-memory index at once, so listings are current.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable
from typing import Any

import anyio

from harmonia.engine.index import ExecutionIndex
from harmonia.engine.storagehealth import StorageHealth
from harmonia.engine.writer import AfterCommit, CatalogRow, DurableWriter, GroupOp, unavailable
from harmonia.errors import NotFound
from harmonia.state import ExecutionState
from harmonia.store import Store
from harmonia.store.snapshots import snapshot_of, snapshot_rows
from harmonia.store.storage import STORAGE_ERRNOS
from harmonia.store.store import ExecutionLock

__all__ = ["ExecutionRecords", "new_execution_id"]


def new_execution_id(now: float) -> str:
    """Sortable by creation time and readable: `20261126-133005-3fa9c1d2e4` (40 random bits).
    The store creates each execution's folder exclusively and asks again for an id already
    taken, so a repeat never overwrites anything (`Store.new_execution`)."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + "-" + secrets.token_hex(5)


class ExecutionRecords:
    """One engine's writes of execution records, through its writer."""

    def __init__(
        self,
        store: Store,
        writer: DurableWriter,
        index: ExecutionIndex,
        storage: StorageHealth,
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._writer = writer
        self._index = index
        self._storage = storage
        self._clock = clock

    async def new_execution(self) -> tuple[str, ExecutionLock]:
        """A fresh id, its folder created exclusively and locked (see `Store.new_execution`)."""
        clock = self._clock
        try:
            return await anyio.to_thread.run_sync(
                self._store.new_execution, lambda: new_execution_id(clock())
            )
        except OSError as exc:
            if exc.errno not in STORAGE_ERRNOS:
                raise
            self._storage.report(exc)
            raise unavailable(exc) from None

    async def create(self, state: ExecutionState, lock: ExecutionLock) -> None:
        """Write a new execution's first snapshot and row and wait until they are durable; on
        failure nothing of it stays (its claimed folder is removed)."""
        store = self._store
        if state.restored_from is None:
            # all pending: recovery rebuilds the task rows from the workflow document
            meta, tasks = state.meta_record(), dict[str, dict[str, Any]]()
        else:
            meta, tasks = snapshot_of(state)
        summary = state.summary()
        self._writer.submit_op(GroupOp(lambda group: store.create_snapshot(meta, tasks, group)))
        self._writer.submit_op(CatalogRow(summary))
        try:
            await self._writer.flush()
        except BaseException:
            await anyio.to_thread.run_sync(_undo_create, store, state.id, lock)
            raise
        self._index.put(summary)

    def save_summary(self, state: ExecutionState) -> None:
        """Refresh the execution's catalog row (status, counts) so listings are not stale.
        Queued behind the events it reflects; nobody waits for it."""
        summary = state.summary()
        self._index.put(summary)
        self._writer.submit_op(CatalogRow(summary))

    async def persist(self, state: ExecutionState, *, final: bool) -> None:
        """Write the state as `latest.json` and the catalog row; wait until they are written
        and all events durable (`StorageUnavailable` if a write failed). `final`: the journal
        is closed too.

        `latest.json` is not fsynced: the journal holds every change and the fsynced snapshot
        (`state.json`, the first or a checkpoint's) plus the journal loads the same state, so
        a power loss may cost this file, never what it says (`harmonia.store.loading`). Its
        fsync was one of ~4.4 per started execution (bench/RESULTS.md, h-hooks5)."""
        with anyio.CancelScope(shield=True):
            store = self._store
            meta, rows = snapshot_rows(state)
            summary = state.summary()
            self._index.put(summary)
            self._writer.submit_op(GroupOp(lambda group: store.write_latest(meta, rows, group)))
            self._writer.submit_op(CatalogRow(summary))
            if final:  # closed once its last lines are durable (`AfterCommit`)
                self._writer.submit_op(AfterCommit(lambda: store.close_journal(state.id)))
            await self._writer.flush()

    async def row_lags(self, state: ExecutionState) -> bool:
        """Whether the catalog's row says less than the state loaded from the journal."""
        try:
            row = await anyio.to_thread.run_sync(self._store.get_summary, state.id)
        except NotFound:
            return True
        return (row.get("last_seq"), row.get("status")) != (state.last_seq, str(state.status))

    async def status(self, execution_id: str) -> str:
        """The status the catalog records for an execution (NotFound if it has none)."""
        summary = await anyio.to_thread.run_sync(self._store.get_summary, execution_id)
        return str(summary["status"])


def _undo_create(store: Store, execution_id: str, lock: ExecutionLock) -> None:
    """Remove what a refused creation left: its snapshot (written while its catalog row was
    not) must not let a rebuilt catalog find it again, then its claimed folder."""
    with contextlib.suppress(OSError):
        store.state_path(execution_id).unlink()
    store.abandon_execution(execution_id, lock)
