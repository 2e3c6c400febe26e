"""An execution on screen, as the fold of its events over the daemon's execution document.

The engine folds its own events the same way (`harmonia.state`), but the TUI may only talk to the
API, so the fold is written again here over the client's typed models. `ExecutionView.apply`
returns what an event touched (a `Change`), so the graph restyles those rows and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from harmonia.client import Event, Execution
from harmonia.protocol import EventType, item_id, split_item_id
from harmonia_tui.copying import same_named
from harmonia_tui.format import elapsed, format_duration
from harmonia_tui.gates import gate_note
from harmonia_tui.statuses import EXECUTION_FINISHED, TASK_ACTIVE, TASK_DONE
from harmonia_tui.taskview import AttemptView, TaskView, by_hand

__all__ = ["NO_CHANGE", "Change", "ExecutionView"]


@dataclass(frozen=True)
class Change:
    """What one batch of events touched."""

    tasks: frozenset[str] = frozenset()
    execution: bool = False
    """Status, progress or times of the execution itself."""
    structure: bool = False
    """A task the view did not know: the graph must be laid out again."""

    def __or__(self, other: Change) -> Change:
        return Change(
            self.tasks | other.tasks,
            self.execution or other.execution,
            self.structure or other.structure,
        )

    def __bool__(self) -> bool:
        return bool(self.tasks) or self.execution or self.structure


NO_CHANGE = Change()


@dataclass
class ExecutionView:
    """One execution as the execution screen shows it."""

    id: str
    workflow: str
    status: str
    tasks: dict[str, TaskView]
    input: dict[str, Any] = field(default_factory=dict)
    workflow_version: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    last_seq: int = 0
    events_applied: int = 0
    items: dict[str, int] = field(default_factory=dict)
    """Each expanded `for_each` task's number of items (`TASK[0]`.. are in `tasks`)."""
    parent: tuple[str, str] | None = None
    """A child execution's parent: (execution id, task id)."""

    @classmethod
    def from_execution(cls, doc: Execution) -> ExecutionView:
        """The document, its tasks as views (the other fields are its own of the same name)."""
        return same_named(
            cls,
            doc,
            tasks={tid: TaskView.from_info(tid, info) for tid, info in doc.tasks.items()},
            input=dict(doc.input),
            last_seq=doc.last_seq or 0,
            items={t: i.item_count for t, i in doc.tasks.items() if i.item_count is not None},
            parent=(doc.parent.execution_id, doc.parent.task_id) if doc.parent else None,
        )

    # ---- reading --------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.status in EXECUTION_FINISHED

    @property
    def origin(self) -> datetime | None:
        """The zero of the relative times shown for this execution."""
        return self.started_at or self.created_at

    @property
    def done(self) -> int:
        return sum(1 for t in self.tasks.values() if t.status in TASK_DONE)

    @property
    def failed(self) -> int:
        return sum(1 for t in self.tasks.values() if t.status == "failed")

    def duration(self, now: datetime) -> float | None:
        if self.started_at is None:
            return None
        if self.finished:
            return elapsed(self.started_at, self.finished_at, now)
        return elapsed(self.started_at, None, now)

    def run_time(self, now: datetime) -> float | None:
        """Seconds during which some task of it was running: the union of every attempt's
        time. Unlike the wall time from the first start, it leaves out the idle time between a
        failure and a later retry or resume (and waits between attempts)."""
        spans = sorted(
            (attempt.started_at, attempt.finished_at or now)
            for task in self.tasks.values()
            for attempt in task.history
            if attempt.started_at is not None and (attempt.finished_at is not None or task.active)
        )
        if not spans:
            return None
        total = 0.0
        start, end = spans[0]
        for begin, finish in spans[1:]:
            if begin > end:
                total += (end - start).total_seconds()
                start, end = begin, finish
            else:
                end = max(end, finish)
        return total + (end - start).total_seconds()

    def item_ids(self, task_id: str) -> list[str]:
        """The items of a `for_each` task, in order (none before its list is evaluated)."""
        return [item_id(task_id, i) for i in range(self.items.get(task_id, 0))]

    def item_counts(self, task_id: str) -> dict[str, int]:
        """How many of a `for_each` task's items are in each status."""
        counts: dict[str, int] = {}
        for iid in self.item_ids(task_id):
            task = self.tasks.get(iid)
            status = task.status if task is not None else "pending"
            counts[status] = counts.get(status, 0) + 1
        return counts

    def active_tasks(self) -> list[str]:
        return [tid for tid, t in self.tasks.items() if t.active]

    def reference_context(self) -> dict[str, Any]:
        """What `${...}` may name, as far as the TUI knows it (for the input preview): shaped
        as the engine's context, where only a completed task has an output, so that a reference
        to one not produced yet stays visible as written."""
        return {
            "input": self.input,
            "tasks": {
                tid: {"output": task.output, "status": task.status}
                if task.status == "completed"
                else {"status": task.status}
                for tid, task in self.tasks.items()
            },
            "workflow": {"name": self.workflow, "version": self.workflow_version},
            "execution": {"id": self.id},
        }

    # ---- folding events -------------------------------------------------------------------
    def apply_all(self, events: Iterable[Event]) -> Change:
        tasks: set[str] = set()
        execution = structure = False
        for event in events:
            change = self.apply(event)
            tasks.update(change.tasks)
            execution = execution or change.execution
            structure = structure or change.structure
        return Change(frozenset(tasks), execution, structure)

    def apply(self, event: Event) -> Change:
        """Fold one event in; events at or below `last_seq` are already in (replay-safe),
        except for what the execution document leaves out: the input of each attempt."""
        if event.execution_id != self.id:
            return NO_CHANGE
        if event.seq <= self.last_seq:
            return self._recorded_input(event)
        self.last_seq = event.seq
        self.events_applied += 1
        handler = _HANDLERS.get(event.type)
        if handler is None:
            return NO_CHANGE
        change = handler(self, event)
        split = split_item_id(event.task_id or "")
        if split is not None and split[0] in self.tasks:  # an item: its task's counts moved
            parent = self.tasks[split[0]]
            if event.type == EventType.TASK_STARTED and parent.status != "running":
                parent.status = "running"  # as the engine has it: running while items run
            change = change | Change(frozenset({split[0]}))
        return change

    def needs_inputs(self) -> bool:
        """Whether some attempt's input is still to be read from the event journal."""
        return any(a.input_recorded is None for task in self.tasks.values() for a in task.history)

    def inputs_read(self) -> Change:
        """The journal was read to the end of the document and some attempt's event was not
        in it (an execution restored from another's checkpoint): its input is not recorded."""
        touched = set()
        for task in self.tasks.values():
            for attempt in task.history:
                if attempt.input_recorded is None:
                    attempt.input_recorded = False
                    touched.add(task.id)
        return Change(frozenset(touched))

    def _recorded_input(self, event: Event) -> Change:
        """An already folded `task_started`: give its attempt the input it was started with."""
        if event.type != EventType.TASK_STARTED:
            return NO_CHANGE
        task = self.tasks.get(event.task_id or "")
        attempt = task.attempt(int(event.data.get("attempt") or 0)) if task else None
        if task is None or attempt is None or attempt.input_recorded is not None:
            return NO_CHANGE
        attempt.input_recorded = "input" in event.data
        attempt.input = event.data.get("input")
        return Change(frozenset({task.id}))

    def _task(self, event: Event) -> tuple[TaskView, bool]:
        """The event's task, and whether it is one the view did not know (a new structure)."""
        task_id = event.task_id or ""
        task = self.tasks.get(task_id)
        if task is None:
            task = self.tasks[task_id] = TaskView(task_id)
            return task, True
        return task, False


