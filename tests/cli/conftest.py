"""The CLI run in this process against the module's daemon (tests/conftest.py `daemon`)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.daemon_testing import Harmoniad

from harmonia.cli.main import main

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(
    daemon: Harmoniad,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    """`harmonia ARGS` in this process (the daemon is the slow part, not the CLI's start-up,
    which tests of whole processes pay for), with the daemon's data folder as home and no
    colour; `env` sets more variables for one call. A module may define its own `cli`."""

    def run(
        *args: str | Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        with monkeypatch.context() as patch:
            for name in ("HARMONIA_URL", "HARMONIA_TOKEN", "COLUMNS"):
                patch.delenv(name, raising=False)
            patch.setenv("HARMONIA_HOME", str(daemon.data_dir))
            patch.setenv("NO_COLOR", "1")
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            patch.chdir(tmp_path)
            code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(list(map(str, args)), code, captured.out, captured.err)

    return run
