"""From events to deliveries: which targets each event goes to, and its log line.

Each execution's route (its workflow's `notify:` and the daemon's targets) is worked out once
and cached. A delivery's id is derived from its target and its event's place, so reading an
event twice (the tap, then the catch-up after a crash) records nothing twice; a round's
deliveries are recorded as one line per target and execution (`batches_of`).
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

from harmonia.engine.engine import Engine
from harmonia.events import Event
from harmonia.model.notify import NotifyTarget
from harmoniad.webhooks.records import Batch
from harmoniad.webhooks.settings import WebhookSettings

__all__ = ["Route", "Targets", "batches_of"]

logger = logging.getLogger("harmoniad.webhooks")

CACHED_EXECUTIONS = 1024
BATCH = 512
"""Events a `news` line holds at most: a retry, which reads its body back from its line,
parses that much."""


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


def batches_of(
    found: list[tuple[Route, Event]], at: float, recorded: Mapping[tuple[str, str], set[int]]
) -> tuple[list[Batch], list[bytes]]:
    """A round's events as batches (one per target and execution, at most `BATCH` events
    each) and their log lines, leaving out events already recorded for a target. No object,
    id or JSON is made per delivery: a line is the target's part, serialised once, and the
    events' journal lines (serialised by the engine as it emitted them) joined."""
    by_route: dict[int, tuple[Route, list[Event]]] = {}
    for route, event in found:
        group = by_route.get(id(route))
        if group is None:
            group = by_route[id(route)] = (route, [])
        group[1].append(event)
    batches: list[Batch] = []
    lines: list[bytes] = []
    for route, events in by_route.values():
        for execution_id, chosen_events in _by_execution(events).items():
            for target in route.targets:
                known = recorded.get((target[4], execution_id), ())
                wanted, made = target[3], set()
                chosen = []
                for event in chosen_events:
                    if event.type in wanted and event.seq not in known and event.seq not in made:
                        made.add(event.seq)
                        chosen.append(event)
                for start in range(0, len(chosen), BATCH):
                    part = chosen[start : start + BATCH]
                    batch, line = _batch(target, route.workflow, execution_id, at, part)
                    batches.append(batch)
                    lines.append(line)
    return batches, lines


def _by_execution(events: list[Event]) -> dict[str, list[Event]]:
    """A route's events by execution (one, but for a run read in a fallback route)."""
    first = events[0].execution_id
    if all(event.execution_id == first for event in events):
        return {first: events}
    grouped: dict[str, list[Event]] = {}
    for event in events:
        grouped.setdefault(event.execution_id, []).append(event)
    return grouped


def _batch(
    target: Target, workflow: str, execution_id: str, at: float, events: list[Event]
) -> tuple[Batch, bytes]:
    url, secret_env, source, _, key = target
    journal = [event.to_journal_line() for event in events]
    head = {
        "k": "news",
        "key": key,
        "url": url,
        "source": source,
        "secret_env": secret_env,
        "at": at,
        "workflow": workflow,
        "execution_id": execution_id,
    }
    # A journal line has one newline, its last byte (JSON escapes any other): joined, the
    # newlines become the commas between the array's items, in one pass of C.
    events_text = b"".join(journal).replace(b"\n", b",")[:-1]
    line = b"".join((orjson.dumps(head)[:-1], b',"events":[', events_text, b"]}\n"))
    entries = (
        [event.seq for event in events],
        [event.type for event in events],
        [event.task_id for event in events],
    )
    batch = Batch(
        (url, source, secret_env, key), workflow, execution_id, at, entries, lines=journal
    )
    return batch, line
