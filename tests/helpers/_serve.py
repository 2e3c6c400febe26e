"""A Starlette app served by uvicorn on 127.0.0.1 in a background thread, for fakes of other
services (a Tekton component, Hermes) that tests start and stop at will.

`start()` returns once the socket listens (it is bound before the thread starts, so the port
is known and a restart can take the same one); `stop()` closes it, so connecting is refused
until the next `start()`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Generator
from typing import Any

import uvicorn


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the test process keeps its own signal handlers


class ThreadedServer:
    """Serves `app`; `port` stays the same across `stop()`/`start()`."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self.app = app
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadedServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        # as uvicorn's own binding does: answers written in two parts must not wait for the
        # client's delayed ACK (Nagle), which costs 40 ms a call
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        server = _Server(config)
        started = threading.Event()
        original = server.startup

        async def startup(sockets: list[socket.socket] | None = None) -> None:
            await original(sockets)
            started.set()

        server.startup = startup  # type: ignore[method-assign]
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake server"
        )
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the fake server did not start")
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._server.force_exit = True
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
