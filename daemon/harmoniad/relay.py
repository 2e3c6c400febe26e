"""The stream relay: a helper process that serves the daemon's live event streams of one
execution (SSE `/events/executions/{id}`, WebSocket `/ws/executions/{id}`).

Why a process: writing every event to every client is Python work (the SSE and WebSocket
layers, the socket writes) that grows with the number of clients, and in the daemon it runs on
the engine's thread, under the engine's GIL. 25 clients watching a 10,000-task run made that run
~1.5x slower. The relay does that work on another core, from the journals: the engine's thread
only hands over each stream's connection once and tells the relay, once per group commit, how far
each execution is durable.

How: the daemon routes, authenticates and validates every request. A stream of a running
execution is then handed over here with its socket (SCM_RIGHTS) and its request head, before
anything was answered (`harmoniad.handoff`); this process feeds the head to its own uvicorn
protocol, as if it had accepted the connection itself, and serves it with the daemon's own
stream code (`harmoniad.streams`) and security layers over `RelayedExecutions`: the journals,
read only as far as the daemon said is durable, so nothing reaches a client before it is on
disk, and every client still gets every event once, in order (the same `EventBus` as in the
daemon, fed from the journal instead of the engine). Every other request, and every stream the
relay is not ready for, stays in the daemon, which serves the same streams itself.

Lifetime: started by the daemon (`harmoniad.handoff.StreamRelay`), with the control socket's
descriptor in `$HARMONIA_RELAY_FD`. It ignores SIGINT (the daemon decides when streams end),
runs at a lower priority than the daemon once started, logs through the daemon, ends every
stream cleanly on `stop`, and exits at once when the daemon is gone (end of file): its clients
then see the connection drop and reconnect with Last-Event-ID, as they would if the daemon
alone had died.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.server import ServerState

from harmonia.bus import EventBus, Subscription
from harmonia.events import Event
from harmonia.store import Store
from harmonia.store.journal import JournalTail
from harmoniad import streams
from harmoniad.errors import exception_handlers
from harmoniad.logs import AccessLogMiddleware
from harmoniad.relaywire import ExecutionNews, next_message, pack, receive
from harmoniad.routing import routes_for
from harmoniad.security import SecurityMiddleware
from harmoniad.streamsource import Progress

__all__ = ["CONTROL_FD_ENV", "RelayedExecutions", "main"]

logger = logging.getLogger("harmoniad.relay")

CONTROL_FD_ENV = "HARMONIA_RELAY_FD"
STOP_WITHIN = 3.0
"""How long open streams get to end after `stop` before the relay exits anyway."""
KEEP_NEWS = 1_000
"""How many executions' news the relay keeps before it drops those nobody streams."""
LINGER = 1.0
"""How long after `stop` a connection may take to close by itself before it is shut down."""
POLL = 0.02
NICENESS = 10
"""The relay yields the CPU to the daemon: on a busy machine its clients' events come a little
later rather than the engine running slower (they catch up from the journal if need be)."""


@dataclass
class _Progress:
    status: str
    last_seq: int


