"""The daemon's side of the stream relay (see `harmoniad.relay` for why it exists).

`StreamRelay` starts the relay process, keeps it told how far each execution is durable (one
message per batch of publications, not per event), takes over the connections of streams it
can serve, and stops with the daemon.

A stream request is routed, authenticated and validated by the daemon as any other; then, for
a running execution, `StreamRelay.take` hands its connection to the relay: the socket (as
SCM_RIGHTS) and the request head rebuilt from the ASGI scope, before any byte of an answer.
The daemon's copy of the socket is closed and its request ends quietly, as if the client had
left; the relay answers the request as the daemon would have. This works per request, so a
client that first submits an execution and then streams it on the same kept-alive connection
is handed over too.

The relay is an optimisation, never a dependency: until it reports ready, after it dies, where
sockets cannot carry descriptors, or when a handover fails, the daemon serves the stream itself
with the same code and the same guarantees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
from typing import Any, Protocol

import anyio
import anyio.abc
from starlette.types import Scope
from uvicorn.server import ServerState

from harmonia.engine.engine import Engine
from harmonia.events import Event
from harmoniad.config import DaemonConfig
from harmoniad.logs import HANDED_OVER
from harmoniad.relay import CONTROL_FD_ENV
from harmoniad.relaywire import ExecutionNews, next_message, pack

__all__ = ["StreamRelay", "request_head"]

logger = logging.getLogger("harmoniad.relay")

START_WITHIN = 20.0
RESTART_PAUSE = 1.0
RESTART_PAUSE_MAX = 60.0
STOP_WITHIN = 4.0
"""How long the daemon waits for the relay to exit after `stop` (it gives its streams 3 s)."""


class _RelayProcess(Protocol):
    """What the daemon needs of its relay's process: an anyio `Process`, or `_ForkedRelay`."""

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...

    def kill(self) -> None: ...


