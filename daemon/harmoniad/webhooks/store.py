"""The deliveries log: every outbound webhook delivery, recorded before it is sent.

One append-only file of JSON lines under the data folder (`webhooks/deliveries.jsonl`): a
`news` line per recording round, target and execution (the events it delivers, each as its
journal line has it: the bodies, byte for byte as every attempt sends them), a `try` line per
attempt's outcome, and `mark` lines saying how far each execution's events were looked at.
A log written before `news` lines has a `new` line per delivery; both are read. Appends are
fsynced before anyone is told, as the journals' are, so a delivery once recorded survives
kill -9; a torn last line is cut when the file is read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import orjson

from harmonia.store.storage import fsync_directory, naming, write_all, write_atomically
from harmoniad.webhooks.records import (
    DELIVERED,
    FAILED,
    PENDING,
    STATUSES,
    Batch,
    Delivery,
    body_of,
)

__all__ = [
    "DELIVERED",
    "FAILED",
    "PENDING",
    "STATUSES",
    "Batch",
    "Delivery",
    "DeliveryLog",
    "Listing",
    "try_line",
]

logger = logging.getLogger("harmoniad.webhooks")

FOLDER = "webhooks"
FILE = "deliveries.jsonl"
KEEP_FINISHED = 10_000
"""Delivered and failed deliveries kept when the log is compacted (at start, once it holds
twice as many): their attempts stay visible for a while, and the file stops growing."""


class DeliveryLog:
    """The file and what it says, in memory; appends run in a worker thread, one at a time
    (the caller holds a lock), each fsynced before it returns."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FOLDER / FILE
        self.batches: list[Batch] = []
        """Oldest first; each delivery is one entry of one."""
        self.recorded: dict[tuple[str, str], set[int]] = {}
        """The seqs recorded for each (target key, execution): an event read twice (the tap,
        then the catch-up) is recorded once."""
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
        end = self._parse(data or b"")
        if data is not None and end < len(data):
            logger.warning("%s: cut a torn last line (%d bytes)", self.path, len(data) - end)
            with naming(self.path), open(self.path, "r+b") as handle:
                handle.truncate(end)
                os.fsync(handle.fileno())
        finished = sum(b.finished() for b in self.batches)
        if finished > 2 * KEEP_FINISHED:
            self._compact(finished - KEEP_FINISHED)

    def _parse(self, data: bytes) -> int:
        """Apply every whole line; return where the whole lines end."""
        self.batches, self.recorded, self.seen = [], {}, {}
        ids: dict[str, tuple[Batch, int]] = {}  # for the `try` lines; dropped once read
        offset = 0
        while True:
            newline = data.find(b"\n", offset)
            if newline < 0:
                return offset
            try:
                self._apply(orjson.loads(data[offset:newline]), offset, ids)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                logger.error(
                    "%s: line at byte %d is unreadable (%s): skipped", self.path, offset, exc
                )
            offset = newline + 1

    def _apply(self, line: dict[str, Any], offset: int, ids: dict[str, tuple[Batch, int]]) -> None:
        kind = line["k"]
        if kind in ("news", "new"):
            batch = _batch_of(line)
            batch.offset = offset
            for index in range(len(batch)):
                ident = batch.ident(index)
                if ident not in ids:
                    ids[ident] = (batch, index)
            self.add(batch)
        elif kind == "try":
            found = ids.get(line["id"])
            if found is not None:
                delivery = found[0].touch(found[1])
                delivery.attempts.append(line["attempt"])
                delivery.status = str(line["status"])
                delivery.next_at = float(line.get("next") or 0.0)
        elif kind == "mark":
            for execution_id, seq in line["seen"].items():
                self.seen[execution_id] = max(self.seen.get(execution_id, 0), int(seq))

    def add(self, batch: Batch) -> None:
        """A batch now in the log (its line written)."""
        self.batches.append(batch)
        key = (batch.key, batch.execution_id)
        seqs = self.recorded.get(key)
        if seqs is None:
            seqs = self.recorded[key] = set()
        seqs.update(batch.seqs)

    def read_body(self, delivery: Delivery) -> bytes:
        """The body `delivery` sends (made from the event its batch's line holds)."""
        batch = delivery.batch
        assert batch is not None, "a delivery is made by its batch"
        return body_of(delivery.id, batch.workflow, self._event(batch, delivery.index))

    def _event(self, batch: Batch, index: int) -> dict[str, Any]:
        line = orjson.loads(self._raw_line(batch))
        return dict(line["event"] if line["k"] == "new" else line["events"][index])

    def _raw_line(self, batch: Batch) -> bytes:
        with naming(self.path), open(self.path, "rb") as handle:
            handle.seek(batch.offset)
            return handle.readline()

    def select(
        self, execution_id: str | None, status: str | None, offset: int = 0, limit: int = -1
    ) -> tuple[int, list[Delivery]]:
        """How many deliveries match, and those from `offset` on (`limit` of them; -1: all),
        newest first: a `Delivery` is made for those only."""
        total = 0
        page: list[Delivery] = []
        end = offset + limit if limit >= 0 else None
        for batch in reversed(self.batches):
            if execution_id is not None and batch.execution_id != execution_id:
                continue
            for index in range(len(batch) - 1, -1, -1):
                if status is None or batch.status(index) == status:
                    if total >= offset and (end is None or total < end):
                        page.append(batch.delivery(index))
                    total += 1
        return total, page

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

    def _compact(self, drop: int) -> None:
        """Rewrite the log without its `drop` oldest finished deliveries (atomically: a crash
        leaves the old file or the new one)."""
        lines: list[bytes] = []
        dropped = 0
        for batch in self.batches:
            kept = []
            for index in range(len(batch)):
                if dropped < drop and batch.status(index) != PENDING:
                    dropped += 1
                else:
                    kept.append(index)
            if kept:
                lines.append(self._kept_line(batch, kept))
                for index in kept:
                    found = batch.touched.get(index)
                    if found is not None:
                        lines += [orjson.dumps(_try_line(found, a)) + b"\n" for a in found.attempts]
        lines.append(orjson.dumps({"k": "mark", "seen": self.seen}) + b"\n")
        self.close()
        write_atomically(self.path, lines)
        logger.info("%s: compacted (%d finished deliveries dropped)", self.path, dropped)
        self._parse(self.path.read_bytes())

    def _kept_line(self, batch: Batch, kept: list[int]) -> bytes:
        """Its line with only the `kept` entries (the line itself when all are)."""
        raw = self._raw_line(batch)
        if len(kept) == len(batch):
            return raw
        line = orjson.loads(raw)
        line["events"] = [line["events"][index] for index in kept]
        return orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)


