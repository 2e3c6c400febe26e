"""`create_app(engine, config)`: the Starlette application over one running engine.

Layers, outermost first: the access log (which also answers an escaped exception with the JSON
500), the security middleware (Host, token, body size), the storage guard (no writes while the
storage is failed), Starlette's exception handling (every error becomes the one JSON shape),
then the route table (with `/mcp`, the MCP server's streamable HTTP transport), whose less
used groups are imported on their first request (`harmoniad.routegroups`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from harmonia.engine.engine import Engine
from harmonia.store.definitions import WorkflowDefinitions
from harmoniad import streams
from harmoniad.config import DaemonConfig
from harmoniad.context import DaemonState
from harmoniad.errors import exception_handlers
from harmoniad.hooks.service import HookService
from harmoniad.logs import AccessLogMiddleware
from harmoniad.mcpserver.http import McpEndpoint
from harmoniad.openapi import OpenApiDocument
from harmoniad.routegroups import RouteTable
from harmoniad.routes import TABLE
from harmoniad.routes.system import MCP_PATH
from harmoniad.scheduler import daemon_scheduler
from harmoniad.security import SecurityMiddleware, load_or_create_token
from harmoniad.storageguard import StorageGuardMiddleware
from harmoniad.webhooks import Webhooks

__all__ = ["create_app", "route_table"]


def route_table() -> RouteTable:
    """Every endpoint and socket the daemon serves (the groups not imported yet)."""
    return RouteTable([*TABLE, *streams.ENDPOINTS], streams.SOCKETS)


def create_app(engine: Engine, config: DaemonConfig, *, token: str | None = None) -> Starlette:
    """The daemon's ASGI app over a running `engine` (the caller owns its lifetime). The API
    token is `token`, else resolved from `config` (`$HARMONIA_TOKEN` or the token file)."""
    if token is None:
        token = load_or_create_token(config)
    state = DaemonState(engine=engine, config=config, definitions=WorkflowDefinitions(engine.store))
    mcp = McpEndpoint(state, max_body=config.max_body)
    state.scheduler = daemon_scheduler(engine, state.definitions)
    state.webhooks = Webhooks(engine, config.webhooks)
    table = route_table()
    app = Starlette(
        routes=[*table.routes(), Route(MCP_PATH, mcp, name=MCP_PATH)],
        middleware=[
            Middleware(AccessLogMiddleware, enabled=config.access_log),
            Middleware(
                SecurityMiddleware,
                token=token,
                allow_hosts=config.allow_hosts,
                max_body=config.max_body,
                public=table.is_public,
                tekton_open=config.tekton_open,
            ),
            Middleware(StorageGuardMiddleware, engine=engine),
        ],
        exception_handlers=exception_handlers,
    )
    app.router.redirect_slashes = False
    app.state.daemon = state
    app.state.mcp = mcp
    app.state.hooks = state.hooks = HookService(state)
    app.state.route_table = table
    app.state.openapi = OpenApiDocument(table, version=state.version)
    return app
