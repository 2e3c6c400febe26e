"""A followed execution waiting at an approval gate: at rest, but not over.

`harmonia run` (in this process) keeps following it until a gate's timeout (the only one who
can decide here) lets it go on, and says so; at a gate no timeout decides, it stops and leaves
the execution at rest for a daemon on its data folder to take up (exit `EXIT_WAITING`). The
commands that follow an execution of a daemon (`submit --watch`, `resume`, `retry`) stop there
instead, since a person decides it there, maybe hours later: they say so, show what each gate
asks, and exit with `EXIT_WAITING`.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING

import anyio

from harmonia.state import TASK_ACTIVE, TASK_DONE, ExecutionState, TaskState, TaskStatus

if TYPE_CHECKING:
    from harmonia.client import Execution

__all__ = [
    "DecisionSignal",
    "at_rest_at_a_gate",
    "gate_notice",
    "may_rest_at_a_gate",
    "undecidable_here",
    "waiting_here_lines",
]

_ENDED = TASK_DONE | {TaskStatus.FAILED, TaskStatus.CANCELED}
"""A parent in one of these has ended: its children may start (a join rule decides which)."""


class DecisionSignal:
    """Set when a gate was decided (`approval_decided` seen): `harmonia run`, at rest while
    a gate waits, then follows the run that goes on. Cleared before each wait."""

    def __init__(self) -> None:
        self._event = anyio.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        if self._event.is_set():
            self._event = anyio.Event()

    async def wait(self) -> None:
        await self._event.wait()


def _timed(task: TaskState) -> bool:
    return (task.history or [{}])[-1].get("waiting", {}).get("deadline") is not None


def undecidable_here(state: ExecutionState) -> bool:
    """Whether no waiting gate has a timeout: nothing in this process can ever decide one,
    so `harmonia run` stops following there (the execution at rest, resumable by a daemon)
    rather than wait forever."""
    waiting = [task for task in state.tasks.values() if task.status == "waiting"]
    return bool(waiting) and not any(_timed(task) for task in waiting)


def gate_notice(state: ExecutionState) -> str:
    """What `harmonia run` says while its execution waits at a gate: in this process only a
    gate's timeout decides; a person decides through a daemon."""
    waiting = [tid for tid, task in state.tasks.items() if task.status == "waiting"]
    if undecidable_here(state):
        return (
            f"harmonia: {', '.join(waiting)} waits for approval and no timeout decides it: "
            "nothing in this process can, so `harmonia run` stops here and leaves the "
            "execution at rest (resumable). Give the gate a `timeout` to wait it out here."
        )
    return (
        f"harmonia: {', '.join(waiting)} waits for approval (its timeout decides it here); "
        "to decide by hand, run the workflow in harmoniad and use `harmonia approve`. "
        "Ctrl+C cancels."
    )


def waiting_here_lines(state: ExecutionState, data_dir_option: str | None) -> list[str]:
    """How to decide the gates of an execution `harmonia run` left at rest: a daemon on its
    data folder takes it up (an interrupted execution continues by itself there)."""
    waiting = [tid for tid, task in state.tasks.items() if task.status == "waiting"]
    option = f" --data-dir {shlex.quote(data_dir_option)}" if data_dir_option else ""
    return [
        f"  waiting for approval: {', '.join(waiting)}; to decide, start `harmoniad{option}` "
        f"(it takes the execution up), then `harmonia approve {state.id} {waiting[0]}`"
        + (" (--reject to refuse)" if len(waiting) == 1 else " (each task)"),
    ]


def may_rest_at_a_gate(statuses: Mapping[str, str]) -> bool:
    """Whether the statuses folded from the events say a gate waits and nothing runs: the
    moment to ask the daemon whether the execution is at rest (`at_rest_at_a_gate`)."""
    waiting = False
    for status in statuses.values():
        if status in TASK_ACTIVE:
            return False
        waiting = waiting or status == "waiting"
    return waiting


def at_rest_at_a_gate(execution: Execution) -> bool:
    """Whether the daemon's execution waits for a person and nothing else can start: it is
    running, a task waits, none runs, and no pending task has all its parents ended (the
    engine may be about to start one: then it is not at rest yet, and following goes on)."""
    tasks = execution.tasks
    if execution.status != "running" or not any(t.status == "waiting" for t in tasks.values()):
        return False
    for task in tasks.values():
        if task.status in TASK_ACTIVE:
            return False
        parents = [tasks[p].status for p in task.depends_on if p in tasks]
        if task.status == "pending" and task.parent is None and all(s in _ENDED for s in parents):
            return False
    return True
