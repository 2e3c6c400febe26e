"""The start every real-terminal (tmux) test of the dashboard shares: a daemon of its own with
one execution started, and the dashboard opened on it in a terminal that the test's
`terminals` fixture closes afterwards, whatever happened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helpers.daemon_testing import Harmoniad, start_execution
from helpers.tui_terminal import Terminal, dashboard


@contextmanager
def daemon_running(tmp_path: Path, document: dict[str, Any]) -> Iterator[tuple[Harmoniad, str]]:
    """A daemon on `tmp_path / "data"` with `document` started on it: it and the execution id."""
    with Harmoniad(tmp_path / "data") as daemon:
        with daemon.client() as client:
            execution_id = start_execution(client, document)
        yield daemon, execution_id


def dashboard_on(
    daemon: Harmoniad, home: Path, terminals: list[Terminal], height: int = 36
) -> Terminal:
    """`harmonia tui` on `daemon` in a 120-column terminal, added to `terminals` to be closed."""
    terminal = dashboard(daemon.url, daemon.data_dir, home, width=120, height=height)
    terminals.append(terminal)
    return terminal
