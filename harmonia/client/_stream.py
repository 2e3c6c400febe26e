"""The bookkeeping of an event stream that survives dropped connections.

A dropped SSE connection is reopened with `Last-Event-ID`, and the daemon replays what came
after it; this cursor remembers the last event seen per execution (so a repeat is dropped
even if a daemon replays too much), decides when the stream is over, and paces reconnection
attempts with exponential backoff. It does no I/O, so the sync and async clients share it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import pydantic

from harmonia.client._calls import segment
from harmonia.client._errors import DaemonUnreachable
from harmonia.client._models import Event
from harmonia.protocol import backoff_delay

__all__ = ["Reconnect", "StreamCursor"]

STREAM_READ_TIMEOUT = 60.0
"""Seconds without a byte before a stream counts as dead: the daemon pings every 15 s."""


@dataclass(frozen=True)
class Reconnect:
    """How hard to try to get a dropped stream back before giving up."""

    attempts: int = 10
    """Consecutive failed attempts allowed (about half a minute with the default delays)."""
    initial_delay: float = 0.25
    max_delay: float = 5.0
    stable_after: float = 10.0
    """A connection that stayed up this long counts as a success even if it carried no event
    (an idle execution), so the attempt budget starts afresh."""


class StreamCursor:
    """Where an event stream is, and whether and when to reconnect it."""

    def __init__(
        self,
        url: str,
        execution_id: str | None,
        *,
        after: int | str | None,
        follow: bool,
        reconnect: Reconnect,
    ) -> None:
        self.url = url
        self.execution_id = execution_id
        self.follow = follow
        self.reconnect = reconnect
        self.seen: dict[str, int] = {}
        self.last_event_id: str | None = None
        self.failures = 0
        self.last_terminal = False
        self._connected_at: float | None = None
        if after is not None:
            self._start_after(after)

    def _start_after(self, after: int | str) -> None:
        text = str(after)
        if self.execution_id is not None:
            self.seen[self.execution_id] = int(text.rpartition(":")[2])
            self.last_event_id = str(self.seen[self.execution_id])
        else:
            execution_id, sep, seq = text.rpartition(":")
            if not sep:
                raise ValueError(
                    "after must be '<execution_id>:<seq>' for the all-executions stream"
                )
            self.seen[execution_id] = int(seq)
            self.last_event_id = text

    # ---- the request ---------------------------------------------------------------------

    @property
    def path(self) -> str:
        if self.execution_id is None:
            return "/events"
        return f"/events/executions/{segment(self.execution_id)}"

    def params(self) -> dict[str, str]:
        return {"follow": "true"} if self.follow and self.execution_id is not None else {}

    def headers(self) -> dict[str, str]:
        return {"Last-Event-ID": self.last_event_id} if self.last_event_id is not None else {}

    # ---- what arrives --------------------------------------------------------------------

    def connected(self) -> None:
        self._connected_at = time.monotonic()

    def accept(self, data: str, sse_id: str) -> Event | None:
        """The event in an SSE message, or None for a repeat or a message that is not an
        event (a newer daemon may send kinds this client does not know)."""
        try:
            document: Any = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        return self.accept_document(document, sse_id)

    def accept_document(self, document: Any, sse_id: str = "") -> Event | None:
        """`accept` for an event already parsed from JSON (one item of a WebSocket batch)."""
        if not isinstance(document, Mapping) or "seq" not in document or "type" not in document:
            return None
        try:
            event = Event.model_validate(document)
        except pydantic.ValidationError:
            return None
        if event.seq <= self.seen.get(event.execution_id, 0):
            return None
        self.seen[event.execution_id] = event.seq
        if sse_id:
            self.last_event_id = sse_id
        elif self.execution_id is not None:
            self.last_event_id = str(event.seq)
        else:
            self.last_event_id = f"{event.execution_id}:{event.seq}"
        self.failures = 0  # the stream works: a later drop gets the whole budget again
        self.last_terminal = event.terminal
        return event

    @property
    def may_end(self) -> bool:
        """Whether a cleanly closed stream can be the end of the iteration (one execution's
        stream without `follow`), rather than a daemon going away."""
        return self.execution_id is not None and not self.follow

    def complete(self, last_seq: int | None, finished: bool) -> bool:
        """After a clean close: whether the execution, as the daemon now describes it, has
        nothing left for this stream (it ended, and every event of it was seen)."""
        if not self.may_end:
            return False
        if self.last_terminal:
            return True
        assert self.execution_id is not None
        return finished and (last_seq is None or last_seq <= self.seen.get(self.execution_id, 0))

    # ---- when it breaks ------------------------------------------------------------------

    def dropped(self, reason: str) -> float:
        """The stream ended without its end: the delay before the next attempt.

        Raises DaemonUnreachable once the attempts are used up."""
        if self._connected_at is not None:
            if time.monotonic() - self._connected_at >= self.reconnect.stable_after:
                self.failures = 0
            self._connected_at = None
        self.failures += 1
        if self.failures > self.reconnect.attempts:
            raise DaemonUnreachable(
                self.url, f"{reason}; gave up after {self.reconnect.attempts} reconnection attempts"
            )
        return backoff_delay(
            self.failures, initial=self.reconnect.initial_delay, maximum=self.reconnect.max_delay
        )
