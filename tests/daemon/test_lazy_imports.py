"""A daemon that joins no Hermes and sends no webhook never imports httpx.

httpx's `__init__` also loads its command line (rich, click) and ssl: ~15% of a daemon start's
instructions, paid by every `harmoniad`, every embedded TUI daemon and every test daemon for
clients it did not use. Only the Hermes link and the webhook sender need it, on first use.
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


def test_a_daemon_start_and_stop_without_hermes_or_webhooks_imports_no_httpx(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERMES", "HARMONIA"))}
    done = subprocess.run(
        [sys.executable, "-c", START_AND_STOP, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["none"], done.stderr
