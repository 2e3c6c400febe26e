"""End to end in a real terminal: tmux runs `harmonia tui`, keys go in with send-keys and the
screen is read back with capture-pane (tests/helpers/tui_terminal.py).

Waiting means polling the screen until the text sought appears, with a deadline.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from helpers.daemon_testing import Harmoniad, sleep_workflow
from helpers.tui_terminal import HARMONIA, TMUX, Terminal, terminal_environment

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return terminal_environment(tmp_path)


def test_tui_in_tmux_against_a_running_daemon(
    tmp_path: Path, environment: dict[str, str], terminals: list[Terminal]
) -> None:
    name = f"e2e-{uuid.uuid4().hex[:6]}"
    with Harmoniad(tmp_path / "data") as daemon:
        with daemon.client() as client:
            stored = client.post("/api/v1/workflows", json=sleep_workflow(0.05, name=name))
            started = client.post("/api/v1/executions", json={"workflow_id": stored.json()["id"]})
            execution_id = started.json()["id"]
        terminal = Terminal(
            [HARMONIA, "tui", "--url", daemon.url, "--data-dir", str(daemon.data_dir)],
            environment,
        )
        terminals.append(terminal)
        # the row's status follows the event stream, its counts ("1/1") the summaries fetched
        # again on the next tick: wait for both
        screen = terminal.wait_for(
            lambda s: name in s and "completed" in s and "1/1" in s and "q Quit" in s,
            "the execution listed as completed, its counts, and the footer",
        )
        assert f"daemon {daemon.url}" in screen  # the header names the daemon
        assert "✓ completed" in screen and "1/1" in screen
        footer = screen.rstrip().splitlines()[-1]
        for key in ("⏎ Open", "/ Filter", "R Resume", "p Pause", "c Cancel", "s Start"):
            assert key in footer, footer
        assert "Retry" not in footer and "Back" not in footer, footer  # never on this list

        terminal.keys("Enter")
        screen = terminal.wait_for(
            lambda s: "generation 0" in s and "execution completed" in s, "the execution screen"
        )
        assert execution_id in screen and "✓ nap" in screen

        terminal.keys("p")  # a completed execution cannot pause: the toast says why
        terminal.wait_for(lambda s: "only a running one" in s, "why p does not apply")

        terminal.keys("?")
        terminal.wait_for(lambda s: "Keys (esc closes)" in s and "Retry" in s, "the help")
        terminal.keys("Escape")
        terminal.wait_for(lambda s: "Keys (esc closes)" not in s, "the help closed")
        terminal.keys("q")
        terminal.wait_closed()
        with httpx.Client(base_url=daemon.url, headers=daemon.auth) as client:
            assert client.get("/health").status_code == 200  # a daemon the TUI did not start


def test_tui_in_tmux_embeds_a_daemon_and_runs_a_sample(
    tmp_path: Path, environment: dict[str, str], terminals: list[Terminal]
) -> None:
    data = tmp_path / "data"
    terminal = Terminal(
        [
            HARMONIA,
            "tui",
            "--data-dir",
            str(data),
            "--run",
            str(ROOT / "sample_workflows" / "diamond.yaml"),
        ],
        environment,
    )
    terminals.append(terminal)
    screen = terminal.wait_for(
        lambda s: "embedded daemon" in s and "generation 1" in s, "the execution of the sample"
    )
    assert "diamond" in screen
    # while the TUI is open, other clients reach its daemon through the data folder
    daemon_url = json.loads((data / "daemon.json").read_text(encoding="utf-8"))["url"]
    assert daemon_url.startswith("http://127.0.0.1:")
    token = (data / "token").read_text(encoding="utf-8").strip()
    with httpx.Client(base_url=daemon_url, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/api/v1/executions").json()["total"] == 1
    terminal.wait_for(lambda s: "execution completed" in s, "the sample completed", deadline=30)
    terminal.keys("q")
    terminal.wait_closed()
    assert not (data / "daemon.json").exists()  # the embedded daemon stopped with the TUI
