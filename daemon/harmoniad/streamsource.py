"""What the stream endpoints need from whatever feeds them events.

In the daemon that is the engine itself; in the stream relay (a helper process, see
`harmoniad.relay`) it is a view of the journals that the daemon keeps up to date. Both satisfy
these protocols, so `harmoniad.streams` serves the same streams from either.
"""

from __future__ import annotations

from typing import Protocol

import anyio
from starlette.types import Scope

from harmonia.bus import EventBus, Subscription
from harmonia.store import Store

__all__ = ["Progress", "StreamEngine", "StreamRelayView", "StreamState"]


class Progress(Protocol):
    """How far a live execution is: its status and the seq of its last recorded event."""

    @property
    def status(self) -> str: ...

    @property
    def last_seq(self) -> int: ...


class StreamEngine(Protocol):
    @property
    def bus(self) -> EventBus: ...

    @property
    def store(self) -> Store: ...

    def is_live(self, execution_id: str) -> bool: ...

    async def get(self, execution_id: str) -> Progress: ...

    def subscribe(
        self,
        execution_id: str | None = None,
        *,
        after_seq: int | None = None,
        until_finished: bool = False,
        maxsize: int = 10_000,
    ) -> Subscription: ...


class StreamRelayView(Protocol):
    """The daemon's handle on its stream relay (`harmoniad.handoff.StreamRelay`)."""

    @property
    def status(self) -> str: ...

    def take(self, scope: Scope, execution_id: str) -> bool:
        """Hand this request's connection over; True if the relay serves it from now on."""
        ...


class StreamState(Protocol):
    @property
    def engine(self) -> StreamEngine: ...

    @property
    def stopping(self) -> anyio.Event: ...

    @property
    def relay(self) -> StreamRelayView | None:
        """Where streams of running executions may be handed over; None serves them here."""
        ...
