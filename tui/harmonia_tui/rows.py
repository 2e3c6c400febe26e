"""One line of the executions list, from the daemon's execution summaries.

The list follows each execution's status from the all-executions event stream at once, while
the counts (done, failed) come from the summaries it fetches again; a row therefore folds only
the events that change an execution's own status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from harmonia.client import Event, ExecutionSummary
from harmonia.protocol import EventType
from harmonia_tui.copying import same_named
from harmonia_tui.format import elapsed
from harmonia_tui.statuses import EXECUTION_FINISHED

__all__ = ["ExecutionRow"]


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
    waiting_count: int = 0
    """Tasks waiting for a person (at an approval gate): the row is marked, `a` goes there."""

    @classmethod
    def from_summary(cls, summary: ExecutionSummary) -> ExecutionRow:
        """Every field is the summary's of the same name."""
        return same_named(cls, summary)

    @property
    def finished(self) -> bool:
        return self.status in EXECUTION_FINISHED

    def duration(self, now: datetime) -> float | None:
        if self.started_at is None:
            return None
        return elapsed(self.started_at, self.finished_at if self.finished else None, now)

    def progress(self) -> str:
        text = f"{self.done_count}/{self.task_count}"
        if self.failed_count:
            text += f" ({self.failed_count} failed)"
        if self.waiting_count:
            text += f" ({self.waiting_count} waiting)"
        return text

    def matches(self, query: str) -> bool:
        """The `/` filter: every word must appear in the workflow, the status or the id (or
        `waiting`, for an execution waiting for a person)."""
        waiting = " waiting" if self.waiting_count else ""
        haystack = f"{self.workflow} {self.status} {self.id}{waiting}".lower()
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


_EXECUTION_STATUS_OF: dict[str, str] = {
    EventType.WORKFLOW_STARTED: "running",
    EventType.WORKFLOW_RESUMED: "running",
    EventType.WORKFLOW_PAUSED: "paused",
    EventType.WORKFLOW_COMPLETED: "completed",
    EventType.WORKFLOW_FAILED: "failed",
    EventType.WORKFLOW_CANCELED: "canceled",
}
