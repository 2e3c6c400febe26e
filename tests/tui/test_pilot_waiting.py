"""Executions waiting for a person, in the executions list (Pilot, real daemon): the row is
marked with how many tasks wait and the title counts such executions; `a` opens the next one
at its first waiting task (where `a` approves), and says why not when none waits."""

from __future__ import annotations

import pytest
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.help import HelpScreen
from helpers.daemon_testing import Harmoniad, gated_workflow
from helpers.pilot_steps import cell, opened, piloted, reach
from helpers.tui_testing import loaded, press, start, toasted, unique, until


@pytest.mark.anyio
async def test_waiting_executions_are_marked_and_a_opens_the_first_waiting_task(
    daemon: Harmoniad,
) -> None:
    async with piloted(daemon) as (app, pilot):
        listing = await reach(pilot, ExecutionsScreen, "executions")
        await until(pilot, lambda: listing.loaded, "the list")
        await press(pilot, "a")  # nothing waits yet: the key says so
        await until(pilot, lambda: toasted(app, "no execution listed here waits"), "why not")
        help_text = (await reach(pilot, HelpScreen, "the help", key="question_mark")).text
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
        await until(pilot, lambda: "1 waiting" in cell(listing, execution_id, "status"), "marked")
        assert "1 waiting for a person (a opens)" in listing.sub_title
        assert listing.rows[execution_id].matches("waiting")

        await press(pilot, "a")
        screen = await opened(pilot, what="the execution opened")
        assert screen.execution_id == execution_id
        await until(pilot, lambda: screen.graph.selected == "gate", "the waiting task selected")
        await reach(pilot, ConfirmScreen, "the confirm", key="a")  # here `a` approves
        await press(pilot, "y")
        await until(pilot, lambda: loaded(app, "completed"), "approved, it completed")

        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is listing, "back on the list")
        await until(
            pilot, lambda: "waiting" not in cell(listing, execution_id, "status"), "unmarked"
        )
        assert "waiting for a person" not in listing.sub_title
