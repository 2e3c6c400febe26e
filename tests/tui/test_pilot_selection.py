"""The executions list's highlight follows an execution, not a row number; the keys the help
promises move it; the palette finds executions and workflows by name (issue 11, items 3, 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.help import HelpScreen
from harmonia_tui.screens.start_form import StartWorkflowScreen
from helpers.daemon_testing import Harmoniad
from helpers.tui_testing import (
    SAMPLES,
    SIZE,
    execution_screen,
    loaded,
    make_app,
    palette_offers,
    press,
    sleepy_chain,
    start,
    unique,
    until,
    wait_finished,
)
from textual.command import CommandPalette
from textual.widgets import DataTable


def executions(app: object) -> ExecutionsScreen:
    screen = getattr(app, "screen", None)
    assert isinstance(screen, ExecutionsScreen), type(screen).__name__
    return screen


@pytest.mark.anyio
async def test_the_highlight_follows_its_execution_when_newer_ones_appear(
    daemon: Harmoniad,
) -> None:
    older = await start(daemon, sleepy_chain(unique("older"), n=1, seconds=0.01))
    await wait_finished(daemon, older)
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
        screen = executions(app)
        await until(pilot, lambda: screen.shown[:1] == [older], "the older one on top")
        assert screen.highlighted_id() == older
        newer = await start(daemon, sleepy_chain(unique("newer"), n=1, seconds=0.01))
        await until(pilot, lambda: screen.shown[:2] == [newer, older], "the newer one on top")
        assert screen.highlighted_id() == older  # not row 0, now the newer one

        # open it, and while it is open another starts: back on the list, it is still the one
        # highlighted, and enter opens it again
        await press(pilot, "enter")
        await until(pilot, lambda: loaded(app, "completed"), "the older one opened")
        third = await start(daemon, sleepy_chain(unique("third"), n=1, seconds=0.01))
        await wait_finished(daemon, third)
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is screen and third in screen.shown, "back")
        assert screen.highlighted_id() == older
        await press(pilot, "enter")
        await until(pilot, lambda: loaded(app), "opened again")
        assert execution_screen(app).execution_id == older


@pytest.mark.anyio
async def test_after_run_esc_highlights_the_execution_just_left(
    daemon: Harmoniad, tmp_path: Path
) -> None:
    name = unique("run")
    previous = await start(daemon, sleepy_chain(unique("previous"), n=1, seconds=0.01))
    await wait_finished(daemon, previous)
    workflow = tmp_path / "run.yaml"
    workflow.write_text(
        f"name: {name}\ntasks:\n  one: {{component: core, action: echo, input: {{}}}}\n",
        encoding="utf-8",
    )
    app = make_app(daemon, run_file=workflow)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app, "completed"), "the run opened")
        ran = execution_screen(app).execution_id
        await press(pilot, "escape")
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
        screen = executions(app)
        await until(pilot, lambda: ran in screen.shown, "the run listed")
        assert screen.highlighted_id() == ran
        await press(pilot, "enter")
        await until(pilot, lambda: loaded(app), "opened")
        assert execution_screen(app).execution_id == ran


@pytest.mark.anyio
async def test_j_k_home_and_end_move_in_the_list(daemon: Harmoniad) -> None:
    for n in range(3):
        await wait_finished(
            daemon, await start(daemon, sleepy_chain(unique(f"keys{n}"), n=1, seconds=0.01))
        )
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
        screen = executions(app)
        await until(pilot, lambda: len(screen.shown) >= 3, "three listed")
        shown = list(screen.shown)
        await press(pilot, "j")
        await until(pilot, lambda: screen.highlighted_id() == shown[1], "j moves down")
        await press(pilot, "k")
        await until(pilot, lambda: screen.highlighted_id() == shown[0], "k moves up")
        await press(pilot, "end")
        await until(pilot, lambda: screen.highlighted_id() == shown[-1], "end: the last row")
        await press(pilot, "home")
        await until(pilot, lambda: screen.highlighted_id() == shown[0], "home: the first row")


@pytest.mark.anyio
async def test_the_palette_opens_executions_and_starts_workflows_by_name(
    daemon: Harmoniad,
) -> None:
    name = unique("palette")
    execution_id = await start(daemon, sleepy_chain(name, n=1, seconds=0.01))
    await wait_finished(daemon, execution_id)
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
        await press(pilot, "ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*f"open {name}")
        offer = f"Open {name} {execution_id}"
        await until(pilot, lambda: palette_offers(app, offer), "the execution offered")
        await press(pilot, "enter")
        await until(pilot, lambda: loaded(app), "the execution opened")
        assert execution_screen(app).execution_id == execution_id

        await press(pilot, "ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*f"start {name}")
        offer = f"Start {name} 1.0.0"
        await until(pilot, lambda: palette_offers(app, offer), "the workflow offered")
        await press(pilot, "enter")
        await until(pilot, lambda: isinstance(app.screen, StartWorkflowScreen), "the start form")


@pytest.mark.anyio
async def test_after_help_on_a_live_execution_the_list_shows_every_cell_whole(
    tmp_path: Path,
) -> None:
    with Harmoniad(tmp_path / "data") as own:  # a fresh list: its columns sized by one row
        app = make_app(own, run_file=SAMPLES / "long_dag.yaml")
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: loaded(app, "running"), "the run, live")
            execution_id = execution_screen(app).execution_id
            await press(pilot, "question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
            await press(pilot, "escape")
            await until(pilot, lambda: loaded(app), "the help closed")
            await press(pilot, "escape")
            await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
            screen = executions(app)
            table = screen.query_one(DataTable)

            def whole() -> bool:
                row = screen.rows.get(execution_id)
                if row is None or row.status != "completed" or row.done_count != 28:
                    return False
                line = table.render_line(1).text  # the first row, under the header
                return "✓ completed" in line and "28/28" in line and execution_id[:18] in line

            await until(pilot, whole, "every cell of the row whole", deadline=30)
