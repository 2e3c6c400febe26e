"""Hands ready tasks to a run's fixed pool of workers, cheaper than a memory object stream.

A worker that has just finished a task usually made the next one ready itself (a chain, most
of a DAG): it keeps that task (`ready(keep=True)`) instead of waking an idle worker for it, so
the common hand-off costs one checkpoint rather than an event, a wake-up and a task switch.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import anyio
from anyio.lowlevel import checkpoint

T = TypeVar("T")

__all__ = ["Dispatcher"]


class Dispatcher(Generic[T]):
    """A queue of items for workers: `send_nowait` queues, `ready` wakes idle workers, `get`
    takes one (None once closed and empty). Every queued item is taken: an item is only left
    unclaimed while a worker is busy (it calls `get` when done) or has been woken for it.

    Idle workers wait on one semaphore, released once per worker to wake: a release hands a
    waiting worker its turn directly, where an `anyio.Event` per wait cost its creation, a
    future and a wrapper more (a 10,000-task DAG has ~15,000 such waits; half the cost each)."""

    __slots__ = ("_closed", "_idle", "_items", "_signal", "_woken")

    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._signal = anyio.Semaphore(0)
        self._idle = 0
        """Workers waiting on `_signal`."""
        self._woken = 0
        """Releases of `_signal` that no waiting worker has taken yet (at most `_idle`)."""
        self._closed = False

    def send_nowait(self, item: T) -> None:
        """Queue an item; `ready` wakes the workers for what was queued."""
        self._items.append(item)

    def ready(self, *, keep: bool = False) -> None:
        """Wake an idle worker per queued item; `keep`: the caller is a worker about to `get`,
        and takes one of them itself."""
        wake = min(len(self._items) - keep, self._idle - self._woken)
        if wake > 0:
            self._woken += wake
            for _ in range(wake):
                self._signal.release()

    def close(self) -> None:
        """No more items: idle workers end, busy ones end once they ask for more."""
        self._closed = True
        wake = self._idle - self._woken
        self._woken += wake
        for _ in range(wake):
            self._signal.release()

    async def get(self) -> T | None:
        """The next item, or None once closed with nothing left. Yields to the loop first,
        as every receive from a stream does: a worker never runs task after task without
        letting the rest of the loop (the journal's commits, subscribers) in."""
        await checkpoint()
        items = self._items
        while not items:
            if self._closed:
                return None
            self._idle += 1
            try:
                await self._signal.acquire()
            finally:
                self._idle -= 1
            self._woken -= 1  # (another worker may have taken the item meanwhile: look again)
        return items.popleft()
