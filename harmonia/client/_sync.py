"""`Client`: the daemon's API for ordinary (blocking) code, such as the CLI.

It has `AsyncClient`'s methods over `httpx.Client`; no event loop is involved. The REST
endpoints come from `_api.Api`; what is left here is the blocking I/O.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from types import TracebackType
from typing import TypeVar

import httpx
from httpx_sse import SSEError, connect_sse

import harmonia.client._calls as calls
from harmonia.client._api import BlockingApi
from harmonia.client._base import ClientBase, stream_refused
from harmonia.client._errors import DaemonUnreachable, ProtocolError, ServerError
from harmonia.client._models import Event, Execution
from harmonia.client._stream import Reconnect, StreamCursor
from harmonia.client._wire import transport_reason, unreachable
from harmonia.client._ws import (
    closed_reason,
    frame_events,
    handshake_error,
    require_websockets,
    ws_url,
)

__all__ = ["Client"]

T = TypeVar("T")


class Client(ClientBase, BlockingApi):
    """Talks to one daemon; see `AsyncClient` for the defaults. Use it as a context manager
    (`with Client() as client:`) or call `close()`."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        timeout: float = 30,
        transport: httpx.BaseTransport | None = None,
        reconnect: Reconnect | None = None,
    ) -> None:
        config = self._configure(
            url, token, data_dir=data_dir, timeout=timeout, reconnect=reconnect
        )
        self._http = httpx.Client(transport=transport, **config.http_options())

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: calls.Call[T]) -> T:
        request = self._etags.request(call, self._http)
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            raise unreachable(self.url, exc) from None
        return self._etags.answer(call, request, response)

    # ---- streams -----------------------------------------------------------------------

    def events(
        self,
        execution_id: str | None = None,
        *,
        after: int | str | None = None,
        follow: bool = False,
    ) -> Generator[Event, None, None]:
        """Events over SSE, each exactly once and in order, across dropped connections; see
        `AsyncClient.events`. Close the generator when leaving early (`contextlib.closing`)."""
        return self._events(execution_id, after=after, follow=follow, deadline=None)

    def _events(
        self,
        execution_id: str | None,
        *,
        after: int | str | None,
        follow: bool,
        deadline: float | None,
    ) -> Generator[Event, None, None]:
        cursor = self._cursor(execution_id, after=after, follow=follow)
        while True:
            reason = "the stream closed before the execution ended"
            closed_cleanly = False
            try:
                with connect_sse(
                    self._http,
                    "GET",
                    cursor.path,
                    params=cursor.params(),
                    headers=cursor.headers(),
                    timeout=self._stream_timeout(deadline),
                ) as source:
                    response = source.response
                    if response.status_code != 200:
                        response.read()
                        reason = stream_refused(response)
                    else:
                        cursor.connected()
                        for message in source.iter_sse():
                            event = cursor.accept(message.data, message.id)
                            if event is not None:
                                yield event
                        closed_cleanly = True
            except httpx.TransportError as exc:
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutError("the execution did not end in time") from None
                reason = transport_reason(exc)
            except SSEError as exc:
                raise ProtocolError(f"GET {cursor.path}: not an event stream: {exc}") from None
            if closed_cleanly and self._stream_complete(cursor):
                return
            delay = cursor.dropped(reason)
            if deadline is not None and time.monotonic() + delay >= deadline:
                raise TimeoutError("the execution did not end in time")
            time.sleep(delay)

    def ws_events(
        self, execution_id: str, *, after: int | None = None, follow: bool = False
    ) -> Generator[Event, None, None]:
        """`events` of one execution over the WebSocket (`/ws/executions/{id}`) instead of
        SSE, with the same guarantees; needs the `websockets` package."""
        require_websockets()
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
        from websockets.sync.client import connect

        cursor = self._cursor(execution_id, after=after, follow=follow)
        headers = self._config.ws_headers()
        open_timeout = self._config.timeout.connect
        while True:
            reason = "the WebSocket closed before the execution ended"
            try:
                with connect(
                    ws_url(self.url, cursor),
                    additional_headers=headers,
                    open_timeout=open_timeout,
                    proxy=None,
                ) as socket:
                    cursor.connected()
                    try:
                        while True:
                            message = socket.recv()
                            yield from frame_events(cursor, message)
                    except ConnectionClosed as closed:
                        if (why := closed_reason(closed)) is None:
                            return  # the stream's end
                        reason = why
            except InvalidStatus as refused:
                raise handshake_error(refused) from None
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                reason = str(exc) or type(exc).__name__
            time.sleep(cursor.dropped(reason))

    def _stream_complete(self, cursor: StreamCursor) -> bool:
        """See `AsyncClient._stream_complete`."""
        if not cursor.may_end:
            return False
        if cursor.last_terminal:
            return True
        assert cursor.execution_id is not None
        try:
            execution = self.get_execution(cursor.execution_id)
        except (DaemonUnreachable, ServerError):
            return False
        return cursor.complete(execution.last_seq, execution.finished)

    def _stream_timeout(self, deadline: float | None) -> httpx.Timeout:
        timeout = self._config.stream_timeout
        if deadline is None:
            return timeout
        left = max(deadline - time.monotonic(), 0.001)
        read = timeout.read if timeout.read is not None else left
        return httpx.Timeout(
            timeout.connect, read=min(read, left), write=timeout.write, pool=timeout.pool
        )

    def wait(self, execution_id: str, timeout: float | None = None) -> Execution:
        """The execution once it has ended, by following its events; `TimeoutError` after
        `timeout` seconds. A paused execution has not ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        execution = self.get_execution(execution_id)
        if execution.finished:
            return execution
        stream = self._events(
            execution_id, after=execution.last_seq, follow=False, deadline=deadline
        )
        try:
            for _event in stream:
                pass
        finally:
            stream.close()
        return self._get_after_stream(execution_id)

    def _get_after_stream(self, execution_id: str) -> Execution:
        """`get_execution` right after a stream ended, as patient as the stream was: the
        daemon may be restarting at that very moment."""
        backoff = self._cursor(execution_id)
        while True:
            try:
                return self.get_execution(execution_id)
            except DaemonUnreachable as exc:
                time.sleep(backoff.dropped(exc.reason))
