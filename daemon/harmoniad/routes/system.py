"""The daemon itself: liveness, readiness and the OpenAPI document (discovery: `discovery`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmonia.events import iso_time
from harmonia.executors.base import executor_status
from harmoniad.context import daemon_state, live_execution_ids
from harmoniad.errors import without_data_dir
from harmoniad.hermes import off_status
from harmoniad.responses import JSONResponse
from harmoniad.routing import Endpoint
from harmoniad.system_schemas import Health, Ready

__all__ = ["DOCUMENT", "ENDPOINTS", "LIVENESS", "MCP_PATH", "port_of"]

MCP_PATH = "/mcp"


def port_of(request: Request) -> int | None:
    state = daemon_state(request)
    return state.port if state.port is not None else request.url.port


async def health(request: Request) -> Response:
    """Liveness: today's `status: ok` and `version`, with Tekton's `component` and `port`."""
    state = daemon_state(request)
    port = port_of(request)
    return JSONResponse(
        {"status": "ok", "version": state.version, "component": "harmonia", "port": port}
    )


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
    data_dir = state.engine.store.data_dir
    return JSONResponse(
        {
            "ready": is_ready,
            "status": "healthy" if is_ready else "degraded",
            "component": "harmonia",
            "version": state.version,
            "port": port_of(request),
            "running_executions": len(running),
            "storage": {
                "available": failure is None,
                "error": None if failure is None else without_data_dir(failure.message, data_dir),
                "path": None if failure is None else without_data_dir(failure.path, data_dir),
                "since": iso_time(storage.since),
                "stopped_executions": list(storage.stopped),
            },
            "hermes": off_status() if state.hermes is None else state.hermes.status.as_json(),
            "executor": await executor_status(state.engine.executor),
        },
        status_code=200 if is_ready else 503,
    )


async def openapi(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi.document())


LIVENESS = [
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
]
DOCUMENT = [
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
ENDPOINTS = [*LIVENESS, *DOCUMENT]
