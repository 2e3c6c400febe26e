"""Fix and continue from the keyboard (Textual's Pilot) against a real daemon: `r` shows the
daemon's retry plan above the task's input to edit, and bad JSON is shown, never sent; `m`
completes a task by hand with an output typed in an editor; `K` skips one after a confirm.
Results made by hand are marked on screen; each action ends in a toast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from harmonia_tui.app import HarmoniaApp
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.json_editor import JsonEditScreen
from helpers.daemon_testing import Harmoniad, fixable_workflow
from helpers.pilot_steps import finished, opened, piloted, reach
from helpers.tui_testing import (
    api_client,
    loaded,
    press,
    task_status,
    toasted,
    unique,
    until,
)
from textual.pilot import Pilot
from textual.widgets import TextArea

pytestmark = pytest.mark.anyio

NO_RETRY = {"retry_policy": {"max_retries": 0}}


def shell_flow(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "defaults": NO_RETRY,
        "tasks": {
            "t": {"component": "shell", "action": "run", "input": {"command": "exit 3"}},
            "u": {"component": "core", "action": "echo", "depends_on": ["t"]},
        },
    }


@asynccontextmanager
async def failed_and_open(
    daemon: Harmoniad, document: dict[str, Any], task_id: str
) -> AsyncIterator[tuple[str, HarmoniaApp, Pilot[Any], ExecutionScreen]]:
    """`document` run until it failed, then open in the app with `task_id` selected."""
    execution_id = await finished(daemon, document, "failed")
    async with piloted(daemon, open_execution=execution_id) as (app, pilot):
        screen = await opened(pilot, "failed", "the failed execution")
        screen.graph.select(task_id)
        yield execution_id, app, pilot, screen


async def last_seq(daemon: Harmoniad, execution_id: str) -> int:
    async with api_client(daemon) as client:
        return (await client.get_execution(execution_id)).last_seq or 0


async def test_retry_with_an_edited_input_bad_json_is_shown_not_sent(daemon: Harmoniad) -> None:
    document = shell_flow(unique("edit-retry"))
    async with failed_and_open(daemon, document, "t") as (execution_id, app, pilot, _):
        before = await last_seq(daemon, execution_id)
        editor = await reach(pilot, JsonEditScreen, "the retry editor", key="r")
        assert "These 2 tasks will run again:" in editor.lines
        assert any(line.endswith(" t") for line in editor.lines)
        assert any(line.endswith(" u") for line in editor.lines)
        area = editor.query_one(TextArea)
        assert '"command": "exit 3"' in area.text  # the input as last rendered

        area.load_text('{"command": "echo fixed"')  # broken: shown, not sent
        await press(pilot, "ctrl+s")
        await until(pilot, lambda: "not valid JSON" in editor.problem, "the JSON problem")
        assert app.screen is editor
        area.load_text('["not", "an object"]')
        await press(pilot, "ctrl+s")
        await until(pilot, lambda: "must be a JSON object" in editor.problem, "the object rule")
        assert await last_seq(daemon, execution_id) == before  # nothing was sent

        area.load_text('{"command": "echo fixed"}')
        await press(pilot, "ctrl+s")
        await until(pilot, lambda: loaded(app, "completed"), "completed after the retry")
        await until(
            pilot,
            lambda: toasted(app, "Retrying t", "1 changed input key"),
            "the retry's toast",
        )
    async with api_client(daemon) as client:
        final = await client.get_execution(execution_id)
    assert final.tasks["t"].output["stdout"].strip() == "fixed"
    assert final.tasks["t"].input_override == {"command": "echo fixed"}


async def test_complete_by_hand_with_m_and_see_it_marked(daemon: Harmoniad) -> None:
    document = fixable_workflow(unique("complete"))
    async with failed_and_open(daemon, document, "a") as (execution_id, app, pilot, screen):
        await press(pilot, "m")  # a completed: m does not apply, and says why
        await until(
            pilot,
            lambda: toasted(app, "only a canceled, failed, pending or waiting"),
            "why m does not apply",
        )
        assert not isinstance(app.screen, JsonEditScreen)
        screen.graph.select("b")
        editor = await reach(pilot, JsonEditScreen, "the output editor", key="m")
        assert editor.question == "Complete b by hand?"
        assert any("c (pending)" in line for line in editor.lines)
        editor.query_one(TextArea).load_text('{"rows": 5}')
        await press(pilot, "ctrl+s")
        await until(pilot, lambda: loaded(app, "completed"), "completed after the fix")
        assert task_status(app, "b") == "completed" and task_status(app, "c") == "completed"
        await until(pilot, lambda: "by hand" in screen.graph.row_text("b"), "b marked by hand")
        assert "by hand" not in screen.graph.row_text("c")  # computed, not made by hand
        await until(
            pilot,
            lambda: toasted(app, "b completed by hand"),
            "the completion's toast",
        )
        await until(
            pilot,
            lambda: "b completed by hand by tui" in screen.log_view.shown_text,
            "the event in the log",
        )
        screen.graph.select("b")
        await until(
            pilot,
            lambda: "completed by hand by tui" in screen.detail.shown_text,
            "the detail says who made it",
        )
    async with api_client(daemon) as client:
        final = await client.get_execution(execution_id)
    assert final.tasks["c"].output == {"rows": 5}
    assert final.tasks["b"].operator is not None and final.tasks["b"].operator["by"] == "tui"


async def test_skip_with_K_after_a_confirm(daemon: Harmoniad) -> None:
    document = fixable_workflow(unique("skip"))
    async with failed_and_open(daemon, document, "b") as (_, app, pilot, screen):
        question = await reach(pilot, ConfirmScreen, "the confirm", key="K")
        assert question.question == "Skip b?"
        # a sentence per line: "...marked as done by hand;" wrapped, then "the tasks below"
        assert question.lines[:2] == [
            "b (failed) will be recorded as skipped, marked as done by hand.",
            "The tasks below it follow their rules for a skipped parent.",
        ]
        await press(pilot, "n")  # not now: nothing happens
        await until(pilot, lambda: app.screen is screen, "back without skipping")
        assert task_status(app, "b") == "failed"
        await reach(pilot, ConfirmScreen, "the confirm again", key="K")
        await press(pilot, "y")
        await until(pilot, lambda: loaded(app, "completed"), "completed after the skip")
        assert task_status(app, "b") == "skipped" and task_status(app, "c") == "skipped"
        await until(pilot, lambda: "by hand" in screen.graph.row_text("b"), "b marked by hand")
        await until(pilot, lambda: toasted(app, "b skipped by hand"), "the skip's toast")
