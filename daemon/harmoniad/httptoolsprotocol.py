"""uvicorn's httptools protocol with the API's own 400 answer and h11's limit on a request's
head (`harmoniad.httpprotocol`); importing it fails when httptools is not installed."""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from harmoniad.httpprotocol import MAX_HEAD_BYTES, Refusing

__all__ = ["JsonErrorsHttpToolsProtocol"]


class JsonErrorsHttpToolsProtocol(Refusing, HttpToolsProtocol):
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
