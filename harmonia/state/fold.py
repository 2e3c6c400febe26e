"""Execution state as the fold of its events.

The engine applies each event to the in-memory state the moment it emits it, and recovery
applies the journal to the last snapshot; both go through `apply`, so what a crashed process
rebuilds is exactly what the live one had. Keep `apply` free of I/O and of clocks.
"""

from __future__ import annotations

from collections.abc import Callable

from harmonia.events import Event, EventType
from harmonia.protocol import item_id, split_item_id
from harmonia.state.model import (
    EXECUTION_FINISHED,
    PLAIN_STATUS,
    TASK_ACTIVE,
    ExecutionState,
    ExecutionStatus,
    TaskState,
    TaskStatus,
)

__all__ = ["apply", "drop_expansion"]


def apply(state: ExecutionState, event: Event) -> None:
    """Fold one event into the state. Events at or below `last_seq` are ignored (replay-safe)."""
    if event.seq <= state.last_seq:
        return
    state.last_seq = event.seq
    handler = _HANDLERS.get(event.type)
    if handler is None:
        return
    counted = state.counted
    if counted is None:
        handler(state, event)
    elif event.type in _MANY_TASKS:  # adds tasks or changes several: recount when next asked
        handler(state, event)
        state.counted = None
    elif event.task_id is not None:  # one task's event changes that task's status only
        # statuses are `str`s (plain or `TaskStatus`): keys of `counted` as they are, without
        # the enum's slow `str()`
        task = state.tasks[event.task_id]
        before = task.status
        handler(state, event)
        after = task.status
        if after != before:
            counted[before] -= 1
            counted[after] += 1
    else:  # cancel and resume change many tasks at once (rare): recount when next asked
        handler(state, event)
        state.counted = None


def _task(state: ExecutionState, event: Event) -> TaskState:
    assert event.task_id is not None, f"{event.type} without task_id"
    return state.tasks[event.task_id]


def _on_workflow_started(state: ExecutionState, event: Event) -> None:
    state.status = ExecutionStatus.RUNNING
    if state.started_at is None:
        state.started_at = event.timestamp
    if "trigger" in event.data:
        state.trigger = event.data["trigger"]


def _on_task_started(state: ExecutionState, event: Event) -> None:
    task = _task(state, event)
    tid = event.task_id
    if tid is not None and tid[-1] == "]" and (split := split_item_id(tid)) is not None:
        _item_started(state, split[0], event.timestamp)
    task.status = TaskStatus.RUNNING
    task.attempts = int(event.data["attempt"])
    task.error = None
    task.started_at = event.timestamp
    task.finished_at = None
    task.history.append({"attempt": task.attempts, "started_at": event.timestamp})


def _item_started(state: ExecutionState, parent_id: str, timestamp: float) -> None:
    """A `for_each` task is running while any of its items runs (a resume or a retry may
    have set it back to pending, with its list kept: then it starts again now)."""
    parent = state.tasks.get(parent_id)
    if parent is not None and parent.status != TaskStatus.RUNNING:
        parent.status = TaskStatus.RUNNING
        parent.started_at, parent.finished_at = timestamp, None
        state.counted = None


def _on_task_expanded(state: ExecutionState, event: Event) -> None:
    """The list is evaluated: one pending task per item, the task itself running (an empty
    list is recorded and followed by the task's completion with `[]`)."""
    tid = event.task_id
    assert tid is not None, "task_expanded without task_id"
    items = list(event.data.get("items") or [])
    state.expansions[tid] = items
    for index in range(len(items)):
        state.tasks[item_id(tid, index)] = TaskState()
    task = state.tasks[tid]
    task.status = TaskStatus.RUNNING
    task.error = None
    task.started_at = event.timestamp
    task.finished_at = None


def drop_expansion(state: ExecutionState, tid: str) -> None:
    """Forget a `for_each` task's list and its items: it is evaluated again (its upstream
    runs again after an operator retry)."""
    items = state.expansions.pop(tid, None)
    for index in range(len(items or ())):
        state.tasks.pop(item_id(tid, index), None)


