"""The dashboard in a real terminal (tmux), for what only a terminal shows: no terminal on
standard input, a small terminal, a daemon killed and restarted under the list.

Few and quick: each waits on the screen's text with a deadline (tests/helpers/tui_terminal.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers.daemon_testing import Harmoniad, sleep_workflow, start_execution
from helpers.tui_terminal import HARMONIA, TMUX, Terminal, dashboard, terminal_environment
from helpers.tui_testing import free_port

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")


def test_without_a_terminal_on_stdin_the_dashboard_refuses_at_once(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    # stdout is the terminal, stdin is not: the dashboard would wait for keys forever
    data = tmp_path / "data"
    shell = f"'{HARMONIA}' tui --data-dir '{data}' < /dev/null; echo \"exit=$?\"; read x"
    terminal = Terminal(["sh", "-c", shell], terminal_environment(tmp_path), width=100, height=20)
    terminals.append(terminal)
    screen = terminal.wait_for(lambda s: "exit=" in s, "the dashboard to exit", deadline=15)
    assert "exit=2" in screen, screen
    assert "standard input is not a terminal" in screen, screen
    assert not (tmp_path / "data" / "daemon.json").exists()  # refused before starting anything


ID = re.compile(r"\b\d{8}-\d{6}-[0-9a-f]*")


def _footer(screen: str) -> str:
    return screen.rstrip().splitlines()[-1]


def _ids_on(screen: str) -> list[str]:
    return ID.findall("\n".join(screen.splitlines()[2:-1]))  # the table's rows


def test_at_80x24_every_key_is_reachable_and_every_id_shown_is_a_unique_prefix(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    name = "nightly-report-generation-for-the-whole-team"  # long: it must not push ids off
    with Harmoniad(tmp_path / "data") as daemon:
        with daemon.client() as client:
            stored = client.post("/api/v1/workflows", json=sleep_workflow(0.01, name=name))
            body = {"workflow_id": stored.json()["id"]}
            ids = [client.post("/api/v1/executions", json=body).json()["id"] for _ in range(3)]
            failing = {  # a failed one: its progress column is the widest
                "name": name,
                "tasks": {
                    "a": {"component": "shell", "action": "run", "input": {"command": "exit 3"}}
                },
            }
            ids.append(start_execution(client, failing))
        for execution_id in ids:
            daemon.wait_finished(execution_id)
        terminal = dashboard(daemon.url, daemon.data_dir, tmp_path, width=80, height=24)
        terminals.append(terminal)
        screen = terminal.wait_for(
            lambda s: len(_ids_on(s)) == 4 and "⏎ Open" in s, "the four executions, the footer"
        )
        shown = _ids_on(screen)
        for prefix in shown:
            assert [i for i in ids if i.startswith(prefix)] == [i for i in ids if prefix in i]
            assert sum(i.startswith(prefix) for i in ids) == 1, (prefix, ids, screen)
            assert len(prefix) >= len("20261202-230745-") + 1, prefix
        assert "…" in screen  # the long name gave way, not the ids
        footer = _footer(screen)
        for key in ("⏎ Open", "/ Filter", "s Start", "? Help", "q Quit", "^p Palette"):
            assert key in footer, footer
        assert footer.rstrip().endswith("^p Palette"), footer  # nothing drawn over the end

        terminal.keys("Enter")  # the execution screen: its footer too
        screen = terminal.wait_for(
            lambda s: "generation 0" in s and "q Quit" in _footer(s), "the execution screen"
        )
        footer = _footer(screen)
        for key in ("s Start", "/ Filter", "esc Back", "? Help", "q Quit", "^p Palette"):
            assert key in footer, footer
        terminal.keys("?")  # the keys left out of a full footer are listed, with why not now
        # the whole help, not its first lines: tmux can show a frame painted halfway
        terminal.wait_for(
            lambda s: "Keys (esc closes)" in s and "Retry" in s and "not now" in s,
            "the help, listing Retry as not now",
        )
        terminal.keys("Escape")
        terminal.wait_for(lambda s: "Keys (esc closes)" not in s, "the help closed")
        terminal.keys("w")  # and the workflows screen's
        screen = terminal.wait_for(
            lambda s: "Workflows" in s and name[:8] in s and "⏎ Start" in _footer(s), "workflows"
        )
        footer = _footer(screen)
        for key in ("⏎ Start", "? Help", "q Quit", "^p Palette"):
            assert key in footer, footer
        assert "Retry" not in footer and "Open" not in footer, footer


def test_after_a_kill_and_restart_the_list_shows_what_started_meanwhile(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    """The issue's scenario in a real terminal. Whether the stream or the health probe sees the
    daemon first is up to timing here, so this passes on the old code too most times; the
    race itself is pinned down by tests/tui/test_reconnect.py, whose stream is slow on purpose."""
    data = tmp_path / "data"
    port = free_port()
    daemon = Harmoniad(data, "--port", str(port)).start()
    try:
        terminal = dashboard(daemon.url, data, tmp_path, width=200, height=30)
        terminals.append(terminal)
        terminal.wait_for(lambda s: "No executions yet" in s, "the empty list")
        daemon.kill()
        terminal.wait_for(lambda s: "lost" in s and "reconnecting" in s, "the banner")
        daemon.start()
        terminal.wait_for(lambda s: "reconnecting" not in s, "the banner gone")
        with daemon.client() as client:  # the moment the banner goes
            execution_id = start_execution(client, sleep_workflow(0.01, name="meanwhile"))
        daemon.wait_finished(execution_id)
        screen = terminal.wait_for(
            lambda s: execution_id[:18] in s and "completed" in s,
            "the execution started as the daemon came back",
        )
        assert "1 execution" in screen
    finally:
        daemon.kill()
