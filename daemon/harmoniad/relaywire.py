"""The messages between the daemon and its stream relay, over one Unix socket pair.

A message is one datagram (SOCK_SEQPACKET keeps their boundaries): a JSON header, a newline,
then an optional payload of raw bytes (the request head of a connection handed over, whose
socket travels with the message as SCM_RIGHTS). Messages, daemon to relay:

- `hello`: the settings the relay serves with (token, allowed hosts, body limit, log level).
- `conn` + a socket: serve this connection (a stream request the daemon has already checked);
  the payload is its request head, and `execution` says how far that execution is durable
  right now (see `ExecutionNews`).
- `news`: how far executions are durable now, after the daemon published more of their events.
- `stop`: end every stream cleanly and exit (the daemon is stopping).

Relay to daemon: `ready` once it serves, and `log`: a log record, which the daemon logs as its
own (so the relay writes nothing to a terminal that may belong to the TUI). End of file on
either side means the other is gone.
"""

from __future__ import annotations

import socket
from typing import Any, NamedTuple

import anyio
import orjson

__all__ = [
    "MAX_MESSAGE",
    "ExecutionNews",
    "next_message",
    "pack",
    "receive",
    "unpack",
]

MAX_MESSAGE = 256 * 1024
"""The largest message either side sends: a request head is at most 64 KiB, news is small."""


class ExecutionNews(NamedTuple):
    """One execution as the daemon sees it: its events up to `durable_seq` are published (on
    disk and fsynced), `last_seq` is its last recorded event, `live` whether it runs."""

    execution_id: str
    durable_seq: int
    status: str
    last_seq: int
    live: bool


def pack(header: dict[str, Any], payload: bytes = b"") -> bytes:
    return orjson.dumps(header) + b"\n" + payload


def unpack(message: bytes) -> tuple[dict[str, Any], bytes]:
    head, _, payload = message.partition(b"\n")
    header = orjson.loads(head)
    if not isinstance(header, dict):
        raise ValueError("a relay message header must be a JSON object")
    return header, payload


def receive(control: socket.socket) -> tuple[dict[str, Any], bytes, list[int]] | None:
    """One message and the file descriptors that came with it; None at end of file. Raises
    BlockingIOError on a non-blocking socket with nothing to read."""
    message, fds, _, _ = socket.recv_fds(control, MAX_MESSAGE, 4)
    if not message:
        for fd in fds:
            socket.close(fd)
        return None
    header, payload = unpack(message)
    return header, payload, fds


async def next_message(control: socket.socket) -> tuple[dict[str, Any], bytes, list[int]] | None:
    """`receive` on a non-blocking socket, waiting until a message comes; None once the other
    side is gone (end of file, or the socket broke)."""
    while True:
        await anyio.wait_readable(control)
        try:
            return receive(control)
        except BlockingIOError:
            continue
        except OSError:
            return None
