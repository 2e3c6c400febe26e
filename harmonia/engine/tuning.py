"""Process-wide tuning for a program that runs an engine: `harmonia run`, `harmoniad`.

The cyclic collector and the GIL's switch interval belong to the whole process, so only the
program that owns it applies them, by handing `ProcessTuning()` to `open_engine(hooks=...)`; an
`Engine` used as a library changes neither. Figures: bench/RESULTS.md.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from harmonia.engine.hooks import EngineHooks

__all__ = [
    "DEFAULT_FREEZE_MIN_TASKS",
    "PYTHON_DEFAULT_INTERVAL",
    "WRITER_SWITCH_INTERVAL",
    "YOUNG_THRESHOLD",
    "ProcessTuning",
    "heap_freezer",
    "switch_interval",
]

DEFAULT_FREEZE_MIN_TASKS = 2_000
"""Executions with fewer tasks do not freeze the heap: their objects cost the collector little."""

YOUNG_THRESHOLD = 10_000
"""Allocations between two collections of the youngest generation while the heap is frozen."""

PYTHON_DEFAULT_INTERVAL = 0.005
"""`sys.getswitchinterval()` of a process that never changed it."""

WRITER_SWITCH_INTERVAL = 0.001
"""Seconds a thread waits for the GIL before asking for it, while a writer runs."""


class ProcessTuning(EngineHooks):
    """The hooks that tune the process for one engine (give each engine its own instance).

    While a large execution is live its long-lived objects (workflow, plan, task states,
    schedule) are frozen out of the collector's full passes, which walk them all and never
    find a cycle; while the writer runs, the commit thread gets the GIL from a busy loop
    within a millisecond instead of waiting for the workers to pause."""

    def __init__(self, *, freeze_min_tasks: int | None = DEFAULT_FREEZE_MIN_TASKS) -> None:
        self.freeze_min_tasks = freeze_min_tasks
        """Executions of at least this many tasks freeze the heap; None never freezes."""

    def execution_built(self, execution_id: str, task_count: int) -> None:
        limit = self.freeze_min_tasks
        if limit is not None and task_count >= limit:
            heap_freezer.hold((id(self), execution_id))

    def execution_released(self, execution_id: str) -> None:
        heap_freezer.release((id(self), execution_id))

    def writer_started(self) -> None:
        switch_interval.hold()

    def writer_stopped(self) -> None:
        switch_interval.release()


class _HeapFreezer:
    """Who asked for the heap to stay frozen: one collector per process, shared by every engine.

    `gc.freeze()` moves every live object into a permanent generation the collector does not
    scan; reference counting still frees them, only cycles among them wait until the last
    holder lets go (`gc.unfreeze()`). A freeze made by someone else is their policy: an
    `unfreeze()` here would undo it, so then nothing is frozen here at all."""

    def __init__(self) -> None:
        self._holders: set[object] = set()
        self._ours = False
        self._threshold: tuple[int, int, int] | None = None
        """The collector's thresholds before `hold` raised the youngest one, to put back."""

    def hold(self, holder: object) -> bool:
        """Freeze everything alive now, on behalf of `holder`; True if frozen. While frozen,
        the youngest generation is collected every `YOUNG_THRESHOLD` allocations rather than
        700: a run allocates a few short-lived containers per event, freed by reference
        counting, and ~190 young passes (with their promotions) cost a 10,000-task run ~0.1 s."""
        if not self._ours and gc.get_freeze_count():
            return False  # someone else's freeze: leave the permanent generation alone
        gc.freeze()
        if not self._ours:
            young, middle, old = gc.get_threshold()
            if young < YOUNG_THRESHOLD:
                self._threshold = (young, middle, old)
                gc.set_threshold(YOUNG_THRESHOLD, middle, old)
        self._ours = True
        self._holders.add(holder)
        return True

    def release(self, holder: object) -> None:
        """`holder` is done; with no holder left, hand the frozen objects back to the
        collector (into the oldest generation, collected at its next pass)."""
        if holder not in self._holders:
            return
        self._holders.discard(holder)
        if not self._holders and self._ours:
            gc.unfreeze()
            self._ours = False
            before, self._threshold = self._threshold, None
            if before is not None and gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:]):
                gc.set_threshold(*before)  # unless someone set other thresholds meanwhile

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """`hold` for the length of a block, the block being the holder."""
        holder = object()
        self.hold(holder)
        try:
            yield
        finally:
            self.release(holder)

    @property
    def holders(self) -> int:
        return len(self._holders)


heap_freezer = _HeapFreezer()


class _SwitchInterval:
    """The writers that want the shorter switch interval (one per running engine).

    CPython makes a thread waiting for the GIL ask for it only after a whole interval in which
    the holder never let go; a busy loop lets go at every poll, which resets that wait. The
    interval is lowered only from Python's default (anything else is somebody's choice) and
    the default comes back when the last writer stops."""

    def __init__(self) -> None:
        self._holders = 0
        self._ours = False

    def hold(self) -> None:
        if self._holders == 0 and sys.getswitchinterval() == PYTHON_DEFAULT_INTERVAL:
            sys.setswitchinterval(WRITER_SWITCH_INTERVAL)
            self._ours = True
        self._holders += 1

    def release(self) -> None:
        self._holders -= 1
        if self._holders == 0 and self._ours:
            # put the default back unless someone changed the interval meanwhile
            if sys.getswitchinterval() == WRITER_SWITCH_INTERVAL:
                sys.setswitchinterval(PYTHON_DEFAULT_INTERVAL)
            self._ours = False

    @contextmanager
    def shortened(self) -> Iterator[None]:
        self.hold()
        try:
            yield
        finally:
            self.release()


switch_interval = _SwitchInterval()
