"""The judgements a run makes over an execution's state: does a ready task run, how did the run end.

Apart from the scheduler (`harmonia.engine.runner`), so that what gets decided, and the event
that records each decision, read in one place.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from harmonia.engine.approvals import waits_for_approval
from harmonia.engine.crashloop import record_shutdown
from harmonia.engine.outputs import OutputUnavailable
from harmonia.errors import ErrorKind
from harmonia.events import EventType
from harmonia.expressions import ExpressionError, ExpressionTypeError, ReferenceMissing
from harmonia.state import TASK_DONE, ExecutionState, TaskStatus

if TYPE_CHECKING:
    from harmonia.engine.host import EventRecorder
    from harmonia.engine.plan import TaskPlan

__all__ = ["Verdict", "decide", "record_outcome"]


_SKIPPED = TaskStatus.SKIPPED
"""A module constant: an enum member's lookup on its class costs more than the comparison."""


class Verdict(enum.Enum):
    RUN = "run"
    SKIPPED = "skipped"
    FAILED = "failed"


def decide(
    host: EventRecorder,
    state: ExecutionState,
    tid: str,
    plan: TaskPlan,
    context: Mapping[str, Any],
    *,
    ruled: bool = False,
) -> Verdict:
    """Evaluate a ready task's `when`; without one, a task below a skipped task is skipped too.

    `ruled`: the task's trigger rule (not all_success) already said it runs, skipped parents
    included (`harmonia.engine.joins`); only its `when` is left. A condition that cannot be
    evaluated fails the task, without retries: retrying cannot change the values it reads."""
    tasks = state.tasks
    condition = plan.condition  # read once: every ready task passes here
    if condition is None:
        if ruled:
            return Verdict.RUN
        for dep in plan.depends_on:
            if tasks[dep].status == _SKIPPED:
                host.emit(
                    state,
                    EventType.TASK_SKIPPED,
                    tid,
                    {"reason": f"upstream task '{dep}' was skipped"},
                )
                return Verdict.SKIPPED
        return Verdict.RUN
    try:
        go = condition.evaluate(context)
    except (ReferenceMissing, ExpressionTypeError, ExpressionError) as exc:
        kind = ErrorKind.REFERENCE if isinstance(exc, ReferenceMissing) else ErrorKind.EXPRESSION
        host.emit(
            state,
            EventType.TASK_FAILED,
            tid,
            {
                "attempt": tasks[tid].attempts,
                "error": {"message": f"when: {exc}", "kind": str(kind)},
                "duration": 0.0,
            },
        )
        return Verdict.FAILED  # downstream stays blocked
    if go:
        return Verdict.RUN
    host.emit(
        state,
        EventType.TASK_SKIPPED,
        tid,
        {"reason": f"condition is false: {condition.text}"},
    )
    return Verdict.SKIPPED


def record_outcome(
    host: EventRecorder,
    state: ExecutionState,
    *,
    interrupted: bool,
    paused: bool,
    cancel_reason: str | None,
    output: Callable[[], Any] | None = None,
) -> None:
    """Emit the end of a run that has nothing left to start, unless it is only paused or
    interrupted (then the execution goes on later). `output` renders the workflow's declared
    outputs, recorded with its completion; one that cannot be rendered fails the execution."""
    if interrupted:
        # a clean stop, on record while the lock is still held: not a crash (crash loops)
        record_shutdown(host, state)
        return
    if paused and cancel_reason is None:
        return
    if cancel_reason is not None:
        host.emit(state, EventType.WORKFLOW_CANCELED, None, {"reason": cancel_reason})
        return
    if waits_for_approval(state):
        return  # still running: a decision on its gate goes on (`harmonia.engine.approvals`)
    failed = [t for t, s in state.tasks.items() if s.status == TaskStatus.FAILED]
    if not failed and all(s.status in TASK_DONE for s in state.tasks.values()):
        duration = host.clock() - (state.started_at or host.clock())
        data: dict[str, Any] = {"duration": round(duration, 6)}
        try:
            if output is not None:
                data["output"] = output()
            host.emit(state, EventType.WORKFLOW_COMPLETED, None, data)
        except (OutputUnavailable, TypeError) as exc:
            error = f"output: {exc}"
            host.emit(
                state,
                EventType.WORKFLOW_FAILED,
                None,
                {"error": error, "failed": [], "blocked": []},
            )
        return
    blocked = [t for t, s in state.tasks.items() if s.status == TaskStatus.PENDING]
    message = (
        f"{len(failed)} task(s) failed: {', '.join(failed[:10])}"
        + ("..." if len(failed) > 10 else "")
        if failed
        else "no task can run"
    )
    host.emit(
        state,
        EventType.WORKFLOW_FAILED,
        None,
        {"error": message, "failed": failed, "blocked": blocked[:100]},
    )
