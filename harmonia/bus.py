"""Live fan-out of durable events to any number of subscribers.

Publishing appends each event once to a shared, bounded log (one per execution that has
subscribers, and one for the subscribers to every execution); each subscriber only keeps its
position in that log. So publishing costs the same however many subscribers there are, a
reader takes a whole run of events as one slice, and memory is bounded by the log, not by the
number or the slowness of subscribers. A subscriber that falls further behind than its
`maxsize` (or off the log's end) is marked as lagging; its iterator then re-reads what it missed
from the journal (which holds every event that was ever published, since publishing happens only
after the journal write is durable) a page at a time and continues live, skipping what it has
already seen. The consumer sees every event exactly once, in `seq` order per execution.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import anyio

from harmonia.events import TERMINAL_WORKFLOW_EVENTS, Event


class Replay(Protocol):
    """Read an execution's journal after a seq, at most `limit` events (all with None); runs
    the file read in a worker thread."""

    async def __call__(
        self, execution_id: str, after_seq: int, limit: int | None = None
    ) -> list[Event]: ...


logger = logging.getLogger("harmonia.bus")

DEFAULT_BUFFER = 10_000
TRIM_STEP = 256
"""How many publications a log takes between two looks at what its subscribers have read."""


class _Log:
    """The recent publications of one execution (or of all of them), shared by its
    subscribers. Positions count publications since the log was made: `events[0]` is at
    `base`, the next publication will be at `end`."""

    __slots__ = (
        "base",
        "events",
        "first_seq",
        "keep",
        "limit",
        "subscribers",
        "trim_at",
        "wakeup",
    )

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.base = 0
        self.keep = 0
        """How many recent events to keep: the largest `maxsize` of the subscribers."""
        self.limit = 0
        """The length at which the log is trimmed back to `keep`: a quarter more (at least
        64), so that trimming moves at most 4 events per event published."""
        self.trim_at = TRIM_STEP
        """The length at which the log next drops what every subscriber has read."""
        self.subscribers: set[Subscription] = set()
        self.wakeup: anyio.Event | None = None
        self.first_seq: dict[str, int] = {}
        """Each execution's first seq published into this log."""

    def keep_at_least(self, maxsize: int) -> None:
        if maxsize > self.keep:
            self.keep = maxsize
            self.limit = maxsize + max(maxsize // 4, 64)
            self.trim_at = min(self.trim_at, self.limit + 1)

    @property
    def end(self) -> int:
        return self.base + len(self.events)

    def append(self, event: Event) -> None:
        if event.execution_id not in self.first_seq:
            self.first_seq[event.execution_id] = event.seq
        events = self.events
        events.append(event)
        if len(events) >= self.trim_at:
            self.trim()
        self.wake()

    def trim(self) -> None:
        """Drop the events every subscriber has read, and any beyond the `keep` most recent.

        A new subscriber starts at the log's end, so what all the present ones have read is
        of use to nobody: dropped, those events are freed right away instead of living on
        until `keep` later ones push them out. With 25 clients keeping up with a 10,000-task
        run that kept the daemon at 90 MB instead of 147 MB. (A subscriber closed with events
        still unread finds them in the journal, as one that fell behind does.) Checked every
        `TRIM_STEP` events: amortised O(1) per event plus O(subscribers / TRIM_STEP)."""
        events = self.events
        read_by_all = min((sub._pos for sub in self.subscribers), default=self.end) - self.base
        drop = max(read_by_all, len(events) - self.keep)
        if drop > 0:
            del events[:drop]
            self.base += drop
        self.trim_at = len(events) + TRIM_STEP
        if self.keep:
            self.trim_at = min(self.trim_at, self.limit + 1)

    def wake(self) -> None:
        wakeup = self.wakeup
        if wakeup is not None:
            self.wakeup = None
            wakeup.set()

    async def wait(self) -> None:
        if self.wakeup is None:
            self.wakeup = anyio.Event()
        await self.wakeup.wait()


class Subscription:
    """An async iterator of events for one execution (or all of them, `execution_id=None`)."""

    def __init__(
        self,
        bus: EventBus,
        log: _Log,
        execution_id: str | None,
        start: dict[str, int],
        *,
        maxsize: int,
        until_finished: bool,
        replay_from_start: bool,
    ) -> None:
        self._bus = bus
        self._log = log
        self.execution_id = execution_id
        self._start = start
        """Each execution's last seq before this subscription's live part (when known)."""
        self._seen: dict[str, int] = {}
        self._pos = log.end
        self._stop: int | None = None
        """Where the live part ends once closed."""
        self._replayed = False
        """Whether the journal was read: then live events may repeat it (checked one by one
        for a subscription to every execution; one execution's are in seq order)."""
        self._maxsize = maxsize
        self._needs_replay = replay_from_start
        self._until_finished = until_finished
        self._closed = False
        self._close_after_replay = False
        self._pending: deque[Event] = deque()
        self._ready: deque[Event] = deque()
        self.lag_count = 0
        """How many times this subscriber fell behind and caught up from the journal."""

    def end_after_replay(self) -> None:
        """End the iteration once the journal history is delivered (nothing live will come)."""
        if self._needs_replay:
            self._close_after_replay = True
        else:
            self.close()

    def close(self) -> None:
        """Stop the iteration (the consumer's `async for` ends after what it already has)."""
        if self._closed:
            return
        self._closed = True
        self._stop = self._log.end
        self._bus._unsubscribe(self)
        self._log.wake()

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
        every event exactly once, catching up from the journal after falling behind."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        batch: list[Event] = []
        while self._ready and len(batch) < limit:
            batch.append(self._ready.popleft())  # left over by `__anext__`: already delivered
        while True:
            while self._pending and len(batch) < limit:
                event = self._pending.popleft()
                if self._accept(event):
                    batch.append(event)
            if self._pending or len(batch) >= limit:
                return self._delivered(batch)
            log = self._log
            end = log.end if self._stop is None else self._stop
            if not self._needs_replay and (self._pos < log.base or end - self._pos > self._maxsize):
                # fallen behind: what it missed is in the journal, which the page reads
                # after `_seen` (and `_start`) pick up
                self._needs_replay = True
                self.lag_count += 1
                self._pos = end
            if self._needs_replay:
                # the journal first (a page at a time): the log holds only later events
                if batch:
                    return self._delivered(batch)
                self._needs_replay = False
                await self._catch_up()
                if self._close_after_replay and not self._needs_replay:
                    self.close()
                continue
            if self._pos < end and self.execution_id is not None:
                # one execution's log is in seq order: skip what the journal already gave
                # (its page may hold events written but not yet published), take the rest
                seen = self._seen.get(self.execution_id)
                if seen is None:
                    seen = self._start_of(self.execution_id)
                events, base = log.events, log.base
                while self._pos < end and events[self._pos - base].seq <= seen:
                    self._pos += 1
                take = min(end, self._pos + limit - len(batch))
                batch.extend(events[self._pos - base : take - base])
                self._pos = take
            elif self._pos < end:
                take = min(end, self._pos + limit - len(batch))
                live = log.events[self._pos - log.base : take - log.base]
                if self._replayed:
                    live = [e for e in live if self._accept(e)]
                self._pos = take
                batch.extend(live)
                if not batch:
                    continue
            if batch or self._closed:
                return self._delivered(batch)
            await log.wait()

    def _accept(self, event: Event) -> bool:
        seen = self._seen.get(event.execution_id)
        if seen is None:
            seen = self._start_of(event.execution_id)
        if event.seq <= seen:
            return False
        self._seen[event.execution_id] = event.seq
        return True

    def _start_of(self, execution_id: str) -> int:
        """The last seq of an execution before this subscription's live part."""
        start = self._start.get(execution_id)
        if start is None:
            # first published after this subscription began: its whole history is live
            first = self._log.first_seq.get(execution_id)
            start = first - 1 if first is not None else 0
            self._start[execution_id] = start
        return start

    def _delivered(self, batch: list[Event]) -> list[Event]:
        if not batch:
            return batch
        if self.execution_id is not None:
            self._seen[self.execution_id] = batch[-1].seq
        else:
            self._seen.update({e.execution_id: e.seq for e in batch})
        if self._until_finished and self.execution_id is not None:
            for i, event in enumerate(batch):
                if event.type in TERMINAL_WORKFLOW_EVENTS:
                    self.close()
                    self._ready.clear()
                    self._pending.clear()
                    del batch[i + 1 :]
                    break
        return batch

    async def _catch_up(self) -> None:
        """Queue the next page of missed events (at most `maxsize`); with more in the journal,
        catch up again once they are delivered."""
        if self.execution_id is not None:
            ids = [self.execution_id]
        else:
            # every execution published since this subscription began, or before and seen
            ids = [
                eid
                for eid, seq in self._bus._published.items()
                if eid in self._seen or eid in self._start or eid in self._log.first_seq
            ]
        room = self._maxsize
        for execution_id in ids:
            after = self._seen.get(execution_id)
            if after is None:
                after = self._start_of(execution_id)
            published = self._bus._published.get(execution_id)
            if self.execution_id is None and published is not None and published <= after:
                continue
            page = await self._bus.replay(execution_id, after, room)
            page = page[:room]
            self._pending.extend(page)
            room -= len(page)
            if room <= 0:
                self._needs_replay = True  # perhaps more after this page
                break
        self._replayed = True


class EventBus:
    """Publishes durable events to subscribers; knows nothing of files beyond `replay`."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self._by_execution: dict[str, _Log] = {}
        self._global: _Log | None = None
        self._published: dict[str, int] = {}
        self._taps: list[Callable[[Event], None]] = []

    def tap(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call `callback(event)` for every event as it is published (durable), on the
        writer's path: it must be quick and never block (a filter that keeps what it wants,
        such as the daemon's webhooks). Returns the call that removes it."""
        self._taps.append(callback)
        return lambda: self._taps.remove(callback)

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
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        if execution_id is None:
            log = self._global
            if log is None:
                log = self._global = _Log()
            start = dict(self._published)
        else:
            log = self._by_execution.get(execution_id)
            if log is None:
                log = self._by_execution[execution_id] = _Log()
            if after_seq is not None:
                start = {execution_id: after_seq}
            elif execution_id in self._published:
                start = {execution_id: self._published[execution_id]}
            else:
                start = {}
        sub = Subscription(
            self,
            log,
            execution_id,
            start,
            maxsize=maxsize,
            until_finished=until_finished,
            replay_from_start=after_seq is not None and execution_id is not None,
        )
        log.subscribers.add(sub)
        log.keep_at_least(maxsize)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        log = sub._log
        log.subscribers.discard(sub)
        if log.subscribers:
            return
        if sub.execution_id is None:
            if self._global is log:
                self._global = None
        elif self._by_execution.get(sub.execution_id) is log:
            del self._by_execution[sub.execution_id]

    def publish(self, event: Event) -> None:
        """Hand a durable event to every interested subscriber (never blocks; the same cost
        however many subscribers there are)."""
        self._published[event.execution_id] = event.seq
        log = self._by_execution.get(event.execution_id)
        if log is not None:
            log.append(event)
        if self._global is not None:
            self._global.append(event)
        for tap in self._taps:
            try:
                tap(event)
            except Exception:  # a tap's bug must not stop the writer
                logger.exception("an event tap failed on event %s", event.seq)

    def published_seq(self, execution_id: str) -> int | None:
        """The last seq published for an execution in this process, if any."""
        return self._published.get(execution_id)

    def subscriber_count(self) -> int:
        count = sum(len(log.subscribers) for log in self._by_execution.values())
        return count + (len(self._global.subscribers) if self._global is not None else 0)

    def close_all(self) -> None:
        """End every subscription (shutdown): consumers' loops finish cleanly."""
        logs = list(self._by_execution.values())
        if self._global is not None:
            logs.append(self._global)
        for log in logs:
            for sub in list(log.subscribers):
                sub.close()
