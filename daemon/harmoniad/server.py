"""Running the daemon: the engine and uvicorn in one anyio task group, and a clean stop.

Start: take the data folder's daemon lock (one daemon per folder), resolve the token, bind the
socket (so `--port 0` knows its port and a busy port is one clear error), open the engine,
resume every interrupted execution (a damaged one is set aside instead: it never stops the
start), then serve and announce the URL on stdout and in `DATA_DIR/daemon.json` for clients
and the TUI to find. Meanwhile every stored execution is checked for damage once, in the
background, and each damaged one logged.

Stop (SIGINT/SIGTERM, or `Daemon.stop()`): refuse new streams and end the open ones (the bus's
subscriptions close, SSE responses complete, WebSockets close with 1001), tell uvicorn to stop
accepting and let requests in flight finish, then leave the engine's context, which interrupts
running executions and persists their snapshots: they continue on the next start. uvicorn's
own signal handlers are not installed, since they would re-raise the signal after a graceful
stop and turn exit code 0 into death by SIGTERM.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Generator
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import orjson
import uvicorn

from harmonia.components import ComponentRegistry, default_registry
from harmonia.engine.damaged import damage_lines
from harmonia.engine.engine import Engine, open_engine
from harmonia.engine.hooks import EngineHooks
from harmonia.events import EventType
from harmonia.executors.base import open_executor
from harmonia.protocol import DAEMON_FILE
from harmonia.store.storage import CorruptDatabase, write_atomically
from harmoniad.app import create_app
from harmoniad.config import TOKEN_ENV, ConfigError, DaemonConfig, check_token_strength
from harmoniad.context import DaemonState
from harmoniad.hermes import HermesLink, Registration
from harmoniad.httpparsers import protocol_class
from harmoniad.logs import quiet_websocket_denials
from harmoniad.security import load_or_create_token, token_file_is_private

__all__ = ["Daemon", "DaemonError", "registry_for"]

logger = logging.getLogger("harmoniad")

RUN_FILE = DAEMON_FILE
LOCK_FILE = "daemon.lock"


class DaemonError(Exception):
    """The daemon cannot start (exit code 2 from `main`)."""


def registry_for(
    names: tuple[str, ...],
    declared: tuple[tuple[str, str], ...] = (),
    hermes: str | None = None,
) -> ComponentRegistry:
    """The built-in components `names`, installed packages' components, and remote ones:
    `declared` by hand, listed by the Hermes this daemon joins (`hermes`; None: no Hermes), or
    named by the environment (`{NAME}_PORT`)."""
    return default_registry(builtins=names, declared=dict(declared), hermes=hermes or "")


KEEP_ALIVE_SECONDS = 30
"""How long an idle connection stays open. Longer than the idle expiry of common clients
(undici's 4 s, httpx's 5 s, aiohttp's 15 s): at uvicorn's default of 5 s a client reusing a
connection it still believed open crossed the daemon closing it, and its request failed
(polling clients under load saw `Server disconnected without sending a response`)."""


STREAMS_CLOSE_WITHIN = 2.0
"""Seconds a stop waits for the streams it ended to send their last frame before uvicorn
closes every connection: normally milliseconds; a client that does not answer a WebSocket
close is not waited for longer."""


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handlers, with an event for "listening", and a
    shutdown that first lets the ended streams close themselves."""

    def __init__(self, config: uvicorn.Config, streams_ended: Callable[[], Awaitable[None]]):
        super().__init__(config)
        self.listening = anyio.Event()
        self._streams_ended = streams_ended

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn closes the WebSockets still open with 1012 (service restart); the streams
        `Daemon.stop()` ended close with 1001 themselves once they get the loop, which under
        load can come after uvicorn's next tick, so they are waited for first."""
        with anyio.move_on_after(STREAMS_CLOSE_WITHIN):
            await self._streams_ended()
        await super().shutdown(sockets)


class Daemon:
    """One daemon run. `await daemon.run()` serves until `stop()` or a stop signal.

    `run(task_status=...)` reports `self` once listening, so a caller in a task group (the
    TUI's embedded mode, a test) can `daemon = await tg.start(partial(Daemon(config).run,
    handle_signals=False))`, read `url` and `token`, and later call `daemon.stop()`. It needs
    the asyncio backend (uvicorn).
    """

    def __init__(
        self, config: DaemonConfig, *, announce: bool = False, hooks: EngineHooks | None = None
    ) -> None:
        self.config = config
        self.announce = announce
        """Print `harmoniad listening on URL` on stdout (the command does; an embedder, whose
        terminal may belong to a UI, reads `url` instead)."""
        self.hooks = hooks
        """The engine's hooks: how the program that owns the process tunes it (`harmoniad`
        passes `ProcessTuning`; see `harmonia.engine.tuning`); None tunes nothing."""
        self.url: str | None = None
        self.port: int | None = None
        self.token: str | None = None
        self.recovered: list[str] = []
        self._server: _Server | None = None
        self._state: DaemonState | None = None
        self._engine: Engine | None = None
        self._stop_requested = False

    # ---- stopping ------------------------------------------------------------------------
    def stop(self) -> None:
        """Begin a graceful stop (safe to call more than once, from the event loop)."""
        if self._stop_requested:
            if self._server is not None:
                self._server.force_exit = True  # a second request: stop waiting for clients
            return
        self._stop_requested = True
        logger.info("stopping: closing streams, finishing requests, checkpointing executions")
        if self._state is not None:
            self._state.stopping.set()
            self._state.ready = False
        if self._engine is not None:
            self._engine.bus.close_all()
        if self._state is not None and self._state.hermes is not None:
            self._state.hermes.stop()  # unregisters while the server winds down
        if self._server is not None:
            self._server.should_exit = True

    async def _stop_on_signals(self) -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for signum in signals:
                logger.info("received %s", signal.Signals(signum).name)
                self.stop()

    # ---- running -------------------------------------------------------------------------
    async def run(
        self,
        *,
        handle_signals: bool = True,
        task_status: anyio.abc.TaskStatus[Daemon] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        config = self.config
        with _daemon_lock(config.data_dir):
            self.token = load_or_create_token(config)
            source = (
                f"${TOKEN_ENV}"
                if config.token is not None
                else f"the token file {config.effective_token_file}"
            )
            weak = check_token_strength(config, self.token, source)
            if weak is not None:
                logger.warning("%s", weak)
            if not config.token_explicit and not token_file_is_private(config.effective_token_file):
                logger.warning(
                    "the token file %s is readable by other users; chmod 600 it",
                    config.effective_token_file,
                )
            sock = _bind(config.host, config.port)
            self.port = sock.getsockname()[1]
            self.url = f"http://{_url_host(config.host)}:{self.port}"
            async with anyio.create_task_group() as tg:
                if handle_signals:
                    tg.start_soon(self._stop_on_signals)
                try:
                    await self._serve(sock, task_status)
                finally:
                    tg.cancel_scope.cancel()
                    _remove_run_file(config.data_dir)

    async def _serve(self, sock: socket.socket, task_status: anyio.abc.TaskStatus[Daemon]) -> None:
        config = self.config
        registry = registry_for(config.components, config.declared, config.hermes_url)
        started = time.perf_counter()
        try:
            protocol = protocol_class(config.http)
        except ValueError as exc:
            raise DaemonError(str(exc)) from None
        try:
            executor = await open_executor(config.executor)
        except (ConnectionError, ImportError) as exc:
            raise DaemonError(str(exc)) from None
        async with open_engine(
            config.data_dir,
            registry,
            checkpoint_interval=config.checkpoint_interval,
            secret_env=config.secret_env,
            hooks=self.hooks,
            executor=executor,
        ) as engine:
            self._engine = engine
            self.recovered = await engine.recover()
            if self.recovered:
                logger.info(
                    "resumed %d interrupted execution(s): %s",
                    len(self.recovered),
                    ", ".join(self.recovered),
                )
            else:
                logger.info("no interrupted executions to resume")
            assert self.token is not None
            app = create_app(engine, config, token=self.token)
            self._state = app.state.daemon
            self._state.port = self.port
            server = _Server(
                uvicorn.Config(
                    app,
                    log_config=None,
                    access_log=False,
                    lifespan="off",
                    timeout_graceful_shutdown=max(1, int(config.shutdown_timeout)),
                    server_header=False,
                    # events are small JSON frames: compressing each one costs the daemon more
                    # CPU than it saves on the wire, times every WebSocket client
                    ws_per_message_deflate=False,
                    http=protocol,  # its own 400s in the API's JSON shape
                    timeout_keep_alive=KEEP_ALIVE_SECONDS,
                ),
                streams_ended=self._state.encoder.wait_idle,
            )
            self._server = server
            quiet_websocket_denials()
            if self._stop_requested:  # a signal during recovery: do not start serving
                return
            async with anyio.create_task_group() as tg:
                assert self._state.scheduler is not None
                await tg.start(self._state.scheduler.run)  # settles runs a crash left claimed
                assert self._state.webhooks is not None
                await tg.start(self._state.webhooks.run)  # sends what a crash left pending

                async def serve() -> None:
                    try:
                        await server.serve(sockets=[sock])
                    finally:
                        tg.cancel_scope.cancel()

                # MCP sessions live inside the daemon's lifetime: ended when it stops
                await tg.start(app.state.mcp.run)
                tg.start_soon(serve)
                tg.start_soon(self._state.memory.run)
                tg.start_soon(_report_damage, engine)
                await server.listening.wait()
                self._join_tekton(tg)
                self._state.ready = True
                self._announce_in_run_file()
                logger.info(
                    "harmoniad %s serving %s (data folder %s, components %s, ready in %.2fs)",
                    self._state.version,
                    self.url,
                    config.data_dir,
                    ", ".join(registry.names()),
                    time.perf_counter() - started,
                )
                if self.announce:
                    print(f"harmoniad listening on {self.url}", flush=True)
                task_status.started(self)
            logger.info("server stopped; checkpointing running executions")
        logger.info("stopped")

    def _join_tekton(self, tg: anyio.abc.TaskGroup) -> None:
        """Register with Hermes in the background, once the endpoint answers: Hermes being
        down or slow never delays the start (`harmoniad.hermes`)."""
        config, state, engine = self.config, self._state, self._engine
        if config.hermes_url is None or state is None or engine is None or self.port is None:
            return
        if self._stop_requested:
            return
        logger.info(
            "joining Tekton: Hermes at %s (from %s)", config.hermes_url, config.hermes_source
        )
        storage = engine.storage
        state.hermes = HermesLink(
            config.hermes_url,
            Registration(
                endpoint=config.endpoint(self.port),
                port=self.port,
                version=state.version,
                event_types=tuple(str(t) for t in EventType),
            ),
            interval=config.hermes_interval,
            token_lifetime=config.hermes_token_lifetime,
            health=lambda: {"health": "healthy" if storage.available else "degraded"},
        )
        tg.start_soon(state.hermes.run)

    def _announce_in_run_file(self) -> None:
        """`daemon.json`, for clients to find this daemon; on a full disk, once there is room
        (the daemon serves reads meanwhile)."""
        write = partial(_write_run_file, self.config.data_dir, self.url or "")
        try:
            write()
        except OSError as exc:
            assert self._engine is not None
            self._engine.storage.report(exc)
            self._engine.storage.redo_when_back(write)


async def _report_damage(engine: Engine) -> None:
    """Check every stored execution once, in the background (recovery has already set aside
    the interrupted ones it found damaged): log each damaged one, then a summary line."""
    try:
        checked, found = await engine.find_damaged()
    except CorruptDatabase as exc:
        logger.error("%s: the stored executions were not checked for damage", exc)
        return
    except Exception:
        logger.exception("could not check the stored executions for damage")
        return
    for state in found:
        logger.error(
            "execution %s is damaged, and is not run: %s",
            state.id,
            "; ".join(damage_lines(state)),
        )
    logger.info(
        "damage check: %d stored execution(s) checked, %d damaged%s",
        checked,
        len(found),
        " (harmonia doctor lists every damaged file)" if found else "",
    )


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise DaemonError(f"cannot resolve {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise DaemonError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


@contextlib.contextmanager
def _daemon_lock(data_dir: Path) -> Generator[None, None, None]:
    """One daemon per data folder: two would each try to resume the same executions."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(f"cannot create data folder {data_dir}: {exc.strerror or exc}") from None
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            running = _read_run_file(data_dir)
            where = f" at {running.get('url')} (pid {running.get('pid')})" if running else ""
            raise DaemonError(
                f"another harmoniad is already serving the data folder {data_dir}{where}"
            ) from None
        yield
    finally:
        os.close(fd)


def _write_run_file(data_dir: Path, url: str) -> None:
    payload = {"url": url, "pid": os.getpid()}
    write_atomically(data_dir / RUN_FILE, orjson.dumps(payload, option=orjson.OPT_INDENT_2))


def _read_run_file(data_dir: Path) -> dict[str, Any]:
    try:
        data = orjson.loads((data_dir / RUN_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _remove_run_file(data_dir: Path) -> None:
    if _read_run_file(data_dir).get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (data_dir / RUN_FILE).unlink()
