"""The executions list and the operator's actions (retry, resume, pause, cancel), driven from
the keyboard (Textual's Pilot) against a real daemon.

The module's `daemon` is one `harmoniad --port 0` subprocess (tests/tui/conftest.py); each test
stores workflows with names of its own. Waiting is always on a condition with a deadline
(`until`), never a fixed sleep.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.json_editor import JsonEditScreen
from helpers.daemon_testing import Harmoniad
from helpers.pilot_steps import opened, piloted, reach
from helpers.tui_testing import (
    api_client,
    flaky_workflow,
    loaded,
    press,
    sleepy_chain,
    start,
    task_status,
    toasts,
    unique,
    until,
)
from textual.widgets import DataTable, Input

pytestmark = pytest.mark.anyio

# ---- executions: list, filter, open ------------------------------------------------------------


async def test_executions_list_is_live_filters_and_opens(daemon: Harmoniad) -> None:
    alpha, beta = unique("alpha"), unique("beta")
    async with piloted(daemon) as (app, pilot):
        screen = await reach(pilot, ExecutionsScreen, "the executions screen")
        # started after the screen opened: the live stream brings them in
        first = await start(daemon, sleepy_chain(alpha, n=2, seconds=0.05))
        second = await start(daemon, sleepy_chain(beta, n=2, seconds=0.05))
        await until(
            pilot,
            lambda: (
                {first, second} <= set(screen.shown)
                and screen.rows[first].status == "completed"
                and screen.rows[second].status == "completed"
            ),
            "both executions listed as completed",
        )
        assert screen.shown.index(second) < screen.shown.index(first)  # newest first
        # a row's status follows the event stream, its counts the summaries fetched again on
        # the next tick: the status can say completed while the counts are still older
        await until(
            pilot,
            lambda: (screen.rows[first].done_count, screen.rows[first].task_count) == (2, 2),
            "the counts of the first execution",
        )

        await press(pilot, "slash")
        await until(pilot, lambda: isinstance(app.focused, Input), "the filter focused")
        await pilot.press(*alpha)  # its own name: the module's daemon holds other tests' runs
        await until(pilot, lambda: screen.shown == [first], "the filter leaves only alpha")
        await press(pilot, "enter")  # done filtering: back to the table
        await until(pilot, lambda: isinstance(app.focused, DataTable), "the table focused")
        await press(pilot, "enter")  # open it
        assert (await opened(pilot, "completed", "the execution screen")).execution_id == first
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is screen, "back on the list")
        await press(pilot, "escape")  # clears the filter
        await until(pilot, lambda: second in screen.shown, "the filter cleared")


# ---- retry, resume, pause, cancel from the keyboard ---------------------------------------------


async def test_retry_a_failed_task_from_the_keyboard_and_watch_it_complete(
    daemon: Harmoniad, tmp_path: Path
) -> None:
    execution_id = await start(daemon, flaky_workflow(unique("retry"), tmp_path / "marker"))
    async with piloted(daemon, open_execution=execution_id) as (app, pilot):
        screen = await opened(pilot, "failed", "the execution failed")
        graph = screen.graph
        assert "✗ flaky" in graph.row_text("flaky") and "failed" in graph.row_text("flaky")
        assert "○ after" in graph.row_text("after")  # never ran: pending
        # move away and back with the keyboard: g (first task), ] (its child), l (next generation)
        await press(pilot, "g")
        await until(pilot, lambda: graph.selected == "setup", "g selects the first task")
        # setup completed: r may run it again, as `harmonia retry` may; the plan says what
        plan = await reach(pilot, JsonEditScreen, "the plan of a completed task", key="r")
        assert all(t in "\n".join(plan.lines) for t in ("setup", "flaky", "after", "side"))
        await press(pilot, "escape")  # not now
        await until(pilot, lambda: app.screen is screen, "back without retrying")
        await press(pilot, "right_square_bracket")
        await until(pilot, lambda: graph.selected == "flaky", "] jumps to the child")
        # the retry plan from the daemon, above the input to edit
        confirm = await reach(pilot, JsonEditScreen, "the confirmation", key="r")
        text = "\n".join(confirm.lines)
        assert "flaky" in text and "after" in text and "side" not in text
        await press(pilot, "ctrl+s")  # the input unchanged: a plain retry
        await until(pilot, lambda: loaded(app, "completed"), "the execution completed", deadline=20)
        assert task_status(app, "flaky") == "completed" and task_status(app, "after") == "completed"
        assert screen.view is not None and screen.view.tasks["flaky"].attempts == 2
        assert "✓ flaky" in graph.row_text("flaky")
        # the toast follows the HTTP answer, which can arrive after the events it caused
        await until(
            pilot,
            lambda: any("Retrying flaky" in t and "after" in t for t in toasts(app)),
            "the retry's toast",
        )
        assert "flaky completed" in screen.log_view.shown_text
        # the detail pane shows both attempts, the first with its error and kind (it repaints
        # on the next coalesced refresh, so wait for it rather than read it at once)
        await until(
            pilot, lambda: "#2" in screen.detail.shown_text, "the detail pane shows attempt 2"
        )
        detail = screen.detail.shown_text
        assert "#1" in detail and "#2" in detail and "[exit_code]" in detail


async def test_the_engines_rendered_inputs_and_edges_show_for_an_unstored_workflow(
    daemon: Harmoniad, tmp_path: Path
) -> None:
    """Needs the engine's side of the contract: `task_started` carries the attempt's rendered
    `input`, and the execution document carries each task's `depends_on`. The workflow is
    never stored, so there is no stored workflow to take the edges from."""
    document = flaky_workflow(unique("rendered"), tmp_path / "marker")
    async with api_client(daemon) as client:
        execution = await client.start_execution(workflow=document)
        assert (await client.wait(execution.id, timeout=30)).status == "failed"
    async with piloted(daemon, open_execution=execution.id) as (app, pilot):
        screen = await opened(pilot, "failed", "the failed execution")
        assert screen.shape is not None and screen.shape.known
        assert screen.shape.source == "the execution"
        assert screen.layout_ is not None and screen.layout_.layers[0] == ("setup",)
        assert "◂ flaky" in screen.graph.row_text("after")
        # flaky failed and is selected: its input as the engine rendered it, from the journal
        assert screen.graph.selected == "flaky"
        await until(
            pilot,
            lambda: "as rendered for attempt #1" in screen.detail.shown_text,
            "the recorded input of flaky",
        )
        assert '"command":' in screen.detail.shown_text
        assert "approximation" not in screen.detail.shown_text
        # retried live: `after` gets flaky's output rendered into its input
        await reach(pilot, JsonEditScreen, "the confirmation", key="r")
        await press(pilot, "ctrl+s")
        await until(pilot, lambda: loaded(app, "completed"), "completed after the retry")
        screen.graph.select("after")
        await until(
            pilot,
            lambda: '"got": "ok' in screen.detail.shown_text,
            "after's input, rendered from flaky's output",
        )
        assert "as rendered for attempt #1" in screen.detail.shown_text


async def test_resume_a_failed_execution(daemon: Harmoniad, tmp_path: Path) -> None:
    execution_id = await start(daemon, flaky_workflow(unique("resume"), tmp_path / "marker"))
    async with piloted(daemon, open_execution=execution_id) as (app, pilot):
        screen = await opened(pilot, "failed", "the execution failed")
        assert screen.check_action("pause", ()) is None  # dimmed
        await press(pilot, "R")
        await until(pilot, lambda: loaded(app, "completed"), "resumed to completion", deadline=20)
        assert task_status(app, "after") == "completed"
        await until(pilot, lambda: any("Resumed" in t for t in toasts(app)), "the toast")
        await press(pilot, "R")  # completed now: nothing to resume, and it says so
        await until(
            pilot,
            lambda: any("only a failed, paused or canceled one" in t for t in toasts(app)),
            "why R does not apply",
        )
        # opened directly: esc leads to the executions
        listing = await reach(pilot, ExecutionsScreen, "the list", key="escape")
        await until(pilot, lambda: execution_id in listing.shown, "the execution listed")


async def test_pause_resume_and_cancel_with_confirmation(daemon: Harmoniad) -> None:
    execution_id = await start(daemon, sleepy_chain(unique("pausing"), n=300, seconds=0.1))
    async with piloted(daemon, open_execution=execution_id) as (app, pilot):
        screen = await opened(pilot, "running", "the execution running")
        await press(pilot, "p")
        await until(pilot, lambda: loaded(app, "paused"), "paused")
        await until(pilot, lambda: any("Paused" in t for t in toasts(app)), "the toast")
        assert screen.check_action("pause", ()) is None and screen.check_action("resume", ())
        await press(pilot, "R")
        await until(pilot, lambda: loaded(app, "running"), "running again")
        # a paused execution has no failed task: its resume does not promise fresh attempts
        await until(pilot, lambda: any("Resumed" in t for t in toasts(app)), "the toast")
        resumed = next(t for t in toasts(app) if "Resumed" in t)
        assert "where it paused" in resumed and "fresh attempts" not in resumed, resumed
        await reach(pilot, ConfirmScreen, "the confirmation", key="c")
        await press(pilot, "n")  # keep it
        await until(pilot, lambda: app.screen is screen, "back without canceling")
        assert screen.view is not None and screen.view.status == "running", screen.view.status
        await reach(pilot, ConfirmScreen, "the confirmation", key="c")
        await press(pilot, "y")
        await until(pilot, lambda: loaded(app, "canceled"), "canceled")
        assert screen.view is not None
        statuses = {t.status for t in screen.view.tasks.values()}
        assert statuses <= {"completed", "canceled"} and "canceled" in statuses
        # the stream can report the cancel before the POST's answer brings the toast
        await until(pilot, lambda: any("Canceled" in t for t in toasts(app)), "the toast")
        await press(pilot, "c")  # ended: cancel is dimmed and says why
        await until(pilot, lambda: any("already ended" in t for t in toasts(app)), "why not")


async def test_actions_on_the_executions_list_and_daemon_errors_are_shown(
    daemon: Harmoniad,
) -> None:
    execution_id = await start(daemon, sleepy_chain(unique("listed"), n=300, seconds=0.1))
    async with piloted(daemon) as (app, pilot):
        screen = await reach(pilot, ExecutionsScreen, "the list")
        await until(pilot, lambda: execution_id in screen.shown, "the execution listed")
        table = screen.query_one(DataTable)
        table.move_cursor(row=screen.shown.index(execution_id))
        await press(pilot, "p")
        await until(pilot, lambda: screen.rows[execution_id].status == "paused", "paused")
        # the daemon refuses a second pause with 409; force the call past the dimmed key
        await screen._operate("pause", screen.rows[execution_id])
        assert any("409 conflict" in t and "only a running one can pause" in t for t in toasts(app))
        await reach(pilot, ConfirmScreen, "the confirmation", key="c")
        await press(pilot, "y")
        await until(pilot, lambda: screen.rows[execution_id].status == "canceled", "canceled")
