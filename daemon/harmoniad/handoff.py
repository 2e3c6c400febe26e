"""The daemon's side of the stream relay (see `harmoniad.relay` for why it exists).

`StreamRelay` starts the relay process, keeps it told how far each execution is durable (one
message per batch of publications, not per event), hands it connections, and stops it with
the daemon. `relaying_protocol(relay)` is the HTTP protocol uvicorn runs for each connection
the daemon accepts: it reads the request head, hands a stream of a running execution to the
relay, and gives every other connection to uvicorn's own protocol, unchanged.

The relay is an optimisation, never a dependency: until it reports ready, after it dies, where
sockets cannot carry descriptors, or when the handover fails, the daemon serves the stream
itself with the same code and the same guarantees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
import subprocess
import sys
from typing import Any
from urllib.parse import unquote

import anyio
import anyio.abc
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from harmonia.engine.engine import Engine
from harmonia.events import Event
from harmoniad.config import DaemonConfig
from harmoniad.relay import CONTROL_FD_ENV
from harmoniad.relaywire import ExecutionNews, pack, receive
from harmoniad.routing import valid_path_param

__all__ = ["StreamRelay", "relaying_protocol", "stream_target"]

logger = logging.getLogger("harmoniad.relay")

HEAD_LIMIT = 64 * 1024
"""Bytes of a request head read before deciding who serves it (uvicorn refuses larger ones)."""
START_WITHIN = 20.0
STOP_WITHIN = 6.0

_STREAM_REQUEST = re.compile(
    rb"GET /(?:events|ws)/executions/([^/?# ]+)(?:[?#][^ ]*)? HTTP/1\.1\r\n"
)


def stream_target(head: bytes) -> str | None:
    """The execution id of a request head for one execution's SSE or WebSocket stream."""
    match = _STREAM_REQUEST.match(head)
    if match is None:
        return None
    execution_id = unquote(match.group(1).decode("latin-1"))
    return execution_id if valid_path_param(execution_id) else None


class StreamRelay:
    def __init__(self, engine: Engine, config: DaemonConfig, token: str) -> None:
        self.engine = engine
        self.config = config
        self.token = token
        self.ready = False
        self.pid: int | None = None
        self._control: socket.socket | None = None
        self._process: anyio.abc.Process | None = None
        self._pending: dict[str, int] = {}
        self._wake = anyio.Event()
        self._stopping = False

    # ---- lifetime ---------------------------------------------------------------------------
    async def run(self) -> None:
        """Start the relay, then keep it informed until it exits or the daemon stops. Never
        raises: without a relay the daemon serves every stream itself."""
        if not hasattr(socket, "send_fds"):
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._control = ours
        try:
            self._process = await anyio.open_process(
                [sys.executable, "-m", "harmoniad.relay"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=None,
                pass_fds=(theirs.fileno(),),
                env={**os.environ, CONTROL_FD_ENV: str(theirs.fileno())},
            )
        except OSError as exc:
            logger.warning("cannot start the stream relay (%s); serving streams here", exc)
            return
        finally:
            theirs.close()
        ours.send(pack(self._settings()))
        ours.setblocking(False)
        self.engine.bus.add_listener(self._published)
        try:
            with anyio.fail_after(START_WITHIN):
                answer = await self._receive()
            if answer is None or answer.get("op") != "ready":
                raise OSError("it exited before it was ready")
            self.pid = int(answer["pid"])
            self.ready = not self._stopping
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
            self.engine.bus.remove_listener(self._published)

    def _settings(self) -> dict[str, Any]:
        config = self.config
        return {
            "op": "hello",
            "data_dir": str(config.data_dir),
            "token": self.token,
            "allow_hosts": list(config.allow_hosts),
            "max_body": config.max_body,
            "access_log": config.access_log,
            "log_json": config.log_json,
            "log_level": config.log_level,
        }

    def stop(self) -> None:
        """Tell the relay to end its streams (the daemon is stopping); `close` waits for it."""
        self._stopping = True
        self.ready = False
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
    def hand_off(self, transport: asyncio.Transport, head: bytes, execution_id: str) -> bool:
        """Give this connection to the relay if it can serve it; False leaves it here."""
        control = self._control
        if not self.ready or control is None:
            return False
        state = self.engine.live_state(execution_id)
        if state is None:
            return False  # at rest: its history is all on disk, no live fan-out to spare
        durable = self.engine.bus.published_seq(execution_id) or 0
        news = ExecutionNews(execution_id, durable, str(state.status), state.last_seq, True)
        sock = transport.get_extra_info("socket")
        if sock is None:
            return False
        try:
            socket.send_fds(
                control, [pack({"op": "conn", "execution": list(news)}, head)], [sock.fileno()]
            )
        except OSError:
            return False  # its queue is full, or it is gone: serve it here
        return True

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
        control = self._control
        assert control is not None
        while True:
            await anyio.wait_readable(control)
            try:
                message = receive(control)
            except BlockingIOError:
                continue
            except OSError:
                return None
            if message is None:
                return None
            header, _, fds = message
            for fd in fds:
                os.close(fd)
            return header


def relaying_protocol(relay: StreamRelay) -> type[asyncio.Protocol]:
    """The class uvicorn instantiates per connection (its `http` setting)."""

    class RelayingProtocol(asyncio.Protocol):
        """Reads the request head, then hands the connection to the relay or to uvicorn."""

        def __init__(self, **uvicorn_args: Any) -> None:
            self._args = uvicorn_args
            self._transport: asyncio.Transport | None = None
            self._head = b""
            self._timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self._transport = transport
            if not relay.ready:
                self._to_uvicorn()  # nothing to decide: the common path, unchanged
                return
            keep_alive = self._args["config"].timeout_keep_alive
            self._timer = asyncio.get_running_loop().call_later(keep_alive, self._to_uvicorn)

        def data_received(self, data: bytes) -> None:
            self._head += data
            if b"\r\n\r\n" not in self._head and len(self._head) < HEAD_LIMIT:
                return
            if self._timer is not None:
                self._timer.cancel()
            transport = self._transport
            assert transport is not None
            execution_id = stream_target(self._head)
            if execution_id is not None and relay.hand_off(transport, self._head, execution_id):
                transport.abort()  # our descriptor only: the relay holds the connection now
                return
            self._to_uvicorn()

        def _to_uvicorn(self) -> None:
            transport = self._transport
            if transport is None or transport.is_closing():
                return
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            protocol = AutoHTTPProtocol(**self._args)
            transport.set_protocol(protocol)
            protocol.connection_made(transport)
            if self._head:
                protocol.data_received(self._head)

        def eof_received(self) -> bool | None:
            return None  # closed before a whole head: nothing to serve

        def connection_lost(self, exc: Exception | None) -> None:
            if self._timer is not None:
                self._timer.cancel()

    return RelayingProtocol
