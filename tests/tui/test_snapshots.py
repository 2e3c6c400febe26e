"""Snapshots of the TUI's main screens (pytest-textual-snapshot), with a fixed clock.

The app runs against a canned daemon (tests/helpers/tui_fake.py) whose ids and times never
change, and every time on screen is rendered relative to the injected clock, so the pictures
are stable. Update them after a deliberate change with `pytest --snapshot-update`; the SVGs
live in tests/tui/__snapshots__/test_snapshots/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.help import HelpScreen
from harmonia_tui.screens.json_editor import JsonEditScreen
from harmonia_tui.screens.start_form import StartWorkflowScreen
from harmonia_tui.screens.workflows import WorkflowsScreen
from helpers.tui_fake import ETL_EXECUTION, LEGACY_EXECUTION, fake_app
from helpers.waiting import wait_until_async
from textual.pilot import Pilot
from textual.widgets import TextArea

SIZE = (120, 34)
SnapCompare = Callable[..., bool]


async def settle(pilot: Pilot[Any], predicate: Callable[[], object]) -> None:
    """Wait for `predicate`, then for the picture to stop changing: a relayout (a scrollbar
    come, text wrapped again) can still be on its way, and on a loaded machine the snapshot
    caught one half done (a detail line wrapped at the old width)."""
    await wait_until_async(predicate, 20, "the screen to settle", wake=lambda: pilot.pause(0.02))
    await pilot.pause()
    shots = [pilot.app.export_screenshot()]

    async def next_shot() -> None:
        await pilot.pause(0.05)
        shots.append(pilot.app.export_screenshot())

    await wait_until_async(
        lambda: len(shots) > 1 and shots[-1] == shots[-2], 20, "a still picture", wake=next_shot
    )


def execution_loaded(pilot: Pilot[Any]) -> bool:
    screen = pilot.app.screen
    return (
        isinstance(screen, ExecutionScreen)
        and screen.view is not None
        and screen.coalescer.pending == 0
        and len(screen.log_view.lines_kept) >= 17
    )


def test_executions_screen(snap_compare: SnapCompare) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await settle(
            pilot, lambda: isinstance(pilot.app.screen, ExecutionsScreen) and pilot.app.screen.shown
        )

    assert snap_compare(fake_app(), terminal_size=SIZE, run_before=ready)


def test_execution_screen(snap_compare: SnapCompare) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: execution_loaded(pilot))

    app = fake_app(open_execution=ETL_EXECUTION["id"])
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_execution_screen_ascii(snap_compare: SnapCompare) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: execution_loaded(pilot))
        await pilot.press("g")  # the first task

    app = fake_app(ascii=True, open_execution=ETL_EXECUTION["id"])
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


@pytest.mark.anyio
async def test_retry_confirmation() -> None:
    """The retry's confirm lists the daemon's retry plan above the task's input as last
    rendered. Checked as text, not as a picture: it opens after an HTTP round trip, and the
    panes behind it redraw on timers meanwhile, so a picture of it is not stable."""
    app = fake_app(open_execution=ETL_EXECUTION["id"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: execution_loaded(pilot))
        await pilot.press("r")  # load_db, the failed task, is selected on opening
        await settle(pilot, lambda: isinstance(pilot.app.focused, TextArea))
        editor = app.screen
        assert isinstance(editor, JsonEditScreen)
        assert editor.question == "Retry load_db?"
        assert editor.lines[:3] == [
            "These 2 tasks will run again:",
            f"  {app.glyphs.bullet} load_db",
            f"  {app.glyphs.bullet} notify",
        ]
        text = editor.query_one(TextArea).text
        assert json.loads(text) == {"command": "psql ${env.DATABASE_URL} -f load.sql"}


def test_help_screen(snap_compare: SnapCompare) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: execution_loaded(pilot))
        await pilot.press("question_mark")
        await settle(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    app = fake_app(open_execution=ETL_EXECUTION["id"])
    assert snap_compare(app, terminal_size=(120, 48), run_before=ready)


async def workflows_listed(pilot: Pilot[Any]) -> None:
    """From the executions, `w`: the workflows screen, once it has listed them."""
    await settle(pilot, lambda: isinstance(pilot.app.screen, ExecutionsScreen))
    await pilot.press("w")
    await settle(
        pilot, lambda: isinstance(pilot.app.screen, WorkflowsScreen) and pilot.app.screen.loaded
    )


def test_workflows_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(fake_app(), terminal_size=SIZE, run_before=workflows_listed)


def test_start_workflow_form_with_problems(snap_compare: SnapCompare) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await workflows_listed(pilot)
        await pilot.press("down", "s")  # nightly-etl sorts after diamond
        await settle(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, StartWorkflowScreen)
                and pilot.app.screen.query("#field-2")
            ),
        )
        form = pilot.app.screen
        assert isinstance(form, StartWorkflowScreen)
        await pilot.press("ctrl+a", "ctrl+k", "0")  # rows: 0 is below the minimum
        form.submit()  # and region is required, but empty
        await pilot.pause()

    assert snap_compare(fake_app(), terminal_size=SIZE, run_before=ready)


def on_execution_screen(
    execution_id: str, check: Callable[[Pilot[Any], ExecutionScreen], Any]
) -> None:
    """Open the fake daemon's execution and run `check` on the loaded screen (not a snapshot)."""

    async def run() -> None:
        app = fake_app(open_execution=execution_id)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: execution_loaded(pilot))
            screen = pilot.app.screen
            assert isinstance(screen, ExecutionScreen) and screen.shape is not None
            await check(pilot, screen)

    anyio.run(run, backend="asyncio")


