"""Live events: Server-Sent Events and a WebSocket, both fed by the engine's event bus.

A stream first replays the journal after the seq the client last saw (`Last-Event-ID`,
`?after=`), then goes on live with no gap and no repeat: the bus guarantees that, including for
a client too slow to keep up, which catches up from the journal instead of holding memory or
slowing the engine. A stream ends after the execution's terminal event (unless `follow`), and
every stream ends cleanly when the daemon stops: the server closes the bus's subscriptions,
each iterator below then finishes, and SSE responses complete / WebSockets close with 1001.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import aclosing
from operator import attrgetter

import anyio
import orjson
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from harmonia.bus import Subscription
from harmonia.errors import NotFound
from harmonia.events import TERMINAL_WORKFLOW_EVENTS, Event
from harmonia.state import EXECUTION_FINISHED
from harmoniad.bodies import query_params
from harmoniad.context import DaemonState, daemon_state
from harmoniad.errors import ApiError
from harmoniad.routes.executions import require_execution
from harmoniad.routing import Endpoint, HeaderParam, SocketEndpoint, valid_path_param
from harmoniad.schemas import StreamQuery

__all__ = ["ENDPOINTS", "SOCKETS", "all_events", "execution_events"]

logger = logging.getLogger("harmoniad.streams")

PING_SECONDS = 15
SUBSCRIBER_BUFFER = 10_000
"""Events a subscriber may be behind before it is dropped to a catch-up from the journal: what
a stalled client can keep alive in the daemon (the events are shared with other subscribers)."""
BATCH = 1_000
"""The most events a stream takes from its subscription (and an SSE response writes) at once."""

WS_NORMAL = 1000
WS_GOING_AWAY = 1001
WS_POLICY = 1008
WS_NOT_FOUND = 4404


# ---- the event sources ---------------------------------------------------------------------


async def execution_events(
    state: DaemonState, execution_id: str, after: int, *, follow: bool
) -> AsyncGenerator[list[Event], None]:
    """One execution's events after `after`, in batches (whatever is ready at once): history
    first, then live; see the module doc."""
    engine = state.engine
    if not follow and not engine.is_live(execution_id):
        async with state.histories.hold(execution_id) as history:
            if history:
                finished = history[-1].type in TERMINAL_WORKFLOW_EVENTS
            else:
                row = await anyio.to_thread.run_sync(engine.store.get_summary, execution_id)
                finished = row["status"] in EXECUTION_FINISHED
            if finished and not engine.is_live(execution_id):
                # at rest and finished: the journal holds all there will be
                for batch in _aligned_batches(history, after):
                    yield batch
                return
    if not follow and engine.is_live(execution_id):
        live = await engine.get(execution_id)
        if live.status in EXECUTION_FINISHED and after >= live.last_seq:
            return  # the client has everything, the terminal event included
    if state.stopping.is_set():
        return
    subscription = engine.subscribe(execution_id, after_seq=after, maxsize=SUBSCRIBER_BUFFER)
    try:
        while batch := await subscription.next_batch(BATCH):
            if not follow and not TERMINAL_WORKFLOW_EVENTS.isdisjoint(map(_type_of, batch)):
                for i, event in enumerate(batch):
                    if event.type in TERMINAL_WORKFLOW_EVENTS and not await _has_more(
                        state, execution_id, event.seq
                    ):
                        yield batch[: i + 1]
                        return
            yield batch
    finally:
        subscription.close()
        _log_lag(subscription, execution_id)


_type_of = attrgetter("type")


def _aligned_batches(history: list[Event], after: int) -> Iterator[list[Event]]:
    """The events after `after`, in slices that end at multiples of BATCH seqs: clients
    replaying from different seqs then take the same slices after their first, whose encoded
    chunks they share."""
    start = bisect.bisect_right(history, after, key=_seq_of)
    while start < len(history):
        end = min(len(history), start + BATCH - history[start].seq % BATCH)
        yield history[start:end]
        start = end


_seq_of = attrgetter("seq")


def _log_lag(subscription: Subscription, what: str) -> None:
    if subscription.lag_count:
        logger.info(
            "a stream of %s fell behind %d time(s) and caught up from the journal",
            what,
            subscription.lag_count,
        )


async def _has_more(state: DaemonState, execution_id: str, seq: int) -> bool:
    """Whether events after `seq` exist already (a resume right after a failure)."""
    engine = state.engine
    if engine.is_live(execution_id):
        return (await engine.get(execution_id)).last_seq > seq
    try:
        row = await anyio.to_thread.run_sync(engine.store.get_summary, execution_id)
    except NotFound:
        return False
    return int(row.get("last_seq") or 0) > seq


async def all_events(
    state: DaemonState, resume_from: tuple[str, int] | None
) -> AsyncGenerator[list[Event], None]:
    """Every execution's events, live, in batches; first the rest of one execution if
    resuming."""
    if state.stopping.is_set():
        return
    engine = state.engine
    # subscribe before reading the journal: whatever is published meanwhile is buffered
    subscription = engine.subscribe(None, maxsize=SUBSCRIBER_BUFFER)
    try:
        replayed_id, replayed_to = None, 0
        if resume_from is not None:
            replayed_id, replayed_to = resume_from
            history = await engine.bus.replay(replayed_id, replayed_to)
            if history:
                replayed_to = history[-1].seq
            for start in range(0, len(history), BATCH):
                yield history[start : start + BATCH]
        while batch := await subscription.next_batch(BATCH):
            if replayed_id is not None:
                batch = [e for e in batch if e.execution_id != replayed_id or e.seq > replayed_to]
                if not batch:
                    continue
            yield batch
    finally:
        subscription.close()
        _log_lag(subscription, "all executions")


# ---- SSE -----------------------------------------------------------------------------------


def _event_source(
    state: DaemonState, batches: AsyncGenerator[list[Event], None], *, global_ids: bool
) -> Response:
    """An SSE response that sends each batch of ready events in one write.

    The source yields whatever its subscription holds at once, so with many clients and a fast
    engine each client wakes once per batch and thousands of tiny writes become a few large
    ones, made of messages encoded once for every client. A client that does not read stops
    its response, and with it the reading of its subscription; the bus then drops that
    subscriber to a catch-up from the journal: memory stays bounded and the engine never waits.
    """

    encoder = state.encoder

    async def body() -> AsyncIterator[bytes]:
        with encoder.streaming():
            async with aclosing(batches):
                async for batch in batches:
                    yield encoder.sse_batch(batch, global_ids=global_ids)

    return EventSourceResponse(
        body(),
        ping=PING_SECONDS,
        ping_message_factory=_Ping,
        sep="\n",
        cleanup_timeout=5,
    )


class _Ping(ServerSentEvent):
    """`: ping` alone: with no blank line after it, no client mistakes it for an event."""

    def encode(self) -> bytes:
        return b": ping\n"


def _refuse_when_stopping(state: DaemonState) -> None:
    if state.stopping.is_set():
        raise ApiError(503, "the daemon is stopping; reconnect later", code="unavailable")


async def stream_execution(request: Request) -> Response:
    state = daemon_state(request)
    execution_id = request.path_params["id"]
    query = query_params(request, StreamQuery)
    after = _seq_header(request.headers.get("last-event-id"))
    if after is None:
        after = query.after or 0
    _refuse_when_stopping(state)
    await require_execution(state, execution_id)
    events = execution_events(state, execution_id, after, follow=query.follow)
    return _event_source(state, events, global_ids=False)


async def stream_all(request: Request) -> Response:
    state = daemon_state(request)
    resume_from = _global_header(request.headers.get("last-event-id"))
    _refuse_when_stopping(state)
    if resume_from is not None:
        await require_execution(state, resume_from[0])
    return _event_source(state, all_events(state, resume_from), global_ids=True)


def _seq_header(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    text = value.strip().rpartition(":")[2]  # also accept the `/events` form `<id>:<seq>`
    if not text.isdigit():
        raise ApiError(422, f"Last-Event-ID must be an event seq, got {value!r}")
    return int(text)


def _global_header(value: str | None) -> tuple[str, int] | None:
    if value is None or not value.strip():
        return None
    execution_id, sep, seq = value.strip().rpartition(":")
    if not sep or not execution_id or not seq.isdigit():
        raise ApiError(422, f"Last-Event-ID must be '<execution_id>:<seq>', got {value!r}")
    return execution_id, int(seq)


# ---- WebSocket -----------------------------------------------------------------------------


async def execution_socket(websocket: WebSocket) -> None:
    """One JSON text frame per event (with `?batch=true`, one frame per batch of ready events);
    answers `{"type": "ping"}` with `{"type": "pong"}`."""
    state = daemon_state(websocket)
    execution_id = websocket.path_params["id"]
    await websocket.accept()
    try:
        after = int(websocket.query_params.get("after") or 0)
        if after < 0:
            raise ValueError
    except ValueError:
        await websocket.close(WS_POLICY, "'after' must be a seq (a whole number >= 0)")
        return
    follow = _flag(websocket.query_params.get("follow"))
    batched = _flag(websocket.query_params.get("batch"))
    try:
        if not valid_path_param(execution_id):
            raise NotFound(execution_id)
        await require_execution(state, execution_id)
    except NotFound:
        await websocket.close(WS_NOT_FOUND, f"no execution {execution_id!r}")
        return
    if state.stopping.is_set():
        await websocket.close(WS_GOING_AWAY, "the daemon is stopping")
        return

    send_lock = anyio.Lock()
    outcome: dict[str, int | None] = {"code": None}

    async def send(payload: bytes) -> None:
        async with send_lock:
            await websocket.send_text(payload.decode())

    async def pump(cancel: anyio.CancelScope) -> None:
        batches = execution_events(state, execution_id, after, follow=follow)
        async with aclosing(batches):
            async for batch in batches:
                async with send_lock:  # the batch sent as a whole
                    if batched:  # one frame, made once for every client taking this batch
                        await websocket.send_text(encoder.ws_batch(batch))
                    else:
                        for event in batch:
                            await websocket.send_text(encoder.text(event))
        outcome["code"] = WS_GOING_AWAY if state.stopping.is_set() else WS_NORMAL
        cancel.cancel()

    async def listen(cancel: anyio.CancelScope) -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                cancel.cancel()
                return
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode(errors="replace")
            try:
                kind = orjson.loads(text or "").get("type")
            except (orjson.JSONDecodeError, AttributeError):
                kind = None
            if kind == "ping":
                await send(b'{"type":"pong"}')
            else:
                await send(b'{"type":"error","message":"send {\\"type\\": \\"ping\\"} or nothing"}')

    gone = False
    encoder = state.encoder
    with encoder.streaming():  # held until the close is sent: a stopping daemon waits for it
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(pump, tg.cancel_scope)
                tg.start_soon(listen, tg.cancel_scope)
        except* (WebSocketDisconnect, OSError):
            gone = True  # the client went away mid-send
        if outcome["code"] is not None and not gone:
            with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):
                await websocket.close(outcome["code"])


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


_STREAM_ERRORS = (401, 403, 404, 422, 503)

ENDPOINTS = [
    Endpoint(
        "GET",
        "/events/executions/{id}",
        stream_execution,
        "Server-Sent Events of one execution: history after Last-Event-ID, then live",
        "streams",
        {200: "sse"},
        _STREAM_ERRORS,
        query=StreamQuery,
        headers=(
            HeaderParam(
                "Last-Event-ID",
                "Replay the history after this seq (what the browser sends on reconnect).",
                pattern=r"^[0-9]+$",
            ),
        ),
        description="Each message has `id: <seq>`, `event: <type>`, `data: <Event JSON>`. "
        "The stream ends after the terminal event unless `follow=true`.",
    ),
    Endpoint(
        "GET",
        "/events",
        stream_all,
        "Server-Sent Events of every execution, live",
        "streams",
        {200: "sse"},
        _STREAM_ERRORS,
        headers=(
            HeaderParam(
                "Last-Event-ID",
                "`<execution_id>:<seq>`: replay that execution's events after seq first.",
                pattern=r"^.+:[0-9]+$",
            ),
        ),
    ),
]

SOCKETS = [
    SocketEndpoint(
        "/ws/executions/{id}",
        execution_socket,
        "One JSON frame per event (`?batch=true`: one `{type: batch, events}` frame per batch); "
        "ping/pong; closes 1000 after the terminal event",
        query=("after", "follow", "batch", "token"),
    )
]
