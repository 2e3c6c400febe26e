"""The single writer: group commit of journal appends, then publication.

Everything that touches files goes through here, in submission order, in one worker thread at
a time, so the event loop never blocks on a disk write and no two writers race on a file. An
event is handed to subscribers only after the batch that holds it has been fsynced: nothing is
published before it is durable.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio

from harmonia.bus import EventBus
from harmonia.events import Event
from harmonia.store import Store
from harmonia.store.store import JournalLines

FileOp = Callable[[], None]


class DurableWriter:
    """Batches events and file operations; run it with `run()` inside the engine's task group."""

    def __init__(self, store: Store, bus: EventBus, *, commit_window: float = 0.0) -> None:
        self._store = store
        self._bus = bus
        self._events: list[Event] = []
        self._ops: list[FileOp] = []
        self._wakeup = anyio.Event()
        self._submitted = 0
        self._done = 0
        self._waiters: list[tuple[int, anyio.Event]] = []
        self._closing = False
        self.commit_window = commit_window
        """Seconds to wait for more events before a commit (latency traded for throughput)."""
        self.batches = 0
        """How many group commits ran (for benchmarks and tests)."""

    def submit(self, event: Event) -> None:
        self._events.append(event)
        self._submitted += 1
        self._wakeup.set()

    def submit_op(self, op: FileOp) -> None:
        """Queue a file operation; it runs after every event submitted before it is durable."""
        self._ops.append(op)
        self._submitted += 1
        self._wakeup.set()

    @property
    def submitted(self) -> int:
        """A position in the queue, for `flush(upto=...)`."""
        return self._submitted

    async def flush(self, upto: int | None = None) -> None:
        """Return once everything submitted so far (or up to position `upto`) is on disk, and
        its events published."""
        target = self._submitted if upto is None else upto
        if self._done >= target:
            return
        done = anyio.Event()
        self._waiters.append((target, done))
        await done.wait()

    async def run(self) -> None:
        """Write batches until `close()` is called and the queue is empty."""
        while True:
            if not self._events and not self._ops:
                if self._closing:
                    return
                self._wakeup = anyio.Event()
                await self._wakeup.wait()
                continue
            if self.commit_window:
                # Let a group gather: each commit is a round trip to the worker thread, and
                # every one of those makes the loop hand over the GIL.
                await anyio.sleep(self.commit_window)
            events, self._events = self._events, []
            ops, self._ops = self._ops, []
            # Serialise here, on the loop: the worker thread then only calls write() and
            # fsync(), which release the GIL. Python work in the thread would make the loop
            # wait for the GIL (up to the 5 ms switch interval) every time it polls.
            lines = self._store.journal_lines(events)
            await anyio.to_thread.run_sync(self._write, lines, ops)
            self.batches += 1
            for event in events:
                self._bus.publish(event)
            self._done += len(events) + len(ops)
            # Drop the batch before waiting for the next one: these locals would otherwise keep
            # the last batch alive while the writer idles - after an execution's end, that is
            # its final snapshot (every task's record) and its last few thousand events.
            del events, ops, lines
            if self._waiters:
                still = []
                for target, waiter in self._waiters:
                    if target <= self._done:
                        waiter.set()
                    else:
                        still.append((target, waiter))
                self._waiters = still

    def close(self) -> None:
        """Let `run()` return once the queue is drained."""
        self._closing = True
        self._wakeup.set()

    def _write(self, lines: JournalLines, ops: list[FileOp]) -> None:
        if lines:
            self._store.append_lines(lines)
        for op in ops:
            op()
