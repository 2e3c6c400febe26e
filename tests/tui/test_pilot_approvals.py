"""Approval gates from the keyboard (Pilot) against a real daemon: a waiting task stands out
and is selected, `a` approves after a confirm, `D` rejects with a reason typed in a prompt,
both as `tui`, each with a toast; on a task that is not waiting the keys say why."""

from __future__ import annotations

from typing import Any

import pytest
from harmonia_tui.screens.approvals import RejectScreen
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.execution import ExecutionScreen
from helpers.daemon_testing import Harmoniad, gated_workflow
from helpers.tui_testing import (
    SIZE,
    api_client,
    execution_screen,
    loaded,
    make_app,
    press,
    start,
    task_status,
    toasted,
    unique,
    until,
)


def gated(name: str) -> dict[str, Any]:
    return gated_workflow(name, "ship build 1?")


@pytest.mark.anyio
async def test_a_waiting_task_stands_out_and_a_approves_it(daemon: Harmoniad) -> None:
    execution_id = await start(daemon, gated(unique("approve")))
    app = make_app(daemon, open_execution=execution_id)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: task_status(app, "gate") == "waiting", "the gate waits")
        screen = execution_screen(app)
        graph = screen.graph
        await until(pilot, lambda: graph.selected == "gate", "the waiting task is selected")
        row = graph.row_text("gate")
        assert "◈ gate" in row and "waiting" in row
        await until(pilot, lambda: "waits for approval" in screen.log_view.shown_text, "log")
        await press(pilot, "a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert any("ship build 1?" in line for line in confirm.lines)
        await press(pilot, "y")
        await until(pilot, lambda: loaded(app, "completed"), "the execution completed")
        await until(
            pilot,
            lambda: toasted(app, "Approved gate", "approved by tui"),
            "the toast",
        )
        assert "gate approved by tui" in screen.log_view.shown_text
    async with api_client(daemon) as client:
        final = await client.get_execution(execution_id)
    assert final.tasks["gate"].output["by"] == "tui"


@pytest.mark.anyio
async def test_shift_d_rejects_with_the_reason_typed_and_esc_backs_out(daemon: Harmoniad) -> None:
    execution_id = await start(daemon, gated(unique("reject")))
    app = make_app(daemon, open_execution=execution_id)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: task_status(app, "gate") == "waiting", "the gate waits")
        graph = execution_screen(app).graph
        await until(pilot, lambda: graph.selected == "gate", "the waiting task is selected")
        await press(pilot, "D")
        await until(pilot, lambda: isinstance(app.screen, RejectScreen), "the reason prompt")
        await press(pilot, "escape")  # backs out: nothing decided
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen), "prompt closed")
        assert task_status(app, "gate") == "waiting"
        await press(pilot, "D")
        await until(pilot, lambda: isinstance(app.screen, RejectScreen), "the reason prompt")
        await pilot.press(*"too risky")
        await pilot.press("enter")
        await until(pilot, lambda: loaded(app, "failed"), "the execution failed")
        await until(
            pilot,
            lambda: toasted(app, "Rejected gate", "too risky"),
            "the toast",
        )
    async with api_client(daemon) as client:
        final = await client.get_execution(execution_id)
        events = (await client.events_page(execution_id)).items
    error = final.tasks["gate"].error
    assert error is not None and error["kind"] == "rejected"
    assert error["message"] == "rejected by tui: too risky"
    assert [e.type for e in events].count("approval_decided") == 1


@pytest.mark.anyio
async def test_the_keys_say_why_on_a_task_that_is_not_waiting(daemon: Harmoniad) -> None:
    execution_id = await start(daemon, gated(unique("notwaiting")))
    app = make_app(daemon, open_execution=execution_id)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: task_status(app, "gate") == "waiting", "the gate waits")
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
