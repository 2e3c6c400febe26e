"""An MCP session with a test daemon, over streamable HTTP with the `mcp` SDK's own client.

The SDK is imported when a session opens: ~1 s that every xdist worker would otherwise pay for
at collection, not only the one running the MCP tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx2
from helpers.daemon_testing import Harmoniad

if TYPE_CHECKING:
    from mcp import Client

__all__ = ["session"]


@asynccontextmanager
async def session(
    daemon: Harmoniad, *, mode: str = "auto", agent: str | None = None
) -> AsyncIterator[Client]:
    """`agent`: the name the client gives itself (the daemon records operator actions as done
    by `mcp:NAME`); the SDK's default name when None."""
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp_types import Implementation

    info = None if agent is None else Implementation(name=agent, version="1.0")
    async with httpx2.AsyncClient(headers=daemon.auth, timeout=30) as http:
        transport = streamable_http_client(f"{daemon.url}/mcp", http_client=http)
        async with Client(transport, mode=mode, client_info=info) as client:
            yield client
