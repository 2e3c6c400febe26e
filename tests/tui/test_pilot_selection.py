"""The executions list's highlight follows an execution, not a row number; the keys the help
promises move it; the palette finds executions and workflows by name (issue 11, items 3, 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.help import HelpScreen
from harmonia_tui.screens.start_form import StartWorkflowScreen
from helpers.daemon_testing import Harmoniad
from helpers.pilot_steps import (
    finished,
    finished_chain,
    offered,
    opened,
    pick_in_palette,
    piloted,
    reach,
    type_in_palette,
)
from helpers.tui_testing import SAMPLES, held, press, sleepy_chain, start, unique, until
from textual.widgets import DataTable

pytestmark = pytest.mark.anyio


async def test_the_highlight_follows_its_execution_when_newer_ones_appear(
    daemon: Harmoniad,
) -> None:
    older = await finished_chain(daemon, "older")
    async with piloted(daemon) as (app, pilot):
        screen = await reach(pilot, ExecutionsScreen, "the list")
        await until(pilot, lambda: screen.shown[:1] == [older], "the older one on top")
        assert screen.highlighted_id() == older
        newer = await start(daemon, sleepy_chain(unique("newer"), n=1, seconds=0.01))
        await until(pilot, lambda: screen.shown[:2] == [newer, older], "the newer one on top")
        assert screen.highlighted_id() == older  # not row 0, now the newer one

        # open it, and while it is open another starts: back on the list, it is still the one
        # highlighted, and enter opens it again
        await press(pilot, "enter")
        await opened(pilot, "completed", "the older one opened")
        third = await finished_chain(daemon, "third")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is screen and third in screen.shown, "back")
        assert screen.highlighted_id() == older
        await press(pilot, "enter")
        assert (await opened(pilot, what="opened again")).execution_id == older


async def test_after_run_esc_highlights_the_execution_just_left(
    daemon: Harmoniad, tmp_path: Path
) -> None:
    name = unique("run")
    await finished_chain(daemon, "previous")
    workflow = tmp_path / "run.yaml"
    workflow.write_text(
        f"name: {name}\ntasks:\n  one: {{component: core, action: echo, input: {{}}}}\n",
        encoding="utf-8",
    )
    async with piloted(daemon, run_file=workflow) as (_, pilot):
        ran = (await opened(pilot, "completed", "the run opened")).execution_id
        screen = await reach(pilot, ExecutionsScreen, "the list", key="escape")
        await until(pilot, lambda: ran in screen.shown, "the run listed")
        assert screen.highlighted_id() == ran
        await press(pilot, "enter")
        assert (await opened(pilot, what="opened")).execution_id == ran


async def test_j_k_home_and_end_move_in_the_list(daemon: Harmoniad) -> None:
    for n in range(3):
        await finished_chain(daemon, f"keys{n}")
    async with piloted(daemon) as (_, pilot):
        screen = await reach(pilot, ExecutionsScreen, "the list")
        await until(pilot, lambda: len(screen.shown) >= 3, "three listed")
        shown = list(screen.shown)
        await press(pilot, "j")
        await until(pilot, lambda: screen.highlighted_id() == shown[1], "j moves down")
        await press(pilot, "k")
        await until(pilot, lambda: screen.highlighted_id() == shown[0], "k moves up")

        # a key moves the table's cursor at once and tells the screen by a message: a redraw
        # in between (a tick, an event, a page) must not put the highlight back
        await pilot.pause()
        screen.query_one(DataTable).action_cursor_down()
        screen.render_rows()  # before the RowHighlighted message is handled
        assert screen.highlighted_id() == shown[1]
        await pilot.pause()
        assert (screen.highlighted_id(), screen.selected) == (shown[1], shown[1])

        await press(pilot, "end")
        await until(pilot, lambda: screen.highlighted_id() == shown[-1], "end: the last row")
        await press(pilot, "home")
        await until(pilot, lambda: screen.highlighted_id() == shown[0], "home: the first row")


async def test_the_palette_opens_executions_and_starts_workflows_by_name(
    daemon: Harmoniad,
) -> None:
    name = unique("palette")
    execution_id = await finished(daemon, sleepy_chain(name, n=1, seconds=0.01))
    async with piloted(daemon) as (_, pilot):
        await reach(pilot, ExecutionsScreen, "the list")
        offer = f"Open {name} {execution_id}"
        await pick_in_palette(pilot, f"open {name}", offer, "the execution offered")
        assert (await opened(pilot, what="the execution opened")).execution_id == execution_id

        await pick_in_palette(pilot, f"start {name}", f"Start {name} 1.0.0", "the workflow offered")
        await reach(pilot, StartWorkflowScreen, "the start form")


async def test_the_palette_offers_executions_typed_for_before_the_daemon_answered(
    daemon: Harmoniad, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each key cancels the palette's search so far; the first one waited for the palette's
    read of the daemon, and was cancelled with it: on a busy machine (a slow answer), the
    palette then offered no execution at all (the flaky test above)."""
    name = unique("early")
    execution_id = await finished(daemon, sleepy_chain(name, n=1, seconds=0.01))
    async with piloted(daemon) as (app, pilot):
        await reach(pilot, ExecutionsScreen, "the list")
        answer = anyio.Event()
        client = app.connection.client
        reading = client.list_executions

        async def slow(**kwargs: Any) -> Any:
            await answer.wait()
            return await reading(**kwargs)

        monkeypatch.setattr(client, "list_executions", slow)
        await type_in_palette(pilot, f"open {name}")  # before the daemon has answered it
        answer.set()
        await offered(pilot, f"Open {name} {execution_id}", "the execution offered")


async def test_after_help_on_a_live_execution_the_list_shows_every_cell_whole(
    tmp_path: Path,
) -> None:
    release = tmp_path / "release"
    sample = yaml.safe_load((SAMPLES / "long_dag.yaml").read_text(encoding="utf-8"))
    run_file = tmp_path / "long_dag.yaml"  # its first task held: live until the list shows it
    run_file.write_text(yaml.safe_dump(held(sample, "start", release)), encoding="utf-8")
    with Harmoniad(tmp_path / "data") as own:  # a fresh list: its columns sized by one row
        async with piloted(own, size=(160, 40), run_file=run_file) as (_, pilot):
            execution_id = (await opened(pilot, "running", "the run, live")).execution_id
            await reach(pilot, HelpScreen, "the help", key="question_mark")
            await press(pilot, "escape")
            await opened(pilot, "running", "the help closed")
            screen = await reach(pilot, ExecutionsScreen, "the list", key="escape")
            release.touch()  # the list has it live; now it runs to its end
            table = screen.query_one(DataTable)

            def whole() -> bool:
                row = screen.rows.get(execution_id)
                if row is None or row.status != "completed" or row.done_count != 28:
                    return False
                line = table.render_line(1).text  # the first row, under the header
                return "✓ completed" in line and "28/28" in line and execution_id[:18] in line

            await until(pilot, whole, "every cell of the row whole", deadline=30)
