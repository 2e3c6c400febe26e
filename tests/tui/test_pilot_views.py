"""What the execution screen shows as it opens and as time passes (issue 11, items 7 and 8):
the selected task on screen among 500, clocks that keep moving after the end, and run time
told apart from wall time after a retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from harmonia_tui.screens.start_form import StartWorkflowScreen
from harmonia_tui.widgets.messages import MessageBar
from helpers.daemon_testing import Harmoniad
from helpers.pilot_steps import finished_chain, opened, piloted, reach
from helpers.tui_testing import SAMPLES, SIZE, api_client, press, unique, until, wait_finished
from textual.widgets import Button
from textual.widgets._toast import Toast

pytestmark = pytest.mark.anyio


def wide_workflow(name: str, n: int, failing: int) -> dict[str, Any]:
    """`n` independent echo tasks; task number `failing` fails."""
    tasks: dict[str, Any] = {
        f"t{i:03d}": {"component": "core", "action": "echo", "input": {"i": i}} for i in range(n)
    }
    tasks[f"t{failing:03d}"] = {
        "component": "shell",
        "action": "run",
        "input": {"command": "exit 3"},
    }
    return {"name": name, "max_concurrency": 50, "tasks": tasks}


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_among_500_tasks_the_selected_one_is_on_screen_when_the_graph_opens(
    daemon: Harmoniad, size: tuple[int, int]
) -> None:
    async with api_client(daemon) as client:
        execution = await client.start_execution(
            workflow=wide_workflow(unique("wide"), 500, failing=470)
        )
    assert await wait_finished(daemon, execution.id) == "failed"
    async with piloted(daemon, size=size, open_execution=execution.id) as (_, pilot):
        graph = (await opened(pilot, "failed")).graph
        assert graph.selected == "t470"  # the first failed task

        def on_screen() -> bool:
            layout = graph.layout_
            if layout is None or graph.size.height == 0:
                return False
            row = layout.row_of["t470"]
            top = graph.scroll_offset.y
            return top <= row < top + graph.scrollable_content_region.height

        # the default deadline: 500 tasks laid out on a loaded machine took over 5 s
        await until(pilot, on_screen, "the selected task scrolled into view")
        # the graph's room shrinks (a banner, an error line, a smaller terminal): the selected
        # task stays in view without a key
        await pilot.resize_terminal(size[0], size[1] - 4)
        await until(pilot, on_screen, "the selected task still in view")


class SteppingClock:
    """The app's clock, moved by the test: the real time plus what the test adds."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


async def test_started_ago_keeps_moving_once_the_execution_has_ended(daemon: Harmoniad) -> None:
    execution_id = await finished_chain(daemon, "ended")
    clock = SteppingClock()
    async with piloted(daemon, open_execution=execution_id, clock=clock) as (_, pilot):
        summary = (await opened(pilot, "completed")).summary
        assert "started" in summary.text.plain and "5m ago" not in summary.text.plain
        clock.ahead = timedelta(minutes=5)
        await until(pilot, lambda: "started 5m ago" in summary.text.plain, "5m ago")


async def test_messages_cover_nothing_live(daemon: Harmoniad) -> None:
    execution_id = await finished_chain(daemon, "said", n=2)
    async with piloted(daemon, open_execution=execution_id) as (app, pilot):
        screen = await opened(pilot, "completed")
        await press(pilot, "p")  # does not apply: the reason is said
        bar = screen.query_one(MessageBar)
        await until(pilot, lambda: "only a running one" in bar.plain, "the reason, in the bar")
        await pilot.pause()
        assert not app.query(Toast) and not screen.query(Toast)  # nothing drawn over
        for live in (screen.log_view, screen.detail, screen.graph, screen.summary):
            assert not live.region.overlaps(bar.region), type(live).__name__
        assert bar.region.height > 0


async def test_at_80x24_the_start_forms_buttons_are_on_screen(daemon: Harmoniad) -> None:
    async with api_client(daemon) as client:
        text = (SAMPLES / "diamond.yaml").read_text(encoding="utf-8")
        info = await client.create_workflow(text.replace("name: diamond", f"name: {unique('f')}"))
    async with piloted(daemon, size=(80, 24)) as (app, pilot):
        await until(pilot, lambda: app.is_running and app.screen.is_mounted, "the app")
        app.start_workflow(info.id)
        form = await reach(pilot, StartWorkflowScreen, "the form")
        await pilot.pause()
        start = form.query_one("#start", Button)
        box = form.query_one("#dialog")  # what its border shows: inside, on screen
        await until(
            pilot,
            lambda: start.region.height > 0 and box.content_region.contains_region(start.region),
            "the Start button on screen",
        )
