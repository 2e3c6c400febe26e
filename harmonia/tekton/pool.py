"""One component's pooled HTTP/1.1 connections for its process calls, on httpcore directly.

A task's call is one POST of a ready JSON body to a fixed URL, and its answer is read whole:
httpx's client layers around httpcore's pool (URL merging, cookies, auth and redirect flows,
content decoders, request and response models) were a quarter of a call's CPU and bought nothing
here (bench/remote_bench.py). The pool also asks every pooled connection, twice per call,
whether the server closed it; on asyncio anyio's socket stream answers that with a fresh
attribute map and a `getpeername` system call each time, so the streams keep their socket.
Errors are httpcore's (`TimeoutException`, `NetworkError`, `ProtocolError`, ...).
"""

from __future__ import annotations

import select
import socket
from collections.abc import AsyncIterable
from typing import Any, Final, cast

import httpcore

__all__ = ["KEEPALIVE_EXPIRY", "AnswerTooLarge", "CallPool"]

KEEPALIVE_EXPIRY: Final = 5.0
"""Seconds an idle connection is kept (httpx's default): a component restarted meanwhile is
met on a fresh connection."""

Headers = list[tuple[bytes, bytes]]


class AnswerTooLarge(Exception):
    """The answer's body went past the caller's limit (its reading stopped there)."""


class CallPool:
    """POSTs to one component over up to `max_connections` kept-alive connections. Bound to
    the event loop it first ran on (its connections are), closed with `aclose`."""

    def __init__(self, *, connect_timeout: float, max_connections: int = 100) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_EXPIRY,
            network_backend=_SocketKeepingBackend(httpcore.AnyIOBackend()),
        )
        self._extensions = {
            "timeout": {"connect": connect_timeout, "read": None, "write": None, "pool": None}
        }
        self._targets: dict[str, tuple[httpcore.URL, Headers]] = {}

    @property
    def connections(self) -> int:
        """Connections open now (for tests)."""
        return len(self._pool.connections)

    def _target(self, url: str) -> tuple[httpcore.URL, Headers]:
        """The parsed URL and fixed headers of `url`, made once per URL (few per component)."""
        found = self._targets.get(url)
        if found is None:
            import httpx  # its URL parser (IDNA, IPv6 brackets, default ports), once per URL

            parsed = httpx.URL(url)
            if parsed.scheme not in ("http", "https"):
                raise httpcore.UnsupportedProtocol(f"unsupported URL scheme in {url!r}")
            target = httpcore.URL(
                scheme=parsed.raw_scheme,
                host=parsed.raw_host,
                port=parsed.port,
                target=parsed.raw_path,
            )
            headers: Headers = [
                (b"Host", parsed.netloc),
                (b"Accept", b"application/json"),
                (b"Accept-Encoding", b"identity"),
                (b"User-Agent", b"harmonia"),
                (b"Content-Type", b"application/json"),
            ]
            found = self._targets[url] = (target, headers)
        return found

    async def post_json(self, url: str, body: bytes, limit: int) -> tuple[int, bytes]:
        """POST `body` (JSON) to `url`: the answer's status and body. AnswerTooLarge past
        `limit` bytes; httpcore's exceptions for everything that is not an answer. A cancel
        (or time-out) meanwhile closes the connection: the server sees the caller hang up."""
        target, headers = self._target(url)
        request = httpcore.Request(
            b"POST",
            target,
            headers=[*headers, (b"Content-Length", str(len(body)).encode())],
            content=body,
            extensions=self._extensions,
        )
        response = await self._pool.handle_async_request(request)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in cast(AsyncIterable[bytes], response.stream):
                size += len(chunk)
                if size > limit:
                    raise AnswerTooLarge(f"answer larger than {limit} bytes")
                chunks.append(chunk)
        finally:
            await response.aclose()
        return response.status, b"".join(chunks)

    async def aclose(self) -> None:
        await self._pool.aclose()


def _is_readable(sock: socket.socket | None) -> bool:
    """Whether a read would not block: on an idle pooled connection, that the server closed
    it (or sent what nobody asked for). A socket without a descriptor counts as readable."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _SocketKeepingStream(httpcore.AsyncNetworkStream):
    """httpcore's stream, with its socket looked up once for the pool's readability checks."""

    __slots__ = ("_inner", "_socket")

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    # `timeout`: httpcore's stream interface, passed through
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _SocketKeepingStream(await self._inner.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _is_readable(self._socket)
        return self._inner.get_extra_info(info)


class _SocketKeepingBackend(httpcore.AsyncNetworkBackend):
    """Connects with `inner`, wrapping each stream (see `_SocketKeepingStream`)."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _SocketKeepingStream(await self._inner.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _SocketKeepingStream(await self._inner.connect_unix_socket(*args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
