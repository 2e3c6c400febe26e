"""Operator actions on one execution: resume, retry a task, pause, cancel, checkpoint.

Each checks the storage first and records its event before it changes what runs, and each is
durable when it returns: a crash right after an answer never loses the action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harmonia.engine.approvals import at_rest_at_a_gate
from harmonia.engine.checkpoints import take_checkpoint
from harmonia.engine.children import pause_children, resume_children
from harmonia.engine.retry_plan import plan_retry
from harmonia.errors import InvalidOperation, NotFound
from harmonia.events import EventType
from harmonia.state import (
    EXECUTION_FINISHED,
    TASK_ACTIVE,
    ExecutionState,
    ExecutionStatus,
    TaskStatus,
)

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine
    from harmonia.engine.runner import ExecutionRunner

__all__ = ["cancel", "checkpoint", "pause", "resume", "retry_task"]


async def resume(
    engine: Engine, execution_id: str, *, reason: str, from_damaged: bool
) -> ExecutionState:
    """`Engine.resume`: interrupted tasks run again, failed and canceled ones get fresh
    attempts; a recovery (`reason` "recovered" or "storage_recovered") resets nothing."""
    engine.storage.check()
    live = engine.live
    runner = await live.attach(execution_id, from_damaged=from_damaged)
    if from_damaged:
        reason = "from_damaged"
    state = runner.state
    if state.status == ExecutionStatus.COMPLETED:
        await live.release_if_idle(runner)
        if from_damaged:
            return state  # its readable part had completed: readable again, nothing to run
        raise InvalidOperation(f"execution {execution_id} already completed; nothing to resume")
    interrupted = (
        [] if runner.active else [t for t, s in state.tasks.items() if s.status in TASK_ACTIVE]
    )
    reset = [t for t, s in state.tasks.items() if s.status in _FRESH_ATTEMPTS]
    live_running = runner.active and state.status == ExecutionStatus.RUNNING
    if live_running and not reset:
        raise InvalidOperation(f"execution {execution_id} is running; nothing to resume")
    if reason in ("recovered", "storage_recovered"):
        reset = []
    loops = engine.crash_loops.find(state, interrupted)
    # An execution its process left running has a catalog row that says so already: its row
    # is queued after the commit below, and written while the runner builds its schedule
    # (with the events it was one more round of fsyncs before any task could start: the
    # catalog is written once the lines are durable). A crash before it leaves that row,
    # still found interrupted. A paused, failed or canceled one's row changes status: written
    # with the events, so a crash right after its resume still finds it interrupted.
    row_first = state.status != ExecutionStatus.RUNNING
    engine.emit(
        state,
        EventType.WORKFLOW_RESUMED,
        None,
        {"reason": reason, "reset": reset, "interrupted": interrupted},
    )
    engine.crash_loops.fail(engine, state, loops)
    if row_first:
        engine.records.save_summary(state)
    # Commit now, while the loop is idle: once the workers run, the writer's thread gets
    # the GIL only when they pause (see `DurableWriter.make_room`), and the first new
    # task_started would queue behind this commit.
    await engine.writer.flush()
    _go_on(engine, runner, summary_saved=row_first)
    if reason not in ("recovered", "storage_recovered"):
        await resume_children(engine, state)
    return state


_FRESH_ATTEMPTS = frozenset({TaskStatus.FAILED, TaskStatus.CANCELED})
"""The statuses `resume` resets (a set: a tuple of enum members compared each task's
status by equality, ~2 ms of a 10,000-task resume before its first task)."""


def _go_on(engine: Engine, runner: ExecutionRunner, *, summary_saved: bool = False) -> None:
    """Let the runner pick up what the action reset: at once if it runs, else in a new run."""
    if not summary_saved:
        engine.records.save_summary(runner.state)
    runner.request_resume()
    if not runner.is_running and not runner.active:
        engine.live.spawn(runner)


async def retry_task(
    engine: Engine,
    execution_id: str,
    task_id: str,
    *,
    input: dict[str, Any] | None = None,
    by: str | None = None,
) -> list[str]:
    """`Engine.retry_task`: the task and everything downstream of it run again, as
    `plan_retry` (the preview's function) decides; `input` is merged over the task's rendered
    input for its next attempts (`harmonia.engine.fixes.merge_override`)."""
    engine.storage.check()
    live = engine.live
    runner = await live.attach(execution_id)
    state = runner.state
    try:
        planned = plan_retry(runner.plan, state, task_id, active=runner.active)
    except NotFound:
        await live.release_if_idle(runner)
        raise
    if planned.refusal is not None:
        await live.release_if_idle(runner)
        raise InvalidOperation(planned.refusal)
    reset, unexpanded = planned.reset, planned.unexpanded
    interrupted = (
        []
        if runner.active
        else [t for t, s in state.tasks.items() if s.status in TASK_ACTIVE and t not in reset]
    )
    loops = engine.crash_loops.find(state, interrupted)
    engine.emit(
        state,
        EventType.WORKFLOW_RESUMED,
        task_id,
        {
            "reason": "retry",
            "task_id": task_id,
            "reset": reset,
            "interrupted": interrupted,
            **({"unexpanded": unexpanded} if unexpanded else {}),
            **({"by": by} if by is not None else {}),
            **({"input": input} if input is not None else {}),
        },
    )
    engine.crash_loops.fail(engine, state, loops)
    _go_on(engine, runner)
    await engine.writer.flush()  # a retry answered is a retry recorded
    return reset


async def pause(engine: Engine, execution_id: str) -> ExecutionState:
    """`Engine.pause`: only an execution running here can pause."""
    engine.storage.check()
    runner = engine.live.get(execution_id)
    at_gate = runner is not None and at_rest_at_a_gate(runner)  # nothing runs: pause it here
    if (
        runner is None
        or not (runner.active or at_gate)
        or runner.state.status != ExecutionStatus.RUNNING
    ):
        status = runner.state.status if runner else await engine.records.status(execution_id)
        raise InvalidOperation(
            f"execution {execution_id} is {status}; only a running one can pause"
        )
    engine.emit(runner.state, EventType.WORKFLOW_PAUSED, None, {"reason": "operator"})
    runner.request_pause()
    if at_gate:  # no run will conclude and record it
        engine.records.save_summary(runner.state)
    await engine.writer.flush()  # a pause answered is a pause recorded
    await pause_children(engine, runner.state)
    return runner.state


async def cancel(engine: Engine, execution_id: str, *, reason: str) -> ExecutionState:
    """`Engine.cancel`: a running execution's runner records the end itself; one at rest is
    ended here."""
    engine.storage.check()
    runner = await engine.live.attach(execution_id)
    state = runner.state
    if state.status in EXECUTION_FINISHED:
        await engine.live.release_if_idle(runner)
        raise InvalidOperation(f"execution {execution_id} already {state.status}")
    if runner.active:
        # running, or spawned and about to run: the runner records the end itself
        runner.request_cancel(reason)
        await engine.wait(execution_id)
        await engine.writer.flush(upto=runner.outcome_position)  # raises if it was not recorded
    if state.status not in EXECUTION_FINISHED:
        # at rest (paused, or loaded from disk): nothing runs, record the end here
        engine.emit(state, EventType.WORKFLOW_CANCELED, None, {"reason": reason})
        await engine.live.release_if_idle(runner)
    return state


async def checkpoint(engine: Engine, execution_id: str, name: str | None) -> dict[str, Any]:
    """`Engine.checkpoint`: a manual checkpoint of the execution as it is now."""
    engine.storage.check()
    runner = await engine.live.attach(execution_id)
    try:
        return await take_checkpoint(engine, runner.state, name=name, kind="manual")
    finally:
        await engine.live.release_if_idle(runner)
