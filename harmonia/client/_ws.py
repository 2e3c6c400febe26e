"""What the WebSocket streams of both clients share: the URL, and what a close code means.

WebSocket support is optional: it needs the `websockets` package, imported only when a
WebSocket stream is opened. SSE (`events`) is the primary way to follow events; the WebSocket
exists for clients that prefer one (browsers, dashboards) and answers the same way: one
execution's events after a seq, then live, each exactly once across reconnections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import orjson

from harmonia.client._errors import (
    ApiError,
    BadRequestError,
    ClientError,
    NotFoundError,
    UnauthorizedError,
    error_from_response,
)
from harmonia.client._models import Event
from harmonia.client._stream import StreamCursor

if TYPE_CHECKING:
    from websockets.exceptions import ConnectionClosed, InvalidStatus

__all__ = [
    "WS_CODES",
    "close_outcome",
    "closed_reason",
    "frame_events",
    "handshake_error",
    "require_websockets",
    "ws_url",
]

WS_NORMAL = 1000
WS_GOING_AWAY = 1001
WS_POLICY = 1008
WS_UNAUTHORIZED = 4401
WS_NOT_FOUND = 4404

WS_CODES = {
    WS_POLICY: (BadRequestError, 400, "bad_request"),
    WS_UNAUTHORIZED: (UnauthorizedError, 401, "unauthorized"),
    WS_NOT_FOUND: (NotFoundError, 404, "not_found"),
}


def require_websockets() -> None:
    try:
        import websockets  # noqa: F401
    except ImportError:
        raise ClientError(
            "WebSocket streams need the 'websockets' package; events() (SSE) needs nothing more"
        ) from None


def ws_url(base_url: str, cursor: StreamCursor) -> str:
    """`ws://host:port/ws/executions/ID?after=SEQ&batch=true[&follow=true]` for the cursor's
    position. Batch frames carry every event that is ready in one frame: far fewer frames for
    the daemon to send and for us to read when events come fast (see `frame_events`)."""
    assert cursor.execution_id is not None
    scheme, rest = base_url.split("://", 1)
    ws_scheme = "wss" if scheme == "https" else "ws"
    query = f"after={cursor.seen.get(cursor.execution_id, 0)}&batch=true"
    if cursor.follow:
        query += "&follow=true"
    return f"{ws_scheme}://{rest}{cursor.path.replace('/events/', '/ws/', 1)}?{query}"


def close_outcome(code: int | None, reason: str) -> Literal["end", "reconnect"]:
    """What a close means: the end of the stream, a daemon going away (come back later), or
    a refusal, raised as the `ApiError` the same request over HTTP would have got."""
    if code == WS_NORMAL:
        return "end"
    refusal = WS_CODES.get(code or 0)
    if refusal is not None:
        cls, status, error_code = refusal
        raise cls(status, error_code, reason or error_code.replace("_", " "))
    return "reconnect"


def frame_events(cursor: StreamCursor, message: str | bytes) -> list[Event]:
    """The new events in a text frame: a batch frame `{"type": "batch", "events": [...]}`
    or a single event, each read as `StreamCursor.accept` reads it (repeats dropped)."""
    try:
        document: Any = orjson.loads(message)
    except orjson.JSONDecodeError:
        return []
    if isinstance(document, dict) and document.get("type") == "batch":
        items = document.get("events")
        if not isinstance(items, list):
            return []
        return [event for item in items if (event := cursor.accept_document(item)) is not None]
    event = cursor.accept_document(document)
    return [] if event is None else [event]


def closed_reason(closed: ConnectionClosed) -> str | None:
    """None when the close ends the stream; else why to reconnect (a refusal is raised)."""
    code = closed.rcvd.code if closed.rcvd is not None else None
    reason = closed.rcvd.reason if closed.rcvd is not None else ""
    if close_outcome(code, reason) == "end":
        return None
    return f"the WebSocket closed ({code})"


def handshake_error(refused: InvalidStatus) -> ApiError:
    """The daemon refused the upgrade with an HTTP answer (a bad Host header, say)."""
    return error_from_response(refused.response.status_code, bytes(refused.response.body or b""))
