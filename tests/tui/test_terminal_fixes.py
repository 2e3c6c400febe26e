"""Fix and continue in a real terminal (tmux): `m` on a failed task opens the output editor,
typed JSON is sent with ctrl+s, and the run goes on with the task marked as made by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.daemon_testing import fixable_workflow
from helpers.terminal_steps import daemon_running, dashboard_on
from helpers.tui_terminal import TMUX, Terminal

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")

FLOW = fixable_workflow("fix-in-a-terminal")


def _line_one(screen: str) -> str:
    """The text of the editor's first line as the terminal shows it."""
    for line in screen.splitlines():
        if "▊ 1  " in line:
            return line.split("▊ 1  ", 1)[1].split("▎", 1)[0].strip()
    return "?"


def test_complete_a_failed_task_by_hand_in_a_terminal(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    with daemon_running(tmp_path, FLOW) as (daemon, execution_id):
        assert daemon.wait_finished(execution_id)["status"] == "failed"
        terminal = dashboard_on(daemon, tmp_path, terminals)
        terminal.wait_for(lambda s: "fix-in-a-terminal" in s, "the execution in the list")
        terminal.keys("Enter")
        terminal.wait_for(lambda s: "generation 0" in s, "the execution screen")
        terminal.keys("m")  # the failed task is selected on opening
        terminal.wait_for(lambda s: "Complete b by hand?" in s and "1  null" in s, "the editor")
        terminal.keys("End")  # then the prefilled null erased, key by key, each one seen
        for left in ("nul", "nu", "n", ""):
            terminal.keys("BSpace")
            terminal.wait_for(lambda s, left=left: _line_one(s) == left, f"null down to {left!r}")
        for typed in ('{"rows":', '{"rows":7}'):
            terminal.keys("-l", typed[len(_line_one(terminal.screen())) :])
            terminal.wait_for(lambda s, typed=typed: _line_one(s) == typed, f"{typed} typed")
        terminal.keys("C-s")
        screen = terminal.wait_for(
            lambda s: "3/3 done" in s and "completed  fix-in-a-terminal" in s, "the run ended"
        )
        row = next(line for line in screen.splitlines() if "✓ b " in line)
        assert "completed" in row and "by hand" in row, row
        with daemon.client() as client:
            final = client.get(f"/api/v1/executions/{execution_id}").json()
    assert final["status"] == "completed", final
    assert final["tasks"]["c"]["output"] == {"rows": 7}
    assert final["tasks"]["b"]["operator"]["by"] == "tui"
