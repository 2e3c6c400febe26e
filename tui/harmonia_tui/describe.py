"""One line of an execution's event log, in words, per event type.

The log is read by a person following a run, so each line names the task, the attempt, the error
kind and how long it took, and carries the status whose glyph and colour it is shown with. Times
are offsets from the execution's start, so they read the same in any time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harmonia.client import Event
from harmonia.protocol import EventType
from harmonia_tui.format import format_duration, format_offset, plural
from harmonia_tui.gates import gate_log_text
from harmonia_tui.taskview import by_hand

__all__ = ["LogLine", "describe_event"]


@dataclass(frozen=True, slots=True)
class LogLine:
    seq: int
    offset: str
    status: str
    """The status whose glyph and colour the line carries."""
    text: str


_EVENT_STATUS: dict[str, str] = {
    EventType.WORKFLOW_STARTED: "running",
    EventType.TASK_STARTED: "running",
    EventType.RETRY_ATTEMPTED: "retrying",
    EventType.TASK_COMPLETED: "completed",
    EventType.TASK_FAILED: "failed",
    EventType.TASK_SKIPPED: "skipped",
    EventType.TASK_EXPANDED: "running",
    EventType.TASK_WAITING: "waiting",
    EventType.APPROVAL_DECIDED: "waiting",
    EventType.WORKFLOW_COMPLETED: "completed",
    EventType.WORKFLOW_FAILED: "failed",
    EventType.WORKFLOW_CANCELED: "canceled",
    EventType.WORKFLOW_PAUSED: "paused",
    EventType.WORKFLOW_RESUMED: "running",
    EventType.CHECKPOINT_CREATED: "pending",
    EventType.ERROR_OCCURRED: "failed",
    EventType.TASK_COMPLETED_BY_OPERATOR: "completed",
    EventType.TASK_SKIPPED_BY_OPERATOR: "skipped",
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
    if kind == EventType.WORKFLOW_STARTED:
        count = data.get("task_count")
        text = (
            f"execution started ({plural(count, 'task') if isinstance(count, int) else '? tasks'})"
        )
    elif kind == EventType.TASK_STARTED:
        text = f"{task} started (attempt {data.get('attempt', '?')})"
    elif kind == EventType.RETRY_ATTEMPTED:
        delay = data.get("delay")
        wait = f"; retry in {format_duration(float(delay))}" if delay is not None else ""
        text = (
            f"{task} attempt {data.get('attempt', '?')} failed{took}: "
            f"{_error_text(data.get('error'))}{wait}"
        )
    elif kind == EventType.TASK_COMPLETED:
        text = f"{task} completed{took}"
    elif kind == EventType.TASK_FAILED:
        text = f"{task} failed{took}: {_error_text(data.get('error'))}"
    elif kind == EventType.TASK_SKIPPED:
        text = f"{task} skipped: {data.get('reason', '')}".rstrip(": ")
    elif kind == EventType.TASK_EXPANDED:
        count = data.get("count")
        text = f"{task} expanded to {plural(count, 'item') if isinstance(count, int) else '?'}"
    elif kind in (EventType.TASK_WAITING, EventType.APPROVAL_DECIDED):
        text = gate_log_text(task, data)
    elif kind == EventType.WORKFLOW_COMPLETED:
        text = f"execution completed{took}"
    elif kind == EventType.WORKFLOW_FAILED:
        text = f"execution failed: {data.get('error') or ''}".rstrip(": ")
    elif kind == EventType.WORKFLOW_CANCELED:
        text = f"execution canceled: {data.get('reason') or ''}".rstrip(": ")
    elif kind == EventType.WORKFLOW_PAUSED:
        text = "execution paused"
    elif kind == EventType.WORKFLOW_RESUMED:
        reason = data.get("reason") or "resume"
        reset = data.get("reset") or []
        text = f"execution resumed ({reason})" + (f"; again: {_names(reset)}" if reset else "")
    elif kind == EventType.CHECKPOINT_CREATED:
        text = f"checkpoint {data.get('name') or data.get('id') or ''}".rstrip()
    elif kind in (EventType.TASK_COMPLETED_BY_OPERATOR, EventType.TASK_SKIPPED_BY_OPERATOR):
        reset = data.get("reset") or []
        text = f"{task} {by_hand(data)}" + (f"; decided again: {_names(reset)}" if reset else "")
    elif kind == EventType.ERROR_OCCURRED:
        text = f"error: {_error_text(data.get('error') or data.get('message'))}"
    else:
        text = f"{kind} {task}".rstrip()
    return LogLine(
        event.seq, format_offset(event.timestamp, origin), _EVENT_STATUS.get(kind, "pending"), text
    )
