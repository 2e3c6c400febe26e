"""The dashboard in a real terminal (tmux), for what only a terminal shows: no terminal on
standard input, a small terminal, a daemon killed and restarted under the list.

Few and quick: each waits on the screen's text with a deadline (tests/helpers/tui_terminal.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.tui_terminal import HARMONIA, TMUX, Terminal, terminal_environment

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


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
