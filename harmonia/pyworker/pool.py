"""A pool of reused worker processes that run `python.call` functions away from the engine.

User code that calls `os._exit`, crashes native code or runs out of memory must not take the
engine (and every execution in it) down. So functions run in worker processes: a crash is one
failed task (kind `worker_crashed`, with the exit code or signal), and the pool starts a fresh
worker for the next call. A cancelled or timed-out call kills its worker's process group, so
the function really stops.

Workers are reused (a call costs a round trip over two pipes, tens of microseconds, not a new
interpreter) and started lazily, at most `max_workers` at once. Why not `anyio.to_process`: it
cannot set the workers' environment (they would inherit the daemon's token), a crash comes back
without its exit code or signal, and each worker re-runs the parent's `__main__` module.
`concurrent.futures.ProcessPoolExecutor` breaks as a whole when one worker dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import anyio.abc
import anyio.lowlevel
import orjson
from anyio.streams.buffered import BufferedByteReceiveStream

from harmonia.errors import ErrorKind, TaskError
from harmonia.pyworker.protocol import HEADER, READY, frame
from harmonia.taskenv import task_environment

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "WorkerPool",
    "default_max_workers",
    "worker_environment",
]

DEFAULT_IDLE_TIMEOUT = 300.0
"""Seconds an idle worker is kept for the next call before it is let go."""

IDLE_GRACE = 30.0
"""A worker waits this much longer than the pool before it exits on its own: the pool never
hands out a worker that is about to leave."""

_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from harmonia.pyworker.child import main; main(int(sys.argv[2]), float(sys.argv[3]))"
)

_STREAM_ERRORS = (
    anyio.EndOfStream,
    anyio.IncompleteRead,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    OSError,
)
"""What talking to a worker that died raises."""


def default_max_workers() -> int:
    """`HARMONIA_PYTHON_WORKERS` if set, else 8: enough for functions that wait on I/O to
    overlap, few enough that idle workers do not hold much memory."""
    given = os.environ.get("HARMONIA_PYTHON_WORKERS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    return 8


def worker_environment() -> dict[str, str]:
    """This process's environment as tasks see it (without Harmonia's secrets), for a worker
    started by a call that brings no environment of its own."""
    return dict(task_environment())


class _Worker:
    """One worker process and its two pipes."""

    __slots__ = ("environ", "idle_since", "process", "ready", "replies", "requests", "sys_path")

    def __init__(
        self, process: anyio.abc.Process, sys_path: list[str], environ: dict[str, str]
    ) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self.requests = process.stdin
        self.replies = BufferedByteReceiveStream(process.stdout)
        self.sys_path = sys_path
        """The `sys.path` the worker has: a call sends the engine's again if it changed."""
        self.environ = environ
        """The environment it was started with: only a call for the same one may reuse it, so
        that a worker never carries a variable that the calling engine withholds."""
        self.ready = False
        self.idle_since = 0.0

    def kill(self) -> None:
        """SIGKILL the worker and whatever the function started (its own process group)."""
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    async def discard(self) -> None:
        """Kill and reap; safe to call on a worker that has exited."""
        with anyio.CancelScope(shield=True):
            self.kill()
            await self.process.aclose()


