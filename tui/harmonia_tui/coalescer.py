"""Batching of live events between screen updates.

Events can arrive thousands a second; drawing after each would starve the terminal. The screen
is therefore updated at most about twenty times a second, each update applying every event that
arrived since the previous one, exactly once.
"""

from __future__ import annotations

from harmonia.client import Event

__all__ = ["Coalescer"]


class Coalescer:
    """Collects events between screen updates.

    `push` says when the first event of a batch arrives; the caller then schedules one update
    `delay(now)` seconds later, which is `interval` after the previous update (at once if
    that is past); `take` hands over the batch. However fast events come, the screen changes
    at most 1/interval times a second, and every event is applied exactly once.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self._pending: list[Event] = []
        self._scheduled = False
        self._last_take = float("-inf")
        self.batches = 0
        self.events = 0

    def push(self, event: Event) -> bool:
        """Queue an event; True when an update must be scheduled."""
        self._pending.append(event)
        if self._scheduled:
            return False
        self._scheduled = True
        return True

    def delay(self, now: float) -> float:
        """Seconds to wait before the update: the rest of the interval since the last one."""
        return max(0.0, self._last_take + self.interval - now)

    def take(self, now: float | None = None) -> list[Event]:
        batch, self._pending = self._pending, []
        self._scheduled = False
        if now is not None:
            self._last_take = now
        if batch:
            self.batches += 1
            self.events += len(batch)
        return batch

    @property
    def pending(self) -> int:
        return len(self._pending)
