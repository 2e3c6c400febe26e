"""Answers kept as JSON bytes until what they show changes (never expired by a clock).

Hundreds of clients poll the executions listing while executions run, and a finished
execution's document (megabytes for thousands of tasks) is asked for again and again; both
were built and serialised anew for each request, on the event loop the engine shares.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson

from harmonia.state import ExecutionState
from harmoniad.views import SUMMARY_FIELDS, live_summary, summary_view

__all__ = ["DocumentCache", "SummaryCache"]

DOCUMENT_BYTES_KEPT = 32 * 1024 * 1024
"""Finished executions' documents kept at most, in bytes (a 5,000-task one is ~2 MB)."""


class SummaryCache:
    """Each listed execution's `ExecutionSummary` JSON, with what it was made from.

    A summary is a pure function of its execution's summary row (the live state's own, when
    this process drives it: `ExecutionState.summary()`) and of whether it was interrupted; the
    row is compared field by field, which costs far less than building and serialising the
    view, and no change of any field can go unseen (no clock, no version to forget to bump).
    Entries of executions no longer listed are forgotten once they outnumber the known
    executions: bounded without bookkeeping per lookup."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[tuple[Any, ...], bytes]] = {}
        self.encoded = 0
        """How many summaries were serialised (the others came from the cache)."""

    def summary(self, row: dict[str, Any], live: ExecutionState | None, interrupted: bool) -> bytes:
        """The summary's JSON: of `live` when this process drives the execution (its index
        row may lag behind), else of its index `row`."""
        source = live.summary() if live is not None else row
        made_from = (live is not None, interrupted, *map(source.get, SUMMARY_FIELDS))
        execution_id = row["id"]
        kept = self._entries.get(execution_id)
        if kept is not None and kept[0] == made_from:
            return kept[1]
        if live is not None:
            view = live_summary(live)
        else:
            view = summary_view(row, interrupted=interrupted)
        encoded = orjson.dumps(view)
        self._entries[execution_id] = (made_from, encoded)
        self.encoded += 1
        return encoded

    def prune(self, known: int) -> None:
        if len(self._entries) > 2 * known + 64:
            self._entries = {}


FileVersions = tuple[tuple[int, int, int] | None, ...]
"""(inode, size, mtime_ns) of each file an execution's document is read from."""


class DocumentCache:
    """Finished executions' documents (`GET /api/v1/executions/{id}`) as bytes, each with the
    versions of the files it was read from: a stat tells whether it is still what the files
    say (an operator action or another process may have written them since). The least
    recently asked for are dropped beyond `max_bytes`."""

    def __init__(self, max_bytes: int = DOCUMENT_BYTES_KEPT) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[FileVersions, bytes]] = OrderedDict()
        self._bytes = 0

    def get(self, execution_id: str, versions: FileVersions) -> bytes | None:
        kept = self._entries.get(execution_id)
        if kept is None or kept[0] != versions:
            return None
        self._entries.move_to_end(execution_id)
        return kept[1]

    def put(self, execution_id: str, versions: FileVersions, document: bytes) -> None:
        self.drop(execution_id)
        if len(document) > self.max_bytes:
            return
        self._entries[execution_id] = (versions, document)
        self._bytes += len(document)
        while self._bytes > self.max_bytes:
            _, (_, oldest) = self._entries.popitem(last=False)
            self._bytes -= len(oldest)

    def drop(self, execution_id: str) -> None:
        kept = self._entries.pop(execution_id, None)
        if kept is not None:
            self._bytes -= len(kept[1])

    @property
    def kept_bytes(self) -> int:
        return self._bytes
