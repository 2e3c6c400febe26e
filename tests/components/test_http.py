"""`http.request` against a real HTTP server on 127.0.0.1 (no mocks of httpx)."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest

from harmonia.components import ActionContext, HttpComponent
from harmonia.components.base import Action
from harmonia.errors import ErrorKind, TaskError

pytestmark = pytest.mark.anyio

CTX = ActionContext(execution_id="e1", task_id="t1", attempt=1)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _route(self) -> None:
        path = urlsplit(self.path).path
        if path == "/json":
            self._send(200, b'{"ok": true, "n": [1, 2]}', "application/json; charset=utf-8")
        elif path == "/problem":
            self._send(200, b'{"title": "x"}', "application/problem+json")
        elif path == "/text":
            self._send(200, "héllo".encode(), "text/plain; charset=utf-8", X_Extra="1")
        elif path == "/missing":
            self._send(404, b"no such thing", "text/plain")
        elif path == "/busy":
            self._send(429, b"slow down", "text/plain")
        elif path == "/unavailable":
            self._send(503, b'{"error": "down"}', "application/json")
        elif path == "/redirect":
            self._send(302, b"", "text/plain", Location="/json")
        elif path == "/slow":
            time.sleep(1.0)
            self._send(200, b"late", "text/plain")
        elif path == "/big":
            self._send(200, b"x" * 5000, "text/plain")
        elif path == "/echo":
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            answer = {
                "method": self.command,
                "query": parse_qs(urlsplit(self.path).query),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
            self._send(200, json.dumps(answer).encode(), "application/json")
        else:
            self._send(500, b"unknown route", "text/plain")

    do_GET = do_POST = do_PUT = do_DELETE = _route


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout and cancellation tests) is expected, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port_url() -> str:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def request_action() -> Action:
    return HttpComponent().action("request")


async def test_json_answer(request_action: Action, server: str) -> None:
    result = await request_action.invoke(CTX, {"url": f"{server}/json"})
    assert result["status"] == 200
    assert result["json"] == {"ok": True, "n": [1, 2]}
    assert "text" not in result
    assert result["headers"]["content-type"].startswith("application/json")


async def test_plus_json_is_json(request_action: Action, server: str) -> None:
    result = await request_action.invoke(CTX, {"url": f"{server}/problem"})
    assert result["json"] == {"title": "x"}


async def test_text_answer(request_action: Action, server: str) -> None:
    result = await request_action.invoke(CTX, {"url": f"{server}/text"})
    assert result["status"] == 200
    assert result["text"] == "héllo"
    assert "json" not in result
    assert result["headers"]["x-extra"] == "1"


async def test_request_parts_are_sent(request_action: Action, server: str) -> None:
    result = await request_action.invoke(
        CTX,
        {
            "method": "post",
            "url": f"{server}/echo",
            "headers": {"X-Token": "abc", "X-Num": 7},
            "params": {"q": "a b", "tag": ["x", "y"], "n": 1},
            "json": {"k": [1, None]},
        },
    )
    seen = result["json"]
    assert seen["method"] == "POST"
    assert seen["query"] == {"q": ["a b"], "tag": ["x", "y"], "n": ["1"]}
    assert seen["headers"]["x-token"] == "abc"
    assert seen["headers"]["x-num"] == "7"
    assert seen["headers"]["content-type"] == "application/json"
    assert json.loads(seen["body"]) == {"k": [1, None]}


async def test_text_body(request_action: Action, server: str) -> None:
    result = await request_action.invoke(
        CTX, {"method": "PUT", "url": f"{server}/echo", "body": "plain text"}
    )
    assert result["json"]["body"] == "plain text"


async def test_redirects(request_action: Action, server: str) -> None:
    followed = await request_action.invoke(CTX, {"url": f"{server}/redirect"})
    assert followed["status"] == 200 and followed["json"]["ok"] is True
    kept = await request_action.invoke(
        CTX, {"url": f"{server}/redirect", "follow_redirects": False}
    )
    assert kept["status"] == 302
    assert kept["headers"]["location"] == "/json"


async def test_404_is_a_client_error(request_action: Action, server: str) -> None:
    with pytest.raises(TaskError) as info:
        await request_action.invoke(CTX, {"url": f"{server}/missing"})
    error = info.value
    assert error.kind == ErrorKind.HTTP_CLIENT_ERROR
    assert not error.retryable
    assert "404" in error.message and "no such thing" in error.message
    assert error.details["status"] == 404
    assert error.details["body"] == "no such thing"


async def test_429_is_a_retryable_client_error(request_action: Action, server: str) -> None:
    with pytest.raises(TaskError) as info:
        await request_action.invoke(CTX, {"url": f"{server}/busy"})
    assert info.value.kind == ErrorKind.HTTP_CLIENT_ERROR
    assert info.value.retryable


async def test_503_is_a_retryable_server_error(request_action: Action, server: str) -> None:
    with pytest.raises(TaskError) as info:
        await request_action.invoke(CTX, {"url": f"{server}/unavailable"})
    error = info.value
    assert error.kind == ErrorKind.HTTP_SERVER_ERROR
    assert error.retryable
    assert error.details["status"] == 503


async def test_connection_refused(request_action: Action, closed_port_url: str) -> None:
    with pytest.raises(TaskError) as info:
        await request_action.invoke(CTX, {"url": closed_port_url})
    assert info.value.kind == ErrorKind.CONNECTION
    assert info.value.retryable


async def test_timeout(request_action: Action, server: str) -> None:
    with pytest.raises(TaskError) as info:
        await request_action.invoke(CTX, {"url": f"{server}/slow", "timeout": 0.2})
    assert info.value.kind == ErrorKind.TIMEOUT
    assert info.value.retryable  # a TIMEOUT, not the 200 /slow sends after 1 s: the wait was cut


async def test_response_size_limit(server: str) -> None:
    action = HttpComponent(max_response_bytes=1000).action("request")
    with pytest.raises(TaskError) as info:
        await action.invoke(CTX, {"url": f"{server}/big"})
    assert info.value.kind == ErrorKind.OUTPUT
    assert "larger than 1000 bytes" in info.value.message


async def test_json_and_body_together_are_rejected(request_action: Action, server: str) -> None:
    with pytest.raises(TaskError) as info:
        await request_action.invoke(CTX, {"url": f"{server}/echo", "json": {}, "body": "x"})
    assert info.value.kind == ErrorKind.INVALID_INPUT
    assert "body:" in info.value.message


async def test_invalid_url(request_action: Action) -> None:
    with pytest.raises(TaskError) as info:
        await request_action.invoke(CTX, {"url": "not a url"})
    assert info.value.kind == ErrorKind.INVALID_INPUT
    assert "url:" in info.value.message


class CountingTransport(httpx.AsyncBaseTransport):
    """A real network transport that counts what passes through it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[str] = []
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        self.closed = True
        await self.inner.aclose()


async def test_injected_transport_is_used_and_left_open(server: str) -> None:
    transport = CountingTransport()
    action = HttpComponent(transport=transport).action("request")
    try:
        for _ in range(2):
            result = await action.invoke(CTX, {"url": f"{server}/json"})
            assert result["status"] == 200
        assert transport.requests == [f"{server}/json"] * 2
        assert not transport.closed  # the caller owns it
    finally:
        await transport.aclose()


async def test_cancellation_is_prompt(request_action: Action, server: str) -> None:
    with anyio.fail_after(5), anyio.move_on_after(0.1) as scope:
        await request_action.invoke(CTX, {"url": f"{server}/slow"})
    assert scope.cancelled_caught


async def test_explicit_json_null_is_sent(request_action: Action, server: str) -> None:
    result = await request_action.invoke(
        CTX, {"method": "POST", "url": f"{server}/echo", "json": None}
    )
    assert result["json"]["body"] == "null"
    assert result["json"]["headers"]["content-type"] == "application/json"
