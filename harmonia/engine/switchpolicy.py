"""How soon the journal's writer thread gets the GIL from a busy event loop.

Each group commit runs in a worker thread (write and fsync must not block the loop), and that
thread needs the GIL to start and again to return. CPython makes a thread that waits for the GIL
ask its holder to let go only after a full switch interval (5 ms by default) in which the
holder never released it. An event loop releases the GIL for an instant at every poll, which
counts as a switch, so a loop that is never idle for long keeps the thread waiting far longer
than 5 ms: in a fast 10,000-task run each commit waited ~50 ms for its thread, until the
workers paused to let it through (`DurableWriter.make_room`). That pause, 25 times a run, was
40% of the run's time.

With a 1 ms interval the thread gets in within a few loop iterations: the same run takes about
0.7 s instead of 1.1 s, and the journal trails the engine by less. The interval matters only
while some thread waits for the GIL; the loop alone is never interrupted for it.

The interval belongs to the whole process. The engine lowers it while its writer runs only if
it still has Python's default (anything else is somebody's choice) and puts the default back
when the last writer in the process stops.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

PYTHON_DEFAULT_INTERVAL = 0.005
"""`sys.getswitchinterval()` of a process that never changed it."""

WRITER_SWITCH_INTERVAL = 0.001
"""Seconds a thread waits for the GIL before asking for it, while a writer runs."""


class _SwitchInterval:
    """Process-wide: the writers that want the shorter interval (one per running engine)."""

    def __init__(self) -> None:
        self._holders = 0
        self._ours = False

    @contextmanager
    def shortened(self) -> Iterator[None]:
        if self._holders == 0 and sys.getswitchinterval() == PYTHON_DEFAULT_INTERVAL:
            sys.setswitchinterval(WRITER_SWITCH_INTERVAL)
            self._ours = True
        self._holders += 1
        try:
            yield
        finally:
            self._holders -= 1
            if self._holders == 0 and self._ours:
                # put the default back unless someone changed the interval meanwhile
                if sys.getswitchinterval() == WRITER_SWITCH_INTERVAL:
                    sys.setswitchinterval(PYTHON_DEFAULT_INTERVAL)
                self._ours = False


switch_interval = _SwitchInterval()
