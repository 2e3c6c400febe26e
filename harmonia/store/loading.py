"""Recovering an execution from its files: the last snapshot plus the journal after it.

The last snapshot is `latest.json` where it is whole and ahead of `state.json`: written without
fsync when a run stops, it spares a replay of the journal but is only a cache of it, so one a
power loss left missing, empty or cut short is passed over (never damage), and so is one the
journal does not reach (it belongs to no run of this journal); `state.json`, fsynced, is then
the base, as it was before that run stopped.

When a file is damaged the execution still loads, as far as its readable part goes: a damaged
snapshot leaves the journal alone to rebuild from (without the workflow document, which only
the snapshot holds), a damaged journal leaves the events before the damage. Such a state has
status `damaged` and says which file is wrong, where and how (`ExecutionState.damage`); nothing
is cut, written or repaired on the way, so one bad execution never stops a daemon from starting
and never hides the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import harmonia.store.journal as journal
from harmonia.errors import NotFound
from harmonia.events import Event, EventType
from harmonia.state import ExecutionState, ExecutionStatus, TaskState, apply
from harmonia.store.damage import DamagedFile, SnapshotDamaged, read_snapshot, relative_name

if TYPE_CHECKING:
    from harmonia.store.store import Store

__all__ = ["load_state"]

Snapshot = tuple[dict[str, Any], dict[str, Any]]
"""A snapshot file's execution row and its task rows by task id (`read_snapshot`)."""

_APPLY_ERRORS = (KeyError, TypeError, ValueError, AttributeError, AssertionError)


def load_state(store: Store, execution_id: str, *, repair: bool = False) -> ExecutionState:
    """See `Store.load_execution`."""
    state_path = store.state_path(execution_id)
    journal_path = store.journal_path(execution_id)
    problems: list[DamagedFile] = []
    snapshot: Snapshot | None = None
    try:
        snapshot = read_snapshot(state_path, execution_id)
    except FileNotFoundError:
        if not journal_path.exists():
            raise NotFound(f"no execution {execution_id!r}", where=store.data_dir) from None
        problems.append(
            DamagedFile(relative_name(store.data_dir, state_path), "missing beside its journal")
        )
    except SnapshotDamaged as exc:
        problems.append(
            DamagedFile(relative_name(store.data_dir, state_path), exc.reason, exc.offset, exc.line)
        )
    base = snapshot
    if snapshot is not None:
        base = _latest(store, execution_id, snapshot[0].get("last_seq", 0)) or snapshot
    state = _from_snapshot(base) if base is not None else None
    scan = journal.load(
        journal_path,
        after_seq=state.last_seq if state is not None else 0,
        execution_id=execution_id,
        repair=repair and snapshot is not None,
    )
    if (
        snapshot is not None
        and state is not None
        and base is not snapshot
        and scan.damage is None
        and scan.last_seq < state.last_seq
    ):  # a whole journal that stops before the cache: not its run's
        base, state = snapshot, _from_snapshot(snapshot)
        scan = journal.load(journal_path, after_seq=state.last_seq, execution_id=execution_id)
    raws = scan.raws
    if state is None:
        state = _from_journal(execution_id, scan.events)
    misfit = _apply_all(state, raws)
    journal_name = relative_name(store.data_dir, journal_path)
    if misfit is not None:
        index, reason = misfit
        # start again without the misfit: a failed `apply` may have changed part of the state
        fresh = _from_snapshot(base) if base is not None else None
        state = fresh or _from_journal(execution_id, [])
        _apply_all(state, raws[:index])
        offset, line = journal.locate(journal_path, raws[index]["seq"])
        problems.append(DamagedFile(journal_name, reason, offset, line))
    elif scan.damage is not None:
        damage = scan.damage
        problems.append(DamagedFile(journal_name, damage.reason, damage.offset, damage.line))
    if problems:
        state.damage = {
            "status": str(state.status),
            "files": [p.kept(store.data_dir).to_dict() for p in problems],
        }
        state.status = ExecutionStatus.DAMAGED
        state.counted = None
    return state


def _latest(store: Store, execution_id: str, floor: int) -> Snapshot | None:
    """`latest.json` if it reads whole and is ahead of seq `floor` (the snapshot's), else None
    (see the module docstring)."""
    try:
        latest = read_snapshot(store.latest_path(execution_id), execution_id)
    except (FileNotFoundError, SnapshotDamaged):
        return None
    last_seq = latest[0].get("last_seq")
    return latest if isinstance(last_seq, int) and last_seq > floor else None


def _from_snapshot(snapshot: Snapshot) -> ExecutionState:
    meta, tasks = snapshot
    state = ExecutionState.from_records(meta, tasks)
    rows = state.tasks
    for tid in state.workflow.get("tasks", {}):
        # the first snapshot holds no task rows: every task starts out pending (not
        # `setdefault`, which built a state for every task that has a row, to drop it)
        if tid not in rows:
            rows[tid] = TaskState()
    return state


def _from_journal(execution_id: str, events: Sequence[Event]) -> ExecutionState:
    """What the journal alone says, when the snapshot is unusable: the workflow's name and the
    execution's input (from `workflow_started`), and every task an event names. The workflow
    document itself lived only in the snapshot."""
    started = next((e for e in events if e.type == EventType.WORKFLOW_STARTED), None)
    data = started.data if started is not None else {}
    given = data.get("input")
    state = ExecutionState(
        id=execution_id,
        workflow={"name": str(data.get("workflow") or ""), "tasks": {}},
        input=given if isinstance(given, dict) else {},
        created_at=events[0].timestamp if events else 0.0,
        restored_from=data.get("restored_from"),
        parent=data.get("parent") if isinstance(data.get("parent"), dict) else None,
    )
    if data.get("version"):
        state.workflow["version"] = data["version"]
    for event in events:
        named: list[Any] = [event.task_id]
        for key in ("interrupted", "reset"):
            listed = event.data.get(key)
            if isinstance(listed, list):
                named.extend(listed)
        for tid in named:
            if isinstance(tid, str):
                state.tasks.setdefault(tid, TaskState())
    return state


def _apply_all(state: ExecutionState, raws: Sequence[dict[str, Any]]) -> tuple[int, str] | None:
    """Fold the parsed journal lines in; the index of the first one that does not fit, and why.

    One `Event` is refilled for each line rather than one built per line and dropped (a
    10,000-task resume folds ~10,000): `apply` keeps values of an event, never the event."""
    tasks = state.tasks
    event = Event(0, "", state.id, None, 0.0, {})
    for index, raw in enumerate(raws):
        get = raw.get
        event.seq = raw["seq"]
        event.type = raw["type"]
        event.execution_id = raw["execution_id"]
        event.task_id = task_id = get("task_id")
        event.timestamp = raw["ts"]
        event.data = get("data") or {}
        if task_id is not None and task_id not in tasks:
            return index, f"event {event.seq} ({event.type}) names task {task_id!r}, " + (
                "which the execution does not have"
            )
        try:
            apply(state, event)
        except _APPLY_ERRORS as exc:
            detail = f"{type(exc).__name__}: {exc}"
            return index, f"event {event.seq} ({event.type}) does not fit the execution ({detail})"
    return None
