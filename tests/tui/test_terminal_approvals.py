"""An approval gate decided from the dashboard in a real terminal (tmux): the waiting task is
shown as such, `a` asks for a confirm and `y` approves; the execution then completes."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.daemon_testing import gated_workflow
from helpers.terminal_steps import daemon_running, dashboard_on
from helpers.tui_terminal import TMUX, Terminal

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")

GATED = gated_workflow("gated-terminal", "ship build one?")


def test_a_approves_a_waiting_gate_in_a_real_terminal(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    with daemon_running(tmp_path, GATED) as (daemon, execution_id):
        terminal = dashboard_on(daemon, tmp_path, terminals, height=32)
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
