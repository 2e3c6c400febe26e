"""The daemon itself: liveness, readiness, discovery and the OpenAPI document."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmonia.events import EventType, iso_time
from harmonia.executors.base import executor_status
from harmoniad.context import daemon_state, live_execution_ids
from harmoniad.hermes import off_status
from harmoniad.responses import JSONResponse
from harmoniad.routing import Endpoint
from harmoniad.system_schemas import Discovery, Health, Ready
from harmoniad.tools import TOOLS

__all__ = ["CAPABILITIES", "ENDPOINTS", "MCP_PATH"]

CAPABILITIES = [
    "workflows",
    "executions",
    "checkpoints",
    "templates",
    "sse",
    "websocket",
    "mcp",
    "tekton_mcp_v2",
]
DESCRIPTION = (
    "Harmonia: workflow orchestration for Tekton. Durable DAG executions of component calls, "
    "live events, operator actions; the 17 workflow tools over MCP v2 and MCP."
)
MCP_PATH = "/mcp"
MCP_METHODS = {
    "POST": "MCP (streamable HTTP): JSON-RPC requests of a session; always needs the token",
    "GET": "MCP (streamable HTTP): the session's server-to-client stream",
    "DELETE": "MCP (streamable HTTP): end a session",
}


def _port(request: Request) -> int | None:
    state = daemon_state(request)
    return state.port if state.port is not None else request.url.port


async def health(request: Request) -> Response:
    """Liveness: today's `status: ok` and `version`, with Tekton's `component` and `port`."""
    state = daemon_state(request)
    return JSONResponse(
        {"status": "ok", "version": state.version, "component": "harmonia", "port": _port(request)}
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
    return JSONResponse(
        {
            "ready": is_ready,
            "status": "healthy" if is_ready else "degraded",
            "component": "harmonia",
            "version": state.version,
            "port": _port(request),
            "running_executions": len(running),
            "storage": {
                "available": failure is None,
                "error": None if failure is None else failure.message,
                "path": None if failure is None else failure.path,
                "since": iso_time(storage.since),
                "stopped_executions": list(storage.stopped),
            },
            "hermes": off_status() if state.hermes is None else state.hermes.status.as_json(),
            "executor": await executor_status(state.engine.executor),
        },
        status_code=200 if is_ready else 503,
    )


async def discovery(request: Request) -> Response:
    """Today's fields and Tekton's DiscoveryResponse in one answer (`/discovery` is where the
    original Harmonia served it, `/api/v1/discovery` where most Tekton components do)."""
    state = daemon_state(request)
    endpoints = [
        {"method": e.method, "path": e.path, "description": e.summary, "tags": [e.tag]}
        for e in request.app.state.endpoints
    ]
    endpoints += [
        {"method": "WS", "path": s.path, "description": s.summary, "tags": ["streams"]}
        for s in request.app.state.sockets
    ]
    endpoints += [
        {"method": method, "path": MCP_PATH, "description": text, "tags": ["mcp"]}
        for method, text in MCP_METHODS.items()
    ]
    port = _port(request)
    event_types = [str(t) for t in EventType]
    return JSONResponse(
        {
            "name": "harmonia",
            "component": "harmonia",
            "version": state.version,
            "description": DESCRIPTION,
            "port": port,
            "endpoints": endpoints,
            "capabilities": CAPABILITIES,
            "dependencies": ["hermes"] if state.config.hermes_url else [],
            "metadata": {
                "port": port,
                "category": "workflow",
                "api": "/api/v1",
                "mcp": MCP_PATH,
                "mcp_v2": "/api/mcp/v2",
                "openapi": "/openapi.json",
                "tools": [t.name for t in TOOLS],
            },
            "event_types": event_types,
        }
    )


async def discovery_v1(request: Request) -> Response:
    """`/discovery` at the path most Tekton components serve it at (its own operation id)."""
    return await discovery(request)


async def openapi(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi.document())


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
        "/api/v1/discovery",
        discovery_v1,
        "The same as /discovery (where most Tekton components serve it)",
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
