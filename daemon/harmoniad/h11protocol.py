"""uvicorn's h11 protocol with the API's own 400 answer (`harmoniad.httpprotocol`): imported only
when `--http h11` is chosen, or httptools is not installed."""

from __future__ import annotations

from uvicorn.protocols.http.h11_impl import H11Protocol

from harmoniad.httpprotocol import Refusing

__all__ = ["JsonErrorsH11Protocol"]


class JsonErrorsH11Protocol(Refusing, H11Protocol):
    """uvicorn's h11 protocol; only its own 400 answer, and the close after it, differ."""

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a request already refused
        super().data_received(data)
