"""A followed execution waiting at an approval gate: at rest, but not over.

`harmonia run` (in this process) keeps following it until a gate's timeout (the only one who
can decide here) lets it go on, and says so. The commands that follow an execution of a daemon
(`submit --watch`, `resume`, `retry`) stop there instead, since a person decides it there,
maybe hours later: they say so, show what each gate asks, and exit with `EXIT_WAITING`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import anyio

from harmonia.state import ExecutionState

if TYPE_CHECKING:
    from harmonia.client import Execution

__all__ = ["DecisionSignal", "at_rest_at_a_gate", "gate_notice", "may_rest_at_a_gate"]

_ACTIVE = frozenset({"running", "retrying"})
_ENDED = frozenset({"completed", "skipped", "failed", "canceled"})


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


def gate_notice(state: ExecutionState) -> str:
    """What `harmonia run` says while its execution waits at a gate: in this process only a
    gate's timeout decides; a person decides through a daemon."""
    waiting = [tid for tid, task in state.tasks.items() if task.status == "waiting"]
    timed = [
        tid
        for tid in waiting
        if (state.tasks[tid].history or [{}])[-1].get("waiting", {}).get("deadline") is not None
    ]
    how = "its timeout decides it here" if len(timed) == len(waiting) else "no timeout decides it"
    return (
        f"harmonia: {', '.join(waiting)} waits for approval ({how}); to decide by hand, "
        "run the workflow in harmoniad and use `harmonia approve`. Ctrl+C cancels."
    )


def may_rest_at_a_gate(statuses: Mapping[str, str]) -> bool:
    """Whether the statuses folded from the events say a gate waits and nothing runs: the
    moment to ask the daemon whether the execution is at rest (`at_rest_at_a_gate`)."""
    waiting = False
    for status in statuses.values():
        if status in _ACTIVE:
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
        if task.status in _ACTIVE:
            return False
        parents = [tasks[p].status for p in task.depends_on if p in tasks]
        if task.status == "pending" and task.parent is None and all(s in _ENDED for s in parents):
            return False
    return True
