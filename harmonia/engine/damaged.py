"""Damaged executions in the engine: never run, set aside, found at start, resumed only on request.

One unreadable file must cost one execution, not the daemon: every operator action refuses a
damaged execution (`ExecutionDamaged`, 409), so recovery skips it and the rest goes on; its
files are copied aside once, `sweep` finds the ones nothing touched, and only an explicit
resume `from_damaged` continues one, from the readable part of its journal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import anyio

from harmonia.errors import ExecutionDamaged, InvalidOperation, NotFound
from harmonia.state import ExecutionState, ExecutionStatus
from harmonia.store.damage import DamagedFile, check_workflow, relative_name
from harmonia.store.storage import CorruptDatabase

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine
    from harmonia.model import Workflow

__all__ = ["damage_lines", "refuse", "sweep", "usable_workflow"]

logger = logging.getLogger("harmonia.engine")


async def usable_workflow(
    engine: Engine, state: ExecutionState, *, from_damaged: bool = False
) -> Workflow:
    """The workflow of an execution just loaded to run (under its lock), once it is known to
    be usable. A damaged one is set aside and refused (`ExecutionDamaged`), unless the operator
    asked to resume it `from_damaged`: then its journal is cut back to its readable part (the
    damaged file kept aside first) and it goes on from there."""
    workflow = _check_workflow(engine, state)
    if state.damage is None:
        if from_damaged:
            raise InvalidOperation(f"execution {state.id} is not damaged; resume it as usual")
        assert workflow is not None
        return workflow
    error = await refuse(engine, state)
    if not from_damaged:
        raise error
    store = engine.store
    now = engine.clock()
    # raises InvalidOperation when the snapshot is damaged: nothing to resume from
    await anyio.to_thread.run_sync(lambda: store.cut_at_damage(state, now))
    assert workflow is not None
    return workflow


async def refuse(engine: Engine, state: ExecutionState) -> ExecutionDamaged:
    """Set a damaged execution's files aside and record its status, then the error to raise.

    Not through the writer: nothing of this execution is queued there, and a failure here (a
    full disk, an unreadable catalog) must not stop the writer of every other execution. The
    damaged files are safe anyway: nothing writes them."""
    assert state.damage is not None
    try:
        await anyio.to_thread.run_sync(engine.store.keep_damaged, state)
    except (OSError, CorruptDatabase) as exc:
        logger.error("execution %s is damaged; setting its files aside failed: %s", state.id, exc)
    return ExecutionDamaged(state.id, state.damage)


def _check_workflow(engine: Engine, state: ExecutionState) -> Workflow | None:
    """The snapshot's workflow document as a model; None without a usable snapshot. A
    document that is not a valid workflow any more damages the snapshot."""
    store = engine.store
    name = relative_name(store.data_dir, store.state_path(state.id))
    damage = state.damage or {"status": str(state.status), "files": []}
    if any(f["file"] == name for f in damage["files"]):
        return None
    workflow, problem = check_workflow(state.workflow)
    if problem is not None:
        item = DamagedFile(name, problem)
        state.damage = {**damage, "files": [item.to_dict(), *damage["files"]]}
        state.status = ExecutionStatus.DAMAGED
    return workflow


async def sweep(engine: Engine) -> tuple[int, list[ExecutionState]]:
    """Check every stored execution this engine does not drive, one at a time in a worker
    thread; record newly damaged ones (and ones repaired by hand since) in the catalog.
    Returns how many were checked and the damaged ones."""
    store = engine.store
    rows = await anyio.to_thread.run_sync(store.list_summaries)
    damaged: list[ExecutionState] = []
    checked = 0
    for row in rows:
        execution_id = str(row["id"])
        if engine.is_live(execution_id):
            continue
        state = await anyio.to_thread.run_sync(_load_if_idle, engine, execution_id)
        if state is None:
            continue
        checked += 1
        if state.damage is not None:
            damaged.append(state)
            if row.get("status") != ExecutionStatus.DAMAGED or row.get("damage") != state.damage:
                await refuse(engine, state)
        elif row.get("status") == ExecutionStatus.DAMAGED:
            # its files were mended by hand: the row follows them again
            await anyio.to_thread.run_sync(store.put_summary, state.summary())
    return checked, damaged


def _load_if_idle(engine: Engine, execution_id: str) -> ExecutionState | None:
    store = engine.store
    if engine.is_live(execution_id) or store.is_locked(execution_id):
        return None  # being driven (here or by another process): not at rest, not ours
    try:
        return store.load_execution(execution_id)
    except NotFound:
        return None
    except OSError as exc:  # unreadable (permissions, I/O): not damage we can tell; go on
        logger.error("could not check execution %s: %s", execution_id, exc)
        return None


def damage_lines(state: ExecutionState) -> list[str]:
    """One line per damaged file: `FILE: line L, byte B: REASON (kept as COPY)`."""
    damage: dict[str, Any] = state.damage or {}
    lines = []
    for raw in damage.get("files") or []:
        item = DamagedFile.from_dict(raw)
        kept = f" (kept as {item.kept_as})" if item.kept_as else ""
        lines.append(f"{item}{kept}")
    return lines
