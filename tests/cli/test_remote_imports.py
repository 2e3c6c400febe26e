"""What a CLI command that talks to a daemon does not import.

`harmonia executions --url URL` pays for httpx and pydantic (most of its ~0.25 s start), and for
nothing of the engine: no engine, loader, workflow models, components or store, no daemon or
dashboard, no YAML or TinyDB. Each of those is tens of milliseconds a person waits for at
every command; one import put back at the top of a shared module brings it all back unnoticed.
"""

from __future__ import annotations

import subprocess
import sys

from helpers.cli_process import cli_env
from helpers.daemon_testing import Harmoniad

LIST_THEN_LOOK = """
import io
import sys
from contextlib import redirect_stdout

from harmonia.cli.main import main

with redirect_stdout(io.StringIO()):
    code = main(["executions", "--limit", "5"])
assert code == 0, code
print(" ".join(sorted(m for m in sys.argv[1:] if m in sys.modules)) or "none")
"""

NOT_FOR_A_DAEMON_COMMAND = [
    "harmonia.engine",
    "harmonia.loader",
    "harmonia.model",
    "harmonia.components",
    "harmonia.store.store",
    "harmoniad",
    "harmonia_tui",
    "yaml",
    "tinydb",
    "textual",
    "starlette",
    "uvicorn",
]


def test_a_daemon_command_imports_nothing_of_the_engine_daemon_or_dashboard(
    daemon: Harmoniad,
) -> None:
    env = cli_env(daemon.data_dir) | {"HARMONIA_URL": daemon.url, "HARMONIA_TOKEN": daemon.token}
    done = subprocess.run(
        [sys.executable, "-c", LIST_THEN_LOOK, *NOT_FOR_A_DAEMON_COMMAND],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["none"]
