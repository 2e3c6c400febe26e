"""`/discovery`: what this daemon serves, for Tekton and its clients. A group of its own
(`harmoniad.routegroups`): listing every endpoint imports every group, and the MCP tools."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmonia.events import EventType
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse
from harmoniad.routegroups import RouteTable
from harmoniad.routes.system import MCP_PATH, port_of
from harmoniad.routing import Endpoint
from harmoniad.system_schemas import Discovery
from harmoniad.tools import TOOLS

__all__ = ["CAPABILITIES", "ENDPOINTS"]

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
MCP_METHODS = {
    "POST": "MCP (streamable HTTP): JSON-RPC requests of a session; always needs the token",
    "GET": "MCP (streamable HTTP): the session's server-to-client stream",
    "DELETE": "MCP (streamable HTTP): end a session",
}


async def discovery(request: Request) -> Response:
    """Today's fields and Tekton's DiscoveryResponse in one answer (`/discovery` is where the
    original Harmonia served it, `/api/v1/discovery` where most Tekton components do)."""
    state = daemon_state(request)
    table: RouteTable = request.app.state.route_table
    endpoints = [
        {"method": e.method, "path": e.path, "description": e.summary, "tags": [e.tag]}
        for e in table.endpoints()
    ]
    endpoints += [
        {"method": "WS", "path": s.path, "description": s.summary, "tags": ["streams"]}
        for s in table.sockets
    ]
    endpoints += [
        {"method": method, "path": MCP_PATH, "description": text, "tags": ["mcp"]}
        for method, text in MCP_METHODS.items()
    ]
    port = port_of(request)
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


ENDPOINTS = [
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
]
