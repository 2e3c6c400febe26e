"""What handlers share: the engine, the settings and the stored definitions of one daemon."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, cast

import anyio
from starlette.requests import HTTPConnection

from harmonia import __version__
from harmonia.engine.engine import Engine
from harmonia.schedules.loop import Scheduler
from harmonia.store.definitions import WorkflowDefinitions
from harmoniad.answercache import DocumentCache, SummaryCache
from harmoniad.config import DaemonConfig
from harmoniad.encoding import EventEncoder
from harmoniad.hermes import HermesLink
from harmoniad.histories import SharedHistories
from harmoniad.livedocument import LiveDocuments
from harmoniad.memory import MemoryTrimmer
from harmoniad.webhooks import Webhooks

__all__ = ["BoundHooks", "DaemonState", "daemon_state", "live_execution_ids"]


class BoundHooks(Protocol):
    """The inbound hooks, as deleting a workflow asks them (`harmoniad.hooks.HookService`)."""

    async def bound_to(self, workflow_id: str) -> list[str]: ...


@dataclass
class DaemonState:
    engine: Engine
    config: DaemonConfig
    definitions: WorkflowDefinitions
    version: str = __version__
    port: int | None = None
    """The port actually bound (known once the server listens; `--port 0` picks one)."""
    ready: bool = False
    """True once interrupted executions were recovered and the server accepts requests."""
    hermes: HermesLink | None = None
    scheduler: Scheduler | None = None
    """Starts the stored workflows' schedules (`harmoniad.scheduler`); run by the server."""
    webhooks: Webhooks | None = None
    """Delivers chosen events to URLs (`harmoniad.webhooks`); run by the server."""
    hooks: BoundHooks | None = None
    """The inbound hooks: a workflow they start is not deleted under them."""
    """The registration with Hermes, when the daemon joins a Tekton installation."""
    stopping: anyio.Event = field(default_factory=anyio.Event)
    """Set when a stop signal arrives: streams end and no new stream starts."""
    encoder: EventEncoder = field(default_factory=EventEncoder)
    """The events' wire forms, encoded once for all the streams."""
    histories: SharedHistories = field(init=False)
    """Histories of executions at rest, read once for all the streams replaying them."""

    summaries: SummaryCache = field(default_factory=SummaryCache)
    """Each listed execution's summary as JSON, made again when the execution changes."""
    documents: DocumentCache = field(default_factory=DocumentCache)
    """Finished executions' documents as JSON, read again when their files change."""
    live_documents: LiveDocuments = field(default_factory=LiveDocuments)
    """Running executions' tasks as JSON, each encoded again when it changes."""

    memory: MemoryTrimmer = field(default_factory=MemoryTrimmer)
    """Gives freed memory back to the system once the streams have ended."""
    parses: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(2))
    """Worker threads parsing or checking request documents at once (`bodies.off_the_loop`):
    a large one holds its whole document in memory, and there are two cores to share."""

    def __post_init__(self) -> None:
        self.encoder.on_idle = self._streams_ended
        self.histories = SharedHistories(self.engine.bus.replay, self.engine.store.journal_path)

    def _streams_ended(self) -> None:
        """The last stream ended: the pages kept for subscribers catching up go too, and the
        freed memory is given back."""
        self.engine.replays.clear()
        self.memory.request()


def daemon_state(connection: HTTPConnection) -> DaemonState:
    return cast(DaemonState, connection.app.state.daemon)


def live_execution_ids(engine: Engine) -> list[str]:
    """Executions this process is driving right now."""
    return engine.live_ids()
