"""Execution state as the fold of its events.

The engine applies each event to the in-memory state the moment it emits it, and recovery
applies the journal to the last snapshot; both go through `apply`, so what a crashed process
rebuilds is exactly what the live one had. Keep `apply` free of I/O and of clocks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from harmonia.events import Event, EventType, iso_time


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    RETRYING = "retrying"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELED = "canceled"


class ExecutionStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"
    DAMAGED = "damaged"
    """Its files could not be read whole (see `ExecutionState.damage`): never run again
    automatically."""


TASK_DONE = frozenset({TaskStatus.COMPLETED, TaskStatus.SKIPPED})
"""Statuses that let downstream tasks go on."""

TASK_ACTIVE = frozenset({TaskStatus.RUNNING, TaskStatus.RETRYING})
"""Statuses of a task that a live process is working on (or was, before a crash)."""

_PLAIN: dict[str, str] = {str(s): str(s) for s in TaskStatus}
"""Each status as a plain `str` (see `_close_attempt`)."""

EXECUTION_FINISHED = frozenset(
    {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELED}
)


@dataclass(slots=True)
class TaskState:
    """What is known of one task. `budget_base` is the number of attempts that do not count
    against the retry policy any more (a resume or an operator retry grants fresh attempts; an
    attempt interrupted by a crash is not the task's fault)."""

    status: str = TaskStatus.PENDING
    attempts: int = 0
    budget_base: int = 0
    output: Any = None
    error: dict[str, Any] | None = None
    started_at: float | None = None
    finished_at: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_record(self, *, copy: bool = True) -> dict[str, Any]:
        """Snapshot form (numeric timestamps), read back by `from_record`. `copy=False`
        shares the history entries: only for a record serialised at once, on the loop."""
        return {
            "status": str(self.status),
            "attempts": self.attempts,
            "budget_base": self.budget_base,
            "output": self.output,
            "error": self.error,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "history": [dict(h) for h in self.history] if copy else self.history,
        }

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> TaskState:
        return cls(
            status=raw.get("status", TaskStatus.PENDING),
            attempts=raw.get("attempts", 0),
            budget_base=raw.get("budget_base", 0),
            output=raw.get("output"),
            error=raw.get("error"),
            started_at=raw.get("started_at"),
            finished_at=raw.get("finished_at"),
            history=list(raw.get("history") or []),
        )

    def to_public(self, depends_on: list[str] | None = None) -> dict[str, Any]:
        """The shape users see in `--json` output and the API; `depends_on` comes from the
        workflow document (a task's state does not repeat its definition)."""
        return {
            "status": str(self.status),
            "depends_on": [] if depends_on is None else list(depends_on),
            "attempts": self.attempts,
            "output": self.output,
            "error": self.error,
            "started_at": iso_time(self.started_at),
            "finished_at": iso_time(self.finished_at),
            "duration": _duration(self.started_at, self.finished_at),
            "history": [
                {
                    **h,
                    "started_at": iso_time(h.get("started_at")),
                    "finished_at": iso_time(h.get("finished_at")),
                }
                for h in self.history
            ],
        }


@dataclass(slots=True)
class ExecutionState:
    """One execution: its definition (as a document), its input and every task's state."""

    id: str
    workflow: dict[str, Any]
    input: dict[str, Any]
    status: str = ExecutionStatus.PENDING
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    last_seq: int = 0
    error: str | None = None
    restored_from: str | None = None
    trigger: dict[str, Any] | None = None
    """What started it when not an operator: `{"kind": "schedule", "schedule_id",
    "planned_at"}` for a scheduled run (recorded on `workflow_started` too)."""
    tasks: dict[str, TaskState] = field(default_factory=dict)
    damage: dict[str, Any] | None = None
    """Set, with status `damaged`, when the execution's files could not be read whole:
    `{"status": <the status its readable part reaches>, "files": [<DamagedFile.to_dict()>]}`;
    the rest of the state is as far as the readable part goes."""
    counted: dict[str, int] | None = field(default=None, repr=False, compare=False)
    """How many tasks are in each status, kept up to date by `apply` once `counts()` has
    been asked for (None: not counted yet, or a bulk change to recount)."""

    @property
    def workflow_name(self) -> str:
        return str(self.workflow.get("name", ""))

    @classmethod
    def new(
        cls,
        execution_id: str,
        workflow: dict[str, Any],
        input: dict[str, Any],
        created_at: float,
        *,
        restored_from: str | None = None,
        tasks: dict[str, TaskState] | None = None,
        trigger: dict[str, Any] | None = None,
    ) -> ExecutionState:
        task_ids = list(workflow.get("tasks", {}))
        return cls(
            id=execution_id,
            workflow=workflow,
            input=input,
            created_at=created_at,
            restored_from=restored_from,
            trigger=trigger,
            tasks=tasks if tasks is not None else {t: TaskState() for t in task_ids},
        )

    def meta_record(self) -> dict[str, Any]:
        """Everything but the tasks, for the snapshot's execution row."""
        return {
            "id": self.id,
            "workflow": self.workflow,
            "input": self.input,
            "status": str(self.status),
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "last_seq": self.last_seq,
            "error": self.error,
            "restored_from": self.restored_from,
            "trigger": self.trigger,
        }

    @classmethod
    def from_records(cls, meta: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> ExecutionState:
        return cls(
            id=meta["id"],
            workflow=meta["workflow"],
            input=meta.get("input") or {},
            status=meta.get("status", ExecutionStatus.PENDING),
            created_at=meta.get("created_at", 0.0),
            started_at=meta.get("started_at"),
            finished_at=meta.get("finished_at"),
            last_seq=meta.get("last_seq", 0),
            error=meta.get("error"),
            restored_from=meta.get("restored_from"),
            trigger=meta.get("trigger"),
            tasks={tid: TaskState.from_record(rec) for tid, rec in tasks.items()},
        )

    def counts(self) -> dict[str, int]:
        """How many tasks are in each status (every status present, zero or not).

        Counted once, then kept by `apply` as events change statuses: listing executions
        asks this of every live one, and a 10,000-task execution took ~5 ms to count on the
        engine's own thread each time."""
        counted = self.counted
        if counted is None:
            counted = {str(s): 0 for s in TaskStatus}
            for t in self.tasks.values():
                counted[str(t.status)] += 1
            self.counted = counted
        return dict(counted)

    def summary(self) -> dict[str, Any]:
        """The catalog row: enough to list executions without opening their databases."""
        counts = self.counts()
        return {
            "id": self.id,
            "workflow": self.workflow_name,
            "status": str(self.status),
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "last_seq": self.last_seq,
            "task_count": len(self.tasks),
            "done_count": counts["completed"] + counts["skipped"],
            "failed_count": counts["failed"],
            "restored_from": self.restored_from,
            "trigger": self.trigger,
            "damage": self.damage,
        }

    def to_public(self) -> dict[str, Any]:
        """The document of `harmonia run --json`, `harmonia show --json` and the API.

        Each task carries its `depends_on`, read from the workflow document the execution
        keeps (snapshot and recovery included), so a client can draw the graph of an
        execution whose workflow was never stored as a definition (inline documents,
        `harmonia run FILE`)."""
        definitions = self.workflow.get("tasks") or {}
        return {
            "id": self.id,
            "workflow": self.workflow_name,
            "workflow_version": self.workflow.get("version"),
            "status": str(self.status),
            "input": self.input,
            "created_at": iso_time(self.created_at),
            "started_at": iso_time(self.started_at),
            "finished_at": iso_time(self.finished_at),
            "duration": _duration(self.started_at, self.finished_at),
            "error": self.error,
            "restored_from": self.restored_from,
            "trigger": self.trigger,
            "last_seq": self.last_seq,
            "damage": self.damage,
            "counts": self.counts(),
            "tasks": {
                tid: t.to_public(_depends_on(definitions.get(tid))) for tid, t in self.tasks.items()
            },
        }


def _depends_on(definition: Any) -> list[str] | None:
    if not isinstance(definition, dict):
        return None
    deps = definition.get("depends_on")
    return [str(d) for d in deps] if isinstance(deps, list | tuple) else None


def _duration(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return round(end - start, 6)


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
    elif event.task_id is not None:  # one task's event changes that task's status only
        task = state.tasks[event.task_id]
        before = str(task.status)
        handler(state, event)
        after = str(task.status)
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
    task.status = TaskStatus.RUNNING
    task.attempts = int(event.data["attempt"])
    task.error = None
    task.started_at = event.timestamp
    task.finished_at = None
    task.history.append({"attempt": task.attempts, "started_at": event.timestamp})


def _close_attempt(task: TaskState, event: Event, status: str) -> None:
    if task.history and "finished_at" not in task.history[-1]:
        task.history[-1]["finished_at"] = event.timestamp
        # a plain str, not the enum member: a dict of plain numbers and strings is not tracked
        # by the cyclic garbage collector, and an execution keeps one per attempt
        task.history[-1]["status"] = _PLAIN.get(status, status)
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
    task = _task(state, event)
    task.status = TaskStatus.SKIPPED
    task.finished_at = event.timestamp
    if task.started_at is None:
        task.started_at = event.timestamp


def _finish(state: ExecutionState, event: Event, status: ExecutionStatus) -> None:
    state.status = status
    state.finished_at = event.timestamp
    state.error = event.data.get("error")


def _on_workflow_completed(state: ExecutionState, event: Event) -> None:
    _finish(state, event, ExecutionStatus.COMPLETED)


def _on_workflow_failed(state: ExecutionState, event: Event) -> None:
    _finish(state, event, ExecutionStatus.FAILED)


def _on_workflow_canceled(state: ExecutionState, event: Event) -> None:
    _finish(state, event, ExecutionStatus.CANCELED)
    for task in state.tasks.values():
        if task.status in TASK_ACTIVE or task.status == TaskStatus.PENDING:
            if task.status in TASK_ACTIVE:
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
    for tid in event.data.get("interrupted", ()):
        task = state.tasks[tid]
        if task.status == TaskStatus.RUNNING:
            _close_attempt(task, event, "interrupted")
            task.budget_base += 1
        task.status = TaskStatus.PENDING
    for tid in event.data.get("reset", ()):
        task = state.tasks[tid]
        task.status = TaskStatus.PENDING
        task.budget_base = task.attempts
        task.output = None
        task.error = None
        task.finished_at = None


_HANDLERS: dict[str, Callable[[ExecutionState, Event], None]] = {
    EventType.WORKFLOW_STARTED: _on_workflow_started,
    EventType.TASK_STARTED: _on_task_started,
    EventType.TASK_COMPLETED: _on_task_completed,
    EventType.RETRY_ATTEMPTED: _on_retry_attempted,
    EventType.TASK_FAILED: _on_task_failed,
    EventType.TASK_SKIPPED: _on_task_skipped,
    EventType.WORKFLOW_COMPLETED: _on_workflow_completed,
    EventType.WORKFLOW_FAILED: _on_workflow_failed,
    EventType.WORKFLOW_CANCELED: _on_workflow_canceled,
    EventType.WORKFLOW_PAUSED: _on_workflow_paused,
    EventType.WORKFLOW_RESUMED: _on_workflow_resumed,
}