class _ForkedRelay:
    """A relay forked by `harmoniad.relay.prefork` (a child, but not a `subprocess`)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._code: int | None = None

    @property
    def returncode(self) -> int | None:
        return self._code

    async def wait(self) -> int:
        while self._code is None:
            try:
                _, status = await anyio.to_thread.run_sync(
                    os.waitpid, self.pid, 0, abandon_on_cancel=True
                )
            except ChildProcessError:  # reaped by an earlier, abandoned wait
                self._code = -signal.SIGKILL
            else:
                self._code = os.waitstatus_to_exitcode(status)
        return self._code

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)


class StreamRelay:
    def __init__(
        self,
        engine: Engine,
        config: DaemonConfig,
        token: str,
        *,
        preforked: tuple[int, socket.socket] | None = None,
    ) -> None:
        """`preforked`: a relay already forked (`harmoniad.relay.prefork`), used first."""
        self._preforked = preforked
        self.engine = engine
        self.config = config
        self.token = token
        self.ready = False
        self.status = "starting"
        """For `/ready`: starting, ready, gone (failed or died: streams served here), stopped."""
        self.pid: int | None = None
        self._control: socket.socket | None = None
        self._process: _RelayProcess | None = None
        self._pending: dict[str, int] = {}
        self._wake = anyio.Event()
        self._stopping = False
        self._server_state: ServerState | None = None

    # ---- lifetime ---------------------------------------------------------------------------
    async def run(self) -> None:
        """Keep a relay running until the daemon stops: start it, keep it informed, and start
        a new one after a pause if it dies (the pause doubles while starts keep failing).
        Never raises: without a relay the daemon serves every stream itself."""
        if not hasattr(socket, "send_fds"):
            self.status = "gone"
            return
        pause = RESTART_PAUSE
        while not self._stopping:
            started = await self._run_once()
            if self._stopping:
                return
            pause = RESTART_PAUSE if started else min(pause * 2, RESTART_PAUSE_MAX)
            logger.info("starting a new stream relay in %.0f s", pause)
            await anyio.sleep(pause)

    async def _run_once(self) -> bool:
        """One relay's life; whether it got as far as ready."""
        self.status = "starting"
        self._pending.clear()
        if self._preforked is not None:
            pid, ours = self._preforked
            self._preforked = None
            self._process, self._control = _ForkedRelay(pid), ours
            return await self._serve_relay(ours)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._control = ours
        try:
            self._process = await anyio.open_process(
                [sys.executable, "-m", "harmoniad.relay"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # it logs through the daemon (see `_receive`)
                pass_fds=(theirs.fileno(),),
                env={**os.environ, CONTROL_FD_ENV: str(theirs.fileno())},
            )
        except OSError as exc:
            logger.warning("cannot start the stream relay (%s); serving streams here", exc)
            self.status = "gone"
            ours.close()
            return False
        finally:
            theirs.close()
        return await self._serve_relay(ours)

    async def _serve_relay(self, ours: socket.socket) -> bool:
        """Configure a started relay, wait until it is ready, then keep it told the news until
        it is gone; whether it got as far as ready."""
        started = False
        self.engine.bus.add_listener(self._published)
        try:
            ours.send(pack(self._settings()))
            ours.setblocking(False)
            with anyio.fail_after(START_WITHIN):
                answer = await self._receive()
            if answer is None or answer.get("op") != "ready":
                code = await self._exit_code()
                raise OSError(f"it exited with {code} before it was ready")
            self.pid = int(answer["pid"])
            started = True
            self.ready = not self._stopping
            self.status = "ready" if self.ready else "stopped"
            logger.info("stream relay ready (pid %d)", self.pid)
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._tell_news)
                await self._receive()  # only its end of file: the relay is gone
                tg.cancel_scope.cancel()
            if not self._stopping:
                logger.warning("the stream relay exited; serving streams here")
        except (OSError, TimeoutError) as exc:
            logger.warning("the stream relay did not start (%s); serving streams here", exc)
        except Exception:
            # a bug here must cost the relay, never the daemon
            logger.exception("the stream relay failed; serving streams here")
        finally:
            self.ready = False
            self.status = "stopped" if self._stopping else "gone"
            self.engine.bus.remove_listener(self._published)
            if not self._stopping:
                await self._reap()
        return started

    async def _reap(self) -> None:
        """Make sure a relay that stopped talking has exited, and forget it."""
        process, control = self._process, self._control
        self._process = self._control = None
        if process is not None and process.returncode is None:
            process.kill()
            with anyio.CancelScope(shield=True):
                await process.wait()
        if control is not None:
            control.close()

    def _settings(self) -> dict[str, Any]:
        config = self.config
        return {
            "op": "hello",
            "data_dir": str(config.data_dir),
            "token": self.token,
            "allow_hosts": list(config.allow_hosts),
            "max_body": config.max_body,
            "access_log": config.access_log,
            "log_level": config.log_level,
        }

    def stop(self) -> None:
        """Tell the relay to end its streams (the daemon is stopping); `close` waits for it."""
        self._stopping = True
        self.ready = False
        self.status = "stopped"
        self._send_nowait(pack({"op": "stop"}))

    async def close(self) -> None:
        """Wait for the relay to exit (it does within its own deadline), then make sure."""
        self.stop()
        process = self._process
        if process is not None:
            with anyio.move_on_after(STOP_WITHIN):
                await process.wait()
            if process.returncode is None:
                logger.warning("the stream relay did not stop in time; killing it")
                process.kill()
                await process.wait()
        if self._control is not None:
            self._control.close()

    # ---- news -------------------------------------------------------------------------------
    def _published(self, event: Event) -> None:
        self._pending[event.execution_id] = event.seq
        self._wake.set()

    async def _tell_news(self) -> None:
        """Once per batch of publications: which executions are durable how far."""
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            pending, self._pending = self._pending, {}
            news = [list(self._news(eid, seq)) for eid, seq in pending.items()]
            await self._send(pack({"op": "news", "executions": news}))

    def _news(self, execution_id: str, durable_seq: int) -> ExecutionNews:
        runner_state = self.engine.live_state(execution_id)
        if runner_state is None:
            return ExecutionNews(execution_id, durable_seq, "", durable_seq, False)
        return ExecutionNews(
            execution_id,
            durable_seq,
            str(runner_state.status),
            runner_state.last_seq,
            True,
        )

    # ---- handing over -----------------------------------------------------------------------
    def attach(self, server_state: ServerState) -> None:
        """The uvicorn server whose connections `take` looks up."""
        self._server_state = server_state

    def take(self, scope: Scope, execution_id: str) -> bool:
        """Hand this request's connection to the relay if it serves this stream; True means the
        connection is the relay's now (the caller then only waits for its disconnect)."""
        control = self._control
        if not self.ready or control is None:
            return False
        if scope["type"] == "http" and scope.get("method") != "GET":
            return False  # HEAD: the daemon answers the headers itself
        if not self.engine.is_live(execution_id):
            return False  # at rest: all its history is on disk and nothing live will come
        transport = self._transport_of(scope)
        sock = None if transport is None else transport.get_extra_info("socket")
        if transport is None or sock is None:
            return False
        news = self._news(execution_id, self.engine.bus.published_seq(execution_id) or 0)
        message = pack({"op": "conn", "execution": list(news)}, request_head(scope))
        try:
            socket.send_fds(control, [message], [sock.fileno()])
        except OSError:
            return False  # its queue is full, or it is gone: serve it here
        # only our descriptor closes (the relay has its own): the connection lives on there
        transport.abort()
        scope[HANDED_OVER] = True
        return True

    def _transport_of(self, scope: Scope) -> asyncio.Transport | None:
        client = scope.get("client")
        if self._server_state is None or client is None:
            return None
        peer = tuple(client)
        for connection in self._server_state.connections:
            if getattr(connection, "client", None) == peer:
                transport = getattr(connection, "transport", None)
                if isinstance(transport, asyncio.Transport) and not transport.is_closing():
                    return transport
        return None

    async def _send(self, message: bytes) -> None:
        control = self._control
        if control is None:
            return
        while True:
            try:
                control.send(message)
                return
            except BlockingIOError:
                await anyio.wait_writable(control)
            except OSError:
                return  # gone: `run` notices the end of file

    def _send_nowait(self, message: bytes) -> None:
        if self._control is not None:
            with contextlib.suppress(OSError):
                self._control.send(message)

    async def _receive(self) -> dict[str, Any] | None:
        """The relay's next message (None: it is gone). Its log records are logged here as
        they come, in the daemon's format and place (stderr, JSON, or the TUI's log file)."""
        control = self._control
        assert control is not None
        while True:
            message = await next_message(control)
            if message is None:
                return None
            header, _, fds = message
            for fd in fds:
                os.close(fd)
            if header.get("op") == "log":
                _log_record(header)
                continue
            return header

    async def _exit_code(self) -> int | None:
        process = self._process
        if process is None:
            return None
        with anyio.move_on_after(2):
            await process.wait()
        return process.returncode


def _log_record(header: dict[str, Any]) -> None:
    extra = header.get("extra")
    logging.getLogger(str(header.get("name") or "harmoniad.relay")).log(
        int(header.get("level") or logging.INFO),
        "%s",
        str(header.get("message")),
        extra=extra if isinstance(extra, dict) else None,
    )


def request_head(scope: Scope) -> bytes:
    """The request as its client sent it (line and headers), rebuilt from an ASGI scope: what
    the relay's HTTP protocol reads first on the connection it is handed."""
    target = scope.get("raw_path") or scope["path"].encode()
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    version = str(scope.get("http_version") or "1.1").encode()
    lines = [b"GET " + target + b" HTTP/" + version]
    lines.extend(name + b": " + value for name, value in scope["headers"])
    return b"\r\n".join(lines) + b"\r\n\r\n"
