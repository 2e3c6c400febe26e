"""`harmonia mcp`: the MCP server over stdio, for desktop MCP clients (Claude Desktop, editors).

It serves the same tools (the 17 and the operator's) and resources as `/mcp`, forwarding each
call to a running daemon through `harmonia.client` (URL and token found as every client finds
them). When none answers
and no URL was asked for, it starts one inside this process on the same data folder, as
`harmonia tui` does, reachable by other clients while the MCP client keeps it open; it stops
(running executions checkpointed) when the MCP client closes the pipe or on SIGTERM/SIGINT.
Standard output carries only MCP messages: logs go to standard error.

It reaches `harmonia` through the entry-point group `harmonia.commands`; this module imports
only the standard library (and the plugins' `harmonia.cli.plugins`) until `run`, since
`add_command` runs on every `harmonia --help`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from harmonia.cli.plugins import add_daemon_options

__all__ = ["add_command", "run"]

EXIT_OK = 0
EXIT_UNREACHABLE = 3

HELP = "serve the workflow tools over MCP on stdio (for desktop MCP clients)"
DESCRIPTION = (
    "A Model Context Protocol server on standard input and output, with Harmonia's 17 "
    "workflow tools, the operator's tools (approve, reject, complete, skip, retry a task) "
    "and executions as resources. It talks to the running daemon; when none "
    "answers (and no --url was given) it starts one inside this process, on the same data "
    "folder. Configure your MCP client to run `harmonia mcp`."
)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`harmonia mcp`: the entry point of the group `harmonia.commands` (see pyproject.toml)."""
    parser = sub.add_parser("mcp", help=HELP, description=DESCRIPTION)
    add_daemon_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import logging

    import anyio

    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return anyio.run(_serve, args.url, args.data_dir, backend="asyncio")
    except _Unreachable as exc:
        print(f"harmonia mcp: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE


class _Unreachable(Exception):
    pass


async def _serve(url: str | None, data_dir: str | None) -> int:
    from functools import partial

    import anyio

    from harmonia import __version__
    from harmonia.client import AsyncClient, ClientError, resolve_daemon, resolve_token
    from harmoniad.mcpserver.backend import ClientBackend
    from harmoniad.mcpserver.server import build_server

    try:
        address = resolve_daemon(url, data_dir=data_dir)
    except ValueError as exc:
        raise _Unreachable(str(exc)) from None
    folder, target = address.data_dir, address.url
    token = resolve_token(None, data_dir=folder)
    embedded: Any = None
    running = await _answers(target)
    if not running and address.explicit:
        raise _Unreachable(f"no Harmonia daemon answers at {target}")
    async with anyio.create_task_group() as tg:
        if not running:
            from harmoniad.config import DaemonConfig
            from harmoniad.server import Daemon

            config = DaemonConfig(
                host="127.0.0.1", port=0, data_dir=folder, access_log=False, shutdown_timeout=3.0
            )
            embedded = await tg.start(partial(Daemon(config).run, handle_signals=False))
            target, token = embedded.url, embedded.token

        async with anyio.create_task_group() as session:
            session.start_soon(_cancel_on_signals, session.cancel_scope)
            try:
                # a tool may take long (ExecuteComponentAction's own timeout is up to an hour)
                async with AsyncClient(target, token, data_dir=folder, timeout=3660) as client:
                    await _serve_stdio(build_server(ClientBackend(client), version=__version__))
            except ClientError as exc:
                print(f"harmonia mcp: {exc}", file=sys.stderr)
            session.cancel_scope.cancel()
        if embedded is not None:
            embedded.stop()  # as a stop signal stops harmoniad: executions are checkpointed
    return EXIT_OK


async def _cancel_on_signals(scope: Any) -> None:
    """SIGINT/SIGTERM end the session (and the embedded daemon, cleanly)."""
    import signal

    import anyio

    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            scope.cancel()
            return


async def _serve_stdio(server: Any) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def _answers(url: str) -> bool:
    """Whether a Harmonia daemon answers `/health` at `url`."""
    from harmonia.client import AsyncClient, ClientError

    try:
        async with AsyncClient(url, timeout=1.5) as client:
            await client.health()
    except (ClientError, ValueError):
        return False
    return True
