"""The TUI driven from the keyboard (Textual's Pilot) against a real daemon.

One `harmoniad --port 0` subprocess serves the module; each test stores workflows with names of
its own. Waiting is always on a condition with a deadline (`until`), never a fixed sleep.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harmonia_tui.app import HarmoniaApp
from harmonia_tui.embedded import locate
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.help import HelpScreen
from harmonia_tui.screens.start_form import StartWorkflowScreen
from harmonia_tui.screens.workflows import WorkflowsScreen
from helpers.daemon_testing import Harmoniad
from helpers.tui_testing import (
    api_client,
    flaky_workflow,
    make_app,
    press,
    sleepy_chain,
    start,
    toasts,
    unique,
    until,
)
from textual.command import Command, CommandList, CommandPalette
from textual.widgets import DataTable, Input

SIZE = (110, 32)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Textual runs on asyncio


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path_factory.mktemp("tui-daemon") / "data") as running:
        yield running


def execution_screen(app: HarmoniaApp) -> ExecutionScreen:
    screen = app.screen
    assert isinstance(screen, ExecutionScreen), type(screen).__name__
    return screen


def loaded(app: HarmoniaApp, status: str | None = None) -> bool:
    screen = app.screen
    if not isinstance(screen, ExecutionScreen) or screen.view is None:
        return False
    return status is None or screen.view.status == status


def palette_offers(app: HarmoniaApp, prompt: str) -> bool:
    """The command palette is done searching and highlights the command `prompt`."""
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return False
    if any(worker.node is palette and not worker.is_finished for worker in app.workers):
        return False  # still searching: the list may change yet
    option = palette.query_one(CommandList).highlighted_option
    return isinstance(option, Command) and option.hit.text == prompt


def task_status(app: HarmoniaApp, task_id: str) -> str | None:
    screen = app.screen
    if not isinstance(screen, ExecutionScreen) or screen.view is None:
        return None
    return screen.view.tasks[task_id].status


# ---- executions: list, filter, open ------------------------------------------------------------


@pytest.mark.anyio
async def test_executions_list_is_live_filters_and_opens(daemon: Harmoniad) -> None:
    app = make_app(daemon)
    alpha, beta = unique("alpha"), unique("beta")
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the executions screen"
        )
        screen = app.screen
        assert isinstance(screen, ExecutionsScreen)
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
        await pilot.press(*"alpha")
        await until(pilot, lambda: screen.shown == [first], "the filter leaves only alpha")
        await press(pilot, "enter")  # done filtering: back to the table
        await until(pilot, lambda: isinstance(app.focused, DataTable), "the table focused")
        await press(pilot, "enter")  # open it
        await until(pilot, lambda: loaded(app, "completed"), "the execution screen")
        assert execution_screen(app).execution_id == first
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is screen, "back on the list")
        await press(pilot, "escape")  # clears the filter
        await until(pilot, lambda: second in screen.shown, "the filter cleared")


# ---- retry, resume, pause, cancel from the keyboard ---------------------------------------------


@pytest.mark.anyio
async def test_retry_a_failed_task_from_the_keyboard_and_watch_it_complete(
    daemon: Harmoniad, tmp_path: Path
) -> None:
    execution_id = await start(daemon, flaky_workflow(unique("retry"), tmp_path / "marker"))
    app = make_app(daemon, open_execution=execution_id)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app, "failed"), "the execution failed")
        screen = execution_screen(app)
        graph = screen.graph
        assert "✗ flaky" in graph.row_text("flaky") and "failed" in graph.row_text("flaky")
        assert "○ after" in graph.row_text("after")  # never ran: pending
        # move away and back with the keyboard: g (first task), ] (its child), l (next generation)
        await press(pilot, "g")
        await until(pilot, lambda: graph.selected == "setup", "g selects the first task")
        await press(pilot, "r")  # setup completed: r does not apply, and says why
        await until(
            pilot,
            lambda: any("only a failed task can be retried" in t for t in toasts(app)),
            "why r does not apply",
        )
        assert not isinstance(app.screen, ConfirmScreen)
        await press(pilot, "right_square_bracket")
        await until(pilot, lambda: graph.selected == "flaky", "] jumps to the child")
        await press(pilot, "r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        text = "\n".join(confirm.lines)
        assert "flaky" in text and "after" in text and "side" not in text
        await press(pilot, "y")
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


@pytest.mark.anyio
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
    app = make_app(daemon, open_execution=execution.id)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app, "failed"), "the failed execution")
        screen = execution_screen(app)
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
        await press(pilot, "r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await press(pilot, "y")
        await until(pilot, lambda: loaded(app, "completed"), "completed after the retry")
        screen.graph.select("after")
        await until(
            pilot,
            lambda: '"got": "ok' in screen.detail.shown_text,
            "after's input, rendered from flaky's output",
        )
        assert "as rendered for attempt #1" in screen.detail.shown_text


@pytest.mark.anyio
async def test_resume_a_failed_execution(daemon: Harmoniad, tmp_path: Path) -> None:
    execution_id = await start(daemon, flaky_workflow(unique("resume"), tmp_path / "marker"))
    app = make_app(daemon, open_execution=execution_id)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app, "failed"), "the execution failed")
        assert execution_screen(app).check_action("pause", ()) is None  # dimmed
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
        await press(pilot, "escape")  # opened directly: esc leads to the executions
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
        screen = app.screen
        assert isinstance(screen, ExecutionsScreen)
        await until(pilot, lambda: execution_id in screen.shown, "the execution listed")


@pytest.mark.anyio
async def test_pause_resume_and_cancel_with_confirmation(daemon: Harmoniad) -> None:
    execution_id = await start(daemon, sleepy_chain(unique("pausing"), n=300, seconds=0.1))
    app = make_app(daemon, open_execution=execution_id)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app, "running"), "the execution running")
        screen = execution_screen(app)
        await press(pilot, "p")
        await until(pilot, lambda: loaded(app, "paused"), "paused")
        await until(pilot, lambda: any("Paused" in t for t in toasts(app)), "the toast")
        assert screen.check_action("pause", ()) is None and screen.check_action("resume", ())
        await press(pilot, "R")
        await until(pilot, lambda: loaded(app, "running"), "running again")
        await press(pilot, "c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await press(pilot, "n")  # keep it
        await until(pilot, lambda: app.screen is screen, "back without canceling")
        assert screen.view is not None and screen.view.status == "running", screen.view.status
        await press(pilot, "c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await press(pilot, "y")
        await until(pilot, lambda: loaded(app, "canceled"), "canceled")
        assert screen.view is not None
        statuses = {t.status for t in screen.view.tasks.values()}
        assert statuses <= {"completed", "canceled"} and "canceled" in statuses
        # the stream can report the cancel before the POST's answer brings the toast
        await until(pilot, lambda: any("Canceled" in t for t in toasts(app)), "the toast")
        await press(pilot, "c")  # ended: cancel is dimmed and says why
        await until(pilot, lambda: any("already ended" in t for t in toasts(app)), "why not")


@pytest.mark.anyio
async def test_actions_on_the_executions_list_and_daemon_errors_are_shown(
    daemon: Harmoniad,
) -> None:
    execution_id = await start(daemon, sleepy_chain(unique("listed"), n=300, seconds=0.1))
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
        screen = app.screen
        assert isinstance(screen, ExecutionsScreen)
        await until(pilot, lambda: execution_id in screen.shown, "the execution listed")
        table = screen.query_one(DataTable)
        table.move_cursor(row=screen.shown.index(execution_id))
        await press(pilot, "p")
        await until(pilot, lambda: screen.rows[execution_id].status == "paused", "paused")
        # the daemon refuses a second pause with 409; force the call past the dimmed key
        await screen._operate("pause", screen.rows[execution_id])
        assert any("409 conflict" in t and "only a running one can pause" in t for t in toasts(app))
        await press(pilot, "c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await press(pilot, "y")
        await until(pilot, lambda: screen.rows[execution_id].status == "canceled", "canceled")


# ---- help, palette, keys -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_help_lists_every_binding_and_why_some_do_not_apply(daemon: Harmoniad) -> None:
    execution_id = await start(daemon, sleepy_chain(unique("help"), n=1, seconds=0))
    assert await _finished(daemon, execution_id) == "completed"
    app = make_app(daemon, open_execution=execution_id)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app, "completed"), "loaded")
        await press(pilot, "question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        text = help_screen.text
        for key, action in [
            ("r", "Retry"),
            ("R", "Resume"),
            ("p", "Pause"),
            ("c", "Cancel"),
            ("s", "Start"),
            ("⏎", "Open"),
            ("esc", "Back"),
            ("?", "Help"),
            ("/", "Filter"),
            ("^p", "Command palette"),
            ("q", "Quit"),
            ("[", "parent"),
            ("]", "child"),
            ("j", "Next task"),
            ("h", "Previous generation"),
        ]:
            assert any(
                key in line.split("  ")[0] and action in line for line in text.splitlines()
            ), (key, action, text)
        assert "only a running one can be paused" in text
        await press(pilot, "escape")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen), "help closed")


@pytest.mark.anyio
async def test_help_on_the_list_lists_the_tables_own_keys(daemon: Harmoniad) -> None:
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
        await press(pilot, "question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        moving = help_screen.text.split("Moving (DataTable)\n", 1)[-1].split("Everywhere")[0]
        assert "Cursor up" in moving and "Cursor down" in moving, help_screen.text


@pytest.mark.anyio
async def test_command_palette_reaches_screens_and_actions(daemon: Harmoniad) -> None:
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
        await press(pilot, "ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"workfl")
        # the palette searches in the background, and enter before it has found anything does
        # nothing: wait, as a person would, until the search is over with Workflows on top
        await until(pilot, lambda: palette_offers(app, "Workflows"), "the palette's search")
        await press(pilot, "enter")
        await until(pilot, lambda: isinstance(app.screen, WorkflowsScreen), "the workflows screen")


@pytest.mark.anyio
async def test_moving_around_the_graph_opening_a_task_and_quitting(daemon: Harmoniad) -> None:
    sample = SAMPLES / "diamond.yaml"  # prepare -> (double | shift_cmd -> shift) -> join
    app = make_app(daemon, run_file=sample)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app, "completed"), "diamond completed", deadline=20)
        graph = execution_screen(app).graph
        steps = [
            ("g", "prepare"),
            ("j", "double"),
            ("down", "shift_cmd"),
            ("k", "double"),
            ("l", "shift"),  # the next generation
            ("h", "double"),
            ("right_square_bracket", "join"),  # a child
            ("left_square_bracket", "double"),  # its first parent
            ("left_square_bracket", "shift"),  # again: the next parent of join
            ("G", "summary"),
            ("up", "join"),
        ]
        for key, expected in steps:
            await press(pilot, key)
            await until(pilot, lambda e=expected: graph.selected == e, f"{key} -> {expected}")
        await press(pilot, "enter")  # the task's detail, full screen
        await until(pilot, lambda: app.screen.maximized is not None, "the detail maximized")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen.maximized is None, "back to the graph")
        await press(pilot, "w")  # workflows, from anywhere
        await until(pilot, lambda: isinstance(app.screen, WorkflowsScreen), "workflows")
        await press(pilot, "e")  # and back to the executions
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "executions")
        await press(pilot, "q")
        await until(pilot, lambda: not app.is_running, "the app quit")


def test_an_unreachable_url_is_exit_code_3(capsys: pytest.CaptureFixture[str]) -> None:
    from harmonia.cli.main import main

    assert main(["tui", "--url", f"http://127.0.0.1:{_free_port()}"]) == 3
    assert "no Harmonia daemon answers" in capsys.readouterr().err


# ---- workflows: start one, with inputs checked as the API checks them --------------------------


@pytest.mark.anyio
async def test_start_a_workflow_asking_for_its_inputs(daemon: Harmoniad) -> None:
    name = unique("inputs")
    document: dict[str, Any] = {
        "name": name,
        "description": "takes two inputs",
        "input": {
            "count": {"type": "integer", "default": 2, "minimum": 1},
            "who": {"type": "string", "description": "who to greet"},
        },
        "tasks": {
            "greet": {
                "component": "core",
                "action": "echo",
                "input": {"text": "hello ${input.who}", "n": "${input.count}"},
            }
        },
    }
    async with api_client(daemon) as client:
        await client.create_workflow(document)
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
        await press(pilot, "s")  # start: the workflows screen
        await until(pilot, lambda: isinstance(app.screen, WorkflowsScreen), "workflows")
        workflows = app.screen
        assert isinstance(workflows, WorkflowsScreen)
        await until(pilot, lambda: any(w.name == name for w in workflows.items), "listed")
        await pilot.press("slash", *"inputs", "enter")
        await press(pilot, "s")
        await until(
            pilot,
            lambda: isinstance(app.screen, StartWorkflowScreen) and app.screen.query("#field-1"),
            "the form",
        )
        form = app.screen
        assert isinstance(form, StartWorkflowScreen)
        count = form.query_one("#field-0", Input)
        assert count.value == "2"
        count.value = "0"
        form.submit()  # who is missing, count too small: nothing is sent
        await pilot.pause()
        assert "0 is less than the minimum 1" in str(form.query_one("#error-0").render())
        assert "missing required input" in str(form.query_one("#error-1").render())
        assert isinstance(app.screen, StartWorkflowScreen)
        count.value = "3"
        form.query_one("#field-1", Input).value = "ann"
        form.query_one("#field-1", Input).focus()
        await press(pilot, "enter")  # enter on the last field starts it
        await until(pilot, lambda: loaded(app, "completed"), "the new execution completed")
        screen = execution_screen(app)
        assert screen.view is not None and screen.view.input == {"count": 3, "who": "ann"}
        assert screen.view.tasks["greet"].output == {"text": "hello ann", "n": 3}
        # the detail pane repaints on the next coalesced refresh, not with the status
        await until(pilot, lambda: "hello ann" in screen.detail.shown_text, "greet's detail")


SAMPLES = Path(__file__).resolve().parents[2] / "sample_workflows"


@pytest.mark.anyio
async def test_run_file_submits_it_and_opens_the_execution(daemon: Harmoniad) -> None:
    sample = SAMPLES / "diamond.yaml"
    app = make_app(daemon, run_file=sample)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app, "completed"), "diamond completed", deadline=20)
        screen = execution_screen(app)
        assert screen.shape is not None and screen.shape.known
        assert screen.layout_ is not None
        assert screen.layout_.layers[0] == ("prepare",) and "join" in screen.layout_.layers[3]
        assert "◂ double, shift" in screen.graph.row_text("join")


@pytest.mark.anyio
async def test_run_file_with_problems_shows_every_one(daemon: Harmoniad, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntasks:\n  a: {component: core, action: nope}\n"
        "  b: {component: core, action: echo, depends_on: [zz]}\n"
    )
    app = make_app(daemon, run_file=bad)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any("422" in t for t in toasts(app)), "the validation error")
        error = next(t for t in toasts(app) if "422" in t)
        assert "bad.yaml" in error and "nope" in error and "zz" in error
        assert isinstance(app.screen, ExecutionsScreen)


# ---- the connection: banner, reconnection, catching up -----------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.anyio
async def test_a_lost_daemon_shows_a_banner_and_the_screen_catches_up(tmp_path: Path) -> None:
    port = _free_port()
    data = tmp_path / "data"
    first = Harmoniad(data, "--port", str(port)).start()
    try:
        execution_id = await start(first, sleepy_chain(unique("outage"), n=16, seconds=0.1))
        app = make_app(first, open_execution=execution_id)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: loaded(app, "running"), "running")
            screen = execution_screen(app)
            banner = screen.query_one("#connection-banner")
            assert not banner.has_class("-lost")
            first.terminate()  # the execution is checkpointed and continues on restart
            await until(pilot, lambda: banner.has_class("-lost"), "the banner")
            assert "lost" in str(banner.render()) and "reconnecting" in str(banner.render())
            second = Harmoniad(data, "--port", str(port)).start()
            try:
                await until(pilot, lambda: not banner.has_class("-lost"), "the banner gone")
                await until(pilot, lambda: loaded(app, "completed"), "caught up", deadline=30)
                async with api_client(second) as client:
                    truth = await client.get_execution(execution_id)
                assert screen.view is not None
                assert screen.view.last_seq == truth.last_seq
                assert {t: v.status for t, v in screen.view.tasks.items()} == {
                    t: v.status for t, v in truth.tasks.items()
                }
                assert {t: v.attempts for t, v in screen.view.tasks.items()} == {
                    t: v.attempts for t, v in truth.tasks.items()
                }
                assert any("Reconnected" in t for t in toasts(app))
            finally:
                second.terminate()
    finally:
        first.kill()


# ---- the embedded daemon ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_without_a_daemon_the_tui_embeds_one_that_others_can_reach(tmp_path: Path) -> None:
    data = tmp_path / "data"
    target = locate(None, data)
    try:
        assert target.embedded is not None and target.embedded.running
        assert "embedded daemon" in target.description
        # another client finds it the usual way: the URL and token in the data folder
        async with api_client_for(data) as client:
            assert (await client.health()).status == "ok"
            assert (await client.list_executions()).total == 0
        from harmonia_tui.connection import Connection

        from harmonia.client import AsyncClient

        connection = Connection(AsyncClient(target.url, target.token), embedded=True)
        app = HarmoniaApp(connection, description=target.description, close_client=True)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
            assert app.sub_title.startswith("embedded daemon http://127.0.0.1:")
    finally:
        if target.embedded is not None:
            target.embedded.stop()
    assert not (data / "daemon.json").exists()


def api_client_for(data: Path) -> Any:
    from harmonia.client import AsyncClient

    return AsyncClient(data_dir=data)


async def _finished(daemon: Harmoniad, execution_id: str) -> str:
    from helpers.tui_testing import wait_finished

    return await wait_finished(daemon, execution_id)
