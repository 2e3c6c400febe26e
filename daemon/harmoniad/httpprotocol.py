"""uvicorn's HTTP/1.1 protocol, answering the requests it cannot parse in the API's error shape.

A malformed request line, a header without a colon, headers over h11's size limit or a bad
Content-Length never reach the application: uvicorn answers them itself, with `text/plain`
"Invalid HTTP request received.". uvicorn has no option for that answer; its public extension
point is the protocol class (`uvicorn.Config(http=...)`), so this subclass replaces the one
method that writes it (`send_400_response`, the name both of uvicorn's HTTP implementations
use) and writes the same 400, with `Connection: close`, as JSON; then it closes gently.
"""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["JsonErrorsH11Protocol", "malformed_request_answer"]

MESSAGE = (
    "the request is not valid HTTP/1.1 (a malformed request line, a malformed header, "
    "headers too large, or a bad Content-Length)"
)


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


class JsonErrorsH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; only its own 400 answer, and the close after it, differ."""

    _refused = False

    def send_400_response(self, msg: str) -> None:
        # The parser failed: the connection's HTTP state is unusable, so the answer is written
        # as bytes. Closing at once, with the rest of a large request unread, makes the kernel
        # reset the connection, which can destroy the answer before the client reads it; so
        # the answer is followed by a FIN and whatever else arrives is dropped until the
        # client closes (or LINGER_SECONDS pass).
        self._refused = True
        self.transport.write(_ANSWER)
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a request already refused
        super().data_received(data)

    def shutdown(self) -> None:
        if self._refused:
            self.transport.close()
        else:
            super().shutdown()
