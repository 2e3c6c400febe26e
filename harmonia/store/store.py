"""The data folder: a small catalog database plus one folder per execution.

    DATA_DIR/catalog.json                 one summary row per execution, checkpoint index, and
                                          stored workflows' info (harmonia.store.catalog)
    DATA_DIR/catalog.journal              catalog updates since its last rewrite, one a line
    DATA_DIR/workflows/ID.json            one stored workflow (harmonia.store.definitions)
    DATA_DIR/executions/ID/state.json     snapshot: execution row, task rows, checkpoints
    DATA_DIR/executions/ID/latest.json    its latest state when its run stopped (not fsynced)
    DATA_DIR/executions/ID/journal.jsonl  every event since the execution began
    DATA_DIR/executions/ID/lock           held (flock) by the process running the execution

Every method here does blocking file I/O: the engine calls them from its writer thread, never
from the event loop's hot path. Several processes may share a data folder (two `harmonia run`
at once): catalog updates take an exclusive file lock and re-read the catalog, and an execution
is only ever driven by the process that holds its lock. Execution folders are created
exclusively, so an id is never given twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from tinydb import Query, TinyDB
from tinydb.middlewares import CachingMiddleware

import harmonia.store.journal as journal
from harmonia.errors import NotFound
from harmonia.events import Event
from harmonia.state import ExecutionState, TaskState
from harmonia.store.catalog import Catalog, CatalogDamaged, Data, Seen, Tables
from harmonia.store.damage import DamagedFile, cut_at_damage, keep_aside, relative_name
from harmonia.store.loading import load_state
from harmonia.store.locks import ExecutionLock, ExecutionLocked
from harmonia.store.snapshots import snapshot_of, snapshot_pieces, snapshot_rows
from harmonia.store.storage import (
    AtomicWrites,
    CrashSafeStorage,
    create_empty,
    probe_writes,
)

if TYPE_CHECKING:
    from harmonia.store.catalog_repair import CatalogOpened

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
"""What an execution id may look like: anything else names no execution (and no path)."""

ID_ATTEMPTS = 100
"""Fresh ids tried before giving up (one is almost always enough)."""

JournalLines = dict[Path, list[bytes]]

LATEST = "latest.json"


class Store:
    """Blocking access to one data folder. Create directories lazily: an invalid workflow run
    must leave no trace in the data folder."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.catalog = Catalog(self.data_dir)
        self._appender = journal.JournalAppender()

    # ---- paths -------------------------------------------------------------------------
    @property
    def catalog_path(self) -> Path:
        return self.catalog.path

    def execution_dir(self, execution_id: str) -> Path:
        if not SAFE_ID.fullmatch(execution_id):
            raise NotFound(f"no execution {execution_id!r}")
        return self.data_dir / "executions" / execution_id

    def journal_path(self, execution_id: str) -> Path:
        return self.execution_dir(execution_id) / "journal.jsonl"

    def state_path(self, execution_id: str) -> Path:
        return self.execution_dir(execution_id) / "state.json"

    def latest_path(self, execution_id: str) -> Path:
        return self.execution_dir(execution_id) / LATEST

    # ---- catalog -----------------------------------------------------------------------
    def open_catalog(self) -> CatalogOpened:
        """Migrate, repair and complete the catalog (see `harmonia.store.catalog_repair`)."""
        from harmonia.store.catalog_repair import open_catalog

        return open_catalog(self)

    @contextlib.contextmanager
    def update_catalog(self, group: AtomicWrites | None = None) -> Iterator[Tables]:
        """Change the catalog under its lock; a damaged one is kept aside and rebuilt first.
        With `group`: committed with it (see `Catalog.update`)."""
        from harmonia.store.catalog_repair import rebuild_catalog

        with self.catalog.update(repair=lambda: rebuild_catalog(self), group=group) as tables:
            yield tables

    def read_catalog(self) -> Tables:
        """The catalog's tables, as `catalog_seen`."""
        return Tables(self.catalog_seen()[1])

    def catalog_seen(self) -> tuple[Seen, Data]:
        """The catalog's tables (shared: do not change them) and the version they are of.
        A damaged catalog is kept aside and rebuilt first: it only summarises the execution
        folders and workflow files, which this reads instead."""
        try:
            return self.catalog.read_seen()
        except CatalogDamaged:
            with self.update_catalog():
                pass
            return self.catalog.read_seen()

    def put_summary(self, summary: dict[str, Any]) -> None:
        with self.update_catalog() as tables:
            tables.upsert("executions", summary)

    def put_summaries(
        self, summaries: list[dict[str, Any]], group: AtomicWrites | None = None
    ) -> None:
        """Several executions' rows in one catalog write (one rewrite, one fsync). With `group`
        (snapshots the rows describe), the catalog is replaced after them, durable with them."""
        with self.update_catalog(group) as tables:
            tables.upsert_many("executions", summaries)

    def list_summaries(self) -> list[dict[str, Any]]:
        """Every execution's catalog row, newest first, with `interrupted` marked."""
        rows = [dict(r) for r in self.read_catalog().rows("executions")]
        for row in rows:
            row["interrupted"] = row["status"] in ("running", "pending") and not self.is_locked(
                row["id"]
            )
        rows.sort(key=lambda r: (r.get("created_at") or 0, r["id"]), reverse=True)
        return rows

    def get_summary(self, execution_id: str) -> dict[str, Any]:
        row = self.read_catalog().get("executions", execution_id)
        if row is None:
            raise NotFound(f"no execution {execution_id!r}", where=self.data_dir)
        return dict(row)

    def resolve_execution_id(self, given: str) -> str:
        """Accept a full id or a unique prefix of one, as git does for commits."""
        ids = [r["id"] for r in self.list_summaries()]
        if given in ids:
            return given
        matches = [i for i in ids if i.startswith(given)]
        if len(matches) == 1:
            return str(matches[0])
        if not matches:
            raise NotFound(f"no execution {given!r}", where=self.data_dir)
        raise NotFound(f"execution id {given!r} is ambiguous: {', '.join(sorted(matches)[:5])}")

    # ---- execution snapshots -----------------------------------------------------------
    def new_execution(self, new_id: Callable[[], str]) -> tuple[str, ExecutionLock]:
        """Claim a fresh execution id: its folder is created exclusively (an id already taken,
        by this process or any other, is never reused: `new_id` is asked again) and locked at
        once, so no other process takes it for an interrupted execution while it is created."""
        root = self.data_dir / "executions"
        root.mkdir(parents=True, exist_ok=True)
        for _ in range(ID_ATTEMPTS):
            execution_id = new_id()
            folder = self.execution_dir(execution_id)
            try:
                os.mkdir(folder)
            except FileExistsError:
                continue
            # not fsynced here: the first snapshot's commit fsyncs `root` (`create_snapshot`),
            # once for every execution it creates
            lock = ExecutionLock(folder / "lock")
            try:
                lock.acquire()
            except BaseException:  # a full disk: leave no claimed folder behind
                with contextlib.suppress(OSError):
                    (folder / "lock").unlink()
                    folder.rmdir()
                raise
            return execution_id, lock
        raise RuntimeError(f"no free execution id in {root} after {ID_ATTEMPTS} attempts")

    def abandon_execution(self, execution_id: str, lock: ExecutionLock) -> None:
        """Undo `new_execution` for an execution that was never created (no snapshot)."""
        folder = self.execution_dir(execution_id)
        if not (folder / "state.json").exists():
            with contextlib.suppress(OSError):
                (folder / "lock").unlink()
                with contextlib.suppress(FileNotFoundError):
                    (folder / "journal.jsonl").unlink()  # empty: see `create_snapshot`
                folder.rmdir()
        lock.release()

    def create_execution(
        self, meta: dict[str, Any], tasks: dict[str, dict[str, Any]], summary: dict[str, Any]
    ) -> None:
        """Write the first snapshot and the catalog row, before any event is journaled."""
        self.create_snapshot(meta, tasks)
        self.put_summary(summary)

    def create_snapshot(
        self,
        meta: dict[str, Any],
        tasks: dict[str, dict[str, Any]],
        group: AtomicWrites | None = None,
    ) -> None:
        """A new execution's first snapshot (its catalog row is written apart, see
        `put_summaries`). Never over another execution's: the folder is new, or claimed.

        With `group`, it is durable once the group is committed (with the other executions'
        of the same writer commit), its folder's entry in `executions/` too. Its empty journal
        is created just after it, durable by the same folder fsync: the first append then
        need not fsync the folder again (one fsync fewer per execution started)."""
        folder = self.execution_dir(meta["id"])
        with contextlib.suppress(FileExistsError):
            folder.mkdir(parents=True)
        path = self.state_path(meta["id"])
        if path.exists() or (group is not None and path in group):
            raise FileExistsError(f"execution {meta['id']} exists already in {self.data_dir}")
        rows = {str(n): {"task_id": tid, **rec} for n, (tid, rec) in enumerate(tasks.items(), 1)}
        payload = orjson.dumps({"execution": {"1": meta}, "tasks": rows})
        writes = AtomicWrites() if group is None else group
        placed = partial(create_empty, self.journal_path(meta["id"]))
        writes.add(path, payload, folders=[folder.parent], placed=placed)
        if group is None:
            writes.commit()

    def write_snapshot(self, meta: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> None:
        """Replace the execution's snapshot (one atomic file write; checkpoints are kept)."""
        path = self.state_path(meta["id"])
        db = TinyDB(path, storage=_cached(CrashSafeStorage))
        try:
            db.table("execution").truncate()
            db.table("execution").insert(meta)
            table = db.table("tasks")
            table.truncate()
            table.insert_multiple({"task_id": tid, **rec} for tid, rec in tasks.items())
        finally:
            db.close()

    def write_latest(self, meta: dict[str, Any], rows: list[bytes], group: AtomicWrites) -> None:
        """The state (`snapshot_rows`) as `latest.json` once `group` is committed, neither it
        nor its rename fsynced: a cache of the snapshot and the journal, which loading checks
        against both and passes over where a power loss spoiled it (`harmonia.store.loading`).
        It is written whole, a 100,000-task state without a copy of its rows in memory. (Two
        of one execution in a group are renamed at once: the older may win, which only makes
        the next load replay a few more lines.)"""
        group.add(self.latest_path(meta["id"]), snapshot_pieces(meta, rows, b""), sync=False)

    def load_execution(self, execution_id: str, *, repair: bool = False) -> ExecutionState:
        """Recover an execution: its last snapshot plus every journaled event after it.

        Every journal line is checked, those the snapshot covers too (by checksum: they are not
        parsed), so a damaged execution shows as such however it is looked at. It still loads,
        with status `damaged` and `damage` saying what and where, as far as its readable part
        goes (see `harmonia.store.loading`). `repair` cuts a torn journal tail (never damage);
        only the process holding the execution's lock may ask for it, since it is about to
        append."""
        return load_state(self, execution_id, repair=repair)

    def keep_damaged(self, state: ExecutionState) -> None:
        """Set a damaged execution's files aside as evidence (byte-identical copies) and record
        its status and damage in the catalog, so that listings show it and nobody resumes it."""
        if state.damage is None:
            return
        files = []
        for raw in state.damage["files"]:
            item = DamagedFile.from_dict(raw)
            copy = keep_aside(self.data_dir / item.file)
            files.append(
                replace(item, kept_as=relative_name(self.data_dir, copy) if copy else None)
            )
        state.damage = {**state.damage, "files": [f.to_dict() for f in files]}
        self.put_summary(state.summary())

    def cut_at_damage(self, state: ExecutionState, now: float) -> Event:
        """Make a damaged execution's journal its readable part again (the damaged file is
        kept aside first): only for an operator's explicit resume, under the execution's
        lock. See `harmonia.store.damage.cut_at_damage`."""
        self._appender.close(self.journal_path(state.id))
        return cut_at_damage(state, self.data_dir, now)

    def read_events(
        self, execution_id: str, after_seq: int = 0, limit: int | None = None
    ) -> list[Event]:
        self.execution_dir(execution_id)
        return journal.read_events(self.journal_path(execution_id), after_seq, limit)

    # ---- checkpoints -------------------------------------------------------------------
    def add_checkpoint(self, record: dict[str, Any]) -> None:
        """Store a named snapshot in the execution's database and index it in the catalog."""
        execution_id = record["execution_id"]
        path = self.state_path(execution_id)
        db = TinyDB(path, storage=_cached(CrashSafeStorage))
        try:
            table = db.table("checkpoints")
            if record.get("kind") == "periodic":
                table.remove(Query().kind == "periodic")
            table.remove(Query().id == record["id"])  # one recorded before a crash, never announced
            table.insert(record)
        finally:
            db.close()
        with self.update_catalog() as tables:
            if record.get("kind") == "periodic":
                tables.remove(
                    "checkpoints",
                    lambda r: r.get("execution_id") == execution_id and r.get("kind") == "periodic",
                )
            index_fields = ("id", "execution_id", "name", "kind", "created_at", "seq")
            tables.upsert("checkpoints", {k: record[k] for k in index_fields})

    def list_checkpoints(self, execution_id: str | None = None) -> list[dict[str, Any]]:
        rows = [dict(r) for r in self.read_catalog().rows("checkpoints")]
        if execution_id is not None:
            rows = [r for r in rows if r["execution_id"] == execution_id]
        return sorted(rows, key=lambda r: r["created_at"])

    def load_checkpoint(self, checkpoint_id: str) -> dict[str, Any]:
        row = self.read_catalog().get("checkpoints", checkpoint_id)
        if row is None:
            raise NotFound(f"no checkpoint {checkpoint_id!r}", where=self.data_dir)
        state_db = TinyDB(
            self.state_path(row["execution_id"]), storage=CrashSafeStorage, create=False
        )
        record = state_db.table("checkpoints").get(Query().id == checkpoint_id)
        if record is None:
            raise NotFound(
                f"checkpoint {checkpoint_id!r} is indexed but missing from its execution"
            )
        return dict(record)

    # ---- journal appends (writer thread only) ------------------------------------------
    def journal_lines(self, events: list[Event]) -> JournalLines:
        """Serialise a batch, grouped by journal file (cheap, no I/O: call it anywhere)."""
        by_id: dict[str, list[bytes]] = {}
        for event in events:
            lines = by_id.get(event.execution_id)
            if lines is None:
                lines = by_id[event.execution_id] = []
            lines.append(event.to_journal_line())
        return {self.journal_path(eid): lines for eid, lines in by_id.items()}

    def journal_round(self, lines: JournalLines) -> journal.Round:
        """Lines as jobs for a commit's first round of fsyncs, and what takes their answers."""
        return self._appender.jobs(lines.items()), self._appender.settle

    def append_events(self, events: list[Event]) -> None:
        self._appender.append(self.journal_lines(events).items())

    def cut_back_journals(self) -> None:
        """Cut the journals a failed append touched back to what was durable (see
        `JournalAppender`); raises while the storage still refuses."""
        self._appender.cut_back()

    def probe_writes(self) -> None:
        """Raise what a durable write in the data folder would raise now; return if it works."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        probe_writes(self.data_dir)

    def close_journal(self, execution_id: str) -> None:
        self._appender.close(self.journal_path(execution_id))

    def close(self) -> None:
        self._appender.close_all()
        self.catalog.close()

    # ---- locks -------------------------------------------------------------------------
    def lock_execution(self, execution_id: str) -> ExecutionLock:
        """Lock an existing execution (NotFound otherwise: nothing is created for an id that
        names no execution)."""
        if not self.state_path(execution_id).is_file():
            raise NotFound(f"no execution {execution_id!r}", where=self.data_dir)
        lock = ExecutionLock(self.execution_dir(execution_id) / "lock")
        lock.take_over()
        return lock

    def is_locked(self, execution_id: str) -> bool:
        path = self.execution_dir(execution_id) / "lock"
        if not path.exists():
            return False
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops our probe lock too
        return False


def _cached(storage: type[CrashSafeStorage]) -> Any:
    """TinyDB's write cache: a snapshot's many table operations become one file write."""
    return CachingMiddleware(storage)  # type: ignore[no-untyped-call]


__all__ = ["ExecutionLock", "ExecutionLocked", "Store", "TaskState", "snapshot_of", "snapshot_rows"]
