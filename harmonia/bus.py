"""Live fan-out of durable events to any number of subscribers.

Each subscriber has a bounded buffer, so a slow consumer never slows the engine or grows
memory without bound. When a buffer overflows it is dropped and the subscriber is marked as
lagging; its iterator then re-reads what it missed from the journal (which holds every event
that was ever published, since publishing happens only after the journal write is durable)
and continues live, skipping what it has already seen. The consumer sees every event exactly
once, in `seq` order per execution.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from typing import Protocol

import anyio

from harmonia.events import TERMINAL_WORKFLOW_EVENTS, Event


class Replay(Protocol):
    """Read an execution's journal after a seq, at most `limit` events (all with None); runs
    the file read in a worker thread."""

    async def __call__(
        self, execution_id: str, after_seq: int, limit: int | None = None
    ) -> list[Event]: ...


DEFAULT_BUFFER = 10_000


class Subscription:
    """An async iterator of events for one execution (or all of them, `execution_id=None`)."""

    def __init__(
        self,
        bus: EventBus,
        execution_id: str | None,
        after: dict[str, int],
        *,
        maxsize: int,
        until_finished: bool,
        replay_from_start: bool,
    ) -> None:
        self._bus = bus
        self.execution_id = execution_id
        self._seen: dict[str, int] = dict(after)
        self._buffer: deque[Event] = deque()
        self._maxsize = maxsize
        self._wakeup = anyio.Event()
        self._needs_replay = replay_from_start
        self._until_finished = until_finished
        self._closed = False
        self._close_after_replay = False
        self._pending: deque[Event] = deque()
        self._ready: deque[Event] = deque()
        self.lag_count = 0
        """How many times this subscriber fell behind and caught up from the journal."""

    # called by the bus, on the event loop
    def _offer(self, event: Event) -> None:
        if self._closed:
            return
        # The first event of an execution offered live marks where this subscription starts
        # for it: a catch-up after an overflow replays from there, never from before.
        self._seen.setdefault(event.execution_id, event.seq - 1)
        if len(self._buffer) >= self._maxsize:
            self._buffer.clear()
            self._needs_replay = True
            self.lag_count += 1
        self._buffer.append(event)
        self._wakeup.set()

    def end_after_replay(self) -> None:
        """End the iteration once the journal history is delivered (nothing live will come)."""
        if self._needs_replay:
            self._close_after_replay = True
        else:
            self.close()

    def close(self) -> None:
        """Stop the iteration (the consumer's `async for` ends after what it already has)."""
        self._closed = True
        self._bus._unsubscribe(self)
        self._wakeup.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        if not self._ready:
            self._ready.extend(await self.next_batch())
            if not self._ready:
                raise StopAsyncIteration
        return self._ready.popleft()

    async def next_batch(self, limit: int = 1000) -> list[Event]:
        """Wait for at least one event, then take everything ready (at most `limit`), in seq
        order; `[]` means the subscription has ended. Same guarantees as iterating one by one:
        every event exactly once, catching up from the journal after an overflow."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        batch: list[Event] = []
        while self._ready and len(batch) < limit:
            batch.append(self._ready.popleft())  # left over by `__anext__`: already delivered
        while True:
            while self._pending and len(batch) < limit:
                event = self._pending.popleft()
                if self._accept(event):
                    batch.append(self._deliver(event))
            if self._pending or len(batch) >= limit:
                return batch
            if self._needs_replay:
                # the journal first (a page at a time): the buffer holds only later events
                if batch:
                    return batch
                self._needs_replay = False
                await self._catch_up()
                if self._close_after_replay and not self._needs_replay:
                    self.close()
                continue
            while self._buffer and len(batch) < limit:
                event = self._buffer.popleft()
                if self._accept(event):
                    batch.append(self._deliver(event))
            if batch or self._closed:
                return batch
            self._wakeup = anyio.Event()
            if not self._buffer and not self._closed and not self._needs_replay:
                await self._wakeup.wait()

    def _accept(self, event: Event) -> bool:
        return event.seq > self._seen.get(event.execution_id, 0)

    def _deliver(self, event: Event) -> Event:
        self._seen[event.execution_id] = event.seq
        if (
            self._until_finished
            and self.execution_id is not None
            and event.type in TERMINAL_WORKFLOW_EVENTS
        ):
            self.close()
        return event

    async def _catch_up(self) -> None:
        """Queue the next page of missed events (at most `maxsize`); with more in the journal,
        catch up again once they are delivered."""
        # every execution this subscription was offered an event of is in `_seen` (see `_offer`)
        ids = [self.execution_id] if self.execution_id is not None else list(self._seen)
        room = self._maxsize
        for execution_id in ids:
            page = await self._bus.replay(execution_id, self._seen.get(execution_id, 0), room)
            page = page[:room]
            self._pending.extend(page)
            room -= len(page)
            if room <= 0:
                self._needs_replay = True  # perhaps more after this page
                return


class EventBus:
    """Publishes durable events to subscribers; knows nothing of files beyond `replay`."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self._by_execution: dict[str, set[Subscription]] = {}
        self._global: set[Subscription] = set()
        self._published: dict[str, int] = {}

    def subscribe(
        self,
        execution_id: str | None = None,
        *,
        after_seq: int | None = None,
        maxsize: int = DEFAULT_BUFFER,
        until_finished: bool = False,
    ) -> Subscription:
        """Subscribe now. With `after_seq`, first replay the journal after that seq (e.g. an SSE
        client's Last-Event-ID, or 0 for the whole history), then go on live without a gap."""
        after = (
            {execution_id: after_seq} if execution_id is not None and after_seq is not None else {}
        )
        sub = Subscription(
            self,
            execution_id,
            after,
            maxsize=maxsize,
            until_finished=until_finished,
            replay_from_start=after_seq is not None and execution_id is not None,
        )
        if execution_id is None:
            self._global.add(sub)
        else:
            self._by_execution.setdefault(execution_id, set()).add(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        if sub.execution_id is None:
            self._global.discard(sub)
        else:
            subs = self._by_execution.get(sub.execution_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._by_execution[sub.execution_id]

    def publish(self, event: Event) -> None:
        """Hand a durable event to every interested subscriber (never blocks)."""
        self._published[event.execution_id] = event.seq
        subs = self._by_execution.get(event.execution_id)
        if subs:
            for sub in tuple(subs):
                sub._offer(event)
        for sub in tuple(self._global):
            sub._offer(event)

    def published_seq(self, execution_id: str) -> int | None:
        """The last seq published for an execution in this process, if any."""
        return self._published.get(execution_id)

    def subscriber_count(self) -> int:
        return len(self._global) + sum(len(s) for s in self._by_execution.values())

    def close_all(self) -> None:
        """End every subscription (shutdown): consumers' loops finish cleanly."""
        for sub in list(self._global):
            sub.close()
        for subs in list(self._by_execution.values()):
            for sub in list(subs):
                sub.close()
