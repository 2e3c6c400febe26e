"""The daemon's webhooks: events in, deliveries recorded, attempts out, beside the engine.

Three tasks share one `DeliveryLog`: the feed records the deliveries of each batch of events
(one fsync per batch), the catch-up records those of events journaled while nobody watched (a
crash), and the dispatcher sends what is due, at most `concurrency` attempts at once, each
outcome recorded before the next retry is planned. The engine only ever publishes to a
subscription, which never blocks it: a slow or dead receiver slows nothing but its own retries.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.abc
import httpx

from harmonia.bus import Subscription
from harmonia.engine.engine import Engine
from harmonia.events import TERMINAL_WORKFLOW_EVENTS, Event
from harmoniad.webhooks.feed import Route, Targets, delivery_for
from harmoniad.webhooks.sender import AttemptSender
from harmoniad.webhooks.settings import WebhookSettings
from harmoniad.webhooks.store import PENDING, Delivery, DeliveryLog

__all__ = ["Webhooks"]

logger = logging.getLogger("harmoniad.webhooks")

MARK_EVERY = 2.0
"""Seconds between two writes of how far the events were read, when nothing else is written:
after a crash, the catch-up re-reads at most this much (and records nothing twice)."""
PAGE = 1000


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
        self._order = itertools.count()
        self._in_flight: set[str] = set()
        self._wakeup = anyio.Event()
        self._unmarked: dict[str, int] = {}
        self._marked_at = 0.0

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        await anyio.to_thread.run_sync(self.log.load)
        subscription = self.engine.subscribe(None)
        for delivery in self.log.deliveries.values():
            if delivery.status == PENDING:
                self._push(delivery)
        task_status.started()
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._feed, subscription)
                tg.start_soon(self._catch_up)
                tg.start_soon(self._dispatch, tg)
        finally:
            subscription.close()
            with anyio.CancelScope(shield=True):
                if self._unmarked:
                    try:
                        await self._record([], force_mark=True)
                    except OSError as exc:
                        logger.error("webhooks: could not record how far events were read: %s", exc)
                await self.sender.aclose()
                self.log.close()

    # ---- events in -----------------------------------------------------------------------
    async def _feed(self, subscription: Subscription) -> None:
        while batch := await subscription.next_batch(PAGE):
            await self._take(batch)

    async def _take(self, events: list[Event]) -> None:
        """Record the deliveries of these events (of any executions), and how far they go."""
        found: list[tuple[Delivery, dict[str, Any]]] = []
        route: Route | None = None
        current = ""
        terminal = False
        for event in events:
            if route is None or event.execution_id != current:
                current = event.execution_id
                route = await self.targets.route(current)
            if event.type in route.wanted:
                found.extend(delivery_for(route, event, self.clock))
            if self._unmarked.get(current, 0) < event.seq:
                self._unmarked[current] = event.seq
            terminal = terminal or event.type in TERMINAL_WORKFLOW_EVENTS
        await self._record(found, force_mark=terminal)

    async def _catch_up(self) -> None:
        """Deliveries of events journaled while no feed read them (the daemon was killed
        between an event's write and its deliveries'). A new log takes what is stored as
        history: nobody asked to be told of it."""
        rows = await self.engine.index.rows()
        for row in rows:
            execution_id = str(row["id"])
            live = self.engine.live_state(execution_id)
            last = live.last_seq if live is not None else int(row.get("last_seq") or 0)
            seen = self.log.seen.get(execution_id, 0)
            if last <= seen:
                continue
            if self.log.fresh:
                self._unmarked[execution_id] = max(self._unmarked.get(execution_id, 0), last)
                continue
            after = seen
            while page := await self.engine.bus.replay(execution_id, after, PAGE):
                await self._take(page)
                after = page[-1].seq
        await self._record([], force_mark=True)

    async def _record(
        self, found: list[tuple[Delivery, dict[str, Any]]], *, force_mark: bool
    ) -> None:
        """Append new deliveries (those not yet in the log) and the marks, fsynced, then let
        the dispatcher have the deliveries."""
        async with self._lock:
            found = [(d, b) for d, b in found if d.id not in self.log.deliveries]
            lines = [delivery.new_line(body) for delivery, body in found]
            mark = self._unmarked and (
                lines or force_mark or self.clock() - self._marked_at >= MARK_EVERY
            )
            marks = dict(self._unmarked) if mark else {}
            if marks:
                lines.append({"k": "mark", "seen": marks})
            if not lines:
                return
            offsets = await anyio.to_thread.run_sync(self.log.append, lines)
            for (delivery, _), offset in zip(found, offsets, strict=False):
                delivery.offset = offset
                self.log.deliveries[delivery.id] = delivery
                self._push(delivery)
            if marks:
                self._marked_at = self.clock()
                for execution_id, seq in marks.items():
                    self.log.seen[execution_id] = max(self.log.seen.get(execution_id, 0), seq)
                    if self._unmarked.get(execution_id) == seq:
                        del self._unmarked[execution_id]

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
            wait = self._due[0][0] - now if self._due else math.inf
            wakeup = self._wakeup
            with anyio.move_on_after(wait):
                await wakeup.wait()
            if wakeup.is_set():
                self._wakeup = anyio.Event()

    async def _send(self, delivery: Delivery, slots: anyio.Semaphore) -> None:
        try:
            body = await anyio.to_thread.run_sync(self.log.read_body, delivery)
            outcome = await self.sender.attempt(delivery, body)
            async with self._lock:
                await anyio.to_thread.run_sync(self.log.append, [outcome.line(delivery.id)])
            outcome.apply(delivery)  # shown once on disk
            if delivery.status == PENDING:
                self._push(delivery)
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
