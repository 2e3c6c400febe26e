"""A clock tests move by hand, for the scheduler (`harmonia.schedules.clock.Clock`).

`advance` moves wall time and wakes every sleeper whose deadline passed, so a test of a
month of schedules runs in milliseconds on asyncio and trio alike (trio's `MockClock` is the
model; anyio's asyncio backend has none).
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import anyio.lowlevel


class FakeClock:
    def __init__(self, start: float) -> None:
        self.t = start
        self._sleepers: list[tuple[float, anyio.Event]] = []

    def now(self) -> float:
        return self.t

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self.t:
            await anyio.lowlevel.checkpoint()
            return
        entry = (deadline, anyio.Event())
        self._sleepers.append(entry)  # before any checkpoint: an `advance` cannot miss it
        try:
            await entry[1].wait()
        finally:
            self._sleepers.remove(entry)

    def advance(self, seconds: float) -> int:
        """Move the time on; returns how many sleepers it woke."""
        self.t += seconds
        woken = 0
        for deadline, event in list(self._sleepers):
            if deadline <= self.t and not event.is_set():
                event.set()
                woken += 1
        return woken

    @property
    def sleeping(self) -> int:
        return len(self._sleepers)


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait (real time, at most `within` seconds) until `condition()` holds."""
    with anyio.fail_after(within):
        while not condition():  # noqa: ASYNC110 - the loop's state changes without a signal
            await anyio.sleep(0.001)
