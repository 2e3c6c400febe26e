"""Fix and continue: an operator completes a task by hand (with the output it should have had)
or skips it, and the run goes on below it as if the task had ended that way.

Each action is one journal event (`task_completed_by_operator`, `task_skipped_by_operator`)
that also says what it resets below the task, so replaying the journal rebuilds exactly what
the live engine did; like a retry, it is durable before the call returns, and it resumes a
failed or canceled execution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harmonia import jsonlimits
from harmonia.engine.fanout_ops import retry_scope
from harmonia.engine.operations import _go_on
from harmonia.errors import InvalidOperation, NotFound
from harmonia.events import EventType
from harmonia.protocol import FIXABLE_TASK_STATUSES, item_id, split_item_id
from harmonia.state import TASK_ACTIVE, TASK_DONE, ExecutionStatus

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine
    from harmonia.engine.runner import ExecutionRunner

__all__ = ["FIXABLE", "complete_task", "skip_task"]

FIXABLE = FIXABLE_TASK_STATUSES
"""The task statuses an operator may complete or skip (`harmonia.protocol`)."""

_ACTIONS = {
    EventType.TASK_COMPLETED_BY_OPERATOR: "complete",
    EventType.TASK_SKIPPED_BY_OPERATOR: "skip",
}
"""The operator action each event records (its `action`)."""


async def complete_task(
    engine: Engine, execution_id: str, task_id: str, output: Any, *, by: str
) -> list[str]:
    """`Engine.complete_task`: the task is `completed` with `output`; returns the tasks below
    it that are decided again. `output` must be JSON (ValueError otherwise; nothing recorded)."""
    problems = list(jsonlimits.find_big_integers(output))
    if problems:
        raise ValueError(f"output: {jsonlimits.big_integer_message(problems[0][1])}")
    data = {"output": output}
    return await _fix(engine, execution_id, task_id, EventType.TASK_COMPLETED_BY_OPERATOR, by, data)


async def skip_task(
    engine: Engine, execution_id: str, task_id: str, *, by: str, reason: str | None = None
) -> list[str]:
    """`Engine.skip_task`: the task is `skipped`; what is below it follows its rules for a
    skipped parent (a task without `when:` under the default rule is skipped too)."""
    data = {"reason": reason} if reason else {}
    return await _fix(engine, execution_id, task_id, EventType.TASK_SKIPPED_BY_OPERATOR, by, data)


async def _fix(
    engine: Engine,
    execution_id: str,
    task_id: str,
    kind: EventType,
    by: str,
    data: dict[str, Any],
) -> list[str]:
    engine.storage.check()
    live = engine.live
    runner = await live.attach(execution_id)
    try:
        reset, unexpanded, closed = _scope(runner, task_id, _ACTIONS[kind])
    except (NotFound, InvalidOperation):
        await live.release_if_idle(runner)
        raise
    state = runner.state
    event = {
        "action": _ACTIONS[kind],
        "by": by,
        **data,
        "reset": reset,
        **({"unexpanded": unexpanded} if unexpanded else {}),
        **({"closed": closed} if closed else {}),
    }
    try:
        engine.emit(state, kind, task_id, event)  # TypeError for an output that is not JSON
    except TypeError as exc:
        await live.release_if_idle(runner)
        raise ValueError(f"output is not JSON: {exc}") from None
    engine.approvals.disarm(execution_id, task_id)  # a gate's wait, ended by the fix
    if state.status == ExecutionStatus.PAUSED:
        engine.records.save_summary(state)
        runner.request_rebuild()  # stays paused; resume picks the new states up
    else:
        _go_on(engine, runner)
    await engine.writer.flush()  # an action answered is an action recorded
    if not runner.active:
        await live.release_if_idle(runner)
    return reset


def _scope(runner: ExecutionRunner, task_id: str, action: str) -> tuple[list[str], ...]:
    """What the action resets below the task, the lists it forgets, the items it closes; or
    why it does not apply (InvalidOperation, naming the status)."""
    state, plan = runner.state, runner.plan
    task = state.tasks.get(task_id)
    if task is None:
        raise NotFound(f"execution {state.id} has no task {task_id!r}")
    if split_item_id(task_id) is not None:
        raise InvalidOperation(
            f"cannot {action} {task_id!r}: it is an item of a for_each task; "
            f"{action} the task itself"
        )
    if state.status == ExecutionStatus.DAMAGED:
        raise InvalidOperation(f"execution {state.id} is damaged")
    if task.status not in FIXABLE:
        *most, last = sorted(FIXABLE)
        raise InvalidOperation(
            f"task {task_id!r} is {task.status}; only a {', '.join(most)} or {last} task can "
            f"be {'completed' if action == 'complete' else 'skipped'}"
        )
    if runner.active and runner.dispatched(task_id):
        raise InvalidOperation(f"task {task_id!r} is about to start; try again")
    reset, unexpanded = retry_scope(plan, state, task_id)
    below = [t for t in reset if t != task_id and split_item_id(t) is None]
    own_items = [item_id(task_id, i) for i in range(len(state.expansions.get(task_id, ())))]
    busy = [t for t in below if runner.active and state.tasks[t].status in TASK_ACTIVE]
    busy += [t for t in own_items if runner.active and state.tasks[t].status in TASK_ACTIVE]
    if busy:
        raise InvalidOperation(
            f"cannot {action} {task_id!r}: task(s) {', '.join(busy)} are running right now"
        )
    closed = [t for t in own_items if state.tasks[t].status not in TASK_DONE]
    return below, unexpanded, closed