def _close_attempt(task: TaskState, event: Event, status: str) -> None:
    if task.history and "finished_at" not in task.history[-1]:
        task.history[-1]["finished_at"] = event.timestamp
        # a plain str, not the enum member: a dict of plain numbers and strings is not tracked
        # by the cyclic garbage collector, and an execution keeps one per attempt
        task.history[-1]["status"] = PLAIN_STATUS.get(status, status)
        if "error" in event.data:
            task.history[-1]["error"] = event.data["error"]


def _on_task_completed(state: ExecutionState, event: Event) -> None:
    task = _task(state, event)
    task.status = TaskStatus.COMPLETED
    task.output = event.data.get("output")
    task.error = None
    task.finished_at = event.timestamp
    _close_attempt(task, event, TaskStatus.COMPLETED)


def _on_retry_attempted(state: ExecutionState, event: Event) -> None:
    task = _task(state, event)
    task.status = TaskStatus.RETRYING
    task.error = event.data.get("error")
    if event.data.get("shutdown"):
        # the engine stopped cleanly mid-attempt (`harmonia.engine.crashloop.record_shutdown`):
        # the attempt is lost, as in a crash, but it is not the task's fault nor a crash
        task.budget_base += 1
        _close_attempt(task, event, "stopped")
    else:
        _close_attempt(task, event, TaskStatus.FAILED)


def _on_task_failed(state: ExecutionState, event: Event) -> None:
    task = _task(state, event)
    task.status = TaskStatus.FAILED
    task.error = event.data.get("error")
    task.finished_at = event.timestamp
    _close_attempt(task, event, TaskStatus.FAILED)


def _on_task_skipped(state: ExecutionState, event: Event) -> None:
    """A skip is decided for a pending task and takes no time; a start kept from a run before
    a retry reset the task would make it look as long as the wait since then."""
    task = _task(state, event)
    task.status = TaskStatus.SKIPPED
    task.started_at = task.finished_at = event.timestamp


def _finish(state: ExecutionState, event: Event, status: ExecutionStatus) -> None:
    state.status = status
    state.finished_at = event.timestamp
    state.error = event.data.get("error")


def _on_workflow_completed(state: ExecutionState, event: Event) -> None:
    _finish(state, event, ExecutionStatus.COMPLETED)
    state.output = event.data.get("output")


def _on_child_execution_started(state: ExecutionState, event: Event) -> None:
    """A `workflow.run` attempt recorded its child before starting it (crash recovery
    re-attaches to it rather than start a second one)."""
    task = _task(state, event)
    child = event.data.get("child_execution_id")
    task.child_execution_id = child
    if task.history and "finished_at" not in task.history[-1]:
        task.history[-1]["child_execution_id"] = child


def _on_workflow_failed(state: ExecutionState, event: Event) -> None:
    _finish(state, event, ExecutionStatus.FAILED)


def _on_task_waiting(state: ExecutionState, event: Event) -> None:
    """An approval gate's attempt waits for a decision: what it asks is kept on the attempt
    (`history[-1]["waiting"]`), with its deadline counted from this event, where its timer
    is found again after a restart."""
    task = _task(state, event)
    task.status = TaskStatus.WAITING
    if task.history and "finished_at" not in task.history[-1]:
        timeout = event.data.get("timeout")
        deadline = None if timeout is None else event.timestamp + float(timeout)
        task.history[-1]["waiting"] = {
            **event.data,
            "since": event.timestamp,
            "deadline": deadline,
        }


def _on_workflow_canceled(state: ExecutionState, event: Event) -> None:
    _finish(state, event, ExecutionStatus.CANCELED)
    for task in state.tasks.values():
        if task.status in _CANCELABLE:
            if task.status != TaskStatus.PENDING:
                _close_attempt(task, event, TaskStatus.CANCELED)
                task.finished_at = event.timestamp
            task.status = TaskStatus.CANCELED


def _on_workflow_paused(state: ExecutionState, event: Event) -> None:
    state.status = ExecutionStatus.PAUSED


