"""What an operator retry of a task would reset, decided in one place.

The preview (`GET .../retry-plan`, `harmonia retry --dry-run`, the dashboard's confirm) and the
retry itself (`operations.retry_task`) both call `plan_retry`, so what an operator is shown is
exactly what runs again, refusal included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from harmonia.engine.fanout_ops import retry_scope
from harmonia.errors import NotFound
from harmonia.events import EventType
from harmonia.state import TASK_ACTIVE, ExecutionState, TaskStatus

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine
    from harmonia.engine.plan import ExecutionPlan

__all__ = ["RetryPlan", "last_rendered_input", "plan_retry", "preview_retry"]


@dataclass(frozen=True)
class RetryPlan:
    """The tasks a retry of `task_id` resets (the task first, then what is below it), the
    `for_each` tasks whose list it forgets, and why it would be refused (None: it would run)."""

    task_id: str
    status: str
    reset: list[str]
    unexpanded: list[str] = field(default_factory=list)
    refusal: str | None = None
    input: Any = None
    """The task's input as its last attempt rendered it (None if it never started)."""

    def to_public(self, execution_id: str) -> dict[str, Any]:
        return {
            "execution_id": execution_id,
            "task_id": self.task_id,
            "status": self.status,
            "reset": list(self.reset),
            "unexpanded": list(self.unexpanded),
            "allowed": self.refusal is None,
            "refusal": self.refusal,
            "input": self.input,
        }


def plan_retry(
    plan: ExecutionPlan, state: ExecutionState, task_id: str, *, active: bool
) -> RetryPlan:
    """The retry of `task_id` as it would happen now; `active`: the execution's runner is up
    (its running tasks are really running, not left over from a crash)."""
    if task_id not in state.tasks:
        raise NotFound(f"execution {state.id} has no task {task_id!r}")
    reset, unexpanded = retry_scope(plan, state, task_id)
    status = str(state.tasks[task_id].status)
    refusal: str | None = None
    busy = [t for t in reset if active and state.tasks[t].status in TASK_ACTIVE]
    if busy:
        refusal = f"cannot retry {task_id!r}: task(s) {', '.join(busy)} are running right now"
    elif status == TaskStatus.PENDING and active:
        refusal = f"task {task_id!r} has not run yet; nothing to retry"
    return RetryPlan(task_id, status, reset, unexpanded, refusal)


async def preview_retry(engine: Engine, execution_id: str, task_id: str) -> RetryPlan:
    """`Engine.retry_plan`: the plan of a retry, with the input to prefill an editor with.
    Changes nothing (an execution loaded for it is let go again)."""
    live = engine.live
    runner = await live.attach(execution_id)
    try:
        planned = plan_retry(runner.plan, runner.state, task_id, active=runner.active)
    finally:
        await live.release_if_idle(runner)
    rendered = await last_rendered_input(engine, execution_id, task_id)
    return RetryPlan(
        planned.task_id,
        planned.status,
        planned.reset,
        planned.unexpanded,
        planned.refusal,
        rendered,
    )


async def last_rendered_input(engine: Engine, execution_id: str, task_id: str) -> Any:
    """The `input` of the task's last `task_started` event (as the journal shows it: values
    from `${env.*}` stay references), or None. Read from the journal: states keep no inputs."""
    events = await anyio.to_thread.run_sync(engine.store.read_events, execution_id, 0, None)
    for event in reversed(events):
        if event.type == EventType.TASK_STARTED and event.task_id == task_id:
            return event.data.get("input")
    return None
