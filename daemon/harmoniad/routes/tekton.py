"""Tekton's "MCP v2" REST dialect, served: `/api/mcp/v2/{health,capabilities,tools,process}` in
the shapes Tekton components serve and Tekton callers expect (TEKTON.md §7).

A process call answers HTTP 200 whatever the tool did: `{"status": "success", "result": {...},
"error": null}` or `{"status": "error", "result": null, "error": "..."}` (an unknown tool and
bad arguments included). Only an envelope that is not one (no `tool_name`, `arguments` not an
object) is a 422, as Tekton's own answer it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from harmoniad.bodies import json_body
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse
from harmoniad.routing import Endpoint
from harmoniad.tekton_schemas import (
    McpCapabilities,
    McpHealth,
    McpProcess,
    McpProcessAnswer,
    McpToolList,
)
from harmoniad.tools import CATEGORIES, TOOLS, ToolError, run_tool

__all__ = ["ENDPOINTS", "PREFIX"]

PREFIX = "/api/mcp/v2"


async def mcp_health(request: Request) -> Response:
    state = daemon_state(request)
    healthy = state.engine.storage.available and not state.stopping.is_set()
    return JSONResponse(
        {
            "status": "healthy" if healthy else "degraded",
            "component": "harmonia",
            "version": state.version,
            "port": state.port if state.port is not None else request.url.port,
            "tools": len(TOOLS),
            "mcp": "/mcp",
        }
    )


async def mcp_capabilities(request: Request) -> Response:
    capabilities: list[dict[str, Any]] = [
        {
            "name": category,
            "description": description,
            "tools": [t.name for t in TOOLS if t.category == category],
        }
        for category, description in CATEGORIES.items()
    ]
    return JSONResponse({"capabilities": capabilities, "count": len(capabilities)})


async def mcp_tools(request: Request) -> Response:
    tools = [t.tekton_entry() for t in TOOLS]
    return JSONResponse({"tools": tools, "count": len(tools)})


async def mcp_process(request: Request) -> Response:
    body = await json_body(request, McpProcess)
    try:
        result = await run_tool(daemon_state(request), body.tool_name, body.arguments)
    except ToolError as exc:
        return JSONResponse({"status": "error", "result": None, "error": str(exc)})
    return JSONResponse({"status": "success", "result": result, "error": None})


_TAG = "tekton"

ENDPOINTS = [
    Endpoint(
        "GET",
        f"{PREFIX}/health",
        mcp_health,
        "Tekton MCP v2: health, with the number of tools",
        _TAG,
        {200: McpHealth},
        (401, 403),
    ),
    Endpoint(
        "GET",
        f"{PREFIX}/capabilities",
        mcp_capabilities,
        "Tekton MCP v2: the tool categories",
        _TAG,
        {200: McpCapabilities},
        (401, 403),
    ),
    Endpoint(
        "GET",
        f"{PREFIX}/tools",
        mcp_tools,
        "Tekton MCP v2: the 17 tools, parameters as Python type reprs",
        _TAG,
        {200: McpToolList},
        (401, 403),
    ),
    Endpoint(
        "POST",
        f"{PREFIX}/process",
        mcp_process,
        "Tekton MCP v2: call a tool (HTTP 200 whatever the tool did; see `status`)",
        _TAG,
        {200: McpProcessAnswer},
        (401, 403, 413, 415, 422),
        body="json",
        body_model=McpProcess,
        description='`{"tool_name" (or "toolName"), "arguments", "context"?}`. A tool\'s '
        "failure, an unknown tool and arguments that do not fit answer 200 with "
        '`status: "error"` and the reason in `error`.',
    ),
]
