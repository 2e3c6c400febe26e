"""Giving memory back to the system once streams have ended.

Streaming a long history to many clients allocates and frees a lot at once: encoded chunks,
socket buffers, the journal read in a worker thread. Python frees all of it, but glibc's malloc
keeps freed pages mapped in its heaps (one per thread that allocated) unless they sit at a heap's
top: 50 clients replaying a 20,000-event history left ~45 MB in the daemon that no Python object
used. `malloc_trim(0)` returns those pages; it takes milliseconds to tens of them, so it runs
in a worker thread (ctypes releases the GIL), once the streams have been quiet for a moment.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

import anyio

__all__ = ["MemoryTrimmer"]

logger = logging.getLogger("harmoniad.memory")

QUIET_SECONDS = 1.0
"""How long after the last stream ended the trim waits: a burst of endings costs one trim."""


def _find_malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none (musl, macOS). Looked up
    first among the symbols the process has loaded (Python's C library): `find_library`
    runs `ldconfig -p` in a subprocess, ~7 ms of every daemon start."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        name = ctypes.util.find_library("c")
        if name is None:
            return None
        try:
            trim = ctypes.CDLL(name).malloc_trim
        except (OSError, AttributeError):
            return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


class MemoryTrimmer:
    """Trims the C heap `QUIET_SECONDS` after `request()` (the last stream ended), at most
    once per such quiet spell; `run()` does the waiting, in the daemon's task group."""

    def __init__(self, quiet: float = QUIET_SECONDS) -> None:
        self.quiet = quiet
        self.trims = 0
        """How many trims ran (for tests and logs)."""
        self._wanted: anyio.Event | None = None
        self._trim = _find_malloc_trim()

    @property
    def available(self) -> bool:
        return self._trim is not None

    def request(self) -> None:
        self._event().set()

    def _event(self) -> anyio.Event:
        if self._wanted is None:
            self._wanted = anyio.Event()
        return self._wanted

    async def run(self) -> None:
        trim = self._trim
        if trim is None:
            return
        while True:
            await self._event().wait()
            await anyio.sleep(self.quiet)
            self._wanted = None  # requests from here on ask for the next trim
            await anyio.to_thread.run_sync(trim, 0)
            self.trims += 1
            logger.debug("gave freed memory back to the system after streams ended")
