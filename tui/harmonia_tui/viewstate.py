"""What the screens show, computed from the daemon's documents and events, without Textual.

An execution on screen is the fold of its events, exactly as the engine's own state is (see
`harmonia.state`), but the TUI may only talk to the API, so the fold is written again here over
the client's typed models. `ExecutionView.apply` returns which tasks an event touched, so the
graph restyles those rows and nothing else. `Coalescer` batches events so the screen is
updated at most about twenty times a second however fast they arrive.

Statuses are always shown as a glyph *and* a word, coloured; `Glyphs(ascii=True)` swaps every
non-ASCII character for an ASCII one, for terminals without box drawing or symbols.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from harmonia.client import Event, Execution, ExecutionSummary, TaskInfo
from harmonia.expressions import preview_shell_command

__all__ = [
    "EXECUTION_FINISHED",
    "TASK_ACTIVE",
    "AttemptView",
    "Change",
    "Clock",
    "Coalescer",
    "ExecutionRow",
    "ExecutionView",
    "Glyphs",
    "LogLine",
    "StatusLook",
    "TaskView",
    "describe_event",
    "format_ago",
    "format_duration",
    "format_offset",
    "parse_time",
    "progress_bar",
    "resolve_references",
    "system_clock",
]

Clock = Callable[[], datetime]
"""The time now, timezone-aware. Injected so that tests and snapshots render fixed times."""


def system_clock() -> datetime:
    return datetime.now(UTC)


# ---- statuses: glyph, ASCII glyph, colour ------------------------------------------------------


@dataclass(frozen=True)
class StatusLook:
    glyph: str
    ascii: str
    style: str
    """A Rich style; colour is never the only signal (the glyph and the word are shown too)."""


_LOOKS: dict[str, StatusLook] = {
    "pending": StatusLook("○", ".", "bright_black"),
    "running": StatusLook("◐", ">", "bold yellow"),
    "retrying": StatusLook("↻", "~", "dark_orange"),
    "completed": StatusLook("✓", "+", "green"),
    "failed": StatusLook("✗", "x", "bold red"),
    "skipped": StatusLook("⊘", "-", "bright_black italic"),
    "canceled": StatusLook("■", "#", "magenta"),
    "paused": StatusLook("‖", "=", "cyan"),
    "damaged": StatusLook("⚠", "!", "bold red reverse"),
}
_UNKNOWN_LOOK = StatusLook("?", "?", "")

TASK_ACTIVE = frozenset({"running", "retrying"})
EXECUTION_FINISHED = frozenset({"completed", "failed", "canceled"})
TASK_DONE = frozenset({"completed", "skipped"})


@dataclass(frozen=True)
class Glyphs:
    """Every character the TUI draws that is not plain ASCII, with its ASCII stand-in."""

    ascii: bool = False

    def look(self, status: str) -> StatusLook:
        return _LOOKS.get(status, _UNKNOWN_LOOK)

    def status(self, status: str) -> str:
        look = self.look(status)
        return look.ascii if self.ascii else look.glyph

    def style(self, status: str) -> str:
        return self.look(status).style

    def pick(self, unicode: str, ascii: str) -> str:
        return ascii if self.ascii else unicode

    @property
    def rule(self) -> str:
        return self.pick("─", "-")

    @property
    def parents_arrow(self) -> str:
        return self.pick("◂", "<")

    @property
    def children_arrow(self) -> str:
        return self.pick("▸", ">")

    @property
    def ellipsis(self) -> str:
        return self.pick("…", "...")

    @property
    def bar_full(self) -> str:
        return self.pick("█", "#")

    @property
    def bar_empty(self) -> str:
        return self.pick("░", ".")

    @property
    def bullet(self) -> str:
        return self.pick("·", "-")


def progress_bar(done: int, total: int, width: int, glyphs: Glyphs) -> str:
    if width <= 0:
        return ""
    filled = width if total and done >= total else (done * width // total if total else 0)
    return glyphs.bar_full * filled + glyphs.bar_empty * (width - filled)


# ---- times -----------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """A time from a document: a datetime already, an ISO string (`...Z`), or nothing."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_duration(seconds: float | None) -> str:
    """Short and fixed-width enough for a table column: 0.40s, 12.3s, 3m04s, 2h05m, 3d04h."""
    if seconds is None or math.isnan(seconds):
        return ""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def format_ago(when: datetime | None, now: datetime) -> str:
    """`when` relative to `now`: "just now", "42s ago", "5m ago", "3h ago", "2d ago"."""
    if when is None:
        return ""
    seconds = (now - when).total_seconds()
    if seconds < 1:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)}s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    return f"{int(seconds // 86400)}d ago"


