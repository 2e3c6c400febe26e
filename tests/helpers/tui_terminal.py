"""A real terminal for the dashboard's tests: tmux runs a command, keys go in with send-keys
and the screen is read back with capture-pane. Waiting polls the screen until a condition
holds, with a deadline (never a fixed sleep)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from helpers.waiting import wait_until

__all__ = ["HARMONIA", "TMUX", "Terminal", "dashboard", "terminal_environment"]

TMUX = shutil.which("tmux")
HARMONIA = str(Path(sys.executable).with_name("harmonia"))


def terminal_environment(home: Path) -> dict[str, str]:
    """A clean environment for the command: no $HARMONIA_* of the person running the tests."""
    return {
        "HOME": str(home),
        "HARMONIA_HOME": str(home / "unused-home"),
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


def dashboard(url: str, data_dir: Path, home: Path, width: int = 120, height: int = 36) -> Terminal:
    """`harmonia tui` against the daemon at `url` in a new terminal, with `home` as its $HOME."""
    command = [HARMONIA, "tui", "--url", url, "--data-dir", str(data_dir)]
    return Terminal(command, terminal_environment(home), width=width, height=height)


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
        def shown() -> str | None:
            text = self.screen()
            return text if check(text) else None

        found = wait_until(
            shown, deadline, f"{what} on the screen", interval=0.1, detail=self.screen
        )
        assert found is not None
        return found

    def wait_closed(self, deadline: float = 20) -> None:
        wait_until(
            lambda: not self.alive, deadline, "the TUI to quit", interval=0.1, detail=self.screen
        )

    def close(self) -> None:
        self._tmux("kill-server")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
