"""Logging: readable lines for people, JSON lines for machines, and one access line per request.

`2026-11-26 13:05:01 INFO harmoniad: recovered 2 interrupted execution(s)` on stderr, or with
`--log-json` one object per line. The access line names the method, the path (never the query,
which may carry a WebSocket token), the status and the time taken. An exception that escapes a
handler is logged here once, with its traceback, and answered with the JSON 500 error: the
traceback goes to the log, never to the client.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLogMiddleware", "JsonFormatter", "quiet_websocket_denials", "setup_logging"]

logger = logging.getLogger("harmoniad")
access_logger = logging.getLogger("harmoniad.access")

READABLE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

_INTERNAL_ERROR = orjson.dumps(
    {
        "status": 500,
        "code": "internal_error",
        "message": "internal error; the daemon log has the details",
        "details": None,
    }
)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, plus any `extra` fields."""

    _STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self._STANDARD and not key.startswith("_") and key != "color_message":
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


def setup_logging(*, json_lines: bool, level: str = "info") -> None:
    """Route the daemon's and uvicorn's loggers to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(READABLE_FORMAT, DATE_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own start/stop chatter repeats ours; keep its warnings and errors
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uv = logging.getLogger(name)
        uv.handlers.clear()
        uv.propagate = True
        uv.setLevel(logging.WARNING)
    # httpx logs every request at INFO: one line per Hermes heartbeat or per task's HTTP call
    # would bury the daemon's own lines (`--log-level debug` shows them)
    if level.lower() != "debug":
        logging.getLogger("httpx").setLevel(logging.WARNING)


class _NotAnIncompleteHandshake(logging.Filter):
    """uvicorn's websockets-sansio protocol logs "ASGI callable returned without completing
    handshake." at ERROR after every handshake refused with an HTTP answer (the
    `websocket.http.response` extension), though the client got that answer (an upstream bug;
    wsproto's protocol does not log it). Every handshake the daemon does not accept, it refuses
    that way, so the line is never news here; anything forwarding ERRORs would fire on it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


_DENIALS_QUIET = _NotAnIncompleteHandshake()


def quiet_websocket_denials() -> None:
    """Drop uvicorn's false error on refused WebSocket handshakes (once per process)."""
    uv = logging.getLogger("uvicorn.error")
    if _DENIALS_QUIET not in uv.filters:
        uv.addFilter(_DENIALS_QUIET)


class AccessLogMiddleware:
    """Logs `GET /api/v1/executions 200 3.1ms`, and turns an escaped exception into a 500."""

    def __init__(self, app: ASGIApp, *, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status: int | None = None
        started = False

        async def sending(message: Message) -> None:
            nonlocal status, started
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                status = int(message["status"])
                started = True
            elif kind == "websocket.accept":
                status = 101
                started = True
            elif kind == "websocket.close" and not started:
                status = 403
                started = True
            await send(message)

        method = scope.get("method", "WS") if scope["type"] == "http" else "WS"
        path = scope.get("path", "")
        try:
            await self.app(scope, receive, sending)
        except Exception:
            logger.exception("unhandled error in %s %s", method, path)
            if scope["type"] == "http" and not started:
                status = 500
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(_INTERNAL_ERROR)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": _INTERNAL_ERROR})
            elif scope["type"] == "websocket" and started:
                status = status or 500
                with contextlib.suppress(Exception):
                    await send({"type": "websocket.close", "code": 1011})
        finally:
            if self.enabled:
                ms = (time.perf_counter() - start) * 1000
                access_logger.info(
                    "%s %s %s %.1fms",
                    method,
                    path,
                    status if status is not None else "-",
                    ms,
                    extra={"method": method, "path": path, "status": status, "ms": round(ms, 2)},
                )
