"""The daemon's webhooks: events in, deliveries recorded, attempts out, beside the engine.

A tap on the event bus keeps, as each event is published, those some target wants (a dictionary
look-up and a list append: nothing built, serialised or written on the engine's path); the
recorder makes their deliveries every `RECORD_EVERY` seconds, one write and one fsync a round
(no JSON per delivery: see `deliveries_of`); the dispatcher sends what is due, at most
`concurrency` attempts at once, each outcome written before its retry is planned. The catch-up
reads from the journals what no tap saw (a crash, a backlog past `MAX_COLLECTED`). Nothing here
makes the engine wait: a slow or dead receiver slows nothing but its own retries.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import orjson

from harmonia.engine.engine import Engine
from harmonia.events import TERMINAL_WORKFLOW_EVENTS, Event
from harmoniad.webhooks.feed import Route, Targets, deliveries_of
from harmoniad.webhooks.sender import AttemptSender, Outcome
from harmoniad.webhooks.settings import WebhookSettings
from harmoniad.webhooks.store import PENDING, Delivery, DeliveryLog, body_of

if TYPE_CHECKING:
    import httpx

__all__ = ["Webhooks"]

logger = logging.getLogger("harmoniad.webhooks")

RECORD_EVERY = 0.25
"""Seconds the recorder collects events (and attempt outcomes) before one write and fsync.
A crash in between loses nothing: the catch-up finds those events in the journals."""
PAGE = 1000
BODIES_KEPT = 8 << 20
"""Bytes of `new` lines kept in memory for a first attempt (its body made from them without a
read of the log); past that, a backlog's bodies are read back from the log when sent."""
MAX_COLLECTED = 50_000
"""Events kept in memory between two rounds (references to events the engine made anyway);
past that, the journals hold the rest."""


