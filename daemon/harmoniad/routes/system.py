"""The daemon itself: liveness, readiness, discovery and the OpenAPI document."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmonia.events import EventType, iso_time
from harmoniad.context import daemon_state, live_execution_ids
from harmoniad.hermes import off_status
from harmoniad.responses import JSONResponse
from harmoniad.routing import Endpoint
from harmoniad.schemas import Discovery, Health, Ready

__all__ = ["CAPABILITIES", "ENDPOINTS"]

CAPABILITIES = ["workflows", "executions", "checkpoints", "templates", "sse", "websocket"]


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "version": daemon_state(request).version})


async def ready(request: Request) -> Response:
    state = daemon_state(request)
    running = [
        i
        for i in live_execution_ids(state.engine)
        if (await state.engine.get(i)).status == "running"
    ]
    storage = state.engine.storage
    is_ready = state.ready and not state.stopping.is_set() and storage.available
    failure = storage.failure
    return JSONResponse(
        {
            "ready": is_ready,
            "running_executions": len(running),
            "storage": {
                "available": failure is None,
                "error": None if failure is None else failure.message,
                "path": None if failure is None else failure.path,
                "since": iso_time(storage.since),
                "stopped_executions": list(storage.stopped),
            },
            "hermes": off_status() if state.hermes is None else state.hermes.status.as_json(),
        },
        status_code=200 if is_ready else 503,
    )


async def discovery(request: Request) -> Response:
    state = daemon_state(request)
    endpoints = [{"method": e.method, "path": e.path} for e in request.app.state.endpoints]
    endpoints += [{"method": "WS", "path": s.path} for s in request.app.state.sockets]
    return JSONResponse(
        {
            "name": "harmonia",
            "version": state.version,
            "port": state.port if state.port is not None else request.url.port,
            "endpoints": endpoints,
            "capabilities": CAPABILITIES,
            "event_types": [str(t) for t in EventType],
        }
    )


async def openapi(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/health",
        health,
        "Liveness (no token needed)",
        "daemon",
        {200: Health},
        (403,),
        public=True,
    ),
    Endpoint(
        "GET",
        "/ready",
        ready,
        "Readiness: recovery done, storage writable, accepting work",
        "daemon",
        {200: Ready, 503: Ready},
        (401, 403),
    ),
    Endpoint(
        "GET",
        "/discovery",
        discovery,
        "What this daemon serves: endpoints, capabilities, event types",
        "daemon",
        {200: Discovery},
        (401, 403),
    ),
    Endpoint(
        "GET",
        "/openapi.json",
        openapi,
        "This document",
        "daemon",
        {200: "object"},
        (401, 403),
    ),
]
