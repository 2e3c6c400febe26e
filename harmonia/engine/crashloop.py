"""Crash loops: a task that was running at each of the last crashes is failed, not run again.

Recovery runs interrupted tasks again, so a task whose code kills its process (`os._exit`, a
segfault, memory exhausted) would kill every restart. The journal already holds the evidence;
suspects run one at a time, so a bystander is never running at the culprit's next crash.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

import anyio

from harmonia.errors import ErrorKind
from harmonia.events import EventType
from harmonia.state import ExecutionState, TaskState, TaskStatus

if TYPE_CHECKING:
    from harmonia.engine.host import EventRecorder

__all__ = [
    "DEFAULT_CRASH_LOOP_LIMIT",
    "CrashLoopGuard",
    "crash_loop_limit",
    "crashed_attempts",
    "record_shutdown",
]

DEFAULT_CRASH_LOOP_LIMIT = 3
"""Crashes in a row with the same task running that make it a crash loop."""

LIMIT_VARIABLE = "HARMONIA_CRASH_LOOP_LIMIT"


def crash_loop_limit(given: int | None = None) -> int | None:
    """The limit to use: `given`, else `HARMONIA_CRASH_LOOP_LIMIT`, else 3; 0 (or less) turns
    detection off (None)."""
    if given is None:
        text = os.environ.get(LIMIT_VARIABLE, "").strip()
        given = int(text) if text.lstrip("-").isdigit() else DEFAULT_CRASH_LOOP_LIMIT
    return given if given > 0 else None


INTERRUPTED = "interrupted"
"""The status `workflow_resumed` gives an attempt that a crash cut short (see `state`)."""


def crashed_attempts(state: ExecutionState, task_id: str) -> list[int]:
    """The task's attempts that crashes cut short, in a row up to now, oldest first.

    A crash leaves an attempt open (`task_started`, no end) and the `workflow_resumed` after it
    closes it as `interrupted`; a clean stop records an end instead (`record_shutdown`). Call
    this before the resume's `workflow_resumed` is applied: this crash's attempt is open then."""
    task = state.tasks[task_id]
    history = task.history
    if task.status != TaskStatus.RUNNING or not history or "finished_at" in history[-1]:
        return []  # waiting out a backoff, or at rest: no code of it was running
    attempts = [int(history[-1].get("attempt", task.attempts))]
    for entry in reversed(history[:-1]):
        if entry.get("status") != INTERRUPTED:
            break
        attempts.append(int(entry.get("attempt", 0)))
    attempts.reverse()
    return attempts


def is_suspect(task: TaskState) -> bool:
    """Whether a crash cut the task's last attempt short (it runs on probation)."""
    history = task.history
    return bool(history) and history[-1].get("status") == INTERRUPTED


class CrashLoopGuard:
    """One engine's crash-loop rules: finding loops at a resume, and the suspects' turn."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = crash_loop_limit(limit)
        """None: crash-loop detection (and probation) is off."""
        self.probation = anyio.Lock()
        """Held by the one suspect task running (see the module's docstring)."""

    def suspect(self, task: TaskState) -> bool:
        return self.limit is not None and is_suspect(task)

    def find(self, state: ExecutionState, interrupted: Iterable[str]) -> dict[str, list[int]]:
        """Of the tasks a resume is about to run again, those in a crash loop, with the
        attempts that crashed."""
        if self.limit is None:
            return {}
        loops: dict[str, list[int]] = {}
        for task_id in interrupted:
            attempts = crashed_attempts(state, task_id)
            if len(attempts) >= self.limit:
                loops[task_id] = attempts
        return loops

    def fail(
        self, engine: EventRecorder, state: ExecutionState, loops: dict[str, list[int]]
    ) -> None:
        """Record each crash loop as the task's failure (after the resume's own event)."""
        for task_id, attempts in loops.items():
            listed = ", ".join(str(a) for a in attempts)
            engine.emit(
                state,
                EventType.TASK_FAILED,
                task_id,
                {
                    "attempt": state.tasks[task_id].attempts,
                    "error": {
                        "message": "the process running this task died while it ran, "
                        f"{len(attempts)} times in a row (attempts {listed}); not started "
                        "again. Fix the cause, then resume the execution or retry the task",
                        "kind": str(ErrorKind.CRASH_LOOP),
                        "details": {"crashed_attempts": attempts},
                    },
                    "duration": 0.0,
                },
            )


def record_shutdown(engine: EventRecorder, state: ExecutionState) -> None:
    """A clean stop ends the attempts it cut short on record (kind `interrupted`, marked
    `shutdown`): they run again on the next start, without counting against the retry budget
    (see `state`), and unlike a crash they are no evidence of a crash loop."""
    now = engine.clock()
    for task_id, task in state.tasks.items():
        if task.status != TaskStatus.RUNNING or task_id in state.expansions:
            continue  # a `for_each` task runs no attempt itself: its items have theirs
        engine.emit(
            state,
            EventType.RETRY_ATTEMPTED,
            task_id,
            {
                "attempt": task.attempts,
                "next_attempt": task.attempts + 1,
                "delay": 0.0,
                "error": {
                    "message": "the engine stopped while this attempt ran; "
                    "it runs again when the execution resumes",
                    "kind": str(ErrorKind.INTERRUPTED),
                },
                "duration": round(max(0.0, now - (task.started_at or now)), 6),
                "shutdown": True,
            },
        )