def _on_workflow_resumed(state: ExecutionState, event: Event) -> None:
    """`reset` tasks start over with a fresh retry budget (operator resume or retry);
    `interrupted` tasks were running (or waiting out a backoff) when a process died: they run
    again, attempt numbers carried on. An attempt that was in flight is lost and does not count
    against the budget; one that had already failed before the backoff does."""
    state.status = ExecutionStatus.RUNNING
    state.finished_at = None
    state.error = None
    for tid in event.data.get("unexpanded", ()):
        drop_expansion(state, tid)
    for tid in event.data.get("interrupted", ()):
        task = state.tasks.get(tid)
        if task is None:  # an item of a list forgotten by the same event
            continue
        if task.status == TaskStatus.RUNNING:
            _close_attempt(task, event, "interrupted")
            task.budget_base += 1
        task.status = TaskStatus.PENDING
    retry = event.data.get("reason") == "retry"
    for tid in event.data.get("reset", ()):
        task = state.tasks.get(tid)
        if task is None:
            continue
        _reset(task)
        if retry:  # an operator retry sets its own override (or none) on what it resets
            task.input_override = None
    override = event.data.get("input")
    if retry and override is not None and event.task_id in state.tasks:
        state.tasks[event.task_id].input_override = override


def _reset(task: TaskState) -> None:
    """A task runs again from scratch, with a fresh retry budget."""
    task.status = TaskStatus.PENDING
    task.budget_base = task.attempts
    task.output = None
    task.error = None
    task.finished_at = None
    task.child_execution_id = None  # a task run again starts a new child
    task.operator = None


def _on_task_fixed(state: ExecutionState, event: Event) -> None:
    """An operator completed or skipped a task by hand (`harmonia.engine.fixes`): what is
    below it is decided again (`reset`), a `for_each` task's unfinished items are skipped
    (`closed`), and a finished execution runs again, as an operator retry does."""
    data = event.data
    for tid in data.get("unexpanded", ()):
        drop_expansion(state, tid)
    for tid in data.get("reset", ()):
        if (below := state.tasks.get(tid)) is not None:
            _reset(below)
    for tid in data.get("closed", ()):
        if (item := state.tasks.get(tid)) is not None:
            item.status = TaskStatus.SKIPPED
            item.finished_at = event.timestamp
    task = _task(state, event)
    completed = event.type == EventType.TASK_COMPLETED_BY_OPERATOR
    task.status = TaskStatus.COMPLETED if completed else TaskStatus.SKIPPED
    task.output = data.get("output") if completed else None
    task.error = None
    task.finished_at = event.timestamp
    if task.started_at is None:
        task.started_at = event.timestamp
    task.operator = {"action": data.get("action"), "by": data.get("by"), "at": event.timestamp}
    if data.get("reason"):
        task.operator["reason"] = data["reason"]
    if state.status in EXECUTION_FINISHED:
        state.status = ExecutionStatus.RUNNING
        state.finished_at = None
        state.error = None


_CANCELABLE = TASK_ACTIVE | {TaskStatus.PENDING, TaskStatus.WAITING}
"""What a cancel ends as `canceled`: an open attempt (running, retrying, waiting) is closed."""

_HANDLERS: dict[str, Callable[[ExecutionState, Event], None]] = {
    EventType.WORKFLOW_STARTED: _on_workflow_started,
    EventType.TASK_STARTED: _on_task_started,
    EventType.TASK_COMPLETED: _on_task_completed,
    EventType.RETRY_ATTEMPTED: _on_retry_attempted,
    EventType.TASK_FAILED: _on_task_failed,
    EventType.TASK_SKIPPED: _on_task_skipped,
    EventType.TASK_EXPANDED: _on_task_expanded,
    EventType.WORKFLOW_COMPLETED: _on_workflow_completed,
    EventType.WORKFLOW_FAILED: _on_workflow_failed,
    EventType.WORKFLOW_CANCELED: _on_workflow_canceled,
    EventType.WORKFLOW_PAUSED: _on_workflow_paused,
    EventType.WORKFLOW_RESUMED: _on_workflow_resumed,
    EventType.CHILD_EXECUTION_STARTED: _on_child_execution_started,
    EventType.TASK_WAITING: _on_task_waiting,
    EventType.TASK_COMPLETED_BY_OPERATOR: _on_task_fixed,
    EventType.TASK_SKIPPED_BY_OPERATOR: _on_task_fixed,
}

_MANY_TASKS = frozenset(
    {
        EventType.TASK_EXPANDED,
        EventType.WORKFLOW_RESUMED,  # an operator retry names its task, and resets more
        EventType.TASK_COMPLETED_BY_OPERATOR,
        EventType.TASK_SKIPPED_BY_OPERATOR,
    }
)
"""Events with a `task_id` that change other tasks' statuses too."""