def format_offset(when: datetime | None, origin: datetime | None) -> str:
    """A time as an offset from the execution's start (`+1.25s`), so it reads the same in
    any time zone and in snapshots."""
    if when is None or origin is None:
        return ""
    seconds = (when - origin).total_seconds()
    sign = "-" if seconds < 0 else "+"
    return sign + format_duration(abs(seconds))


def _elapsed(start: datetime | None, end: datetime | None, now: datetime) -> float | None:
    if start is None:
        return None
    return ((end or now) - start).total_seconds()


# ---- one task, one execution -------------------------------------------------------------------


@dataclass(slots=True)
class AttemptView:
    attempt: int
    started_at: datetime | None = None
    finished_at: datetime | None = None
    status: str | None = None
    """None while the attempt runs; then completed, failed, canceled or interrupted."""
    error: dict[str, Any] | None = None
    input: Any = None
    """The input as the engine rendered it for this attempt (`task_started`'s `input`)."""
    input_recorded: bool | None = None
    """True: `input` is what the engine recorded. False: the attempt's `task_started` event
    carries no input (it was recorded before events did). None: not known yet (an attempt
    from the execution document, whose event has not been read)."""

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @classmethod
    def from_record(cls, raw: Mapping[str, Any]) -> AttemptView:
        return cls(
            attempt=int(raw.get("attempt") or 0),
            started_at=parse_time(raw.get("started_at")),
            finished_at=parse_time(raw.get("finished_at")),
            status=raw.get("status"),
            error=raw.get("error"),
            input=raw.get("input"),
            input_recorded=True if "input" in raw else None,
        )


@dataclass(slots=True)
class TaskView:
    id: str
    status: str = "pending"
    attempts: int = 0
    output: Any = None
    error: dict[str, Any] | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    history: list[AttemptView] = field(default_factory=list)
    note: str | None = None
    """Why it was skipped, or when it retries next."""

    @classmethod
    def from_info(cls, task_id: str, info: TaskInfo) -> TaskView:
        return cls(
            id=task_id,
            status=info.status,
            attempts=info.attempts,
            output=info.output,
            error=info.error,
            started_at=info.started_at,
            finished_at=info.finished_at,
            history=[AttemptView.from_record(h) for h in info.history],
        )

    def duration(self, now: datetime) -> float | None:
        """Finished: from start to end. Active: so far. Pending: nothing."""
        if self.status in TASK_ACTIVE:
            return _elapsed(self.started_at, None, now)
        if self.finished_at is None:
            return None
        return _elapsed(self.started_at, self.finished_at, now)

    @property
    def active(self) -> bool:
        return self.status in TASK_ACTIVE

    def attempt(self, number: int) -> AttemptView | None:
        """The attempt with this number (the latest, should a number repeat)."""
        for attempt in reversed(self.history):
            if attempt.attempt == number:
                return attempt
        return None

    def _close_attempt(self, when: datetime, status: str, error: Any = None) -> None:
        if self.history and self.history[-1].finished_at is None:
            last = self.history[-1]
            last.finished_at = when
            last.status = status
            if error is not None:
                last.error = error


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

    @classmethod
    def from_execution(cls, doc: Execution) -> ExecutionView:
        return cls(
            id=doc.id,
            workflow=doc.workflow,
            status=doc.status,
            tasks={tid: TaskView.from_info(tid, info) for tid, info in doc.tasks.items()},
            input=dict(doc.input),
            workflow_version=doc.workflow_version,
            created_at=doc.created_at,
            started_at=doc.started_at,
            finished_at=doc.finished_at,
            error=doc.error,
            last_seq=doc.last_seq or 0,
        )

    # ---- reading --------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.status in EXECUTION_FINISHED

    @property
    def origin(self) -> datetime | None:
        """The zero of the relative times shown for this execution."""
        return self.started_at or self.created_at

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(_LOOKS, 0)
        for task in self.tasks.values():
            out[task.status] = out.get(task.status, 0) + 1
        return out

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
            return _elapsed(self.started_at, self.finished_at, now)
        return _elapsed(self.started_at, None, now)

    def active_tasks(self) -> list[str]:
        return [tid for tid, t in self.tasks.items() if t.active]

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
        return handler(self, event)

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
        if event.type != "task_started":
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


