"""The daemon's webhooks: events in, deliveries recorded, attempts out, beside the engine.

A tap on the event bus keeps, as each event is published, those some target wants (a dictionary
look-up and a list append: nothing built, serialised or written on the engine's path); the
recorder makes their deliveries every `RECORD_EVERY` seconds, one write and one fsync a round
(a line per target and execution, no object or JSON per delivery: see `batches_of`); the
dispatcher sends what is due (making a `Delivery` only then), at most `concurrency` attempts
at once, each outcome written before its retry is planned. The catch-up
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
from harmoniad.webhooks.feed import Route, Targets, batches_of
from harmoniad.webhooks.records import PENDING, Batch, Delivery, body_of
from harmoniad.webhooks.sender import AttemptSender, Outcome
from harmoniad.webhooks.settings import WebhookSettings
from harmoniad.webhooks.store import DeliveryLog, Listing

if TYPE_CHECKING:
    import httpx

__all__ = ["Webhooks"]

logger = logging.getLogger("harmoniad.webhooks")

RECORD_EVERY = 0.25
"""Seconds the recorder collects events (and attempt outcomes) before one write and fsync.
A crash in between loses nothing: the catch-up finds those events in the journals."""
PAGE = 1000
BODIES_KEPT = 8 << 20
"""Bytes of recorded lines whose events are kept in memory for a first attempt (its body made
from them without a read of the log); past that, a backlog's bodies are read back from the log
when sent."""
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
        self._due: list[tuple[float, int, Delivery]] = []
        """Deliveries waiting for a time (retries, and those tried before a restart)."""
        self._fresh: deque[Batch] = deque()
        """Batches with entries never sent, due now: first in, first sent, each from its
        `cursor` on (no heap, and no object per delivery until it is sent)."""
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
        self._kept: dict[int, int] = {}
        """Bytes of each batch (by id) whose `lines` are kept, up to `BODIES_KEPT` in all."""
        self._kept_size = 0
        self._unresolved: list[Event] = []
        """Events of runs this engine does not hold (their route needs a read)."""
        self._overflow = False
        self._catching_up = 0

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        await anyio.to_thread.run_sync(self.log.load)
        untap = self.engine.bus.tap(self._on_event)
        for batch in self.log.batches:
            for delivery in batch.touched.values():
                if delivery.status == PENDING:
                    self._push(delivery)  # tried before: due when its backoff says
            if len(batch.touched) < len(batch):
                self._fresh.append(batch)  # never tried: due now
        self._wakeup.set()
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
        if route is None:
            self._unresolved.append(event)  # a run not held here: resolved by the recorder
        else:
            wanted = event.type in route.wanted
            if wanted:
                self._collected.append((route, event))
                self._overflow = len(self._collected) >= MAX_COLLECTED
            if route.wanted and not self._unresolved:
                self._unmarked[event.execution_id] = event.seq
            if not wanted and event.type not in TERMINAL_WORKFLOW_EVENTS:
                return  # nothing to record before the round a run's end or a delivery starts
        if not self._recorder_wakeup.is_set():  # set once a round, not once an event
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
            found, lines = batches_of(collected, self.clock(), self.log.recorded)
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

    def _index(self, found: list[Batch], lines: list[bytes], offset: int) -> None:
        """Recorded batches into the log's index and the dispatcher's queue; their events'
        lines kept for their first attempts while `BODIES_KEPT` allows."""
        for batch, line in zip(found, lines, strict=True):
            batch.offset = offset
            offset += len(line)
            self.log.add(batch)
            if self._kept_size + len(line) <= BODIES_KEPT:
                self._kept[id(batch)] = len(line)
                self._kept_size += len(line)
            else:
                batch.lines = None  # read back from the log when sent
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
        heapq.heappush(self._due, (delivery.next_at, next(self._order), delivery))
        self._wakeup.set()

    async def _dispatch(self, tg: anyio.abc.TaskGroup) -> None:
        slots = anyio.Semaphore(self.settings.concurrency)
        while True:
            await slots.acquire()
            delivery, body = await self._next_due()
            self._in_flight.add(delivery.id)
            tg.start_soon(self._send, delivery, body, slots)

    async def _next_due(self) -> tuple[Delivery, bytes | None]:
        """The next delivery to send, with its body when its batch still holds its event
        (None: read it from the log)."""
        while True:
            now = self.clock()
            while self._due and self._due[0][0] <= now:
                delivery = heapq.heappop(self._due)[2]
                if delivery.status == PENDING and delivery.id not in self._in_flight:
                    return delivery, None
            while self._fresh:
                batch = self._fresh[0]
                while batch.cursor < len(batch):
                    index = batch.cursor
                    batch.cursor += 1
                    if index not in batch.touched:  # else tried before a restart: in _due
                        delivery = batch.touch(index)
                        return delivery, self._first_body(batch, delivery)
                self._fresh.popleft()
                self._release(batch)
            wait = self._due[0][0] - now if self._due else math.inf
            wakeup = self._wakeup
            with anyio.move_on_after(wait):
                await wakeup.wait()
            if wakeup.is_set():
                self._wakeup = anyio.Event()

    def _first_body(self, batch: Batch, delivery: Delivery) -> bytes | None:
        """A first attempt's body, from its event's journal line kept in memory."""
        if batch.lines is None:
            return None
        body = body_of(delivery.id, batch.workflow, orjson.loads(batch.lines[delivery.index]))
        if batch.cursor >= len(batch):
            self._release(batch)
        return body

    def _release(self, batch: Batch) -> None:
        """Every entry of `batch` was sent once: retries read their bodies from the log."""
        batch.lines = None
        self._kept_size -= self._kept.pop(id(batch), 0)

    async def _send(self, delivery: Delivery, body: bytes | None, slots: anyio.Semaphore) -> None:
        try:
            if body is None:  # a retry, or past BODIES_KEPT: the log has it
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
    def listing(self, execution_id: str | None, status: str | None) -> Listing:
        """The deliveries that match, newest first (made as they are read: a page's)."""
        return Listing(self.log, execution_id, status)
