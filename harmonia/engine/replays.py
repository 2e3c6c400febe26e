"""Journal pages read for subscribers that fell behind, shared by those asking for the same events.

When a burst of events outruns many subscribers at once (50 SSE clients of a 5,000-task run),
each used to read and decode the same part of the journal for itself: in the listing bench
that was over half of the daemon's CPU, in worker threads whose hold on the GIL starved the
event loop (`/health` took seconds). Here one read serves every subscriber asking for events
it holds, and concurrent misses for one execution wait for the read already under way.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio

from harmonia.events import Event

__all__ = ["KEPT_EVENTS", "SharedReplays"]

KEPT_EVENTS = 20_000
"""Decoded events kept per execution (two pages of a daemon's subscriber buffer): subscribers
falling behind at nearby seqs share them."""
KEPT_EXECUTIONS = 2
"""Executions whose recent pages are kept (the least recently read are dropped). Only pages
of subscribers catching up are kept (they ask for at most a buffer's worth); whole histories
asked for by a listing of events or a replaying stream are not."""


class SharedReplays:
    """`EventBus`'s replay: every event after a seq that the journal holds and the bus has
    published (at most `limit`), from a kept run of consecutive events when it covers them,
    else read in a worker thread by `read` and kept for the next subscriber.

    Only published events are handed out (a line on disk may not be fsynced yet), so a kept
    run covers a request once it reaches the published seq or the request's limit; an
    execution nothing was published of here is read every time (the journal is its only
    record of how far it goes)."""

    def __init__(
        self,
        read: Callable[[str, int, int | None], list[Event]],
        published: Callable[[str], int | None],
        *,
        keep: int = KEPT_EVENTS,
        executions: int = KEPT_EXECUTIONS,
    ) -> None:
        self._read = read
        self._published = published
        self._keep = keep
        self._executions = executions
        self._kept: dict[str, list[Event]] = {}
        """Per execution, a run of events with consecutive seqs."""
        self._reading: dict[str, anyio.Event] = {}
        self.reads = 0
        """How many times the journal was read (the other replays were served from memory)."""

    async def __call__(
        self, execution_id: str, after_seq: int, limit: int | None = None
    ) -> list[Event]:
        while True:
            published = self._published(execution_id)
            if published is None:
                self.reads += 1
                return await anyio.to_thread.run_sync(self._read, execution_id, after_seq, limit)
            want = published if limit is None else min(published, after_seq + limit)
            if want <= after_seq:
                return []
            kept = self._slice(execution_id, after_seq, want)
            if kept is not None:
                return kept
            reading = self._reading.get(execution_id)
            if reading is None:
                break
            await reading.wait()  # then look again: that read may cover this request
        self._reading[execution_id] = done = anyio.Event()
        try:
            self.reads += 1
            events = await anyio.to_thread.run_sync(self._read, execution_id, after_seq, limit)
        finally:
            del self._reading[execution_id]
            done.set()
        published = self._published(execution_id)  # it may have moved during the read
        if published is not None:
            events = [e for e in events if e.seq <= published]
        if limit is not None:  # a subscriber's page: others behind as far may follow
            self._remember(execution_id, after_seq, events)
        return events

    def clear(self) -> None:
        """Forget every kept event (nobody is catching up now)."""
        self._kept = {}

    @property
    def kept(self) -> int:
        return sum(len(run) for run in self._kept.values())

    def _slice(self, execution_id: str, after_seq: int, want: int) -> list[Event] | None:
        run = self._kept.get(execution_id)
        if not run:
            return None
        first, last = run[0].seq, run[-1].seq
        if first > after_seq + 1 or last < want:
            return None
        return run[after_seq + 1 - first : want + 1 - first]

    def _remember(self, execution_id: str, after_seq: int, events: list[Event]) -> None:
        if not events or events[0].seq != after_seq + 1:
            return
        if events[-1].seq - events[0].seq != len(events) - 1:
            return  # not consecutive (never in a sound journal): keep nothing
        run = self._kept.pop(execution_id, None)
        if run and run[0].seq <= after_seq + 1 <= run[-1].seq + 1:
            run = run[: after_seq + 1 - run[0].seq] + events  # joined: one longer run
        else:
            run = events
        self._kept[execution_id] = run[-self._keep :]  # the most recently read last
        while len(self._kept) > self._executions:
            del self._kept[next(iter(self._kept))]