class RelayedExecutions:
    """The executions as the daemon last described them, with their events read from the
    journals: what `harmoniad.streams` needs of an engine (`StreamEngine`).

    Each execution someone streams has a `JournalTail` that publishes its events on this
    process's bus as far as the daemon's news says they are durable, in seq order. Journal reads
    for a replay stop at the same point, so a line written but not yet fsynced is never sent."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.bus = EventBus(self._replay)
        self._news: dict[str, ExecutionNews] = {}
        self._tails: dict[str, JournalTail] = {}

    # ---- what the daemon says --------------------------------------------------------------
    def learn(self, news: ExecutionNews, *, streamed: bool = False) -> None:
        """Take the daemon's news of an execution. Kept only for executions streamed here
        (`streamed`: with a connection handed over), which is what a stream needs: the
        daemon's news covers every execution that publishes anything."""
        known = self._news.get(news.execution_id)
        if known is None and not streamed and news.execution_id not in self._tails:
            return  # nobody streams it here
        if known is not None and news.durable_seq < known.durable_seq:
            # news coalesced before a handover can arrive after it: never go back
            news = news._replace(
                durable_seq=known.durable_seq, last_seq=max(news.last_seq, known.last_seq)
            )
        self._news[news.execution_id] = news
        if len(self._news) > KEEP_NEWS:
            self._forget_unstreamed()
        self._publish_durable(news.execution_id)

    def _forget_unstreamed(self) -> None:
        """Drop the oldest news of executions nobody subscribes to any more (or never did: a
        stream that had everything already ended at once). The newest are kept: their streams
        may be about to subscribe."""
        unstreamed = [e for e in self._news if e not in self._tails]
        for execution_id in unstreamed[: len(unstreamed) - KEEP_NEWS // 2]:
            del self._news[execution_id]

    def _publish_durable(self, execution_id: str) -> None:
        tail = self._tails.get(execution_id)
        if tail is None:
            return
        if not self.bus.has_subscribers(execution_id):
            # nobody left to read it: a new stream starts its own. The news stays, for a
            # stream handed over but not subscribed yet (dropped by `_forget_unstreamed`).
            del self._tails[execution_id]
            return
        for event in tail.read_through(self._news[execution_id].durable_seq):
            self.bus.publish(event)

    # ---- StreamEngine ----------------------------------------------------------------------
    def is_live(self, execution_id: str) -> bool:
        news = self._news.get(execution_id)
        return news is not None and news.live

    async def get(self, execution_id: str) -> Progress:
        news = self._news.get(execution_id)
        if news is not None:
            return _Progress(news.status, news.last_seq)
        row = await anyio.to_thread.run_sync(self.store.get_summary, execution_id)
        return _Progress(str(row["status"]), int(row.get("last_seq") or 0))

    def subscribe(
        self,
        execution_id: str | None = None,
        *,
        after_seq: int | None = None,
        until_finished: bool = False,
        maxsize: int = 10_000,
    ) -> Subscription:
        subscription = self.bus.subscribe(
            execution_id, after_seq=after_seq, until_finished=until_finished, maxsize=maxsize
        )
        if execution_id is not None and execution_id not in self._tails:
            # the tail publishes what follows; it may overlap what the subscription replays
            # from the journal (skipped there), never leave a gap after it
            news = self._news.get(execution_id)
            start = news.durable_seq if news is not None else (after_seq or 0)
            self._tails[execution_id] = JournalTail(self.store.journal_path(execution_id), start)
        return subscription

    async def _replay(
        self, execution_id: str, after_seq: int, limit: int | None = None
    ) -> list[Event]:
        events = await anyio.to_thread.run_sync(
            self.store.read_events, execution_id, after_seq, limit
        )
        news = self._news.get(execution_id)
        if news is not None:
            events = [e for e in events if e.seq <= news.durable_seq]
        return events


@dataclass
class RelayState:
    """What the stream handlers read from `app.state.daemon` (a `StreamState`)."""

    engine: RelayedExecutions
    stopping: anyio.Event = field(default_factory=anyio.Event)
    relay: None = None
    """The relay hands nothing further on."""


class _CloseAfterResponse:
    """Adds `Connection: close` to every HTTP response: a client must not send its next request
    on a connection the relay holds, since only the daemon answers anything but streams."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing)


def relay_app(state: RelayState, settings: dict[str, Any]) -> Starlette:
    """The daemon's stream endpoints and security layers, and nothing else (the daemon only
    hands over what these serve)."""
    endpoints = [e for e in streams.ENDPOINTS if e.path.startswith("/events/executions/")]
    app = Starlette(
        routes=routes_for(endpoints, streams.SOCKETS),
        middleware=[
            Middleware(_CloseAfterResponse),
            Middleware(
                AccessLogMiddleware,
                enabled=bool(settings["access_log"]),
                logger=logging.getLogger("harmoniad.relay.access"),  # who served the stream
            ),
            Middleware(
                SecurityMiddleware,
                token=str(settings["token"]),
                allow_hosts=tuple(settings["allow_hosts"]),
                max_body=int(settings["max_body"]),
                open_paths=frozenset(),
            ),
        ],
        exception_handlers=exception_handlers,
    )
    app.router.redirect_slashes = False
    app.state.daemon = state
    return app


class Relay:
    """Serves the connections the daemon hands over until told to stop or left alone."""

    def __init__(self, control: socket.socket, settings: dict[str, Any]) -> None:
        self.control = control
        self.executions = RelayedExecutions(Store(settings["data_dir"]))
        self.state = RelayState(self.executions)
        config = uvicorn.Config(
            relay_app(self.state, settings),
            log_config=None,
            access_log=False,
            lifespan="off",
            server_header=False,
            ws_per_message_deflate=False,
        )
        config.load()
        self.server_state = ServerState()
        protocol_class: Any = config.http_protocol_class
        self._protocol = partial(
            protocol_class,
            config=config,
            server_state=self.server_state,
            app_state={},
        )

    async def run(self) -> None:
        self.control.setblocking(False)
        self.control.send(pack({"op": "ready", "pid": os.getpid()}))
        os.nice(NICENESS)  # only now: starting up is not the moment to wait for a CPU
        while True:
            message = await next_message(self.control)
            if message is None:
                logger.info("the daemon is gone; the relay stops")
                return
            header, payload, fds = message
            op = header.get("op")
            if op == "conn":
                await self._serve(fds[0], payload, header["execution"])
            elif op == "news":
                for item in header["executions"]:
                    self.executions.learn(ExecutionNews(*item))
            elif op == "stop":
                await self._stop()
                return

    async def _serve(self, fd: int, head: bytes, execution: list[Any]) -> None:
        self.executions.learn(ExecutionNews(*execution), streamed=True)
        sock = socket.socket(fileno=fd)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await loop.connect_accepted_socket(self._protocol, sock)
        except OSError:
            sock.close()  # the client left during the handover
            return
        protocol.data_received(head)

    async def _stop(self) -> None:
        """End every stream as the daemon ends its own (SSE completes, WebSockets close with
        1001), give the connections a moment to close after that, then close what is left."""
        self.state.stopping.set()
        self.executions.bus.close_all()
        with anyio.move_on_after(STOP_WITHIN):
            waited = 0.0
            while self.server_state.connections:
                if waited >= LINGER:
                    for connection in list(self.server_state.connections):
                        connection.shutdown()
                await anyio.sleep(POLL)
                waited += POLL


class _LogToDaemon(logging.Handler):
    """Sends each log record to the daemon, which logs it where and how it logs its own: on
    stderr, as JSON lines, or into the TUI's log file when embedded. Dropped, rather than
    waited for, if the daemon is not reading."""

    EXTRA = ("method", "path", "status", "ms")

    def __init__(self, control: socket.socket) -> None:
        super().__init__()
        self.control = control

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        extra = {key: record.__dict__[key] for key in self.EXTRA if key in record.__dict__}
        header = {
            "op": "log",
            "name": record.name,
            "level": record.levelno,
            "message": message,
            "extra": extra,
        }
        with contextlib.suppress(OSError):
            self.control.send(pack(header))


def _log_to_daemon(control: socket.socket, level: str) -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(_LogToDaemon(control))
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.WARNING)


def serve_control(control: socket.socket) -> int:
    """The relay's life on its control socket: read the settings, serve until told to stop or
    left alone. Returns the exit code."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    message = receive(control)
    if message is None:
        return 0
    settings, _, _ = message
    _log_to_daemon(control, str(settings["log_level"]))
    try:
        anyio.run(Relay(control, settings).run, backend="asyncio")
    except Exception:
        logger.exception("the stream relay failed; the daemon serves streams itself")
        return 1
    return 0


def main() -> None:
    sys.exit(serve_control(socket.socket(fileno=int(os.environ[CONTROL_FD_ENV]))))


def prefork() -> tuple[int, socket.socket] | None:
    """Fork a relay from this process now, before it has threads or an event loop: the child
    has every module the daemon imported already, so it is ready in milliseconds instead of
    the ~0.7 s a new interpreter takes to import them. `harmoniad` (the command) does this
    first thing; a relay started later (a restart, an embedded daemon) is a new process.
    Returns the child's pid and the daemon's end of the control socket, or None where this
    cannot be done (then the daemon starts a new process)."""
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        return None
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:  # the relay
        code = 1
        try:
            ours.close()
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)  # it logs through the daemon; the terminal is not its
            code = serve_control(theirs)
        finally:
            os._exit(code)  # never the daemon's exit handlers or buffered output
    theirs.close()
    return pid, ours


if __name__ == "__main__":
    main()
