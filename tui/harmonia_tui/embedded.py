"""Find a running daemon, or run one inside the TUI's own process.

`locate()` resolves the daemon's URL as every client does (`--url`, `$HARMONIA_URL`, the URL a
daemon wrote into the data folder, the default port) and asks its `/health`. When nothing
answers and no URL was asked for explicitly, it starts `harmoniad` in a background thread with
its own event loop (so the engine never competes with drawing the screen), on 127.0.0.1 with a
free port and the same data folder: the daemon writes `daemon.json` and its token there as
always, so `harmonia` commands and other clients reach it while the TUI is open. Quitting the
TUI stops it the way a stop signal stops `harmoniad`: running executions are checkpointed and
continue when a daemon next starts on that folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import anyio
import anyio.from_thread
import anyio.lowlevel

from harmonia.client import Client, ClientError, resolve_daemon, resolve_token

__all__ = ["EMBEDDED_LOG", "DaemonNotFound", "EmbeddedDaemon", "Target", "locate", "probe"]

EMBEDDED_LOG = "tui-daemon.log"
"""The embedded daemon's log, in the data folder (the terminal belongs to the TUI)."""


class DaemonNotFound(Exception):
    """The daemon asked for does not answer, or an embedded one cannot start."""


@dataclass
class Target:
    """The daemon the TUI talks to."""

    url: str
    token: str | None
    data_dir: Path
    embedded: EmbeddedDaemon | None = None

    @property
    def description(self) -> str:
        if self.embedded is not None:
            return f"embedded daemon {self.url} (started by this TUI)"
        return f"daemon {self.url}"


def probe(url: str, timeout: float = 1.5) -> bool:
    """Whether a Harmonia daemon answers `/health` at `url`."""
    try:
        with Client(url, timeout=timeout) as client:
            client.health()
    except (ClientError, ValueError):
        return False
    return True


def locate(url: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> Target:
    """The running daemon, else an embedded one (unless a URL was asked for explicitly)."""
    try:
        address = resolve_daemon(url, data_dir=data_dir)
    except ValueError as exc:
        raise DaemonNotFound(str(exc)) from None
    folder = address.data_dir
    if probe(address.url):
        return Target(address.url, resolve_token(None, data_dir=folder), folder)
    if address.explicit:
        raise DaemonNotFound(
            f"no Harmonia daemon answers at {address.url}; start one with `harmoniad`, or run "
            "`harmonia tui` without --url (and without $HARMONIA_URL) to start one inside it"
        )
    embedded = EmbeddedDaemon(folder).start()
    assert embedded.url is not None
    return Target(embedded.url, embedded.token, folder, embedded)


class EmbeddedDaemon:
    """`harmoniad` on 127.0.0.1:0 in a background thread of this process."""

    def __init__(self, data_dir: Path, *, log_file: Path | None = None) -> None:
        self.data_dir = data_dir
        self.log_file = log_file if log_file is not None else data_dir / EMBEDDED_LOG
        self.url: str | None = None
        self.token: str | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop_token: anyio.lowlevel.EventLoopToken | None = None
        self._stop: anyio.Event | None = None
        self._handler: logging.Handler | None = None
        self._saved: dict[str, tuple[bool, int]] = {}

    def start(self, timeout: float = 30) -> EmbeddedDaemon:
        self._route_logs()
        self._thread = threading.Thread(target=self._thread_main, name="harmoniad", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise DaemonNotFound(f"the embedded daemon did not start within {timeout:g}s")
        if self._error is not None:
            self._unroute_logs()
            raise DaemonNotFound(f"cannot start a daemon: {self._error}") from self._error
        return self

    def _thread_main(self) -> None:
        try:
            anyio.run(self._main, backend="asyncio")  # uvicorn runs on asyncio only
        except BaseException as exc:  # reported to start(); the thread ends either way
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        from harmoniad.config import DaemonConfig
        from harmoniad.server import Daemon

        from harmonia.engine.tuning import ProcessTuning

        config = DaemonConfig(
            host="127.0.0.1",
            port=0,
            data_dir=self.data_dir,
            access_log=False,
            shutdown_timeout=3.0,
        )
        # The dashboard owns its process: tuned as harmoniad's is, since a collector pass over a
        # large execution would stall the dashboard's thread as much as the daemon's.
        daemon = Daemon(config, hooks=ProcessTuning())
        self._loop_token = anyio.lowlevel.current_token()
        self._stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            await tg.start(partial(daemon.run, handle_signals=False))
            self.url, self.token = daemon.url, daemon.token
            self._ready.set()
            await self._stop.wait()
            daemon.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 20) -> None:
        """Stop as a stop signal would, and wait for it (idempotent)."""
        thread, stop, token = self._thread, self._stop, self._loop_token
        if thread is not None and thread.is_alive() and stop is not None and token is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just ended by itself
                anyio.from_thread.run_sync(stop.set, token=token)
            thread.join(timeout)
        self._unroute_logs()

    # ---- logs -----------------------------------------------------------------------------
    _LOGGERS = ("harmoniad", "uvicorn", "harmonia")

    def _route_logs(self) -> None:
        """The daemon's log goes to a file: the terminal belongs to the TUI."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            handler: logging.Handler = logging.FileHandler(self.log_file, encoding="utf-8")
        except OSError:
            handler = logging.NullHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )
        self._handler = handler
        for name in self._LOGGERS:
            logger = logging.getLogger(name)
            self._saved[name] = (logger.propagate, logger.level)
            logger.addHandler(handler)
            logger.propagate = False
            if logger.level == logging.NOTSET:
                logger.setLevel(logging.INFO)

    def _unroute_logs(self) -> None:
        handler, self._handler = self._handler, None
        if handler is None:
            return
        for name in self._LOGGERS:
            logger = logging.getLogger(name)
            logger.removeHandler(handler)
            propagate, level = self._saved.pop(name, (True, logging.NOTSET))
            logger.propagate = propagate
            logger.setLevel(level)
        handler.close()
