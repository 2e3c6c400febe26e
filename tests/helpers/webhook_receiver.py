"""A real HTTP receiver for webhook tests: `http.server` on 127.0.0.1, port 0, in a thread.

It keeps every request (headers and body) and answers each with the next of `statuses` (then
200). `hold()` makes it keep requests open, unanswered, until `release()`: a delivery "in
flight" that a test can kill the daemon during. Tests wait on its condition, not on sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from helpers.waiting import wait_for_count

__all__ = ["Received", "Receiver", "receiver"]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class Receiver:
    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[Received] = []
        self.condition = threading.Condition()
        self._held = threading.Event()
        self._held.set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.condition:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.condition.notify_all()
                receiver._held.wait(60)
                answer = b'{"ok": true}' if status < 300 else b"try again later"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender is gone (killed): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler

    def hold(self) -> None:
        self._held.clear()

    def release(self) -> None:
        self._held.set()

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """Block until `count` requests have come; return them all."""
        return wait_for_count(self.condition, self.requests, count, timeout, "webhook request(s)")


@contextmanager
def receiver(statuses: list[int] | None = None) -> Iterator[Receiver]:
    found = Receiver(statuses)
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        found.release()
        found.server.shutdown()
        found.server.server_close()
