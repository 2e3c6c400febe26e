"""From events to deliveries: which targets each event goes to, and its log line.

Each execution's route (its workflow's `notify:` and the daemon's targets) is worked out once
and cached. A delivery's id is derived from its target and its event's place, so reading an
event twice (the tap, then the catch-up after a crash) records nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Container
from typing import Any

import orjson

from harmonia.engine.engine import Engine
from harmonia.events import Event
from harmonia.model.notify import NotifyTarget
from harmoniad.webhooks.settings import WebhookSettings
from harmoniad.webhooks.store import Delivery

__all__ = ["Route", "Targets", "deliveries_of"]

logger = logging.getLogger("harmoniad.webhooks")

CACHED_EXECUTIONS = 1024


Target = tuple[str, str | None, str, frozenset[str], str]
"""(url, secret_env, source, events, key) of one target."""


class Route:
    """Where one execution's events go: its workflow's `notify:` and the daemon's targets."""

    __slots__ = ("targets", "wanted", "workflow")

    def __init__(self, workflow: str, targets: list[Target]) -> None:
        self.workflow = workflow
        self.targets = targets
        self.wanted = frozenset().union(*(t[3] for t in targets))
        """Every event type some target asked for."""


class Targets:
    """Each execution's `Route`, worked out once from its workflow document and cached."""

    def __init__(self, engine: Engine, settings: WebhookSettings) -> None:
        self.engine = engine
        daemon_events = frozenset(settings.events)
        self.daemon: list[Target] = [
            (url, None, "daemon", daemon_events, target_key("daemon", url)) for url in settings.urls
        ]
        self._cache: OrderedDict[str, Route] = OrderedDict()

    async def route(self, execution_id: str) -> Route:
        """The route, reading the execution from disk if this engine does not hold it."""
        route = self.route_now(execution_id)
        if route is not None:
            return route
        try:
            state = await self.engine.get(execution_id)
        except Exception as exc:  # a damaged or vanished run: the daemon's targets still hear
            logger.error("execution %s could not be read for its webhooks: %s", execution_id, exc)
            return Route("", list(self.daemon))
        return self._keep(execution_id, route_of(state.workflow, self.daemon))

    def route_now(self, execution_id: str) -> Route | None:
        """The route, without waiting: None when it needs a read (a run not held here)."""
        found = self._cache.get(execution_id)
        if found is not None:
            return found
        state = self.engine.live_state(execution_id)
        if state is None:
            return None
        return self._keep(execution_id, route_of(state.workflow, self.daemon))

    def _keep(self, execution_id: str, route: Route) -> Route:
        self._cache[execution_id] = route
        if len(self._cache) > CACHED_EXECUTIONS:
            self._cache.popitem(last=False)
        return route


def route_of(document: dict[str, Any], daemon: list[Target]) -> Route:
    targets = list(daemon)
    for raw in document.get("notify") or ():
        target = NotifyTarget.model_validate(raw)
        key = target_key("workflow", target.url)
        targets.append((target.url, target.secret_env, "workflow", frozenset(target.events), key))
    return Route(str(document.get("name", "")), targets)


def target_key(source: str, url: str) -> str:
    """A short name of a target, part of its deliveries' ids."""
    return hashlib.sha256(f"{source}\n{url}".encode()).hexdigest()[:10]


def deliveries_of(
    found: list[tuple[Route, Event]], at: float, known: Container[str]
) -> tuple[list[Delivery], list[bytes]]:
    """The deliveries of a round's events (those not in `known` already), each with its log
    line. Ids are the target's key and the event's place: the same however often an event is
    read. A line is the target's part, serialised once per round, then the id and the event's
    journal line (serialised once, by the engine): no JSON made per delivery."""
    deliveries: list[Delivery] = []
    lines: list[bytes] = []
    made: set[str] = set()
    heads: dict[int, list[tuple[Target, bytes]]] = {}
    for route, event in found:
        targets = heads.get(id(route))
        if targets is None:
            targets = heads[id(route)] = [(t, _head(t, route.workflow, at)) for t in route.targets]
        for target, head in targets:
            if event.type not in target[3]:
                continue
            ident = f"wh_{target[4]}_{event.execution_id}_{event.seq}"
            if ident in known or ident in made:
                continue
            made.add(ident)
            deliveries.append(
                Delivery(
                    ident,
                    target[0],
                    target[2],
                    target[1],
                    event.type,
                    event.execution_id,
                    event.task_id,
                    event.seq,
                    at,
                    next_at=at,
                )
            )
            journal_line = event.to_journal_line().rstrip(b"\n")
            lines.append(b"".join((head, orjson.dumps(ident), b',"event":', journal_line, b"}\n")))
    return deliveries, lines


def _head(target: Target, workflow: str, at: float) -> bytes:
    """The start of a `new` line to `target` (everything but the id and the event), the same
    members as `Delivery.new_line` writes."""
    url, secret_env, source, _, _ = target
    fields = {"k": "new", "url": url, "source": source, "secret_env": secret_env}
    return orjson.dumps({**fields, "at": at, "workflow": workflow})[:-1] + b',"id":'
