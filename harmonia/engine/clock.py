"""The event loop's clock for the engine's hot path, found once per run.

`anyio.current_time()` asks sniffio which backend runs and looks the backend up at every call
(~4.6k instructions; `time.monotonic` is ~0.6k), and a task reads the clock twice. The engine
must stay on the loop's clock (tests replace it: `tests/helpers/virtual_time.py`), so the
backend is asked once and its own clock is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from anyio.lowlevel import current_token

__all__ = ["loop_clock"]


def loop_clock() -> Callable[[], float]:
    """The running backend's clock: the same values as `anyio.current_time()` in this event
    loop (call it there)."""
    return current_token().backend_class.current_time
