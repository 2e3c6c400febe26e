"""A snapshot file's bytes, built from an execution's state in pieces (see `snapshot_rows`).

`harmonia.store.store` writes them: as `state.json` (fsynced, at creation and checkpoints) or as
`latest.json` (not fsynced, when a run stops: a cache that loading checks).
"""

from __future__ import annotations

from typing import Any

import orjson

from harmonia.state import ExecutionState

__all__ = ["SNAPSHOT_CHUNK", "snapshot_of", "snapshot_pieces", "snapshot_rows"]


SNAPSHOT_CHUNK = 1_000
"""Task rows serialised per bytes object by `snapshot_rows`."""


def snapshot_rows(state: ExecutionState) -> tuple[dict[str, Any], list[bytes]]:
    """The state as `Store.write_latest` wants it: serialised here, on the event loop, so
    the writer thread can write it while the loop goes on, without a copy of every record.

    Each chunk is the JSON object of up to `SNAPSHOT_CHUNK` rows of the TinyDB tasks table
    (`{"1": {...}, "2": {...}}`). Chunks rather than one bytes object per row: each bytes object
    orjson returns holds about 4 KiB of memory whatever its length (measured with orjson 3.13:
    100,000 small rows took 390 MB), and bytes are not tracked by the garbage collector, which
    the records copied before were."""
    dumps = orjson.dumps
    chunks: list[bytes] = []
    chunk: dict[str, Any] = {}
    for number, (tid, task) in enumerate(state.tasks.items(), start=1):
        chunk[str(number)] = {"task_id": tid, **task.to_record(copy=False)}
        if len(chunk) >= SNAPSHOT_CHUNK:
            chunks.append(dumps(chunk))
            chunk = {}
    if chunk:
        chunks.append(dumps(chunk))
    return state.meta_record(), chunks


def snapshot_of(state: ExecutionState) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A deep-enough copy of the state to write from another thread while the loop goes on."""
    return state.meta_record(), {tid: task.to_record() for tid, task in state.tasks.items()}


def snapshot_pieces(
    meta: dict[str, Any], rows: list[bytes], kept: bytes
) -> list[bytes | memoryview]:
    """A snapshot file's bytes: `meta`, the chunks of rows without their braces, `kept`."""
    pieces: list[bytes | memoryview] = [b'{"execution":{"1":', orjson.dumps(meta), b'},"tasks":{']
    for index, chunk in enumerate(rows):
        if index:
            pieces.append(b",")
        pieces.append(memoryview(chunk)[1:-1])
    pieces += [b"}", kept, b"}"]
    return pieces
