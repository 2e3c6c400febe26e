"""Checkpoints: named snapshots an operator restores from, and periodic ones that keep replay short.

A checkpoint writes the snapshot too, so recovery replays only the journal after it; each one
records an event, so its id (execution id and seq) is never given twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio

from harmonia.errors import StorageUnavailable
from harmonia.events import EventType
from harmonia.state import ExecutionState
from harmonia.store.snapshots import snapshot_of

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine
    from harmonia.engine.runner import ExecutionRunner

__all__ = ["take_checkpoint", "take_periodic_checkpoints"]


async def take_checkpoint(
    engine: Engine, state: ExecutionState, *, name: str | None, kind: str
) -> dict[str, Any]:
    """Snapshot `state` as checkpoint `kind` ("manual", "periodic"); returns its record without
    the snapshot, once it and its `checkpoint_created` event are durable."""
    meta, tasks = snapshot_of(state)
    # unique as the execution id is, and no two checkpoints of one execution share a seq
    # (each records an event); one recorded at this seq before a crash was never announced
    checkpoint_id = f"ckpt-{state.id}-{state.last_seq}"
    record = {
        "id": checkpoint_id,
        "execution_id": state.id,
        "name": name or f"{kind} at seq {state.last_seq}",
        "kind": kind,
        "created_at": engine.clock(),
        "seq": state.last_seq,
        "meta": meta,
        "tasks": tasks,
    }
    store = engine.store
    engine.writer.submit_op(lambda: store.write_snapshot(meta, tasks))
    engine.writer.submit_op(lambda: store.add_checkpoint(record))
    engine.records.save_summary(state)
    engine.emit(
        state,
        EventType.CHECKPOINT_CREATED,
        None,
        {"checkpoint_id": checkpoint_id, "name": record["name"], "kind": kind},
    )
    await engine.writer.flush()
    return {k: v for k, v in record.items() if k not in ("meta", "tasks")}


async def take_periodic_checkpoints(
    engine: Engine, runner: ExecutionRunner, interval: float
) -> None:
    """Every `interval` seconds while the run goes on, a checkpoint if anything happened."""
    written = runner.state.last_seq
    while True:
        await anyio.sleep(interval)
        # once the run's task group is gone the outcome is being recorded: a checkpoint
        # now would land after the execution's terminal event
        if runner.is_running and runner.state.last_seq != written:
            try:
                record = await take_checkpoint(engine, runner.state, name=None, kind="periodic")
            except StorageUnavailable:
                return  # the runner is being stopped
            # its own checkpoint_created event (the next seq) is no news
            written = record["seq"] + 1
