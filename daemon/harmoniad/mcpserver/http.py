"""The MCP server at `/mcp` on the daemon: the SDK's streamable HTTP transport, in stateful
sessions, behind the daemon's own security middleware (token, Host check, body size).

The session manager lives as long as the daemon serves: `run` enters it in the daemon's task
group and leaves it when the daemon stops, which ends every session and its open GET stream at
once, so a stop never waits for MCP clients to hang up. The SDK takes seconds of CPU to import,
so it is imported (in a worker thread) only when the first MCP request comes, which waits for
it: a daemon nobody reaches over MCP (a test's, the dashboard's embedded one) never pays. A
request while stopping is a 503 in the API's JSON shape.
"""

from __future__ import annotations

import importlib
from typing import Any

import anyio
import anyio.abc
from starlette.types import Receive, Scope, Send

from harmonia.protocol import ErrorCode
from harmoniad.context import DaemonState
from harmoniad.errors import error_response

__all__ = ["LOAD_TIMEOUT", "McpEndpoint"]

LOAD_TIMEOUT = 60.0
"""How long a request waits for the SDK to load (it takes a few seconds on a busy machine)."""

_SDK_MODULES = ("mcp.server.streamable_http_manager", "harmoniad.mcpserver.server")


class McpEndpoint:
    """The ASGI app of `/mcp`, and the lifetime of its session manager."""

    def __init__(self, state: DaemonState, *, max_body: int) -> None:
        self.state = state
        self.max_body = max_body
        self.manager: Any = None
        self.ready = anyio.Event()
        self.wanted = anyio.Event()

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Serve sessions until the daemon stops (call with `TaskGroup.start`); the SDK is
        loaded when the first request wants it."""
        task_status.started()
        await self._wait(self.wanted)
        if self.state.stopping.is_set():
            return
        # abandoned (not waited for) when the daemon stops meanwhile
        await anyio.to_thread.run_sync(_import_sdk, abandon_on_cancel=True)
        if self.state.stopping.is_set():
            return
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        from harmoniad.mcpserver.backend import DaemonBackend
        from harmoniad.mcpserver.server import build_server

        server = build_server(DaemonBackend(self.state), version=self.state.version)
        self.manager = StreamableHTTPSessionManager(
            app=server,
            security_settings=None,  # the daemon's middleware has checked Host and the token
            max_request_body_size=self.max_body,
        )
        async with self.manager.run():
            self.ready.set()
            await self.state.stopping.wait()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.wanted.set()
        if not self.ready.is_set() and not self.state.stopping.is_set():
            with anyio.move_on_after(LOAD_TIMEOUT):
                await self._wait(self.ready)
        if self.state.stopping.is_set() or not self.ready.is_set():
            message = "the daemon is stopping" if self.state.stopping.is_set() else "MCP not ready"
            await error_response(ErrorCode.UNAVAILABLE, message)(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)

    async def _wait(self, event: anyio.Event) -> None:
        """Until `event` is set or the daemon stops."""
        async with anyio.create_task_group() as tg:

            async def on_stop() -> None:
                await self.state.stopping.wait()
                tg.cancel_scope.cancel()

            tg.start_soon(on_stop)
            await event.wait()
            tg.cancel_scope.cancel()


def _import_sdk() -> None:
    for name in _SDK_MODULES:
        importlib.import_module(name)
