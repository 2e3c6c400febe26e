"""The scheduler's clock: wall time (planned times are wall times) and a way to wait.

Injected so that tests move time by hand and run instantly (`tests/helpers/fake_clock.py`).
"""

from __future__ import annotations

import math
import time
from typing import Protocol

import anyio

__all__ = ["MAX_NAP", "Clock", "SystemClock"]

MAX_NAP = 30.0
"""The longest single wait: a wall clock set forward or back is noticed within this."""


class Clock(Protocol):
    def now(self) -> float:
        """Epoch seconds."""

    async def sleep_until(self, deadline: float) -> None:
        """Wait until `now()` reaches `deadline` (math.inf: until cancelled), or return a
        little early (the caller checks the time again)."""


class SystemClock:
    def now(self) -> float:
        return time.time()

    async def sleep_until(self, deadline: float) -> None:
        if math.isinf(deadline):
            await anyio.sleep_forever()
        await anyio.sleep(min(max(deadline - time.time(), 0.0), MAX_NAP))
