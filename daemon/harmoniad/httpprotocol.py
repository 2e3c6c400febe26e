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
Each lives in its own module (`h11protocol`, `httptoolsprotocol`), imported once chosen by
`httpparsers.protocol_class`: a daemon on httptools never imports h11 (~3% of its imports).
"""

from __future__ import annotations

import asyncio

import orjson

__all__ = ["MAX_HEAD_BYTES", "Refusing", "malformed_request_answer"]

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


class Refusing:
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
