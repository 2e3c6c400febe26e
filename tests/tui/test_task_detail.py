"""The detail pane's text for a task: the input each attempt was rendered with, or an
approximation labelled as one."""

from __future__ import annotations

import io
from typing import Any

import pytest
from harmonia_tui.connection import WorkflowShape
from harmonia_tui.fold import ExecutionView
from harmonia_tui.format import Glyphs
from harmonia_tui.layout import Dag
from harmonia_tui.widgets.task_detail import TaskDetail, render_task
from helpers.tui_events import T0, ev, fresh
from helpers.waiting import wait_until_async
from rich.console import Console
from textual.app import App, ComposeResult

from harmonia.client import Execution


def _pane(view: ExecutionView, task: str, specs: dict[str, Any] | None = None) -> str:
    shape = WorkflowShape(Dag.from_depends_on({t: [] for t in view.tasks}), specs or {})
    console = Console(width=100, record=True, file=io.StringIO(), color_system=None)
    console.print(render_task(view.tasks[task], view, shape, Glyphs(), T0))
    return console.export_text()


def test_the_detail_pane_shows_the_input_each_attempt_was_rendered_with() -> None:
    view = fresh("a", "old", "later")
    view.input = {"n": 3}
    view.apply_all(
        [
            ev(1, "task_started", "a", 0, attempt=1, input={"n": 3, "token": "${env.TOKEN}"}),
            ev(2, "retry_attempted", "a", 1, attempt=1, delay=0.1, error={"message": "503"}),
            ev(3, "task_started", "a", 2, attempt=2, input={"n": 3, "token": "***"}),
            ev(4, "task_started", "old", 2, attempt=1),  # recorded before inputs were
        ]
    )
    specs = {t: {"component": "core", "action": "echo", "input": {"n": "${input.n}"}} for t in "a"}
    specs["old"] = specs["later"] = specs["a"]
    text = _pane(view, "a", specs)
    assert "as rendered for attempt #2" in text and '"token": "***"' in text
    assert "approximation" not in text and "resolved from recorded results" not in text
    assert 'input: {"n": 3, "token": "${env.TOKEN}"}' in text  # attempt 1, as it was
    old = _pane(view, "old", specs)
    assert "recorded before inputs were kept: an approximation" in old and '"n": 3' in old
    assert "not started yet" in _pane(view, "later", specs)
    assert "not started yet" in _pane(view, "later")
    reading = ExecutionView.from_execution(
        Execution.model_validate(
            {
                "id": "x1",
                "status": "failed",
                "last_seq": 5,
                "tasks": {"a": {"status": "failed", "attempts": 1, "history": [{"attempt": 1}]}},
            }
        )
    )
    assert "reading the recorded input" in _pane(reading, "a", specs)


def test_the_detail_pane_names_a_tasks_own_join_rule() -> None:
    view = fresh("bad", "alert")
    view.apply_all(
        [
            ev(
                1,
                "task_skipped",
                "alert",
                0,
                reason="trigger rule one_failed: no upstream task failed",
            )
        ]
    )
    specs: dict[str, Any] = {
        "bad": {"component": "core", "action": "fail"},
        "alert": {"component": "core", "action": "echo", "trigger_rule": "one_failed"},
    }
    alert = _pane(view, "alert", specs)
    assert "trigger rule: one_failed" in alert
    assert "trigger rule one_failed: no upstream task failed" in alert  # the skip's reason
    assert "trigger rule" not in _pane(view, "bad", specs)


def test_an_attempt_waiting_for_a_person_says_waiting() -> None:
    view = fresh("gate")
    view.apply_all(
        [
            ev(1, "task_started", "gate", 0, attempt=1, input={"message": "ship?"}),
            ev(2, "task_waiting", "gate", 1, attempt=1, message="ship?"),
        ]
    )
    text = _pane(view, "gate")
    assert view.tasks["gate"].status == "waiting"
    attempt = text.splitlines()[text.splitlines().index("attempts") + 1]
    assert attempt.startswith("#1  started") and attempt.endswith("◈ waiting")  # not pending


@pytest.mark.anyio
async def test_the_detail_pane_lays_its_lines_out_again_when_its_scrollbar_comes() -> None:
    """Lines laid out before the scrollbar appeared were one column too wide, and the
    pane cut off their last character ("psql:" showed as "psql")."""
    view = fresh("short", "long")
    message = "command exited with code 2: psql: connection refused " * 6
    view.apply_all(
        [ev(1, "task_failed", "long", 1, attempt=1, error={"kind": "command", "message": message})]
    )
    shape = WorkflowShape(Dag.from_depends_on({t: [] for t in view.tasks}), {})

    class Pane(App[None]):
        def compose(self) -> ComposeResult:
            yield TaskDetail(Glyphs())

    app = Pane()
    async with app.run_test(size=(40, 8)) as pilot:
        pane = app.query_one(TaskDetail)
        pane.show(view.tasks["short"], view, shape, T0)
        await pilot.pause()
        assert not pane.show_vertical_scrollbar  # short enough: laid out at the full width
        pane.show(view.tasks["long"], view, shape, T0)
        await wait_until_async(
            lambda: pane.show_vertical_scrollbar, 10, "the scrollbar", wake=pilot.pause
        )
        await pilot.pause()
        width = pane.scrollable_content_region.width
        lines = [pane.render_line(y) for y in range(pane.scrollable_content_region.height)]
        assert {line.cell_length for line in lines} == {width}  # none cut by the compositor
