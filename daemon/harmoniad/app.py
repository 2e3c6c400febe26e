"""`create_app(engine, config)`: the Starlette application over one running engine.

Layers, outermost first: the access log (which also answers an escaped exception with the JSON
500), the security middleware (Host, token, body size), the storage guard (no writes while the
storage is failed), Starlette's exception handling (every error becomes the one JSON shape),
then the route table (with `/mcp`, the MCP server's streamable HTTP transport).
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
from harmoniad.routes import ENDPOINTS
from harmoniad.routes.system import MCP_PATH
from harmoniad.routing import routes_for
from harmoniad.scheduler import daemon_scheduler
from harmoniad.security import SecurityMiddleware, load_or_create_token, signed_routes
from harmoniad.storageguard import StorageGuardMiddleware
from harmoniad.webhooks import Webhooks

__all__ = ["ALL_ENDPOINTS", "create_app"]

ALL_ENDPOINTS = [*ENDPOINTS, *streams.ENDPOINTS]


def create_app(engine: Engine, config: DaemonConfig, *, token: str | None = None) -> Starlette:
    """The daemon's ASGI app over a running `engine` (the caller owns its lifetime). The API
    token is `token`, else resolved from `config` (`$HARMONIA_TOKEN` or the token file)."""
    if token is None:
        token = load_or_create_token(config)
    state = DaemonState(engine=engine, config=config, definitions=WorkflowDefinitions(engine.store))
    mcp = McpEndpoint(state, max_body=config.max_body)
    state.scheduler = daemon_scheduler(engine, state.definitions)
    state.webhooks = Webhooks(engine, config.webhooks)
    app = Starlette(
        routes=[*routes_for(ALL_ENDPOINTS, streams.SOCKETS), Route(MCP_PATH, mcp, name=MCP_PATH)],
        middleware=[
            Middleware(AccessLogMiddleware, enabled=config.access_log),
            Middleware(
                SecurityMiddleware,
                token=token,
                allow_hosts=config.allow_hosts,
                max_body=config.max_body,
                open_paths=frozenset(
                    e.path for e in ALL_ENDPOINTS if e.public and not e.path_params
                ),
                signed_routes=signed_routes(
                    (e.method, e.path) for e in ALL_ENDPOINTS if e.public and e.path_params
                ),
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
    app.state.endpoints = ALL_ENDPOINTS
    app.state.sockets = streams.SOCKETS
    app.state.openapi = OpenApiDocument(ALL_ENDPOINTS, streams.SOCKETS, version=state.version)
    return app
