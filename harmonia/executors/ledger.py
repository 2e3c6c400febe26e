"""Which submissions the engine still waits for, so that a result is applied at most once.

Results come from Dask's threads; the engine's loop takes them from one inbox (`serve`), so
no foreign thread ever waits on the loop. A result whose key is not awaited (the attempt timed
out, was cancelled, or its worker was lost and the engine moved on) is ignored and recorded.
"""

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread

__all__ = ["CANCELLED", "Ledger", "Outcome", "Resolve", "Submission"]

logger = logging.getLogger("harmonia.executors")

Outcome = tuple[str, Any]
"""("ok", output JSON bytes) | ("error", a TaskError document) | CANCELLED."""
Resolve = Callable[[list[tuple[str, Any]]], list[tuple[str, Outcome]]]
"""Posted (key, handle) pairs to (key, outcome) pairs, in a worker thread."""
CANCELLED: Outcome = ("cancelled", None)
_STOP = object()
_KEPT = 50


@dataclass(slots=True)
class Submission:
    """One awaited attempt: set `done` once its outcome is in."""

    done: anyio.Event = field(default_factory=anyio.Event)
    outcome: Outcome | None = None
    abandoned: str | None = None
    """Why the engine stopped waiting (timeout, cancel), when it did."""


class Ledger:
    """Awaited submission keys, and the record of results that came for none."""

    def __init__(self) -> None:
        self._waiting: dict[str, Submission] = {}
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.ignored = 0
        """Results ignored since the start: their attempt was given up, or they came twice."""
        self.recent: deque[dict[str, Any]] = deque(maxlen=_KEPT)

    def expect(self, key: str) -> Submission:
        slot = self._waiting[key] = Submission()
        return slot

    def abandon(self, key: str, reason: str) -> None:
        """The engine gave the attempt up; a result that still comes is ignored."""
        slot = self._waiting.get(key)
        if slot is not None:
            slot.abandoned = reason

    def post(self, key: str, item: Any) -> None:
        """From any thread: hand a result to the loop (an `Outcome`, or a handle that the
        `resolve` given to `serve` turns into one)."""
        self._inbox.put((key, item))

    def deliver(self, key: str, outcome: Outcome) -> bool:
        """Apply a result on the loop; False (and recorded) when nobody waits for it."""
        slot = self._waiting.get(key)
        if slot is None or slot.abandoned is not None or slot.outcome is not None:
            if outcome[0] != "cancelled":  # a confirmed cancel brings nothing to ignore
                self._record(key, outcome, "late" if slot is None else slot.abandoned or "again")
            if slot is not None and slot.abandoned is not None:
                del self._waiting[key]
            return False
        slot.outcome = outcome
        slot.done.set()
        return True

    def forget(self, key: str) -> None:
        """The caller has its result (or gave up and the cancel is confirmed)."""
        slot = self._waiting.get(key)
        if slot is not None and slot.abandoned is None:
            del self._waiting[key]

    def _record(self, key: str, outcome: Outcome, why: str) -> None:
        self.ignored += 1
        self.recent.append({"key": key, "result": outcome[0], "why": why, "at": time.time()})
        logger.warning("ignored a %s result for %s (attempt given up: %s)", outcome[0], key, why)

    @property
    def waiting(self) -> int:
        return sum(1 for slot in self._waiting.values() if slot.abandoned is None)

    async def serve(self, resolve: Resolve | None = None) -> None:
        """Deliver posted results until `close`, a whole batch per wake-up. `resolve` (run in
        a worker thread) turns a batch of posted handles into outcomes at once: one round trip
        to the cluster for many results, not one each."""
        inbox = self._inbox
        while True:
            item = await anyio.to_thread.run_sync(inbox.get, abandon_on_cancel=True)
            batch: list[tuple[str, Any]] = []
            stop = False
            while True:
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
                try:
                    item = inbox.get_nowait()
                except queue.Empty:
                    break
            if resolve is not None and batch:
                batch = await anyio.to_thread.run_sync(resolve, batch, abandon_on_cancel=True)
            for key, outcome in batch:
                self.deliver(key, outcome)
            if stop:
                return

    def close(self) -> None:
        self._inbox.put(_STOP)
