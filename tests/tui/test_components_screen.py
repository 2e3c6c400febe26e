"""The components screen, driven from the keyboard (Textual's Pilot) against a real daemon that
knows a fake Tekton component: reached with `o` from the executions screen and listed in the
help, it shows each component's kind, health, endpoint and actions, the highlighted one's
parameters, and asks again with `u` (a component that went down shows as unreachable)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harmonia_tui.screens.components import ComponentsScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.help import HelpScreen
from helpers._serve import ThreadedServer
from helpers.daemon_testing import Harmoniad
from helpers.fake_component import FakeComponent
from helpers.pilot_steps import cell, piloted, reach
from helpers.tui_testing import press, until
from textual.widgets import DataTable, Static


@pytest.fixture
def rhetor() -> Iterator[ThreadedServer]:
    with FakeComponent("rhetor").serve() as server:
        yield server


@pytest.fixture
def remote_daemon(tmp_path: Path, rhetor: ThreadedServer) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path / "data", "--component", f"rhetor={rhetor.url}") as daemon:
        yield daemon


@pytest.mark.anyio
async def test_the_components_screen_lists_kinds_health_and_parameters(
    remote_daemon: Harmoniad, rhetor: ThreadedServer
) -> None:
    async with piloted(remote_daemon) as (_, pilot):
        await reach(pilot, ExecutionsScreen, "executions")
        help_screen = await reach(pilot, HelpScreen, "the help", key="question_mark")
        assert "Components" in help_screen.text
        await reach(pilot, ExecutionsScreen, "back", key="escape")

        screen = await reach(pilot, ComponentsScreen, "components", key="o")
        await until(pilot, lambda: screen.loaded, "the list")
        assert [c.name for c in screen.items] == [
            "core",
            "http",
            "python",
            "rhetor",
            "shell",
            "workflow",
        ]
        assert cell(screen, "rhetor", "kind") == "declared"
        assert cell(screen, "rhetor", "health") == "healthy"
        assert cell(screen, "rhetor", "endpoint") == rhetor.url
        assert cell(screen, "shell", "kind") == "builtin"

        table = screen.query_one(DataTable)
        table.move_cursor(row=3)
        detail = screen.query_one("#component-detail", Static)
        await until(pilot, lambda: "prompt_text" in str(detail.render()), "rhetor's tools")
        text = str(detail.render())
        assert f"endpoint {rhetor.url}  (declared)" in text
        assert "prompt_text: <class 'str'> (required)" in text

        rhetor.stop()
        await press(pilot, "u")
        await until(pilot, lambda: cell(screen, "rhetor", "health") == "unreachable", "refresh")
        await reach(pilot, ExecutionsScreen, "back again", key="escape")
