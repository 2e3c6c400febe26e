"""The `harmonia` command line run as a subprocess, as a user runs it: a clean environment
(none of the $HARMONIA_URL/$HARMONIA_TOKEN of the person running the tests, no colour, no
$COLUMNS) and a caller that returns the finished process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["Cli", "cli_env", "cli_subprocess"]

Cli = Callable[..., subprocess.CompletedProcess[str]]


def cli_env(home: Path) -> dict[str, str]:
    """This process's environment with `home` as $HARMONIA_HOME, without a daemon's address."""
    env = {k: v for k, v in os.environ.items() if k not in ("HARMONIA_URL", "HARMONIA_TOKEN")}
    env["HARMONIA_HOME"] = str(home)
    env["NO_COLOR"] = "1"
    env.pop("COLUMNS", None)
    return env


def cli_subprocess(base: dict[str, str], cwd: Path, timeout: float) -> Cli:
    """`harmonia ARGS` as `python -m harmonia.cli.main` in `cwd` with `base` (and, for one
    call, the variables of its `env`)."""

    def run(
        *args: str | Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "harmonia.cli.main", *map(str, args)],
            capture_output=True,
            text=True,
            env={**base, **(env or {})},
            cwd=cwd,
            timeout=timeout,
            check=False,
        )

    return run
