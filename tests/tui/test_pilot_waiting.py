"""Executions waiting for a person, in the executions list (Pilot, real daemon): the row is
marked with how many tasks wait and the title counts such executions; `a` opens the next one
at its first waiting task (where `a` approves), and says why not when none waits."""

from __future__ import annotations

import pytest
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.help import HelpScreen
from helpers.daemon_testing import Harmoniad, gated_workflow
from helpers.tui_testing import (
    SIZE,
    execution_screen,
    loaded,
    make_app,
    press,
    start,
    toasted,
    unique,
    until,
)
from textual.widgets import DataTable


def status_cell(screen: ExecutionsScreen, execution_id: str) -> str:
    table: DataTable[object] = screen.query_one(DataTable)
    return str(table.get_cell(execution_id, "status"))


@pytest.mark.anyio
async def test_waiting_executions_are_marked_and_a_opens_the_first_waiting_task(
    daemon: Harmoniad,
) -> None:
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "executions")
        listing = app.screen
        assert isinstance(listing, ExecutionsScreen)
        await until(pilot, lambda: listing.loaded, "the list")
        await press(pilot, "a")  # nothing waits yet: the key says so
        await until(pilot, lambda: toasted(app, "no execution listed here waits"), "why not")
        await press(pilot, "question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert isinstance(app.screen, HelpScreen)
        help_text = app.screen.text
        assert "a  Waiting  no execution listed here waits for a person" in help_text
        assert "H  Hooks  yes" in help_text
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is listing, "the help closed")

        execution_id = await start(daemon, gated_workflow(unique("waits"), "ship it?"))
        await until(
            pilot,
            lambda: execution_id in listing.rows and listing.rows[execution_id].waiting_count,
            "the summary counts the waiting gate",
        )
        await until(pilot, lambda: "1 waiting" in status_cell(listing, execution_id), "marked")
        assert "1 waiting for a person (a opens)" in listing.sub_title
        assert listing.rows[execution_id].matches("waiting")

        await press(pilot, "a")
        await until(pilot, lambda: loaded(app), "the execution opened")
        screen = execution_screen(app)
        assert screen.execution_id == execution_id
        await until(pilot, lambda: screen.graph.selected == "gate", "the waiting task selected")
        await press(pilot, "a")  # here `a` approves, after a confirm
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm")
        await press(pilot, "y")
        await until(pilot, lambda: loaded(app, "completed"), "approved, it completed")

        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is listing, "back on the list")
        await until(pilot, lambda: "waiting" not in status_cell(listing, execution_id), "unmarked")
        assert "waiting for a person" not in listing.sub_title
