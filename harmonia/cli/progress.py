"""Live progress on stderr: one line per task event, plus a self-rewriting status line.

The event lines are a log (they scroll, and they stay readable when stderr is a file); the
status line is for a person watching a terminal and is only drawn there. It is rewritten with a
carriage return rather than curses, so scrollback keeps every event line and nothing needs to
restore the screen when the process dies.

Formatting is kept apart from writing (`format_event`, `format_status`, `ProgressTracker` are
pure) so it can be tested without a terminal.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, TextIO

from harmonia.cli.style import Style
from harmonia.events import MILLISECOND_TEXTS, Event, EventType
from harmonia.protocol import item_id

__all__ = [
    "ProgressTracker",
    "ProgressView",
    "error_text",
    "format_clock",
    "format_duration",
    "format_event",
    "format_status",
    "one_line",
    "task_column_width",
]

STATUS_WIDTH = len("completed")
MAX_TASK_WIDTH = 24
EVENT_ERROR_LIMIT = 240
"""Characters of an error kept on an event line; the summary prints the whole message."""

_DONE = frozenset({"completed", "skipped"})
_RUNNING = frozenset({"running", "retrying"})
_PLAIN_STATUS_AFTER: dict[str, str] = {
    EventType.TASK_STARTED: "running",
    EventType.TASK_COMPLETED: "completed",
    EventType.TASK_FAILED: "failed",
    EventType.RETRY_ATTEMPTED: "retrying",
    EventType.TASK_SKIPPED: "skipped",
    EventType.TASK_WAITING: "waiting",
}
"""The events of `_STATUS_AFTER` that change their own task's status and nothing else."""
_STATUS_AFTER: dict[str, str] = {
    **_PLAIN_STATUS_AFTER,
    EventType.TASK_EXPANDED: "running",
    EventType.TASK_COMPLETED_BY_OPERATOR: "completed",
    EventType.TASK_SKIPPED_BY_OPERATOR: "skipped",
}
"""Every event that sets its task's status: the word the status becomes."""
_RESETTING = frozenset(
    {
        EventType.WORKFLOW_RESUMED,
        EventType.TASK_COMPLETED_BY_OPERATOR,  # an operator's fix: what is below it, again
        EventType.TASK_SKIPPED_BY_OPERATOR,
    }
)


_clock_second: list[Any] = [None, ""]
"""The last whole second `format_clock` formatted, and its text: events come many a second."""
_TEXTS_KEPT = 4096
"""Duration texts a view keeps (`ProgressView._common_line`)."""


def format_clock(timestamp: float) -> str:
    """Local wall-clock time with milliseconds: `13:05:01.234`."""
    whole = int(timestamp)
    millis = round((timestamp - whole) * 1000)
    if millis == 1000:
        whole, millis = whole + 1, 0
    if _clock_second[0] != whole:
        _clock_second[:] = whole, time.strftime("%H:%M:%S", time.localtime(whole))
    second: str = _clock_second[1]
    return second + MILLISECOND_TEXTS[millis]


def format_duration(seconds: float | None) -> str:
    """Short and about three significant figures: `0.41s`, `12.3s`, `2m05s`, `1h02m`."""
    if seconds is None:
        return "-"
    seconds = max(seconds, 0.0)
    if seconds < 9.995:  # rounds to 10.00 beyond this: switch format first
        return f"{seconds:.2f}s"
    if seconds < 59.95:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    hours, rest = divmod(whole, 3600)
    return f"{hours}h{rest // 60:02d}m"


