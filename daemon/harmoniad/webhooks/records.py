"""Deliveries in memory: a `Batch` per log line (a round's events for one target and one
execution), and a `Delivery` made of one of its entries only when it is sent or listed.

A round records thousands of deliveries as one line and one `Batch` of flat lists, not an
object per delivery: the engine's loop pays for its events, not for each delivery's record
(issue 14: a receiver, however slow, must not slow the engine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from harmonia.events import iso_time

__all__ = ["DELIVERED", "FAILED", "PENDING", "STATUSES", "Batch", "Delivery", "body_of"]

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATUSES = (PENDING, DELIVERED, FAILED)


@dataclass(slots=True)
class Delivery:
    """One event for one URL and how its attempts went: made from its batch when it is
    dispatched (then kept there, holding its attempts) or listed."""

    id: str
    url: str
    source: str
    """`workflow` (the workflow file's `notify:`) or `daemon` (`harmoniad --notify`)."""
    secret_env: str | None
    """The environment variable of a workflow target's secret (a daemon target uses the
    daemon's); the secret itself is never written anywhere."""
    event: str
    execution_id: str
    task_id: str | None
    seq: int
    created_at: float
    status: str = PENDING
    next_at: float = 0.0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    batch: Batch | None = field(default=None, repr=False, compare=False)
    """Where it was recorded (its body is made from that line's event)."""
    index: int = 0
    """Its place in `batch`."""


class Batch:
    """The deliveries one log line recorded: events of one execution for one target, as
    flat lists (seq, type, task id by place). `lines` holds the events' journal lines until
    every entry was sent once (bodies made without reading the log); then the log has them."""

    __slots__ = (
        "created_at",
        "cursor",
        "execution_id",
        "fixed_id",
        "key",
        "lines",
        "offset",
        "secret_env",
        "seqs",
        "source",
        "task_ids",
        "touched",
        "types",
        "url",
        "workflow",
    )

    def __init__(
        self,
        target: tuple[str, str, str | None, str],
        workflow: str,
        execution_id: str,
        created_at: float,
        events: tuple[list[int], list[str], list[str | None]],
        *,
        lines: list[bytes] | None = None,
        fixed_id: str | None = None,
    ) -> None:
        self.url, self.source, self.secret_env, self.key = target
        self.workflow = workflow
        self.execution_id = execution_id
        self.created_at = created_at
        self.seqs, self.types, self.task_ids = events
        self.lines = lines
        self.fixed_id = fixed_id
        """The id an old (one delivery a line) `new` line gave, kept as written."""
        self.offset = -1
        """Byte offset of its line in the log."""
        self.cursor = 0
        """Entries before it were handed to the dispatcher once."""
        self.touched: dict[int, Delivery] = {}
        """Entries dispatched (or with attempts in the log): their `Delivery`, by place."""

    def __len__(self) -> int:
        return len(self.seqs)

    def ident(self, index: int) -> str:
        """Its entry's delivery id: the target's key and the event's place, so the same
        however often (or in whichever round) the event is read."""
        if self.fixed_id is not None:
            return self.fixed_id
        return f"wh_{self.key}_{self.execution_id}_{self.seqs[index]}"

    def delivery(self, index: int) -> Delivery:
        """The entry's `Delivery`: the one kept once touched, else a fresh pending one."""
        found = self.touched.get(index)
        if found is not None:
            return found
        return Delivery(
            self.ident(index),
            self.url,
            self.source,
            self.secret_env,
            self.types[index],
            self.execution_id,
            self.task_ids[index],
            self.seqs[index],
            self.created_at,
            next_at=self.created_at,
            batch=self,
            index=index,
        )

    def touch(self, index: int) -> Delivery:
        """The entry's `Delivery`, kept from now on (it is being sent, or has attempts)."""
        found = self.touched.get(index)
        if found is None:
            found = self.touched[index] = self.delivery(index)
        return found

    def status(self, index: int) -> str:
        found = self.touched.get(index)
        return PENDING if found is None else found.status

    def finished(self) -> int:
        return sum(1 for d in self.touched.values() if d.status != PENDING)


def body_of(ident: str, workflow: str, event: dict[str, Any]) -> bytes:
    """What a delivery POSTs: made from its id, workflow and event (as its journal line has
    it) alone, so every attempt (before or after a restart) sends the same bytes."""
    return orjson.dumps(
        {
            "delivery_id": ident,
            "event": event["type"],
            "execution_id": event["execution_id"],
            "workflow": workflow,
            "task_id": event.get("task_id"),
            "seq": event["seq"],
            "timestamp": iso_time(event["ts"]),
            "data": event.get("data") or {},
        }
    )
