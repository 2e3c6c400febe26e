"""The worker process of the `python` component's pool: call functions, one at a time.

Started by `harmonia.pyworker.pool` as `python -c BOOT SYS_PATH PARENT_PID IDLE_TIMEOUT`. Its
stdin and stdout carry the protocol (see `harmonia.pyworker.protocol`); they are moved to
private descriptors at once, so that a function printing to stdout (or a C library writing to
fd 1) writes to stderr instead of corrupting a reply. The worker exits when its parent closes
the pipe, when its parent dies (checked by a watchdog thread, also while a function runs), or
after IDLE_TIMEOUT seconds without a request.
"""

from __future__ import annotations

import inspect
import os
import select
import signal
import sys
import threading
import time
from typing import Any

import orjson

from harmonia.errors import TaskError
from harmonia.pyworker.functions import (
    exception_error,
    find_function,
    output_json,
    task_error_doc,
)
from harmonia.pyworker.protocol import HEADER, READY, frame

__all__ = ["main"]

WATCHDOG_INTERVAL = 0.25
"""Seconds between checks that the parent is still alive: the longest an orphan outlives it."""


def main(parent_pid: int, idle_timeout: float) -> None:
    requests, replies = _take_protocol_fds()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the engine's to handle
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    _write_all(replies, READY)
    functions: dict[str, Any] = {}
    while True:
        readable, _, _ = select.select([requests], [], [], idle_timeout)
        if not readable:
            return  # idle too long; the pool never hands out a worker this old
        header = _read_exactly(requests, HEADER.size)
        if header is None:
            return  # the pool closed the pipe
        body = _read_exactly(requests, HEADER.unpack(header)[0])
        if body is None:
            return
        _write_all(replies, frame(_serve(orjson.loads(body), functions)))


def _take_protocol_fds() -> tuple[int, int]:
    requests, replies = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return requests, replies


def _watch_parent(parent_pid: int) -> None:
    """Exit as soon as the parent is gone, even in the middle of a function: no orphans."""
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(WATCHDOG_INTERVAL)


def _serve(request: dict[str, Any], functions: dict[str, Any]) -> bytes:
    """Run one call; the reply is `{"ok": RESULT}` or `{"error": {...}}` as JSON."""
    sys_path = request.get("sys_path")
    if sys_path is not None:
        sys.path[:] = sys_path
    name: str = request["function"]
    try:
        function = functions.get(name)
        if function is None:
            function = functions[name] = find_function(name)
        result = _call(function, request["args"], request["kwargs"])
        return b'{"ok":' + output_json(name, result) + b"}"
    except TaskError as error:
        return _error_reply(error)
    except BaseException as exc:  # SystemExit and the like: the call failed, not the worker
        return _error_reply(exception_error(exc))


def _call(function: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if inspect.iscoroutinefunction(function):
        return _run_coroutine(function(*args, **kwargs))
    result = function(*args, **kwargs)
    if inspect.isawaitable(result):  # e.g. a sync wrapper around a coroutine function
        return _run_coroutine(result)
    return result


def _run_coroutine(awaitable: Any) -> Any:
    """A worker has no loop of its own: run coroutine functions on a fresh anyio (asyncio)
    loop, so code written for anyio or for asyncio both work."""
    import anyio

    async def wait() -> Any:
        return await awaitable

    return anyio.run(wait)


def _error_reply(error: TaskError) -> bytes:
    doc = task_error_doc(error)
    try:
        return orjson.dumps({"error": doc})
    except TypeError:  # details a function chose that are not JSON
        doc["details"] = {"repr": repr(doc["details"])[:2000]}
        return orjson.dumps({"error": doc})


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
