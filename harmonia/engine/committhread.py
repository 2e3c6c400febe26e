"""One thread for the journal's blocking writes, handed each commit without a trip round the loop.

`anyio.to_thread.run_sync` yields to a busy loop twice before its thread gets the work, and each
commit then waits behind every ready callback. Here the commit goes on a queue the thread reads
at once; it reports back with `anyio.from_thread.run_sync` (asyncio and trio alike).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import anyio
from anyio.from_thread import run_sync as run_sync_on_loop
from anyio.lowlevel import EventLoopToken, current_token

Job = Callable[[], None]


class _Commit:
    """One job in flight: the loop waits on `finished`; `error` is what the job raised."""

    __slots__ = ("error", "finished", "job")

    def __init__(self, job: Job) -> None:
        self.job = job
        self.finished = anyio.Event()
        self.error: BaseException | None = None


class CommitThread:
    """Runs jobs one at a time in its own thread; `run(job)` awaits the job's end.

    Use it as an async context manager inside the loop that calls `run`."""

    def __init__(self, name: str = "harmonia commit") -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[_Commit | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._token: EventLoopToken | None = None

    async def __aenter__(self) -> CommitThread:
        self._token = current_token()
        self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
        self._thread.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._jobs.put(None)  # the thread ends once it is idle; nothing is left in flight

    async def run(self, job: Job) -> None:
        """Run `job` in the thread and wait for it; its exception is raised here.

        Once handed over, a job always runs to its end: a cancelled caller still waits for
        it (a write cut short by shutdown would be a torn journal line)."""
        if self._thread is None:
            raise RuntimeError("CommitThread.run() outside `async with`")
        commit = _Commit(job)
        self._jobs.put(commit)
        with anyio.CancelScope(shield=True):
            await commit.finished.wait()
        if commit.error is not None:
            raise commit.error

    def _serve(self) -> None:
        while (commit := self._jobs.get()) is not None:
            try:
                commit.job()
            except BaseException as exc:  # handed to the waiting coroutine, raised there
                commit.error = exc
            try:
                run_sync_on_loop(commit.finished.set, token=self._token)
            except (anyio.RunFinishedError, RuntimeError):  # RuntimeError: loop closed
                return  # the loop is gone: nobody is waiting any more
