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
from harmonia_tui.format import format_duration, format_offset, plural

__all__ = ["LogLine", "describe_event"]


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
        count = data.get("task_count")
        text = (
            f"execution started ({plural(count, 'task') if isinstance(count, int) else '? tasks'})"
        )
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