class Webhooks:
    """Run with `await tg.start(webhooks.run)`; `log` answers the listing."""

    def __init__(
        self,
        engine: Engine,
        settings: WebhookSettings,
        *,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.log = DeliveryLog(engine.store.data_dir)
        self.targets = Targets(engine, settings)
        self.sender = AttemptSender(settings, clock=clock, transport=transport)
        self._lock = anyio.Lock()
        self._due: list[tuple[float, int, str]] = []
        """Deliveries waiting for a time (retries, and those read from the log at start)."""
        self._fresh: deque[Delivery] = deque()
        """Deliveries just recorded, due now: first in, first sent (no heap needed)."""
        self._order = itertools.count()
        self._in_flight: set[str] = set()
        self._wakeup = anyio.Event()
        self._unmarked: dict[str, int] = {}
        """Each execution's last seq read, not yet in the log."""
        self._collected: list[tuple[Route, Event]] = []
        """Events some target wants, read since the last record, with their route."""
        self._recorder_wakeup = anyio.Event()
        self._outcomes: list[tuple[Delivery, Outcome]] = []
        """Attempts made since the last record: written with its round, then applied."""
        self._lines: dict[str, bytes] = {}
        """`new` lines of deliveries not attempted yet, up to `BODIES_KEPT` bytes."""
        self._lines_size = 0
        self._unresolved: list[Event] = []
        """Events of runs this engine does not hold (their route needs a read)."""
        self._overflow = False
        self._catching_up = 0

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        await anyio.to_thread.run_sync(self.log.load)
        untap = self.engine.bus.tap(self._on_event)
        for delivery in self.log.deliveries.values():
            if delivery.status == PENDING:
                self._push(delivery)
        task_status.started()
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._recorder)
                tg.start_soon(self._catch_up)
                tg.start_soon(self._dispatch, tg)
        finally:
            untap()
            with anyio.CancelScope(shield=True):
                if self._unmarked or self._collected or self._outcomes or self.log.dirty:
                    try:
                        await self._record()
                    except OSError as exc:
                        logger.error("webhooks: could not record how far events were read: %s", exc)
                await self.sender.aclose()
                self.log.close()

    # ---- events in -----------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        """Every event as it is published (a tap on the bus, on the writer's path): keep those
        a target wants, in memory until the recorder's next round. O(1), never waiting; a
        backlog past `MAX_COLLECTED` is left to the journals, where the catch-up after that
        round finds it."""
        if self._overflow:
            return  # not marked as read either: the catch-up reads it from the journal
        route = self.targets.route_now(event.execution_id)
        wake = event.type in TERMINAL_WORKFLOW_EVENTS  # a run's end: its mark is written
        if route is None:
            self._unresolved.append(event)  # a run not held here: resolved by the recorder
            wake = True
        elif event.type in route.wanted:
            self._collected.append((route, event))
            self._overflow = len(self._collected) >= MAX_COLLECTED
            wake = True
        if route is not None and route.wanted and not self._unresolved:
            self._unmarked[event.execution_id] = event.seq
        if wake:
            self._recorder_wakeup.set()

    async def _take(self, events: list[Event]) -> None:
        """Collect the deliveries of these events (of any executions) for the recorder, and
        how far each execution's events were read."""
        route: Route | None = None
        current = ""
        for event in events:
            if route is None or event.execution_id != current:
                current = event.execution_id
                route = await self.targets.route(current)
            if not route.wanted:
                continue  # nobody to tell: nothing to record, not even how far it was read
            if event.type in route.wanted:
                self._collected.append((route, event))
            if self._unmarked.get(current, 0) < event.seq:
                self._unmarked[current] = event.seq
        self._recorder_wakeup.set()

    async def _catch_up(self) -> None:
        """Deliveries of events journaled while no feed read them (the daemon was killed
        between an event's write and its deliveries'). A new log takes what is stored as
        history: nobody asked to be told of it."""
        self._catching_up += 1  # no marks meanwhile: they could pass events not yet read
        try:
            await self._catch_up_rows(await self.engine.index.rows())
        finally:
            self._catching_up -= 1
            self.log.fresh = False
        await self._record()

    async def _catch_up_rows(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            execution_id = str(row["id"])
            live = self.engine.live_state(execution_id)
            last = live.last_seq if live is not None else int(row.get("last_seq") or 0)
            seen = self.log.seen.get(execution_id, 0)
            if last <= seen or not (await self.targets.route(execution_id)).wanted:
                continue
            if self.log.fresh:
                self._unmarked[execution_id] = max(self._unmarked.get(execution_id, 0), last)
                continue
            after = seen
            while page := await self.engine.bus.replay(execution_id, after, PAGE):
                await self._take(page)
                after = page[-1].seq

    async def _recorder(self) -> None:
        """Record what was collected at most every `RECORD_EVERY` seconds: one write and one
        fsync for every delivery of that time, however many events came (an fsync per event
        would compete with the journals' own for the disk the engine waits on)."""
        while True:
            wakeup = self._recorder_wakeup
            await wakeup.wait()
            self._recorder_wakeup = anyio.Event()
            await anyio.sleep(RECORD_EVERY)  # pacing, not synchronisation: see above
            unresolved, self._unresolved = self._unresolved, []
            await self._take(unresolved)
            overflow = self._overflow
            await self._record()
            if overflow:
                self._overflow = False
                await self._catch_up()

    async def _record(self) -> None:
        """Append the collected deliveries (those not yet in the log), the attempts' outcomes
        and the marks in one write and one fsync, then let the dispatcher have them (and show
        the outcomes, planning the retries)."""
        async with self._lock:
            collected, self._collected = self._collected, []
            outcomes, self._outcomes = self._outcomes, []
            found, lines = deliveries_of(collected, self.clock(), self.log.deliveries)
            tries = [
                orjson.dumps(o.line(d.id), option=orjson.OPT_APPEND_NEWLINE) for d, o in outcomes
            ]
            marks = {} if self._catching_up else dict(self._unmarked)
            if marks:
                tries.append(orjson.dumps({"k": "mark", "seen": marks}) + b"\n")
            if not lines and not tries and not self.log.dirty:
                return
            try:
                offset = await anyio.to_thread.run_sync(self.log.write, b"".join(lines + tries))
            except BaseException:
                self._retry_unrecorded(outcomes)
                raise
            self._index(found, lines, offset)
            for delivery, outcome in outcomes:
                outcome.apply(delivery)  # shown once written
                if delivery.status == PENDING:
                    self._push(delivery)
            for execution_id, seq in marks.items():
                self.log.seen[execution_id] = max(self.log.seen.get(execution_id, 0), seq)
                if self._unmarked.get(execution_id) == seq:
                    del self._unmarked[execution_id]

    def _index(self, found: list[Delivery], lines: list[bytes], offset: int) -> None:
        """Recorded deliveries into the log's index and the dispatcher's queue; their lines
        kept for their first attempt while `BODIES_KEPT` allows."""
        deliveries, kept = self.log.deliveries, self._lines
        room = BODIES_KEPT - self._lines_size
        for delivery, line in zip(found, lines, strict=False):
            delivery.offset = offset
            offset += len(line)
            deliveries[delivery.id] = delivery
            if len(line) <= room:
                kept[delivery.id] = line
                room -= len(line)
        self._lines_size = BODIES_KEPT - room
        if found:
            self._fresh.extend(found)
            self._wakeup.set()

    def _retry_unrecorded(self, outcomes: list[tuple[Delivery, Outcome]]) -> None:
        """Attempts whose outcome could not be written: tried again later, as if not made."""
        for delivery, _ in outcomes:
            delivery.next_at = self.clock() + self.settings.retry_delay
            self._push(delivery)

    # ---- attempts out --------------------------------------------------------------------
    def _push(self, delivery: Delivery) -> None:
        heapq.heappush(self._due, (delivery.next_at, next(self._order), delivery.id))
        self._wakeup.set()

    async def _dispatch(self, tg: anyio.abc.TaskGroup) -> None:
        slots = anyio.Semaphore(self.settings.concurrency)
        while True:
            await slots.acquire()
            delivery = await self._next_due()
            self._in_flight.add(delivery.id)
            tg.start_soon(self._send, delivery, slots)

    async def _next_due(self) -> Delivery:
        while True:
            now = self.clock()
            while self._due and self._due[0][0] <= now:
                _, _, ident = heapq.heappop(self._due)
                delivery = self.log.deliveries.get(ident)
                pending = delivery is not None and delivery.status == PENDING
                if pending and ident not in self._in_flight:
                    assert delivery is not None
                    return delivery
            while self._fresh:
                delivery = self._fresh.popleft()
                if delivery.status == PENDING and delivery.id not in self._in_flight:
                    return delivery
            wait = self._due[0][0] - now if self._due else math.inf
            wakeup = self._wakeup
            with anyio.move_on_after(wait):
                await wakeup.wait()
            if wakeup.is_set():
                self._wakeup = anyio.Event()

    async def _send(self, delivery: Delivery, slots: anyio.Semaphore) -> None:
        try:
            line = self._lines.pop(delivery.id, None)
            if line is not None:
                self._lines_size -= len(line)
                body = body_of(orjson.loads(line))
            else:  # a retry, or past BODIES_KEPT: the log has it
                body = await anyio.to_thread.run_sync(self.log.read_body, delivery)
            outcome = await self.sender.attempt(delivery, body)
            self._outcomes.append((delivery, outcome))  # written, then shown, by the next round
            self._recorder_wakeup.set()
            logger.debug("webhook %s: %s", delivery.id, outcome.record)
        except Exception:
            logger.exception("webhook %s to %s: attempt not recorded", delivery.id, delivery.url)
            delivery.next_at = self.clock() + self.settings.retry_delay
            self._push(delivery)
        finally:
            self._in_flight.discard(delivery.id)
            slots.release()

    # ---- reading -------------------------------------------------------------------------
    def listing(self, execution_id: str | None, status: str | None) -> list[Delivery]:
        return self.log.select(execution_id, status)
