"""The MCP server: the 17 tools and the operator's actions (`operator_tools`) with their JSON
Schemas, and executions as resources.

Tools are listed with the input schema of their pydantic model (`Tool.input_schema`) and
called through the backend, which validates the arguments with the same model: a tool's
failure is a result with `isError` and the reason as text, so an agent can read it and
correct itself. Resources (read-only): `harmonia://executions/{id}` is an execution's status
and tasks, `harmonia://executions/{id}/events` its event history; the newest executions are
listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import mcp_types as types
import orjson
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS

from harmonia.suggestions import suggest
from harmoniad.mcpserver.backend import EVENTS_LIMIT, Backend, ResourceMissing
from harmoniad.mcpserver.operator_tools import (
    OPERATOR_TOOLS,
    OperatorTool,
    operator_named,
    operator_of,
)
from harmoniad.tools import TOOLS, Tool, ToolError

__all__ = ["INSTRUCTIONS", "build_server", "execution_uri"]

INSTRUCTIONS = (
    "Harmonia runs workflows: DAGs of tasks, each calling a component's action (shell, python, "
    "http, Tekton components). Store a workflow (CreateWorkflowDefinition), start it "
    "(ExecuteWorkflow), then follow it (GetWorkflowExecutionStatus, or read the resource "
    "harmonia://executions/{id} and its /events). ListComponents says what tasks may call. "
    "A task waiting for a person (status `waiting`; ListWorkflowExecutions gives each "
    "execution's waiting_count) is decided with ApproveTask or RejectTask; "
    "a failed one is fixed with CompleteTask, SkipTask or RetryTask (GetTaskRetryPlan first). "
    "These are recorded as done by this MCP client."
)

SCHEME = "harmonia://executions/"
_URI = re.compile(r"^harmonia://executions/([A-Za-z0-9_][A-Za-z0-9_.:-]{0,199})(/events)?$")
_LISTED: list[Tool[Any] | OperatorTool] = [*TOOLS, *OPERATOR_TOOLS]
_SCHEMAS = {t.name: t.input_schema() for t in _LISTED}
Context = ServerRequestContext[Any]


def execution_uri(execution_id: str, *, events: bool = False) -> str:
    return f"{SCHEME}{execution_id}" + ("/events" if events else "")


def _no_tool(name: str) -> str:
    """Every tool of this server, the operator's too: the 17 tools' own message named only
    them (an agent asking for `ApproveTsk` was not told that `ApproveTask` exists)."""
    hint = suggest(name, list(_SCHEMAS))
    return f"no tool {name!r}{' (' + hint + ')' if hint else ''}; the tools are: " + ", ".join(
        _SCHEMAS
    )


def build_server(backend: Backend, *, version: str) -> Server[Any]:
    """One MCP server over `backend`; serve it over any transport the SDK has."""

    async def list_tools(ctx: Context, params: types.PaginatedRequestParams | None) -> Any:
        tools = [
            types.Tool(name=t.name, description=t.description, input_schema=_SCHEMAS[t.name])
            for t in _LISTED
        ]
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Context, params: types.CallToolRequestParams) -> Any:
        operator = operator_named(params.name)
        try:
            if params.name not in _SCHEMAS:
                raise ToolError(_no_tool(params.name))
            if operator is None:
                result = await backend.call(params.name, params.arguments or {})
            else:
                parsed = operator.parse(params.arguments or {})
                result = await backend.operate(params.name, parsed, _client_of(ctx))
        except ToolError as exc:
            return types.CallToolResult(content=[types.TextContent(text=str(exc))], is_error=True)
        return types.CallToolResult(
            content=[types.TextContent(text=_json(result))], structured_content=result
        )

    async def list_resources(ctx: Context, params: types.PaginatedRequestParams | None) -> Any:
        resources = [
            types.Resource(
                uri=execution_uri(row["id"]),
                name=f"execution {row['id']}",
                description=f"{row['workflow']}: {row['status']}",
                mime_type="application/json",
            )
            for row in await backend.recent()
        ]
        return types.ListResourcesResult(resources=resources)

    async def list_templates(ctx: Context, params: types.PaginatedRequestParams | None) -> Any:
        templates = [
            types.ResourceTemplate(
                uri_template=SCHEME + "{execution_id}",
                name="execution",
                description="An execution: status, counts, every task's state, output, error.",
                mime_type="application/json",
            ),
            types.ResourceTemplate(
                uri_template=SCHEME + "{execution_id}/events",
                name="execution events",
                description=f"An execution's recorded events, oldest first (at most the first "
                f"{EVENTS_LIMIT:,}).",
                mime_type="application/json",
            ),
        ]
        return types.ListResourceTemplatesResult(resource_templates=templates)

    async def read_resource(ctx: Context, params: types.ReadResourceRequestParams) -> Any:
        uri = str(params.uri)
        found = _URI.match(uri)
        if found is None:
            raise MCPError(INVALID_PARAMS, f"no resource {uri!r}; see resources/templates/list")
        execution_id, events = found.group(1), found.group(2)
        try:
            content: Mapping[str, Any] = await (
                backend.events(execution_id) if events else backend.execution(execution_id)
            )
        except ResourceMissing as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from None
        text = types.TextResourceContents(
            uri=uri, mime_type="application/json", text=_json(content)
        )
        return types.ReadResourceResult(contents=[text])

    return Server(
        "harmonia",
        version=version,
        title="Harmonia",
        instructions=INSTRUCTIONS,
        get_tool_input_schema=_SCHEMAS.get,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )


def _client_of(ctx: Context) -> str:
    """Who an operator tool's action is recorded as done by: this session's MCP client."""
    client = ctx.session.client_params
    return operator_of(client.client_info.name if client is not None else None)


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