def test_an_execution_from_an_older_daemon_falls_back_to_the_stored_workflow() -> None:
    """No `depends_on` in the document, no `input` in the events: the edges come from the
    stored workflow, and the input is the labelled approximation."""

    async def check(pilot: Pilot[Any], screen: ExecutionScreen) -> None:
        assert screen.shape is not None and screen.shape.known
        assert screen.shape.source == "stored workflow wf-0c1d2e3f4a5b"
        screen.graph.select("enrich")
        await settle(pilot, lambda: "approximation" in screen.detail.shown_text)
        assert "https://example.test/geo?rows=12" in screen.detail.shown_text

    on_execution_screen(LEGACY_EXECUTION["id"], check)


def test_the_execution_screen_takes_edges_and_inputs_from_the_daemon() -> None:
    async def check(pilot: Pilot[Any], screen: ExecutionScreen) -> None:
        assert screen.shape is not None and screen.shape.known
        assert screen.shape.source == "the execution"
        assert "◂ validate, clean" in screen.graph.row_text("aggregate")
        screen.graph.select("enrich")
        await settle(pilot, lambda: "as rendered for attempt #2" in screen.detail.shown_text)
        detail = screen.detail.shown_text
        assert "approximation" not in detail
        assert "input: as for #2" in detail  # attempt 1 had the same input
        # the stored workflow still adds each task's component and action
        await settle(pilot, lambda: "http.request" in screen.detail.shown_text)

    on_execution_screen(ETL_EXECUTION["id"], check)


def test_the_execution_screens_filter_narrows_the_log_and_selects_a_task() -> None:
    async def check(pilot: Pilot[Any], screen: ExecutionScreen) -> None:
        await pilot.press("slash", *"load", "enter")
        await settle(pilot, lambda: screen.graph.selected == "load_db" and screen.graph.has_focus)
        assert "load_db failed" in screen.log_view.shown_text
        assert "extract" not in screen.log_view.shown_text
        await pilot.press("escape")  # clears the filter; a second one would leave the screen
        await settle(pilot, lambda: "extract" in screen.log_view.shown_text)
        assert not screen.query_one("#filter").has_class("-active")
        assert pilot.app.screen is screen

    on_execution_screen(ETL_EXECUTION["id"], check)
