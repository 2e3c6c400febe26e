"""One task of an execution as the screens show it: its status, times and every attempt.

Built from the execution document (`from_info`) and then kept up to date by the event fold in
`harmonia_tui.fold`; each attempt remembers the input the engine rendered for it, because the
detail pane shows exactly what ran rather than a guess from the declared input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from harmonia.client import TaskInfo
from harmonia_tui.copying import same_named
from harmonia_tui.format import elapsed, parse_time
from harmonia_tui.gates import gate_note
from harmonia_tui.statuses import TASK_ACTIVE

__all__ = ["AttemptView", "TaskView"]


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
    child_execution_id: str | None = None
    """The child execution of a `workflow.run` task (enter opens it)."""
    operator: dict[str, Any] | None = None
    """Set when an operator made the result by hand (`action`, `by`): marked on screen."""

    @classmethod
    def from_info(cls, task_id: str, info: TaskInfo) -> TaskView:
        """The document's task; its attempts as views, and the note a gate or a fix by hand
        leaves (the other fields are the document's of the same name)."""
        return same_named(
            cls,
            info,
            id=task_id,
            history=[AttemptView.from_record(h) for h in info.history],
            note=gate_note(info.history[-1].get("waiting"))
            if info.status == "waiting" and info.history
            else by_hand(info.operator),
        )

    def duration(self, now: datetime) -> float | None:
        """Finished: from start to end. Active: so far. Pending, or a result made by hand
        (its start is an earlier attempt's, its end the operator's): nothing, as `harmonia
        show` prints it."""
        if self.operator:
            return None
        if self.status in TASK_ACTIVE:
            return elapsed(self.started_at, None, now)
        if self.finished_at is None:
            return None
        return elapsed(self.started_at, self.finished_at, now)

    @property
    def active(self) -> bool:
        return self.status in TASK_ACTIVE

    def attempt(self, number: int) -> AttemptView | None:
        """The attempt with this number (the latest, should a number repeat)."""
        for attempt in reversed(self.history):
            if attempt.attempt == number:
                return attempt
        return None

    def end(self, when: datetime, status: str, error: Any = None) -> None:
        """The task ended (completed or failed) at `when`, with this error or none; so did
        its open attempt."""
        self.status = status
        self.error = error
        self.note = None
        self.finished_at = when
        self.close_attempt(when, status, error)

    def reset(self) -> None:
        """Pending again, as the engine leaves a task it will run again: no result, no note,
        no fix by hand."""
        self.status = "pending"
        self.output = None
        self.error = None
        self.note = None
        self.finished_at = None
        self.operator = None

    def close_attempt(self, when: datetime, status: str, error: Any = None) -> None:
        """End the attempt still open (if any) with this status."""
        if self.history and self.history[-1].finished_at is None:
            last = self.history[-1]
            last.finished_at = when
            last.status = status
            if error is not None:
                last.error = error


def by_hand(operator: Mapping[str, Any] | None) -> str | None:
    """The note of a result an operator made (complete, skip), so it reads as not computed."""
    if not operator:
        return None
    done = {"complete": "completed", "skip": "skipped"}.get(str(operator.get("action")), "set")
    reason = f": {operator['reason']}" if operator.get("reason") else ""
    return f"{done} by hand by {operator.get('by') or 'an operator'}{reason}"