def one_line(text: str, limit: int = EVENT_ERROR_LIMIT) -> str:
    """Collapse whitespace (messages may carry a command's stderr) and cut to `limit`."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        return flat[: max(limit - 3, 0)] + "..."
    return flat


def error_text(error: Mapping[str, Any] | None) -> str:
    """`kind: message` of an error document, as the engine records it."""
    if not error:
        return ""
    message = str(error.get("message", ""))
    kind = error.get("kind")
    return f"{kind}: {message}" if kind else message


def task_column_width(task_ids: Mapping[str, Any] | list[str]) -> int:
    """Wide enough for the task ids, so columns line up, but capped for very long ids."""
    longest = max(map(len, task_ids), default=4)
    return max(4, min(longest, MAX_TASK_WIDTH))


def format_event(event: Event, *, task_width: int, style: Style | None = None) -> str | None:
    """One log line for an event, or None for events the log leaves out (the execution's end
    is the summary's job; periodic checkpoints are noise while watching)."""
    style = style or Style(False)
    clock = style.paint(format_clock(event.timestamp), "dim")
    data = event.data
    if event.task_id is not None and event.type != EventType.WORKFLOW_RESUMED:
        task = event.task_id.ljust(task_width)
        attempt = f"attempt {data['attempt']}" if "attempt" in data else ""
        duration = format_duration(data["duration"]) if "duration" in data else ""
        if event.type == EventType.TASK_STARTED:
            parts = [_status(style, "started", "running"), attempt]
        elif event.type == EventType.TASK_COMPLETED:
            parts = [_status(style, "completed"), attempt, duration]
        elif event.type == EventType.TASK_FAILED:
            parts = [_status(style, "failed"), attempt, duration, _error(data)]
        elif event.type == EventType.RETRY_ATTEMPTED:
            retry = f"(retrying in {format_duration(data.get('delay', 0.0))})"
            parts = [
                _status(style, "failed"),
                attempt,
                duration,
                _error(data),
                style.paint(retry, "yellow"),
            ]
        elif event.type == EventType.TASK_SKIPPED:
            parts = [_status(style, "skipped"), str(data.get("reason", ""))]
        elif event.type == EventType.TASK_WAITING:
            asks = one_line(str(data.get("message", "")))
            parts = [_status(style, "waiting"), f"for approval: {asks}"]
        elif event.type == EventType.APPROVAL_DECIDED:
            why = f": {one_line(str(data['reason']))}" if data.get("reason") else ""
            decision = str(data.get("decision", "decided"))
            parts = [_status(style, decision, "waiting"), f"by {data.get('by')}{why}"]
        elif event.type in (
            EventType.TASK_COMPLETED_BY_OPERATOR,
            EventType.TASK_SKIPPED_BY_OPERATOR,
        ):
            word = _STATUS_AFTER[event.type]
            parts = [_status(style, word), f"by hand by {data.get('by') or 'an operator'}"]
        elif event.type == EventType.TASK_EXPANDED:
            items = int(data.get("count") or 0)
            parts = [_status(style, "expanded", "running"), f"{items} item{'s' * (items != 1)}"]
        else:
            return None
        return "  ".join([clock, task, *(p for p in parts if p)])
    if event.type == EventType.WORKFLOW_STARTED:
        count = data.get("task_count")
        tasks = f", {count} task{'' if count == 1 else 's'}" if count is not None else ""
        what = f"execution {event.execution_id} started: workflow {data.get('workflow', '?')}"
        return f"{clock}  {style.paint(what + tasks, 'bold')}"
    if event.type == EventType.WORKFLOW_RESUMED:
        reason = str(data.get("reason", "resume"))
        again = [*data.get("reset", ()), *data.get("interrupted", ())]
        tail = f"; running again: {', '.join(again)}" if again else ""
        return f"{clock}  {style.paint(f'execution resumed ({reason}){tail}', 'bold')}"
    if event.type == EventType.WORKFLOW_PAUSED:
        return f"{clock}  {style.status('execution paused', 'paused')}"
    return None


def _status(style: Style, word: str, colour_as: str | None = None) -> str:
    return style.status(word.ljust(STATUS_WIDTH), colour_as or word)


def _error(data: Mapping[str, Any]) -> str:
    error = data.get("error")
    return one_line(error_text(error)) if isinstance(error, Mapping) else ""


class ProgressTracker:
    """Task statuses folded from the events seen, for the status line.

    Built from events rather than read from the engine's live state, so the status line never
    runs ahead of the lines printed above it.
    """

    def __init__(self, statuses: Mapping[str, str]) -> None:
        self.statuses: dict[str, str] = {tid: str(s) for tid, s in statuses.items()}

    def apply(self, event: Event) -> None:
        task_id = event.task_id
        new = _PLAIN_STATUS_AFTER.get(event.type)
        if new is not None:  # one task's own status (all but a handful of a run's events)
            if task_id in self.statuses:
                self.statuses[task_id] = new
            return
        if event.type in _RESETTING:
            for tid in (*event.data.get("reset", ()), *event.data.get("interrupted", ())):
                if tid in self.statuses:
                    self.statuses[tid] = "pending"
            if event.type == EventType.WORKFLOW_RESUMED:
                return
        if event.type == EventType.WORKFLOW_CANCELED:
            for tid, status in self.statuses.items():
                if status in _RUNNING or status == "pending":
                    self.statuses[tid] = "canceled"
            return
        if event.type == EventType.TASK_EXPANDED and task_id is not None:
            for index in range(int(event.data.get("count") or 0)):  # the items count too
                self.statuses.setdefault(item_id(task_id, index), "pending")
        if task_id is None or task_id not in self.statuses:
            return
        new = _STATUS_AFTER.get(event.type)
        if new is not None:
            self.statuses[task_id] = new

    @property
    def total(self) -> int:
        return len(self.statuses)

    @property
    def done(self) -> int:
        return sum(1 for s in self.statuses.values() if s in _DONE)

    @property
    def running(self) -> int:
        return sum(1 for s in self.statuses.values() if s in _RUNNING)

    @property
    def failed(self) -> int:
        return sum(1 for s in self.statuses.values() if s == "failed")


def format_status(tracker: ProgressTracker, elapsed: float, style: Style | None = None) -> str:
    """`[3/10 done, 2 running, 1 failed] 12.3s`."""
    style = style or Style(False)
    parts = [f"{tracker.done}/{tracker.total} done", f"{tracker.running} running"]
    if tracker.failed:
        parts.append(style.paint(f"{tracker.failed} failed", "red"))
    return f"[{', '.join(parts)}] {format_duration(elapsed)}"


@dataclass(eq=False)
class ProgressView:
    """Writes event lines and, on a terminal, keeps the status line under them up to date."""

    stream: TextIO
    tracker: ProgressTracker
    _: KW_ONLY
    style: Style
    live: bool
    show_events: bool = True
    clock: Callable[[], float] = time.monotonic
    """What the status line's elapsed time is read from (tests give a fixed one)."""
    task_width: int = field(init=False)
    _started: float = field(init=False)
    _drawn: bool = field(init=False, default=False)
    _words: dict[str, str] = field(init=False)
    """The status words of the two events that make nearly every line of a run."""
    _attempts: dict[int, str] = field(init=False, default_factory=dict)
    _durations: dict[float, str] = field(init=False, default_factory=dict)
    """Texts made for earlier lines: a run's durations are whole microseconds, mostly few."""

    def __post_init__(self) -> None:
        self._started = self.clock()
        self.task_width = task_column_width(self.tracker.statuses)
        self._words = {
            EventType.TASK_STARTED: _status(self.style, "started", "running"),
            EventType.TASK_COMPLETED: _status(self.style, "completed"),
        }

    def event(self, event: Event) -> None:
        self.tracker.apply(event)
        if self.show_events:
            line = format_event(event, task_width=self.task_width, style=self.style)
            if line is not None:
                self.message(line)
                return
        self.redraw()

    def events(self, batch: list[Event]) -> None:
        """`event` for each of a batch, their lines written at once: one write (and, with
        stderr line-buffered, one system call) per batch instead of one per event."""
        lines = []
        apply, statuses = self.tracker.apply, self.tracker.statuses
        show, common = self.show_events, self._common_line
        width, style = self.task_width, self.style
        for event in batch:
            new = _PLAIN_STATUS_AFTER.get(event.type)
            if new is None:
                apply(event)
            elif event.task_id in statuses:  # `apply` of nearly every event, inlined
                statuses[event.task_id] = new
            if show:
                line = common(event) or format_event(event, task_width=width, style=style)
                if line is not None:
                    lines.append(line)
        if lines:
            self._erase()
            self.stream.write("\n".join(lines) + "\n")
        self.redraw()

    def _common_line(self, event: Event) -> str | None:
        """`format_event` of a task's start or completion, with its status word made once per
        view rather than per line (a run prints two such lines per task), and its attempt
        and duration texts kept as made; None for any other event."""
        word = self._words.get(event.type)
        task_id = event.task_id
        if word is None or task_id is None:
            return None
        clock = format_clock(event.timestamp)
        if self.style.enabled:
            clock = self.style.paint(clock, "dim")
        line = f"{clock}  {task_id.ljust(self.task_width)}  {word}"
        data = event.data
        if "attempt" in data:
            attempt = data["attempt"]
            text = self._attempts.get(attempt) if type(attempt) is int else None
            if text is None:
                text = f"  attempt {attempt}"
                if type(attempt) is int:  # (only ints are kept: any value prints)
                    self._attempts[attempt] = text
            line += text
        if "duration" in data and event.type == EventType.TASK_COMPLETED:
            seconds = data["duration"]
            text = self._durations.get(seconds) if type(seconds) is float else None
            if text is None:
                text = "  " + format_duration(seconds)
                if type(seconds) is float and seconds > 0:  # (-0.0 == 0.0, not the same text)
                    if len(self._durations) >= _TEXTS_KEPT:
                        self._durations.clear()
                    self._durations[seconds] = text
            line += text
        return line

    def message(self, line: str) -> None:
        """A log line above the status line."""
        self._erase()
        self.stream.write(line + "\n")
        self.redraw()

    def redraw(self) -> None:
        if not self.live:
            self.stream.flush()
            return
        elapsed = self.clock() - self._started
        plain = format_status(self.tracker, elapsed)
        width = shutil.get_terminal_size((80, 24)).columns - 1
        if len(plain) > width:  # a wrapped line cannot be rewritten with \r
            text = plain[: max(width, 0)]
        else:
            text = format_status(self.tracker, elapsed, self.style)
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Remove the status line, so what follows starts on a clean line."""
        self._erase()
        self.stream.flush()

    def _erase(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
