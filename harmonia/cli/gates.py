"""`harmonia run` while its execution waits at an approval gate: the run is at rest but not
over, so the command keeps following it until a gate's timeout (the only one who can decide in
this process) lets it go on, and says so.
"""

from __future__ import annotations

import anyio

from harmonia.state import ExecutionState

__all__ = ["DecisionSignal", "gate_notice"]


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
