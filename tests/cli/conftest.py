"""The CLI run in this process against the module's daemon (tests/conftest.py `daemon`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli_process import Cli, cli_in_process
from helpers.daemon_testing import Harmoniad


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
    return cli_in_process(daemon.data_dir, tmp_path, capsys, monkeypatch)
