"""Approval gates from the keyboard (Pilot) against a real daemon: a waiting task stands out
and is selected, `a` approves after a confirm, `D` rejects with a reason typed in a prompt,
both as `tui`, each with a toast; on a task that is not waiting the keys say why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from harmonia_tui.app import HarmoniaApp
from harmonia_tui.screens.approvals import RejectScreen
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.execution import ExecutionScreen
from helpers.daemon_testing import Harmoniad, gated_workflow
from helpers.pilot_steps import piloted, reach
from helpers.tui_testing import (
    api_client,
    execution_screen,
    loaded,
    press,
    start,
    task_status,
    toasted,
    unique,
    until,
)
from textual.pilot import Pilot

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def at_the_gate(
    daemon: Harmoniad, prefix: str
) -> AsyncIterator[tuple[str, HarmoniaApp, Pilot[Any]]]:
    """An execution whose `gate` waits for approval, open in the app once it waits."""
    execution_id = await start(daemon, gated_workflow(unique(prefix), "ship build 1?"))
    async with piloted(daemon, open_execution=execution_id) as (app, pilot):
        await until(pilot, lambda: task_status(app, "gate") == "waiting", "the gate waits")
        yield execution_id, app, pilot


async def test_a_waiting_task_stands_out_and_a_approves_it(daemon: Harmoniad) -> None:
    async with at_the_gate(daemon, "approve") as (execution_id, app, pilot):
        screen = execution_screen(app)
        graph = screen.graph
        await until(pilot, lambda: graph.selected == "gate", "the waiting task is selected")
        row = graph.row_text("gate")
        assert "◈ gate" in row and "waiting" in row
        await until(pilot, lambda: "waits for approval" in screen.log_view.shown_text, "log")
        confirm = await reach(pilot, ConfirmScreen, "the confirm", key="a")
        assert any("ship build 1?" in line for line in confirm.lines)
        assert not any("a approves" in line for line in confirm.lines)  # its keys are y/n
        await press(pilot, "y")
        await until(pilot, lambda: loaded(app, "completed"), "the execution completed")
        await until(pilot, lambda: toasted(app, "Approved gate", "approved by tui"), "the toast")
        assert "gate approved by tui" in screen.log_view.shown_text
    async with api_client(daemon) as client:
        final = await client.get_execution(execution_id)
    assert final.tasks["gate"].output["by"] == "tui"


async def test_shift_d_rejects_with_the_reason_typed_and_esc_backs_out(daemon: Harmoniad) -> None:
    async with at_the_gate(daemon, "reject") as (execution_id, app, pilot):
        graph = execution_screen(app).graph
        await until(pilot, lambda: graph.selected == "gate", "the waiting task is selected")
        prompt = await reach(pilot, RejectScreen, "the reason prompt", key="D")
        assert prompt.asks == "awaiting approval: ship build 1?"  # not its keys: enter/esc
        await reach(pilot, ExecutionScreen, "prompt closed", key="escape")  # nothing decided
        assert task_status(app, "gate") == "waiting"
        await reach(pilot, RejectScreen, "the reason prompt", key="D")
        await pilot.press(*"too risky")
        await pilot.press("enter")
        await until(pilot, lambda: loaded(app, "failed"), "the execution failed")
        await until(pilot, lambda: toasted(app, "Rejected gate", "too risky"), "the toast")
    async with api_client(daemon) as client:
        final = await client.get_execution(execution_id)
        events = (await client.events_page(execution_id)).items
    error = final.tasks["gate"].error
    assert error is not None and error["kind"] == "rejected"
    assert error["message"] == "rejected by tui: too risky"
    assert [e.type for e in events].count("approval_decided") == 1


async def test_the_keys_say_why_on_a_task_that_is_not_waiting(daemon: Harmoniad) -> None:
    async with at_the_gate(daemon, "notwaiting") as (_, app, pilot):
        graph = execution_screen(app).graph
        await press(pilot, "g")
        await until(pilot, lambda: graph.selected == "build", "g selects the first task")
        await press(pilot, "a")
        await until(
            pilot,
            lambda: toasted(app, "build is completed", "waiting: gate"),
            "why a does not apply",
        )
        assert not isinstance(app.screen, ConfirmScreen)
        assert task_status(app, "gate") == "waiting"