def _on_task_completed(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    task.status = "completed"
    task.output = event.data.get("output")
    task.error = None
    task.note = None
    task.finished_at = event.timestamp
    task._close_attempt(event.timestamp, "completed")
    return _changed(task, new)


def _on_retry_attempted(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    task.status = "retrying"
    task.error = event.data.get("error")
    delay = event.data.get("delay")
    task.note = f"retrying in {format_duration(float(delay))}" if delay is not None else None
    task._close_attempt(event.timestamp, "failed", event.data.get("error"))
    return _changed(task, new)


def _on_task_failed(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    task.status = "failed"
    task.error = event.data.get("error")
    task.note = None
    task.finished_at = event.timestamp
    task._close_attempt(event.timestamp, "failed", event.data.get("error"))
    return _changed(task, new)


def _on_task_skipped(view: ExecutionView, event: Event) -> Change:
    task, new = view._task(event)
    task.status = "skipped"
    task.finished_at = event.timestamp
    if task.started_at is None:
        task.started_at = event.timestamp
    reason = event.data.get("reason")
    task.note = str(reason) if reason else None
    return _changed(task, new)


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
        if task.status in TASK_ACTIVE:
            task._close_attempt(event.timestamp, "canceled")
            task.finished_at = event.timestamp
        if task.status in TASK_ACTIVE or task.status == "pending":
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
    for tid in event.data.get("interrupted") or ():
        task = view.tasks.get(tid)
        if task is None:
            task, new = view.tasks.setdefault(tid, TaskView(tid)), True
        if task.status == "running":
            task._close_attempt(event.timestamp, "interrupted")
        task.status = "pending"
        task.note = None
        touched.add(tid)
    for tid in event.data.get("reset") or ():
        task = view.tasks.get(tid)
        if task is None:
            task, new = view.tasks.setdefault(tid, TaskView(tid)), True
        task.status = "pending"
        task.output = None
        task.error = None
        task.note = None
        task.finished_at = None
        touched.add(tid)
    return Change(frozenset(touched), True, new)


_HANDLERS: dict[str, Callable[[ExecutionView, Event], Change]] = {
    "workflow_started": _on_workflow_started,
    "task_started": _on_task_started,
    "task_completed": _on_task_completed,
    "retry_attempted": _on_retry_attempted,
    "task_failed": _on_task_failed,
    "task_skipped": _on_task_skipped,
    "workflow_completed": _on_workflow_completed,
    "workflow_failed": _on_workflow_failed,
    "workflow_canceled": _on_workflow_canceled,
    "workflow_paused": _on_workflow_paused,
    "workflow_resumed": _on_workflow_resumed,
}


# ---- the executions list -----------------------------------------------------------------------


@dataclass(slots=True)
class ExecutionRow:
    """One line of the executions screen."""

    id: str
    workflow: str
    status: str
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    task_count: int
    done_count: int
    failed_count: int
    interrupted: bool = False

    @classmethod
    def from_summary(cls, summary: ExecutionSummary) -> ExecutionRow:
        return cls(
            id=summary.id,
            workflow=summary.workflow,
            status=summary.status,
            created_at=summary.created_at,
            started_at=summary.started_at,
            finished_at=summary.finished_at,
            task_count=summary.task_count,
            done_count=summary.done_count,
            failed_count=summary.failed_count,
            interrupted=summary.interrupted,
        )

    @property
    def finished(self) -> bool:
        return self.status in EXECUTION_FINISHED

    def duration(self, now: datetime) -> float | None:
        if self.started_at is None:
            return None
        return _elapsed(self.started_at, self.finished_at if self.finished else None, now)

    def progress(self) -> str:
        text = f"{self.done_count}/{self.task_count}"
        if self.failed_count:
            text += f" ({self.failed_count} failed)"
        return text

    def matches(self, query: str) -> bool:
        """The `/` filter: every word must appear in the workflow, the status or the id."""
        haystack = f"{self.workflow} {self.status} {self.id}".lower()
        return all(word in haystack for word in query.lower().split())

    def apply(self, event: Event) -> bool:
        """Follow the execution's own status from a live event (the counts come from the
        daemon's summaries); whether anything changed."""
        status = _EXECUTION_STATUS_OF.get(event.type)
        if status is None or status == self.status:
            return False
        self.status = status
        if status in EXECUTION_FINISHED:
            self.finished_at = event.timestamp
        elif status == "running":
            self.finished_at = None
            if self.started_at is None:
                self.started_at = event.timestamp
        return True


_EXECUTION_STATUS_OF = {
    "workflow_started": "running",
    "workflow_resumed": "running",
    "workflow_paused": "paused",
    "workflow_completed": "completed",
    "workflow_failed": "failed",
    "workflow_canceled": "canceled",
}


# ---- the event log ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogLine:
    seq: int
    offset: str
    status: str
    """The status whose glyph and colour the line carries."""
    text: str


_EVENT_STATUS = {
    "workflow_started": "running",
    "task_started": "running",
    "retry_attempted": "retrying",
    "task_completed": "completed",
    "task_failed": "failed",
    "task_skipped": "skipped",
    "workflow_completed": "completed",
    "workflow_failed": "failed",
    "workflow_canceled": "canceled",
    "workflow_paused": "paused",
    "workflow_resumed": "running",
    "checkpoint_created": "pending",
    "error_occurred": "failed",
}


def _error_text(error: Any) -> str:
    if isinstance(error, Mapping):
        kind = error.get("kind")
        message = str(error.get("message", "")).strip()
        return f"[{kind}] {message}" if kind else message
    return str(error) if error is not None else ""


def _names(ids: Any, limit: int = 6) -> str:
    items = [str(i) for i in ids or ()]
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def describe_event(event: Event, origin: datetime | None) -> LogLine:
    """One line of the event log."""
    data = event.data
    task = event.task_id or ""
    kind = event.type
    duration = data.get("duration")
    took = f" in {format_duration(float(duration))}" if isinstance(duration, int | float) else ""
    if kind == "workflow_started":
        text = f"execution started ({data.get('task_count', '?')} tasks)"
    elif kind == "task_started":
        text = f"{task} started (attempt {data.get('attempt', '?')})"
    elif kind == "retry_attempted":
        delay = data.get("delay")
        wait = f"; retry in {format_duration(float(delay))}" if delay is not None else ""
        text = (
            f"{task} attempt {data.get('attempt', '?')} failed{took}: "
            f"{_error_text(data.get('error'))}{wait}"
        )
    elif kind == "task_completed":
        text = f"{task} completed{took}"
    elif kind == "task_failed":
        text = f"{task} failed{took}: {_error_text(data.get('error'))}"
    elif kind == "task_skipped":
        text = f"{task} skipped: {data.get('reason', '')}".rstrip(": ")
    elif kind == "workflow_completed":
        text = f"execution completed{took}"
    elif kind == "workflow_failed":
        text = f"execution failed: {data.get('error') or ''}".rstrip(": ")
    elif kind == "workflow_canceled":
        text = f"execution canceled: {data.get('reason') or ''}".rstrip(": ")
    elif kind == "workflow_paused":
        text = "execution paused"
    elif kind == "workflow_resumed":
        reason = data.get("reason") or "resume"
        reset = data.get("reset") or []
        text = f"execution resumed ({reason})" + (f"; again: {_names(reset)}" if reset else "")
    elif kind == "checkpoint_created":
        text = f"checkpoint {data.get('name') or data.get('id') or ''}".rstrip()
    elif kind == "error_occurred":
        text = f"error: {_error_text(data.get('error') or data.get('message'))}"
    else:
        text = f"{kind} {task}".rstrip()
    return LogLine(
        event.seq, format_offset(event.timestamp, origin), _EVENT_STATUS.get(kind, "pending"), text
    )


# ---- coalescing ------------------------------------------------------------------------------


class Coalescer:
    """Collects events between screen updates.

    `push` says when the first event of a batch arrives; the caller then schedules one update
    `delay(now)` seconds later, which is `interval` after the previous update (at once if
    that is past); `take` hands over the batch. However fast events come, the screen changes
    at most 1/interval times a second, and every event is applied exactly once.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self._pending: list[Event] = []
        self._scheduled = False
        self._last_take = float("-inf")
        self.batches = 0
        self.events = 0

    def push(self, event: Event) -> bool:
        """Queue an event; True when an update must be scheduled."""
        self._pending.append(event)
        if self._scheduled:
            return False
        self._scheduled = True
        return True

    def delay(self, now: float) -> float:
        """Seconds to wait before the update: the rest of the interval since the last one."""
        return max(0.0, self._last_take + self.interval - now)

    def take(self, now: float | None = None) -> list[Event]:
        batch, self._pending = self._pending, []
        self._scheduled = False
        if now is not None:
            self._last_take = now
        if batch:
            self.batches += 1
            self.events += len(batch)
        return batch

    @property
    def pending(self) -> int:
        return len(self._pending)


# ---- a task's input as declared, references filled in -----------------------------------------
# Only for attempts recorded before `task_started` carried the rendered input (and as a
# preview of a task not started yet): the engine's own rendering is shown whenever it exists.

_REFERENCE = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_PATH_PART = re.compile(r"\.([A-Za-z_][\w-]*)|\[(-?\d+)\]|\[['\"]([^'\"]*)['\"]\]")
_MISSING = object()


def _lookup(path: str, context: Mapping[str, Any]) -> Any:
    head, _, rest = path.partition(".")
    if head not in context:
        return _MISSING
    value: Any = context[head]
    position = 0
    rest = "." + rest if rest else ""
    while position < len(rest):
        match = _PATH_PART.match(rest, position)
        if match is None:
            return _MISSING
        position = match.end()
        name, index, quoted = match.groups()
        key: Any = name if name is not None else (quoted if quoted is not None else int(index))
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return value


def resolve_references(
    template: Any, context: Mapping[str, Any], shell_fields: Collection[str] = ()
) -> Any:
    """A task's declared input with `${...}` references filled in from what is known.

    A string that is exactly one reference takes the referenced value (keeping its type); a
    reference inside longer text is formatted in; a reference that cannot be resolved here
    (`${env.X}`, an output not produced yet) is left as written. In `shell_fields` (a shell
    command string) values are quoted exactly as the engine will quote them.
    """
    if shell_fields and isinstance(template, Mapping):
        return {
            k: preview_shell_command(v, context)
            if k in shell_fields and isinstance(v, str)
            else resolve_references(v, context)
            for k, v in template.items()
        }
    if isinstance(template, str):
        whole = _REFERENCE.fullmatch(template.strip())
        if whole is not None:
            value = _lookup(whole.group(1), context)
            return template if value is _MISSING else value

        def substitute(match: re.Match[str]) -> str:
            value = _lookup(match.group(1), context)
            if value is _MISSING:
                return match.group(0)
            return value if isinstance(value, str) else _compact_json(value)

        return _REFERENCE.sub(substitute, template)
    if isinstance(template, Mapping):
        return {k: resolve_references(v, context) for k, v in template.items()}
    if isinstance(template, list):
        return [resolve_references(v, context) for v in template]
    return template


def _compact_json(value: Any) -> str:
    import json

    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), default=str)


def reference_context(view: ExecutionView) -> dict[str, Any]:
    """What `${...}` may name, as far as the TUI knows it."""
    return {
        "input": view.input,
        "tasks": {
            tid: {"output": task.output, "status": task.status} for tid, task in view.tasks.items()
        },
        "workflow": {"name": view.workflow, "version": view.workflow_version},
        "execution": {"id": view.id},
    }
