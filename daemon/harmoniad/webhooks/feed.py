"""From events to recorded deliveries: which targets each event goes to, and its body.

Fed by a subscription to every execution's events: the bus never waits for a subscriber (one
that falls behind re-reads the journal), so recording deliveries never slows the engine. After
a crash, `catch_up` reads what the journals hold past the log's marks, so an event journaled
just before the crash still gets its deliveries; their ids are derived from (target, event),
so reading an event twice records nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

from harmonia.engine.engine import Engine
from harmonia.errors import NotFound
from harmonia.events import Event, iso_time
from harmonia.model.notify import NotifyTarget
from harmonia.store.storage import CorruptDatabase
from harmoniad.webhooks.settings import WebhookSettings
from harmoniad.webhooks.store import Delivery

__all__ = ["Route", "Targets", "delivery_for"]

logger = logging.getLogger("harmoniad.webhooks")

CACHED_EXECUTIONS = 1024


class Route:
    """Where one execution's events go: its workflow's `notify:` and the daemon's targets."""

    __slots__ = ("targets", "workflow")

    def __init__(self, workflow: str, targets: list[tuple[str, str | None, str, frozenset[str]]]):
        self.workflow = workflow
        self.targets = targets
        """(url, secret_env, source, events) each."""

    def wants(self, event_type: str) -> bool:
        return any(event_type in events for _, _, _, events in self.targets)


class Targets:
    """Each execution's `Route`, worked out once from its workflow document and cached."""

    def __init__(self, engine: Engine, settings: WebhookSettings) -> None:
        self.engine = engine
        daemon_events = frozenset(settings.events)
        self.daemon = [(url, None, "daemon", daemon_events) for url in settings.urls]
        self._cache: OrderedDict[str, Route] = OrderedDict()

    async def route(self, execution_id: str) -> Route:
        found = self._cache.get(execution_id)
        if found is not None:
            self._cache.move_to_end(execution_id)
            return found
        state = self.engine.live_state(execution_id)
        if state is None:
            try:
                state = await self.engine.get(execution_id)
            except (NotFound, CorruptDatabase, OSError) as exc:
                logger.error(
                    "execution %s could not be read for its webhooks: %s", execution_id, exc
                )
                return Route("", list(self.daemon))
        route = route_of(state.workflow, self.daemon)
        self._cache[execution_id] = route
        if len(self._cache) > CACHED_EXECUTIONS:
            self._cache.popitem(last=False)
        return route


def route_of(document: dict[str, Any], daemon: list[Any]) -> Route:
    targets = list(daemon)
    for raw in document.get("notify") or ():
        target = NotifyTarget.model_validate(raw)
        targets.append((target.url, target.secret_env, "workflow", frozenset(target.events)))
    return Route(str(document.get("name", "")), targets)


def delivery_id(url: str, source: str, event: Event) -> str:
    """The same for the same target and event, however often the event is read."""
    key = f"{source}\n{url}\n{event.execution_id}\n{event.seq}".encode()
    return "wh_" + hashlib.sha256(key).hexdigest()[:24]


def delivery_for(
    route: Route, event: Event, now: Callable[[], float]
) -> list[tuple[Delivery, bytes]]:
    """The deliveries of `event` (none if no target asked for its type), with their bodies."""
    out = []
    for url, secret_env, source, events in route.targets:
        if event.type not in events:
            continue
        ident = delivery_id(url, source, event)
        body = orjson.dumps(
            {
                "delivery_id": ident,
                "event": event.type,
                "execution_id": event.execution_id,
                "workflow": route.workflow,
                "task_id": event.task_id,
                "seq": event.seq,
                "timestamp": iso_time(event.timestamp),
                "data": event.data,
            }
        )
        delivery = Delivery(
            id=ident,
            url=url,
            source=source,
            secret_env=secret_env,
            event=event.type,
            execution_id=event.execution_id,
            task_id=event.task_id,
            seq=event.seq,
            created_at=now(),
        )
        delivery.next_at = delivery.created_at
        out.append((delivery, body))
    return out