def _changed(task: TaskView, new: bool) -> Change:
    return Change(frozenset({task.id}), True, new)


def _on_workflow_started(view: ExecutionView, event: Event) -> Change:
    view.status = "running"
    if view.started_at is None:
        view.started_at = event.timestamp
    return Change(execution=True)


def _on_task_started(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    task.status = "running"
    task.attempts = int(event.data.get("attempt") or task.attempts + 1)
    task.error = None
    task.note = None
    task.started_at = event.timestamp
    task.finished_at = None
    task.history.append(
        AttemptView(
            task.attempts,
            started_at=event.timestamp,
            input=event.data.get("input"),
            input_recorded="input" in event.data,
        )
    )
    return _changed(task, new)


def _on_child_execution_started(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    child = event.data.get("child_execution_id")
    task.child_execution_id = str(child) if child else None
    return _changed(task, new)


def _on_task_completed(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    task.output = event.data.get("output")
    task.end(event.timestamp, "completed")
    return _changed(task, new)


def _on_task_waiting(view: ExecutionView, event: Event) -> Change:
    """An approval gate waits for a person: the note says what it asks (and the keys)."""
    task, new = view._task(event)
    task.status = "waiting"
    task.note = gate_note(event.data)
    return _changed(task, new)


def _on_retry_attempted(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    task.status = "retrying"
    task.error = event.data.get("error")
    delay = event.data.get("delay")
    task.note = f"retrying in {format_duration(float(delay))}" if delay is not None else None
    task.close_attempt(event.timestamp, "failed", event.data.get("error"))
    return _changed(task, new)


def _on_task_failed(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    task.end(event.timestamp, "failed", event.data.get("error"))
    return _changed(task, new)


def _on_task_skipped(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    task.status = "skipped"
    task.started_at = task.finished_at = event.timestamp  # no time, as the engine's fold says
    reason = event.data.get("reason")
    task.note = str(reason) if reason else None
    return _changed(task, new)


def _on_task_expanded(view: ExecutionView, event: Event) -> Change:
    """A `for_each` task's list: its items exist from now on (pending), the task runs."""
    task, _ = view._task(event)
    count = int(event.data.get("count") or 0)
    view.items[task.id] = count
    for iid in view.item_ids(task.id):
        view.tasks.setdefault(iid, TaskView(iid))
    task.status = "running"
    task.started_at = event.timestamp
    task.finished_at = None
    task.note = f"{count} item" + ("s" if count != 1 else "")
    return Change(frozenset({task.id}), True, True)


def _finish(view: ExecutionView, event: Event, status: str) -> Change:
    view.status = status
    view.finished_at = event.timestamp
    error = event.data.get("error")
    view.error = str(error) if error is not None else None
    return Change(execution=True)


def _on_workflow_completed(view: ExecutionView, event: Event) -> Change:
    return _finish(view, event, "completed")


def _on_workflow_failed(view: ExecutionView, event: Event) -> Change:
    return _finish(view, event, "failed")


def _on_workflow_canceled(view: ExecutionView, event: Event) -> Change:
    change = _finish(view, event, "canceled")
    touched: set[str] = set()
    for task in view.tasks.values():
        if task.status in TASK_ACTIVE or task.status == "waiting":
            task.close_attempt(event.timestamp, "canceled")
            task.finished_at = event.timestamp
        if task.status in TASK_ACTIVE or task.status in ("pending", "waiting"):
            task.status = "canceled"
            task.note = None
            touched.add(task.id)
    return change | Change(frozenset(touched))


def _on_workflow_paused(view: ExecutionView, event: Event) -> Change:
    view.status = "paused"
    return Change(execution=True)


def _on_workflow_resumed(view: ExecutionView, event: Event) -> Change:
    view.status = "running"
    view.finished_at = None
    view.error = None
    touched: set[str] = set()
    new = False
    for tid in event.data.get("unexpanded") or ():  # its list is evaluated again
        for iid in view.item_ids(tid):
            view.tasks.pop(iid, None)
        view.items.pop(tid, None)
        new = True
    for tid in event.data.get("interrupted") or ():
        task = view.tasks.get(tid)
        if task is None:
            task, new = view.tasks.setdefault(tid, TaskView(tid)), True
        if task.status == "running":
            task.close_attempt(event.timestamp, "interrupted")
        task.status = "pending"
        task.note = None
        touched.add(tid)
    for tid in event.data.get("reset") or ():
        task = view.tasks.get(tid)
        if task is None:
            task, new = view.tasks.setdefault(tid, TaskView(tid)), True
        task.reset()
        task.child_execution_id = None
        touched.add(tid)
    return Change(frozenset(touched), True, new)


def _on_task_fixed(view: ExecutionView, event: Event) -> Change:
    """An operator completed or skipped a task by hand: what is below it is decided again,
    its unfinished items are skipped, and a finished execution runs again (as the engine)."""
    data = event.data
    touched: set[str] = set()
    for tid in data.get("unexpanded") or ():
        for iid in view.item_ids(tid):
            view.tasks.pop(iid, None)
        view.items.pop(tid, None)
    for tid in data.get("reset") or ():
        if (below := view.tasks.get(tid)) is not None:
            below.reset()
            touched.add(tid)
    for tid in data.get("closed") or ():
        if (item := view.tasks.get(tid)) is not None:
            item.status, item.finished_at = "skipped", event.timestamp
            touched.add(tid)
    task, new = view._task(event)
    completed = event.type == EventType.TASK_COMPLETED_BY_OPERATOR
    task.status = "completed" if completed else "skipped"
    task.output = data.get("output") if completed else None
    task.error = None
    task.finished_at = event.timestamp
    task.operator = {k: data[k] for k in ("action", "by", "reason") if data.get(k)}
    task.note = by_hand(task.operator)
    if view.finished:
        view.status, view.finished_at, view.error = "running", None, None
    return _changed(task, new) | Change(frozenset(touched), True, bool(data.get("unexpanded")))


_HANDLERS: dict[str, Callable[[ExecutionView, Event], Change]] = {
    EventType.TASK_STARTED: _on_task_started,
    EventType.RETRY_ATTEMPTED: _on_retry_attempted,
    EventType.TASK_COMPLETED: _on_task_completed,
    EventType.TASK_FAILED: _on_task_failed,
    EventType.TASK_SKIPPED: _on_task_skipped,
    EventType.TASK_EXPANDED: _on_task_expanded,
    EventType.TASK_WAITING: _on_task_waiting,
    EventType.WORKFLOW_STARTED: _on_workflow_started,
    EventType.WORKFLOW_PAUSED: _on_workflow_paused,
    EventType.WORKFLOW_RESUMED: _on_workflow_resumed,
    EventType.CHILD_EXECUTION_STARTED: _on_child_execution_started,
    EventType.WORKFLOW_COMPLETED: _on_workflow_completed,
    EventType.WORKFLOW_FAILED: _on_workflow_failed,
    EventType.WORKFLOW_CANCELED: _on_workflow_canceled,
    EventType.TASK_COMPLETED_BY_OPERATOR: _on_task_fixed,
    EventType.TASK_SKIPPED_BY_OPERATOR: _on_task_fixed,
}
