"""The TUI's link to a daemon: the API client, event streams that never give up, and whether
the daemon answers right now (which the screens show as a banner).

The client's `events()` already reopens a dropped stream with `Last-Event-ID`, so nothing is
missed; it does not say when it is between connections, so a cheap `/health` probe tells the
banner. `follow` wraps `events()` so that even a stream that gives up is started again from the
last event seen: a screen that follows an execution is never left stale.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio

from harmonia.client import (
    ApiError,
    AsyncClient,
    ClientError,
    DaemonUnreachable,
    Event,
    Execution,
    ProtocolError,
    Reconnect,
    UnauthorizedError,
    WorkflowInfo,
)
from harmonia_tui.layout import Dag

__all__ = ["STREAM_RECONNECT", "Connection", "LinkState", "WorkflowShape", "document_shape"]

STREAM_RECONNECT = Reconnect(attempts=1_000_000, initial_delay=0.1, max_delay=1.0, stable_after=5)
"""A dashboard waits for its daemon as long as it is open, and catches up quickly."""


@dataclass(frozen=True)
class LinkState:
    connected: bool = True
    reason: str = ""
    """Why the daemon is not reachable (empty while it is)."""
    outages: int = 0
    """How many times the link was lost so far (a reconnection starts a catch-up)."""
    refused: str = ""
    """Why the daemon refuses our token (empty while it accepts it): the daemon answers, so
    `connected` stays true, but nothing it holds can be read."""

    @property
    def usable(self) -> bool:
        """The daemon answers and accepts the token."""
        return self.connected and not self.refused


@dataclass(frozen=True)
class WorkflowShape:
    """An execution's tasks as its workflow declares them: the graph and each task's spec."""

    dag: Dag
    specs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str = ""
    """Where the shape came from, or why it is unknown."""

    @property
    def known(self) -> bool:
        return self.dag.known


def document_shape(doc: Execution) -> WorkflowShape | None:
    """The graph as the execution document states it (each task's `depends_on`), or None
    when the daemon predates that field: then no task of the document carries it, which is
    told apart from "every task is a root" by the fields the daemon actually sent."""
    if not any("depends_on" in info.model_fields_set for info in doc.tasks.values()):
        return None
    # the items of `for_each` tasks are drawn under their task, if at all (`harmonia_tui.fanout`)
    depends_on = {tid: info.depends_on for tid, info in doc.tasks.items() if info.parent is None}
    return WorkflowShape(Dag.from_depends_on(depends_on, list(depends_on)), {}, "the execution")


class Connection:
    """One daemon, shared by every screen of the app."""

    def __init__(
        self,
        client: AsyncClient,
        *,
        embedded: bool = False,
        data_dir: str | None = None,
        token_source: str = "",
        health_interval: float = 1.0,
        retry_interval: float = 0.3,
        health_timeout: float = 2.0,
    ) -> None:
        self.client = client
        self.url = client.url
        self.embedded = embedded
        self.data_dir = data_dir
        self.token_source = token_source
        """Where the token came from, in words (said when the daemon refuses it)."""
        self.health_interval = health_interval
        self.retry_interval = retry_interval
        self.health_timeout = health_timeout
        self.state = LinkState()
        self.refusals = 0
        """How many answers refused the token so far."""
        self._listeners: list[Callable[[LinkState], None]] = []
        self._shapes: dict[tuple[str, str | None, frozenset[str]], WorkflowShape] = {}

    # ---- link state -----------------------------------------------------------------------
    def subscribe(self, listener: Callable[[LinkState], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def _set(self, state: LinkState) -> None:
        if state == self.state:
            return
        self.state = state
        for listener in list(self._listeners):
            listener(state)

    def lost(self, reason: str) -> None:
        outages = self.state.outages + (1 if self.state.connected else 0)
        self._set(LinkState(False, reason, outages, self.state.refused))

    def alive(self) -> None:
        """The daemon answered (`/health`, which needs no token: a refusal stands)."""
        if not self.state.connected:
            self._set(LinkState(True, "", self.state.outages, self.state.refused))

    def refused(self, message: str) -> None:
        """The daemon answered 401: say so, and where the token came from, until it accepts
        one (a toast would flash and leave what looks like an empty daemon)."""
        self.refusals += 1
        source = self.token_source or "the token given to the client"
        text = (
            f"the daemon refused the token ({message}); it came from {source}. Start the "
            "dashboard with the daemon's token: --data-dir set to the daemon's data folder "
            "(its token file), or $HARMONIA_TOKEN"
        )
        self._set(LinkState(True, "", self.state.outages, text))

    def accepted(self) -> None:
        """A call that needs the token succeeded."""
        if not self.state.usable:
            self._set(LinkState(True, "", self.state.outages))

    async def watch(self) -> None:
        """Probe `/health` for as long as the app runs (run it as a worker)."""
        while True:
            try:
                with anyio.fail_after(self.health_timeout):
                    await self.client.health()
            except DaemonUnreachable as exc:
                self.lost(exc.reason or str(exc))
            except TimeoutError:
                self.lost(f"no answer within {self.health_timeout:g}s")
            except ClientError as exc:
                self.lost(str(exc))
            else:
                self.alive()
                if self.state.refused:
                    await self._check_token()
            await anyio.sleep(self.health_interval if self.state.connected else self.retry_interval)

    async def _check_token(self) -> None:
        """While refused, ask for something that needs the token: the banner goes only when
        the daemon accepts it (a daemon restarted with this token, say)."""
        try:
            with anyio.fail_after(self.health_timeout):
                await self.client.list_executions(limit=1)
        except UnauthorizedError as exc:
            self.refused(f"{exc.status} {exc.code}: {exc.message}")
        except (ClientError, TimeoutError):
            pass  # not an answer about the token
        else:
            self.accepted()

    # ---- events -----------------------------------------------------------------------------
    async def follow(
        self,
        execution_id: str | None,
        *,
        after: int | str | None = None,
        on_connect: Callable[[], object] | None = None,
    ) -> AsyncGenerator[Event, None]:
        """An execution's events after `after` (or every execution's, live), for as long as
        the caller reads: across dropped connections and daemon restarts, each event once.
        `on_connect` runs whenever the daemon accepts the stream (see `AsyncClient.events`)."""
        cursor: int | str | None = after

        def connected() -> None:
            self.accepted()
            if on_connect is not None:
                on_connect()

        while True:
            stream = self.client.events(
                execution_id, after=cursor, follow=True, on_connect=connected
            )
            try:
                async for event in stream:
                    if execution_id is None:
                        cursor = f"{event.execution_id}:{event.seq}"
                    else:
                        cursor = event.seq
                    yield event
            except DaemonUnreachable as exc:
                self.lost(exc.reason or str(exc))
            except UnauthorizedError as exc:
                # said in the banner until fixed; the stream tries again, unhurried
                self.refused(f"{exc.status} {exc.code}: {exc.message}")
                await anyio.sleep(max(1.0, self.health_interval))
            except ProtocolError:
                # not an event stream (a proxy's error page?): try again, but not in a hot loop
                await anyio.sleep(max(1.0, self.retry_interval))
            finally:
                await stream.aclose()
            await anyio.sleep(self.retry_interval)

    # ---- the graph of an execution ---------------------------------------------------------
    async def shape_of(
        self, workflow: str, version: str | None, task_ids: list[str]
    ) -> WorkflowShape:
        """The dependencies and specs of an execution's tasks, from a stored workflow.

        The execution document does not carry its workflow's definition, so this looks for
        the stored workflow of the same name and version with exactly these tasks. The edges
        come from the document itself (`document_shape`) on daemons that send `depends_on`;
        this serves older ones, where a workflow with none (inline, or since changed) leaves
        the tasks shown without edges, and it adds the specs the detail pane shows.
        """
        key = (workflow, version, frozenset(task_ids))
        cached = self._shapes.get(key)
        if cached is not None:
            return cached
        shape = await self._find_shape(workflow, version, task_ids)
        if shape.known:
            self._shapes[key] = shape
        return shape

    async def _find_shape(
        self, workflow: str, version: str | None, task_ids: list[str]
    ) -> WorkflowShape:
        wanted = set(task_ids)
        candidates: list[WorkflowInfo] = []
        offset = 0
        while True:
            page = await self.client.list_workflows(limit=200, offset=offset)
            candidates.extend(
                info
                for info in page.items
                if info.name == workflow and info.task_count == len(wanted)
            )
            if not page.has_more or not page.items:
                break
            offset += len(page.items)
        candidates.sort(key=lambda info: _preference(info, version), reverse=True)
        for info in candidates:
            try:
                stored = await self.client.get_workflow(info.id)
            except ApiError:
                continue
            tasks = stored.document.get("tasks")
            if not isinstance(tasks, Mapping) or set(tasks) != wanted:
                continue
            depends_on = {
                str(tid): [str(d) for d in (spec or {}).get("depends_on") or []]
                for tid, spec in tasks.items()
            }
            specs = {str(tid): dict(spec or {}) for tid, spec in tasks.items()}
            return WorkflowShape(
                Dag.from_depends_on(depends_on, list(tasks)), specs, f"stored workflow {info.id}"
            )
        return WorkflowShape(
            Dag.unknown(task_ids),
            {},
            "dependencies unknown: no stored workflow matches this execution",
        )


def _preference(info: WorkflowInfo, version: str | None) -> tuple[bool, float]:
    """The same version first, then the most recently stored."""
    when = info.updated_at or info.created_at
    return (info.version == version, when.timestamp() if when else 0.0)
