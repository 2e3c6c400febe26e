"""The pool's wire format: one request, one reply, each a 4-byte length and a JSON body.

JSON rather than pickle because everything that crosses is JSON anyway (a task's input, its
output) and orjson is several times faster; and a worker that dies mid-reply can never make the
engine unpickle half an object.
"""

from __future__ import annotations

import struct

__all__ = ["HEADER", "READY", "frame"]

HEADER = struct.Struct("!I")
"""The length of the JSON body that follows, big-endian."""

READY = b"R"
"""Sent once by a worker that has started and is waiting for requests."""


def frame(body: bytes) -> bytes:
    return HEADER.pack(len(body)) + body
