"""End to end in a real terminal: tmux runs `harmonia tui`, keys go in with send-keys and the
screen is read back with capture-pane.

Waiting means polling the screen until the text sought appears, with a deadline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from helpers.daemon_testing import Harmoniad, sleep_workflow

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")
HARMONIA = str(Path(sys.executable).with_name("harmonia"))
ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """One tmux session on a private server, running one command."""

    def __init__(self, command: list[str], env: dict[str, str], width: int = 120, height: int = 36):
        assert TMUX is not None
        self.socket = f"harmonia-test-{uuid.uuid4().hex[:8]}"
        self.session = "tui"
        exports = " ".join(f"{k}={_quote(v)}" for k, v in env.items())
        shell = f"env -i {exports} {' '.join(_quote(c) for c in command)}"
        self._tmux(
            "new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height), shell
        )

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert TMUX is not None
        return subprocess.run(
            [TMUX, "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session).stdout

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.session, *keys)

    @property
    def alive(self) -> bool:
        return self._tmux("has-session", "-t", self.session).returncode == 0

    def wait_for(self, check: Callable[[str], bool], what: str, deadline: float = 20) -> str:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            text = self.screen()
            if check(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"never saw {what} on the screen:\n{self.screen()}")

    def wait_closed(self, deadline: float = 20) -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if not self.alive:
                return
            time.sleep(0.1)
        raise AssertionError(f"the TUI did not quit:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "HARMONIA_HOME": str(tmp_path / "unused-home"),
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


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
        for key in ("⏎ Open", "/ Filter", "r Retry", "R Resume", "p Pause", "c Cancel", "s Start"):
            assert key in footer, footer

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
