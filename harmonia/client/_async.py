"""`AsyncClient`: the daemon's API for anyio code (asyncio or trio)."""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Callable
from types import TracebackType
from typing import TypeVar

import anyio
import httpx
from httpx_sse import SSEError, aconnect_sse

import harmonia.client._calls as calls
from harmonia.client._api import AsyncApi
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

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient(ClientBase, AsyncApi):
    """Talks to one daemon. Use it as `async with AsyncClient() as client:` (or call
    `aclose()`), so the connection pool is closed.

    `url` and `token` default as `harmonia.client._config` says: argument, environment, the
    daemon's files in `data_dir`, then `http://127.0.0.1:8007`. `transport` is handed to httpx
    (tests pass a mock or an in-process app). `reconnect` paces the event streams' retries.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        timeout: float = 30,
        transport: httpx.AsyncBaseTransport | None = None,
        reconnect: Reconnect | None = None,
    ) -> None:
        config = self._configure(
            url, token, data_dir=data_dir, timeout=timeout, reconnect=reconnect
        )
        self._http = httpx.AsyncClient(transport=transport, **config.http_options())

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: calls.Call[T]) -> T:
        request = self._etags.request(call, self._http)
        try:
            response = await self._http.send(request)
        except httpx.TransportError as exc:
            raise unreachable(self.url, exc) from None
        return self._etags.answer(call, request, response)

    # ---- streams -----------------------------------------------------------------------

    async def events(
        self,
        execution_id: str | None = None,
        *,
        after: int | str | None = None,
        follow: bool = False,
        on_connect: Callable[[], object] | None = None,
    ) -> AsyncGenerator[Event, None]:
        """Events over SSE, each exactly once and in order, across dropped connections.

        For one execution: its history after `after` (all of it by default), then live
        events; the iteration ends once the execution has ended (after its terminal event,
        or at once if it had ended before `after`) unless `follow`. A terminal event in the
        history of an execution that was resumed later does not end it.
        Without `execution_id`: live events of every execution, never ending by itself
        (`after` is then `"<execution_id>:<seq>"`).

        A dropped connection is reopened with `Last-Event-ID`; when `reconnect.attempts`
        consecutive attempts fail, `DaemonUnreachable` is raised. Close the iterator when
        leaving early (`contextlib.aclosing`), or the connection stays open until the
        iterator is collected.

        `on_connect` is called each time the daemon accepts the stream (before its first
        event): the all-executions stream replays only the execution named in `after`, so a
        caller that shows every execution fetches them again from there.
        """
        cursor = self._cursor(execution_id, after=after, follow=follow)
        while True:
            reason = "the stream closed before the execution ended"
            closed_cleanly = False
            try:
                async with aconnect_sse(
                    self._http,
                    "GET",
                    cursor.path,
                    params=cursor.params(),
                    headers=cursor.headers(),
                    timeout=self._config.stream_timeout,
                ) as source:
                    response = source.response
                    if response.status_code != 200:
                        await response.aread()
                        reason = stream_refused(response)
                    else:
                        cursor.connected()
                        if on_connect is not None:
                            on_connect()
                        async for message in source.aiter_sse():
                            event = cursor.accept(message.data, message.id)
                            if event is not None:
                                yield event
                        closed_cleanly = True
            except httpx.TransportError as exc:
                reason = transport_reason(exc)
            except SSEError as exc:
                raise ProtocolError(f"GET {cursor.path}: not an event stream: {exc}") from None
            if closed_cleanly and await self._stream_complete(cursor):
                return
            await anyio.sleep(cursor.dropped(reason))

    async def ws_events(
        self, execution_id: str, *, after: int | None = None, follow: bool = False
    ) -> AsyncGenerator[Event, None]:
        """`events` of one execution over the WebSocket (`/ws/executions/{id}`) instead of
        SSE, with the same guarantees. Needs the `websockets` package, whose client runs on
        asyncio only: under trio, use `events`."""
        require_websockets()
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

        cursor = self._cursor(execution_id, after=after, follow=follow)
        headers = self._config.ws_headers()
        open_timeout = self._config.timeout.connect
        while True:
            reason = "the WebSocket closed before the execution ended"
            try:
                async with connect(
                    ws_url(self.url, cursor),
                    additional_headers=headers,
                    open_timeout=open_timeout,
                    proxy=None,
                ) as socket:
                    cursor.connected()
                    try:
                        while True:
                            message = await socket.recv()
                            for event in frame_events(cursor, message):
                                yield event
                    except ConnectionClosed as closed:
                        if (why := closed_reason(closed)) is None:
                            return  # the stream's end
                        reason = why
            except InvalidStatus as refused:
                raise handshake_error(refused) from None
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                reason = str(exc) or type(exc).__name__
            await anyio.sleep(cursor.dropped(reason))

    async def _stream_complete(self, cursor: StreamCursor) -> bool:
        """A stream closed without a terminal event last: the daemon stopping, or an
        execution that had ended before the stream's start. Ask the daemon which."""
        if not cursor.may_end:
            return False
        if cursor.last_terminal:
            return True
        assert cursor.execution_id is not None
        try:
            execution = await self.get_execution(cursor.execution_id)
        except (DaemonUnreachable, ServerError):
            return False
        return cursor.complete(execution.last_seq, execution.finished)

    async def wait(
        self,
        execution_id: str,
        timeout: float | None = None,  # noqa: ASYNC109 (mirrors Client.wait)
    ) -> Execution:
        """The execution once it has ended (completed, failed or canceled), by following its
        events; `TimeoutError` after `timeout` seconds. A paused execution has not ended."""
        with anyio.fail_after(timeout):
            execution = await self.get_execution(execution_id)
            if execution.finished:
                return execution
            stream = self.events(execution_id, after=execution.last_seq)
            try:
                async for _event in stream:
                    pass
            finally:
                await stream.aclose()
            return await self._get_after_stream(execution_id)

    async def _get_after_stream(self, execution_id: str) -> Execution:
        """`get_execution` right after a stream ended, as patient as the stream was: the
        daemon may be restarting at that very moment."""
        backoff = self._cursor(execution_id)
        while True:
            try:
                return await self.get_execution(execution_id)
            except DaemonUnreachable as exc:
                await anyio.sleep(backoff.dropped(exc.reason))