class Listing(Sequence[Delivery]):
    """The deliveries a filter matches, newest first: counted when made, a `Delivery` made
    only for those read (a page of a listing of thousands makes the page's)."""

    def __init__(self, log: DeliveryLog, execution_id: str | None, status: str | None) -> None:
        self._log, self._filter = log, (execution_id, status)
        self._total = log.select(execution_id, status, 0, 0)[0]

    def __len__(self) -> int:
        return self._total

    def __iter__(self) -> Iterator[Delivery]:
        return iter(self._log.select(*self._filter)[1])

    @overload
    def __getitem__(self, key: int) -> Delivery: ...
    @overload
    def __getitem__(self, key: slice) -> list[Delivery]: ...
    def __getitem__(self, key: int | slice) -> Delivery | list[Delivery]:
        if isinstance(key, slice):
            start, stop, step = key.indices(self._total)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._log.select(*self._filter, start, max(0, stop - start))[1]
        index = key + self._total if key < 0 else key
        if not 0 <= index < self._total:
            raise IndexError(key)
        return self._log.select(*self._filter, index, 1)[1][0]


def _batch_of(line: dict[str, Any]) -> Batch:
    """The batch of a `news` line, or of an old `new` line (one delivery, its id as written:
    `wh_{key}_...`, the key being the target's)."""
    if line["k"] == "new":
        event, ident = line["event"], str(line["id"])
        target = (str(line["url"]), str(line["source"]), line.get("secret_env"), ident[3:13])
        entries = ([int(event["seq"])], [str(event["type"])], [event.get("task_id")])
        execution_id, fixed_id = str(event["execution_id"]), ident
    else:
        events = line["events"]
        target = (str(line["url"]), str(line["source"]), line.get("secret_env"), str(line["key"]))
        entries = (
            [int(e["seq"]) for e in events],
            [str(e["type"]) for e in events],
            [e.get("task_id") for e in events],
        )
        execution_id, fixed_id = str(line["execution_id"]), None
    workflow, at = str(line.get("workflow", "")), float(line["at"])
    return Batch(target, workflow, execution_id, at, entries, fixed_id=fixed_id)


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
