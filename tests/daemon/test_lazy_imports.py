"""What a daemon start does not import until it is used.

A daemon that joins no Hermes and sends no webhook never imports httpx: its `__init__` also
loads its command line (rich, click) and ssl, ~15% of a daemon start's instructions, paid by
every `harmoniad`, every embedded TUI daemon and every test daemon for clients it did not use.
Only the Hermes link and the webhook sender need it, on first use. Nor does a start answering
`/health` import the route groups nobody asked for (`harmoniad.routegroups`), the MCP server,
or the h11 parser when it serves with httptools.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

START_AND_STOP = """
import sys
from functools import partial

import anyio

from harmoniad.config import config_from_args
from harmoniad.server import Daemon

config = config_from_args(["--port", "0", "--data-dir", sys.argv[1]], {})


async def main() -> None:
    async with anyio.create_task_group() as tg:
        daemon = await tg.start(partial(Daemon(config).run, handle_signals=False))
        daemon.stop()


anyio.run(main, backend="asyncio")
print(" ".join(m for m in ("httpx", "rich") if m in sys.modules) or "none")
"""

HEALTH_ONLY = """
import sys
import urllib.request
from functools import partial

import anyio
import anyio.to_thread

from harmoniad.config import config_from_args
from harmoniad.server import Daemon

config = config_from_args(["--port", "0", "--data-dir", sys.argv[1]], {})


async def main() -> None:
    async with anyio.create_task_group() as tg:
        daemon = await tg.start(partial(Daemon(config).run, handle_signals=False))
        with await anyio.to_thread.run_sync(urllib.request.urlopen, daemon.url + "/health") as r:
            assert r.status == 200
        daemon.stop()


anyio.run(main, backend="asyncio")
print(" ".join(sorted(m for m in sys.argv[2:] if m in sys.modules)) or "none")
"""

NOT_AT_START = [
    *(
        f"harmoniad.routes.{group}"
        for group in ("components", "discovery", "hooks", "schedules", "tekton", "templates")
    ),
    "harmoniad.routes.webhooks",
    "harmoniad.hook_schemas",
    "harmoniad.schedule_schemas",
    "harmoniad.tekton_schemas",
    "harmoniad.template_schemas",
    "harmoniad.webhook_schemas",
    "harmoniad.tools",
    "harmoniad.mcpserver.server",
    "mcp",
    "h11",
    "harmoniad.h11protocol",
]


def test_a_daemon_start_and_stop_without_hermes_or_webhooks_imports_no_httpx(
    tmp_path: Path,
) -> None:
    assert _modules_found(START_AND_STOP, str(tmp_path / "data")) == ["none"]


def test_a_daemon_answering_health_imports_no_route_group_mcp_server_or_h11(
    tmp_path: Path,
) -> None:
    assert _modules_found(HEALTH_ONLY, str(tmp_path / "data"), *NOT_AT_START) == ["none"]


def _modules_found(script: str, *args: str) -> list[str]:
    """What `script` prints (the unwanted modules it found, or "none"), run in a fresh
    interpreter without Hermes or Harmonia settings from this environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERMES", "HARMONIA"))}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()
