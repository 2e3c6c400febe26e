"""An approval gate decided from the dashboard in a real terminal (tmux): the waiting task is
shown as such, `a` asks for a confirm and `y` approves; the execution then completes."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.daemon_testing import Harmoniad, gated_workflow, start_execution
from helpers.tui_terminal import TMUX, Terminal, dashboard

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")

GATED = gated_workflow("gated-terminal", "ship build one?")


def test_a_approves_a_waiting_gate_in_a_real_terminal(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    with Harmoniad(tmp_path / "data") as daemon:
        with daemon.client() as client:
            execution_id = start_execution(client, GATED)
        terminal = dashboard(daemon.url, daemon.data_dir, tmp_path, width=120, height=32)
        terminals.append(terminal)
        terminal.wait_for(lambda s: "gated-terminal" in s, "the execution in the list")
        terminal.keys("Enter")
        screen = terminal.wait_for(
            lambda s: "◈ gate" in s and "a Approve" in s, "the waiting gate and its key"
        )
        assert "awaiting approval: ship build one?" in screen, screen
        terminal.keys("a")
        terminal.wait_for(lambda s: "Approve gate?" in s, "the confirm")
        terminal.keys("y")
        terminal.wait_for(
            lambda s: "Approved gate" in s and "✓ deploy" in s, "the toast, deploy done"
        )
        with daemon.client() as client:
            final = client.get(f"/api/v1/executions/{execution_id}").json()
    assert final["status"] == "completed", final
    assert final["tasks"]["gate"]["output"]["by"] == "tui"
