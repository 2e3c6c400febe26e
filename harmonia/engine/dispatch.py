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
    unclaimed while a worker is busy (it calls `get` when done) or has been woken for it."""

    __slots__ = ("_closed", "_idle", "_items")

    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._idle: deque[anyio.Event] = deque()
        self._closed = False

    def send_nowait(self, item: T) -> None:
        """Queue an item; `ready` wakes the workers for what was queued."""
        self._items.append(item)

    def ready(self, *, keep: bool = False) -> None:
        """Wake an idle worker per queued item; `keep`: the caller is a worker about to `get`,
        and takes one of them itself."""
        wanted = len(self._items) - keep
        idle = self._idle
        while wanted > 0 and idle:
            idle.popleft().set()
            wanted -= 1

    def close(self) -> None:
        """No more items: idle workers end, busy ones end once they ask for more."""
        self._closed = True
        idle, self._idle = self._idle, deque()
        for event in idle:
            event.set()

    async def get(self) -> T | None:
        """The next item, or None once closed with nothing left. Yields to the loop first,
        as every receive from a stream does: a worker never runs task after task without
        letting the rest of the loop (the journal's commits, subscribers) in."""
        await checkpoint()
        items = self._items
        while not items:
            if self._closed:
                return None
            event = anyio.Event()
            self._idle.append(event)
            await event.wait()
        return items.popleft()
