"""Virtual time for engine tests on both anyio backends: when nothing has happened for
AUTOJUMP real seconds, the clock jumps to the next timer instead of waiting for it. Retry
backoffs, task time-outs and checkpoint intervals then take their real values (seconds,
minutes) and cost no wall time.

The engine reads time only through its event loop (`anyio.sleep`, `fail_after`,
`move_on_after`, `anyio.current_time`), so replacing the loop's clock is the injection point:
trio has `MockClock(autojump_threshold=...)`; `VirtualTimeLoop` is the same for asyncio.

The clock also jumps while a worker thread (the journal's commits) is busy, as trio's does:
a test under virtual time gives its own waits deadlines far beyond its timers, and does not
poll (each poll is a timer the clock jumps to).
"""

from __future__ import annotations

import asyncio
import selectors
from typing import Any

from trio.testing import MockClock

AUTOJUMP = 0.01
"""Real seconds of idleness before the clock jumps: above 0 so that a thread's wake-up, which
usually comes within it, is seen before time moves (trio's `autojump_threshold`)."""


class _JumpingSelector(selectors.BaseSelector):
    """The default selector, except that a wait for a timer returns after AUTOJUMP at most,
    the clock moved to the timer (I/O, or a thread's wake-up, meanwhile is seen first)."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self._inner = selectors.DefaultSelector()
        self._loop = loop

    def register(
        self, fileobj: selectors._FileObject, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: selectors._FileObject) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(
        self, fileobj: selectors._FileObject, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None or timeout <= AUTOJUMP:  # no timer at all, or one due very soon
            return self._inner.select(timeout)
        ready = self._inner.select(AUTOJUMP)
        if not ready:
            self._loop.advance(timeout - AUTOJUMP)
        return ready

    def get_map(self) -> Any:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on virtual time: `time()` is real time plus every jump made so far."""

    def __init__(self) -> None:
        self._jumped = 0.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return super().time() + self._jumped

    def advance(self, seconds: float) -> None:
        self._jumped += seconds


def virtual_time_backend(name: str) -> tuple[str, dict[str, Any]]:
    """The `anyio_backend` value that runs a test on `name` ("asyncio" or "trio") on virtual
    time, with a fresh clock (tests/conftest.py uses it for `@pytest.mark.virtual_time`)."""
    if name == "trio":
        return ("trio", {"clock": MockClock(autojump_threshold=AUTOJUMP)})
    return ("asyncio", {"loop_factory": VirtualTimeLoop})
