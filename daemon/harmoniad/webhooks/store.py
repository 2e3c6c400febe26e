"""The deliveries log: every outbound webhook delivery, recorded before it is sent.

One append-only file of JSON lines under the data folder (`webhooks/deliveries.jsonl`): a
`new` line per delivery (its body, byte for byte as every attempt sends it), a `try` line per
attempt's outcome, and `mark` lines saying how far each execution's events were looked at.
Appends are fsynced before anyone is told, as the journals' are, so a delivery once recorded
survives kill -9; a torn last line is cut when the file is read. Bodies stay on disk (read back
by offset when sent): a huge backlog costs memory only for its small `Delivery` records.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harmonia.events import iso_time
from harmonia.store.storage import fsync_directory, naming, write_all, write_atomically

__all__ = ["STATUSES", "Delivery", "DeliveryLog", "body_of", "try_line"]

logger = logging.getLogger("harmoniad.webhooks")

FOLDER = "webhooks"
FILE = "deliveries.jsonl"
KEEP_FINISHED = 10_000
"""Delivered and failed deliveries kept when the log is compacted (at start, once it holds
twice as many): their attempts stay visible for a while, and the file stops growing."""
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATUSES = (PENDING, DELIVERED, FAILED)


@dataclass(slots=True)
class Delivery:
    """One event for one URL: where its body is in the log, and how its attempts went."""

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
    offset: int = -1
    """Byte offset of its `new` line in the log (its body is there)."""
    status: str = PENDING
    next_at: float = 0.0
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def new_line(self, workflow: str, event_line: bytes) -> bytes:
        """Its `new` line: who it goes to, and the event as its journal line has it (the
        engine serialised it already; the body is made from it when sent, the same bytes on
        every attempt, see `body_of`)."""
        head = orjson.dumps(
            {
                "k": "new",
                "id": self.id,
                "url": self.url,
                "source": self.source,
                "secret_env": self.secret_env,
                "at": self.created_at,
                "workflow": workflow,
            }
        )
        return head[:-1] + b',"event":' + event_line.rstrip(b"\n") + b"}\n"

    @classmethod
    def from_line(cls, line: dict[str, Any], offset: int) -> Delivery:
        event = line["event"]
        return cls(
            id=str(line["id"]),
            url=str(line["url"]),
            source=str(line["source"]),
            secret_env=line.get("secret_env"),
            event=str(event["type"]),
            execution_id=str(event["execution_id"]),
            task_id=event.get("task_id"),
            seq=int(event["seq"]),
            created_at=float(line["at"]),
            offset=offset,
            next_at=float(line["at"]),
        )


def body_of(line: dict[str, Any]) -> bytes:
    """What a delivery POSTs: made from its `new` line alone, so every attempt (before or
    after a restart) sends the same bytes."""
    event = line["event"]
    return orjson.dumps(
        {
            "delivery_id": line["id"],
            "event": event["type"],
            "execution_id": event["execution_id"],
            "workflow": line.get("workflow", ""),
            "task_id": event.get("task_id"),
            "seq": event["seq"],
            "timestamp": iso_time(event["ts"]),
            "data": event.get("data") or {},
        }
    )


class DeliveryLog:
    """The file and what it says, in memory; appends run in a worker thread, one at a time
    (the caller holds a lock), each fsynced before it returns."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FOLDER / FILE
        self.deliveries: dict[str, Delivery] = {}
        """Oldest first (insertion order)."""
        self.seen: dict[str, int] = {}
        """Each execution's last seq whose deliveries are recorded."""
        self.fresh = True
        """No log existed: the executions already stored are history, not to be told of."""
        self._fd: int | None = None
        self._size = 0
        self.dirty = False
        """Written since the last fsync (attempt outcomes wait for the next one)."""

    # ---- reading -----------------------------------------------------------------------
    def load(self) -> None:
        """Read the log (cutting a torn last line); compact it if it holds too much history."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = None
        self.fresh = data is None
        self.deliveries, self.seen = {}, {}
        end = self._parse(data or b"")
        if data is not None and end < len(data):
            logger.warning("%s: cut a torn last line (%d bytes)", self.path, len(data) - end)
            with naming(self.path), open(self.path, "r+b") as handle:
                handle.truncate(end)
                os.fsync(handle.fileno())
        finished = [d for d in self.deliveries.values() if d.status != PENDING]
        if len(finished) > 2 * KEEP_FINISHED:
            self._compact(finished[: len(finished) - KEEP_FINISHED])

    def _parse(self, data: bytes) -> int:
        """Apply every whole line; return where the whole lines end."""
        offset = 0
        while True:
            newline = data.find(b"\n", offset)
            if newline < 0:
                return offset
            try:
                self._apply(orjson.loads(data[offset:newline]), offset)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                logger.error(
                    "%s: line at byte %d is unreadable (%s): skipped", self.path, offset, exc
                )
            offset = newline + 1

    def _apply(self, line: dict[str, Any], offset: int) -> None:
        kind = line["k"]
        if kind == "new":
            delivery = Delivery.from_line(line, offset)
            self.deliveries.setdefault(delivery.id, delivery)
        elif kind == "try":
            found = self.deliveries.get(line["id"])
            if found is not None:
                found.attempts.append(line["attempt"])
                found.status = str(line["status"])
                found.next_at = float(line.get("next") or 0.0)
        elif kind == "mark":
            for execution_id, seq in line["seen"].items():
                self.seen[execution_id] = max(self.seen.get(execution_id, 0), int(seq))

    def read_body(self, delivery: Delivery) -> bytes:
        """The body `delivery` sends (made from its `new` line)."""
        return body_of(orjson.loads(self._raw_line(delivery)))

    def _raw_line(self, delivery: Delivery) -> bytes:
        with naming(self.path), open(self.path, "rb") as handle:
            handle.seek(delivery.offset)
            return handle.readline()

    def select(self, execution_id: str | None, status: str | None) -> list[Delivery]:
        """Newest first."""
        return [
            d
            for d in reversed(self.deliveries.values())
            if (execution_id is None or d.execution_id == execution_id)
            and (status is None or d.status == status)
        ]

    # ---- writing (in a worker thread) -----------------------------------------------------
    def append(self, lines: Sequence[dict[str, Any] | bytes], *, sync: bool = True) -> list[int]:
        """Write the lines and (with `sync`) fsync the file, with whatever was written before
        without; return the offset of each line in the file."""
        encoded = [
            line
            if isinstance(line, bytes)
            else orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)
            for line in lines
        ]
        at = self.write(b"".join(encoded), sync=sync)
        offsets = []
        for line in encoded:
            offsets.append(at)
            at += len(line)
        return offsets

    def write(self, data: bytes, *, sync: bool = True) -> int:
        """Write whole lines, already serialised, in one call and (with `sync`) fsync the file
        with whatever was written before without; return the offset `data` starts at. No
        Python work per line: a worker thread running this leaves the GIL to the loop."""
        fd = self._open()
        at = self._size
        try:
            if data:
                write_all(fd, data, self.path)
                self.dirty = True
            if sync and self.dirty:
                with naming(self.path):
                    os.fdatasync(fd)
                self.dirty = False
        except BaseException:
            self.close()  # reopened at the file's real end: a torn line is cut on next load
            raise
        self._size = at + len(data)
        return at

    def _open(self) -> int:
        if self._fd is None:
            with naming(self.path):
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                created = not self.path.exists()
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                self._size = os.fstat(self._fd).st_size
            if created:
                fsync_directory(self.path.parent)
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _compact(self, dropped: list[Delivery]) -> None:
        """Rewrite the log without the oldest finished deliveries (atomically: a crash leaves
        the old file or the new one)."""
        for delivery in dropped:
            del self.deliveries[delivery.id]
        lines: list[bytes] = []
        raw = {d.id: self._raw_line(d) for d in self.deliveries.values()}
        for delivery in self.deliveries.values():
            lines.append(raw[delivery.id])
            for attempt in delivery.attempts:
                lines.append(orjson.dumps(_try_line(delivery, attempt)) + b"\n")
        lines.append(orjson.dumps({"k": "mark", "seen": self.seen}) + b"\n")
        self.close()
        write_atomically(self.path, lines)
        logger.info("%s: compacted (%d finished deliveries dropped)", self.path, len(dropped))
        self._parse_again()

    def _parse_again(self) -> None:
        self.deliveries, self.seen = {}, {}
        self._parse(self.path.read_bytes())


def _try_line(delivery: Delivery, attempt: dict[str, Any]) -> dict[str, Any]:
    """The `try` line of one attempt (its outcome, and when the next one is due)."""
    last = attempt is delivery.attempts[-1]
    status = delivery.status if last else PENDING
    return {
        "k": "try",
        "id": delivery.id,
        "attempt": attempt,
        "status": status,
        "next": delivery.next_at if last else 0.0,
    }


def try_line(delivery: Delivery) -> dict[str, Any]:
    """The `try` line of `delivery`'s latest attempt."""
    return _try_line(delivery, delivery.attempts[-1])
