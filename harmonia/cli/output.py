"""Machine-readable output: one JSON document on stdout and nothing else there."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

if TYPE_CHECKING:
    from harmonia.state import ExecutionState

__all__ = ["print_execution_json", "print_json"]

_INDENT = orjson.OPT_INDENT_2
_CHUNK_TASKS = 512
"""Tasks per write of `print_execution_json`."""


def print_json(document: Any) -> None:
    """Indented, because people read `--json` output too; `jq` does not mind either way.

    Written as bytes, so no locale can make a non-ASCII output unencodable."""
    sys.stdout.flush()
    sys.stdout.buffer.write(orjson.dumps(document, option=_INDENT) + b"\n")
    sys.stdout.buffer.flush()


def print_execution_json(state: ExecutionState) -> None:
    """`print_json(state.to_public())`, byte for byte, written a chunk of tasks at a time: the
    whole document of a 100,000-task execution (and its text) held at once was the peak of a
    run's memory.

    A chunk is serialised as one mapping (one call per `_CHUNK_TASKS` tasks, not per task),
    nested where it stands in the document (`{"tasks": chunk}`), so orjson indents it as the
    document would; it is written without the wrapper's first and last lines."""
    out = sys.stdout.buffer
    sys.stdout.flush()
    head = orjson.dumps(state.public_head(), option=_INDENT)
    out.write(head[:-2] + b',\n  "tasks": {')  # head ends with b"\n}"
    chunk: dict[str, Any] = {}
    written = False
    for tid, doc in state.public_tasks():
        chunk[tid] = doc
        if len(chunk) >= _CHUNK_TASKS:
            _write_tasks(out, chunk, written)
            chunk.clear()
            written = True
    if chunk:
        _write_tasks(out, chunk, written)
        written = True
    out.write(b"\n  }\n}\n" if written else b"}\n}\n")
    out.flush()


_WRAPPER_HEAD = len(b'{\n  "tasks": {')
_WRAPPER_TAIL = len(b"\n  }\n}")


def _write_tasks(out: BinaryIO, chunk: dict[str, Any], after: bool) -> None:
    """The members of `chunk` as they stand inside the document's `tasks` (two levels deep),
    after the comma that separates them from an earlier chunk's when `after`."""
    text = orjson.dumps({"tasks": chunk}, option=_INDENT)
    # b'{\n  "tasks": {\n    "id": ...\n    }\n  }\n}': the members and their line breaks
    if after:
        out.write(b",")
    out.write(memoryview(text)[_WRAPPER_HEAD : len(text) - _WRAPPER_TAIL])