class WorkerPool:
    """Worker processes for one engine; `call` is safe to use from many tasks at once.

    Bound to the event loop it is first used in; `aclose` (the engine calls it at shutdown)
    kills every worker, and the pool starts new ones if it is used again."""

    def __init__(
        self,
        max_workers: int | None = None,
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        environment: Callable[[], Mapping[str, str]] = worker_environment,
    ) -> None:
        self.max_workers = max_workers or default_max_workers()
        self.idle_timeout = idle_timeout
        self._environment = environment
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._limiter: anyio.CapacityLimiter | None = None
        self._loop: object | None = None
        self.started = 0
        """Workers started so far (for tests and benchmarks)."""

    @property
    def pids(self) -> list[int]:
        """Process ids of the workers alive now."""
        return [w.process.pid for w in self._all if w.process.returncode is None]

    async def call(
        self,
        function: str,
        args: list[Any],
        kwargs: Mapping[str, Any],
        environ: Mapping[str, str] | None = None,
    ) -> Any:
        """Call `function` ("module:name") in a worker started with `environ` (the task's
        environment; by default this process's without Harmonia's secrets); its result as
        JSON data, or TaskError."""
        limiter = self._bind()
        try:
            limiter.acquire_nowait()  # no trip round the loop while a worker is free
        except anyio.WouldBlock:
            await limiter.acquire()
        try:
            wanted = dict(self._environment() if environ is None else environ)
            reply = await self._call_worker(function, args, kwargs, wanted)
        finally:
            limiter.release()
        return _result(orjson.loads(reply))

    async def _call_worker(
        self, function: str, args: list[Any], kwargs: Mapping[str, Any], environ: dict[str, str]
    ) -> bytes:
        worker = await self._checkout(environ)
        body: dict[str, Any] = {"function": function, "args": args, "kwargs": kwargs}
        if worker.sys_path != sys.path:
            body["sys_path"] = list(sys.path)
        reusable = False
        try:
            try:
                request = frame(orjson.dumps(body))
            except TypeError as exc:
                reusable = True
                raise TaskError(
                    f"the arguments cannot be sent to a worker process: {exc}",
                    ErrorKind.INVALID_INPUT,
                ) from None
            reply = await self._exchange(worker, request)
            worker.sys_path = body.get("sys_path", worker.sys_path)
            reusable = True
        except _STREAM_ERRORS:
            raise await self._crash_error(worker, function) from None
        finally:
            if reusable:
                worker.idle_since = time.monotonic()
                self._idle.append(worker)
            else:  # crashed, or the call was cancelled or timed out mid-way
                self._all.discard(worker)
                await worker.discard()
        return reply

    async def aclose(self) -> None:
        """Kill every worker (an engine that stops has no call in flight any more)."""
        if self._loop is None or self._loop is not _loop_mark():
            self._abandon()
            return
        workers, self._all, self._idle = list(self._all), set(), []
        for worker in workers:
            await worker.discard()

    # ---- internals ---------------------------------------------------------------------------
    def _bind(self) -> anyio.CapacityLimiter:
        """The limiter of this event loop; workers of a loop that ended are let go."""
        loop = _loop_mark()
        if self._loop is not loop or self._limiter is None:
            self._abandon()
            self._loop = loop
            self._limiter = anyio.CapacityLimiter(self.max_workers)
        return self._limiter

    def _abandon(self) -> None:
        """Forget workers started in another event loop (their pipes belong to it)."""
        for worker in self._all:
            worker.kill()
        self._all, self._idle = set(), []
        self._loop = self._limiter = None

    async def _checkout(self, environ: dict[str, str]) -> _Worker:
        now = time.monotonic()
        while self._idle and now - self._idle[0].idle_since > self.idle_timeout:
            stale = self._idle.pop(0)
            self._all.discard(stale)
            await stale.discard()
        for index in range(len(self._idle) - 1, -1, -1):  # the most recently used first
            worker = self._idle[index]
            if worker.process.returncode is not None:  # died while idle (killed from outside)
                del self._idle[index]
                self._all.discard(worker)
                await worker.discard()
            elif worker.environ == environ:
                del self._idle[index]
                return worker
        return await self._start(environ)

    async def _start(self, environ: dict[str, str]) -> _Worker:
        sys_path = list(sys.path)
        command = [
            sys.executable,
            "-c",
            _BOOT,
            orjson.dumps(sys_path).decode(),
            str(os.getpid()),
            repr(self.idle_timeout + IDLE_GRACE),
        ]
        try:
            process = await anyio.open_process(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=_stderr_target(),
                env=environ,
                start_new_session=True,  # no terminal signals; killpg reaches its children
            )
        except OSError as exc:
            raise TaskError(
                f"cannot start a python worker process: {exc}", ErrorKind.WORKER_CRASHED
            ) from None
        worker = _Worker(process, sys_path, environ)
        self._all.add(worker)
        self.started += 1
        return worker

    async def _exchange(self, worker: _Worker, request: bytes) -> bytes:
        await worker.requests.send(request)
        if not worker.ready:
            if await worker.replies.receive_exactly(len(READY)) != READY:
                raise anyio.BrokenResourceError("the worker did not start the protocol")
            worker.ready = True
        (size,) = HEADER.unpack(await worker.replies.receive_exactly(HEADER.size))
        return await worker.replies.receive_exactly(size)

    async def _crash_error(self, worker: _Worker, function: str) -> TaskError:
        """Why the worker stopped answering, once it has exited (it is killed if it lingers)."""
        process = worker.process
        with anyio.CancelScope(shield=True):
            with anyio.move_on_after(2):
                await process.wait()
            worker.kill()
            code = await process.wait()
        details: dict[str, object] = {"pid": process.pid}
        if not worker.ready:
            what = "the python worker process failed to start"
        else:
            what = f"the python worker process running '{function}' died"
        if code < 0:
            name = _signal_name(-code)
            details.update(signal=-code, signal_name=name)
            message = f"{what}: killed by signal {name} ({-code})"
            if -code == signal.SIGKILL:
                message += " (out of memory? the kernel's OOM killer and memory limits use it)"
        else:
            details["exit_code"] = code
            message = f"{what}: it exited with code {code}"
            if not worker.ready:
                message += " (see the engine's stderr)"
        return TaskError(message, ErrorKind.WORKER_CRASHED, details=details)


_LOOP_MARK: anyio.lowlevel.RunVar[object] = anyio.lowlevel.RunVar("harmonia_worker_pool_loop")


def _loop_mark() -> object:
    """An object unique to the running event loop (held weakly by anyio, like the loop)."""
    try:
        return _LOOP_MARK.get()
    except LookupError:
        mark = object()
        _LOOP_MARK.set(mark)
        return mark


def _stderr_target() -> int | None:
    """Where a new worker's stderr (and what its functions print) goes: the engine's stderr
    (inherited), unless the engine runs under something that captures `sys.stderr` without a
    file behind it (the dashboard's embedded daemon): then nowhere, not onto the screen."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return subprocess.DEVNULL
    if fd == 2:
        return None
    return fd if fd >= 0 else subprocess.DEVNULL


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _result(reply: dict[str, Any]) -> Any:
    if "ok" in reply:
        return reply["ok"]
    error = reply["error"]
    raise TaskError(
        error["message"],
        error["kind"],
        retryable=error["retryable"],
        details=error.get("details") or None,
    )
