"""When the cyclic garbage collector may skip the objects of large live executions.

A running execution holds a few objects per task that live exactly as long as it does: the
workflow and its document, the compiled plan, every task's state. None of them is ever part of
a garbage cycle while the execution runs, yet each full (oldest-generation) collection walks all
of them, and CPython starts one each time the survivors since the last one reach a quarter of
the old heap. For a 100,000-task execution that was most of its run time: 19 full collections
took 7.6 s of a 29 s run, finding nothing.

`gc.freeze()` moves every object alive at that moment into a permanent generation that the
collector does not scan. Reference counting still frees those objects the moment they are no
longer used; what freezing gives up is only the collection of garbage *cycles* among them. So
the engine freezes once a large execution's long-lived state is built and unfreezes when no
large execution is live any more: frozen cycles (say, from a request handler that was running
at the freeze) are collected then, at the latest. Small executions never freeze: their objects
cost the collector little, and a daemon running only those never holds anything back.

The permanent generation belongs to the whole process. If something else froze objects first,
that is its policy, which an `unfreeze()` here would undo: the engine then does not freeze.
"""

from __future__ import annotations

import gc

from harmonia.gcpause import cycle_collection_paused as cycle_collection_paused  # re-export

DEFAULT_FREEZE_MIN_TASKS = 2_000
"""Executions with fewer tasks than this do not freeze the heap (see the module docstring)."""


class _HeapFreezer:
    """Process-wide: who asked for the heap to stay frozen. The garbage collector is one per
    process, so every engine in it shares this."""

    def __init__(self) -> None:
        self._holders: set[object] = set()
        self._ours = False

    def hold(self, holder: object) -> bool:
        """Freeze everything alive now, on behalf of `holder`; True if frozen."""
        if not self._ours and gc.get_freeze_count():
            return False  # someone else's freeze: leave the permanent generation alone
        gc.freeze()
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

    @property
    def holders(self) -> int:
        return len(self._holders)


heap_freezer = _HeapFreezer()
