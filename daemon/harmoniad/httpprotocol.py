"""uvicorn's HTTP/1.1 protocols, answering the requests they cannot parse in the API's error shape.

A malformed request line, a header without a colon, headers over the size limit or a bad
Content-Length never reach the application: uvicorn answers them itself, with `text/plain`
"Invalid HTTP request received.". uvicorn has no option for that answer; its public extension
point is the protocol class (`uvicorn.Config(http=...)`), so these subclasses replace the one
method that writes it (`send_400_response`, the name both of uvicorn's HTTP implementations
use) and write the same 400, with `Connection: close`, as JSON; then they close gently.

Two parsers: `httptools` (compiled; the default when installed, since a request costs the
daemon's loop less) and `h11` (pure Python, always there). httptools has no limit on a
request's head, so its protocol here counts the head's bytes and refuses past h11's limit.
"""

from __future__ import annotations

import asyncio

import orjson
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is not installed: h11 only
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

__all__ = [
    "JsonErrorsH11Protocol",
    "JsonErrorsHttpToolsProtocol",
    "malformed_request_answer",
    "protocol_class",
]

MESSAGE = (
    "the request is not valid HTTP/1.1 (a malformed request line, a malformed header, "
    "headers too large, or a bad Content-Length)"
)
MAX_HEAD_BYTES = 16 * 1024
"""The largest request line plus headers the httptools protocol accepts: h11's own default
limit, which uvicorn's h11 protocol applies, so both parsers refuse the same heads."""


def malformed_request_answer() -> bytes:
    """The whole 400 answer: status line, headers and the JSON error body."""
    body = orjson.dumps({"status": 400, "code": "bad_request", "message": MESSAGE, "details": None})
    head = (
        "HTTP/1.1 400 Bad Request\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


_ANSWER = malformed_request_answer()
LINGER_SECONDS = 2.0
"""How long the rest of a refused request is read and dropped before the connection closes."""


def _refuse(transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
    # The parser failed: the connection's HTTP state is unusable, so the answer is written
    # as bytes. Closing at once, with the rest of a large request unread, makes the kernel
    # reset the connection, which can destroy the answer before the client reads it; so
    # the answer is followed by a FIN and whatever else arrives is dropped until the
    # client closes (or LINGER_SECONDS pass).
    transport.write(_ANSWER)
    if transport.can_write_eof():
        transport.write_eof()
        loop.call_later(LINGER_SECONDS, transport.close)
    else:
        transport.close()


class _Refusing:
    """What both protocols change: their own 400 answer, and after it, the lingering close
    (`_refuse`) instead of the parser's teardown."""

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    _refused = False

    def send_400_response(self, msg: str) -> None:
        self._refused = True
        _refuse(self.transport, self.loop)

    def shutdown(self) -> None:
        if self._refused:
            self.transport.close()
        else:
            super().shutdown()  # type: ignore[misc]


class JsonErrorsH11Protocol(_Refusing, H11Protocol):
    """uvicorn's h11 protocol; only its own 400 answer, and the close after it, differ."""

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a request already refused
        super().data_received(data)


if HttpToolsProtocol is not None:

    class JsonErrorsHttpToolsProtocol(_Refusing, HttpToolsProtocol):
        """uvicorn's httptools protocol, with the same 400 answer and close as the h11 one, and
        h11's limit on a request's head (httptools itself would buffer any size)."""

        _head_open = False
        """Between the start of a request and the end of its headers."""
        _head_bytes = 0
        _ended = False
        """A request ended in the chunk being parsed (pipelining: the next may start in it)."""

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            self._ended = False
            super().data_received(data)
            if self._refused or not self._head_open:
                return
            # the head is still incomplete, so this chunk is all head, unless it also held the
            # end of the request before (then it is not counted: a limit one chunk late at
            # worst, and never a refusal of a request within the limit)
            if not self._ended:
                self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self.logger.warning("request headers too large")
                self.send_400_response("headers too large")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_open, self._head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self._head_open = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._ended = True
            super().on_message_complete()

else:
    JsonErrorsHttpToolsProtocol = None  # type: ignore[assignment,misc]


def protocol_class(parser: str = "auto") -> type[asyncio.Protocol]:
    """The protocol for `parser`: `auto` is httptools when installed, else h11. ValueError
    when httptools is asked for and not installed."""
    if parser == "h11" or (parser == "auto" and JsonErrorsHttpToolsProtocol is None):
        return JsonErrorsH11Protocol
    if parser not in ("auto", "httptools"):
        raise ValueError(f"--http {parser}: not an HTTP parser (auto, h11 or httptools)")
    if JsonErrorsHttpToolsProtocol is None:
        raise ValueError("--http httptools: the httptools package is not installed")
    return JsonErrorsHttpToolsProtocol
