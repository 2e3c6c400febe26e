"""The MCP server at `/mcp` on the daemon: the SDK's streamable HTTP transport, in stateful
sessions, behind the daemon's own security middleware (token, Host check, body size).

The session manager lives as long as the daemon serves: `run` enters it in the daemon's task
group before the server listens, and leaves it when the daemon stops, which ends every
session and its open GET stream at once, so a stop never waits for MCP clients to hang up.
A request while stopping (or before) is a 503 in the API's JSON shape, never the SDK's crash.
"""

from __future__ import annotations

import anyio
import anyio.abc
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.types import Receive, Scope, Send

from harmonia.protocol import ErrorCode
from harmoniad.context import DaemonState
from harmoniad.errors import error_response
from harmoniad.mcpserver.backend import DaemonBackend
from harmoniad.mcpserver.server import build_server

__all__ = ["McpEndpoint"]


class McpEndpoint:
    """The ASGI app of `/mcp`, and the lifetime of its session manager."""

    def __init__(self, state: DaemonState, *, max_body: int) -> None:
        self.state = state
        self.server = build_server(DaemonBackend(state), version=state.version)
        self.manager = StreamableHTTPSessionManager(
            app=self.server,
            # the daemon's middleware checks Host (and its own list of hosts) before this
            security_settings=None,
            max_request_body_size=max_body,
        )
        self._serving = False

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Serve sessions until the daemon stops (call with `TaskGroup.start`)."""
        async with self.manager.run():
            self._serving = True
            task_status.started()
            try:
                await self.state.stopping.wait()
            finally:
                self._serving = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._serving or self.state.stopping.is_set():
            response = error_response(ErrorCode.UNAVAILABLE, "the daemon is stopping")
            await response(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)
