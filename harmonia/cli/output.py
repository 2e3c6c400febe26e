"""Machine-readable output: one JSON document on stdout and nothing else there."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

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
    """`print_json(state.to_public())`, byte for byte, written task by task: the whole document
    of a 100,000-task execution (and its text) held at once was the peak of a run's memory.

    orjson escapes newlines inside strings, so every newline of a task's indented text is
    layout, and indenting it one level deeper is a byte replace."""
    out = sys.stdout.buffer
    sys.stdout.flush()
    head = orjson.dumps(state.public_head(), option=_INDENT)
    chunk = [head[:-2], b',\n  "tasks": {']  # head ends with b"\n}"
    count = 0
    for count, (tid, doc) in enumerate(state.public_tasks(), 1):
        text = orjson.dumps(doc, option=_INDENT).replace(b"\n", b"\n    ")
        chunk.append(b"%s\n    %s: %s" % (b"," if count > 1 else b"", orjson.dumps(tid), text))
        if count % _CHUNK_TASKS == 0:
            out.write(b"".join(chunk))
            chunk.clear()
    chunk.append(b"\n  }\n}\n" if count else b"}\n}\n")
    out.write(b"".join(chunk))
    out.flush()
