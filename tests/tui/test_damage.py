"""The dashboard shows a damaged execution as such (a real daemon, Textual's Pilot): its row says
`damaged` with a glyph and a style of its own, it opens, and resume is refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from harmonia_tui.format import Glyphs
from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from helpers.daemon_testing import Harmoniad, echo_workflow
from helpers.tui_testing import make_app, press, start, toasts, until, wait_finished


def test_damaged_has_a_look_of_its_own() -> None:
    for glyphs in (Glyphs(), Glyphs(ascii=True)):
        look = glyphs.look("damaged")
        assert look != glyphs.look("no such status") and look != glyphs.look("failed")


@pytest.mark.anyio
async def test_a_damaged_execution_is_listed_opened_and_not_resumed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with Harmoniad(data_dir) as daemon:
        execution_id = await start(daemon, echo_workflow("to-damage"))
        await wait_finished(daemon, execution_id)
    journal = data_dir / "executions" / execution_id / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join([lines[0], b"~\n", *lines[1:]]))
    with Harmoniad(data_dir) as daemon:
        daemon.wait_for_log("damage check: 1 stored execution(s) checked, 1 damaged")
        app = make_app(daemon)
        async with app.run_test(size=(110, 32)) as pilot:
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, ExecutionsScreen) and execution_id in app.screen.rows
                ),
                "the executions screen",
            )
            screen = app.screen
            assert isinstance(screen, ExecutionsScreen)
            assert screen.rows[execution_id].status == "damaged"
            await press(pilot, "R")  # resume: not for a damaged one
            await until(
                pilot,
                lambda: any("can be resumed" in t for t in toasts(app)),
                "resume refused",
            )
            await press(pilot, "enter")
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, ExecutionScreen)
                    and app.screen.view is not None
                    and app.screen.view.status == "damaged"
                ),
                "the damaged execution open",
            )
