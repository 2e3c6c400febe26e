"""Keys, help and command palette, moving around the graph, and starting workflows, driven from
the keyboard (Textual's Pilot) against the module's real daemon (tests/tui/conftest.py), as
in test_pilot_executions.py: workflows named for each test, every wait on a condition.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from harmonia_tui.screens.components import ComponentsScreen
from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.help import HelpScreen
from harmonia_tui.screens.hooks import HooksScreen
from harmonia_tui.screens.schedules import SchedulesScreen
from harmonia_tui.screens.start_form import StartWorkflowScreen
from harmonia_tui.screens.workflows import WorkflowsScreen
from helpers.daemon_testing import Harmoniad
from helpers.pilot_steps import finished_chain, opened, pick_in_palette, piloted, reach
from helpers.tui_testing import (
    SAMPLES,
    api_client,
    free_port,
    press,
    toasts,
    unique,
    until,
)
from textual.screen import Screen
from textual.widgets import Input, Static

pytestmark = pytest.mark.anyio

# ---- the command ---------------------------------------------------------------------------------


def test_an_unreachable_url_is_exit_code_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from harmonia.cli.main import main

    # pytest's stdin is no terminal, which is refused first (test_terminal.py): pretend it is
    monkeypatch.setattr("harmonia_tui.cli.needs_terminal", lambda: None)
    assert main(["tui", "--url", f"http://127.0.0.1:{free_port()}"]) == 3
    assert "no Harmonia daemon answers" in capsys.readouterr().err


# ---- help, palette, keys -------------------------------------------------------------------------


async def test_help_lists_every_binding_and_why_some_do_not_apply(daemon: Harmoniad) -> None:
    execution_id = await finished_chain(daemon, "help", seconds=0)
    async with piloted(daemon, open_execution=execution_id) as (_, pilot):
        await opened(pilot, "completed", "loaded")
        text = (await reach(pilot, HelpScreen, "the help", key="question_mark")).text
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
        await reach(pilot, ExecutionScreen, "help closed", key="escape")


async def test_help_on_the_list_lists_the_tables_own_keys(daemon: Harmoniad) -> None:
    async with piloted(daemon) as (_, pilot):
        await reach(pilot, ExecutionsScreen, "the list")
        help_screen = await reach(pilot, HelpScreen, "the help", key="question_mark")
        moving = help_screen.text.split("Moving (ListTable)\n", 1)[-1].split("Everywhere")[0]
        assert "Cursor up" in moving and "Cursor down" in moving, help_screen.text


def footer_keys(screen: Screen[Any]) -> list[str]:
    """The keys the footer shows (dimmed ones too), as `key Description`: the screen's
    active bindings, which leave out those whose `check_action` answers False."""
    return [
        f"{screen.app.get_key_display(active.binding)} {active.binding.description}"
        for active in screen.active_bindings.values()
        if active.binding.show
    ]


async def test_list_footers_show_no_key_that_never_applies_there(daemon: Harmoniad) -> None:
    """Every list showed `r Retry` (a task's action) dimmed, and the first screen `esc Back`:
    keys that never work there. They are left out; pressed, they still say where they apply;
    `esc Back` shows on the first screen while a filter is open (it closes it)."""
    async with piloted(daemon, size=(200, 40)) as (app, pilot):
        first = await reach(pilot, ExecutionsScreen, "the list")
        keys = footer_keys(first)
        assert "s Start" in keys and "r Retry" not in keys and "esc Back" not in keys, keys
        await press(pilot, "slash")
        await until(pilot, lambda: "esc Back" in footer_keys(first), "back, to close the filter")
        await press(pilot, "escape")
        await until(pilot, lambda: "esc Back" not in footer_keys(first), "the filter closed")
        for kind, key in [
            (WorkflowsScreen, "w"),
            (SchedulesScreen, "S"),
            (HooksScreen, "H"),
            (ComponentsScreen, "o"),
        ]:
            screen = await reach(pilot, kind, kind.__name__, key=key)
            keys = footer_keys(screen)
            assert "esc Back" in keys and "/ Filter" in keys, (kind.__name__, keys)
            assert not any(k.endswith((" Retry", " Cancel")) for k in keys), (kind.__name__, keys)
        await press(pilot, "r")
        await until(pilot, lambda: any("open one first" in t for t in toasts(app)), "why not")


async def test_command_palette_reaches_screens_and_actions(daemon: Harmoniad) -> None:
    async with piloted(daemon) as (_, pilot):
        await reach(pilot, ExecutionsScreen, "the list")
        await pick_in_palette(pilot, "workfl", "Workflows", "the palette's search")
        await reach(pilot, WorkflowsScreen, "the workflows screen")


async def test_moving_around_the_graph_opening_a_task_and_quitting(daemon: Harmoniad) -> None:
    sample = SAMPLES / "diamond.yaml"  # prepare -> (double | shift_cmd -> shift) -> join
    async with piloted(daemon, run_file=sample) as (app, pilot):
        graph = (await opened(pilot, "completed", "diamond completed")).graph
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
        await reach(pilot, WorkflowsScreen, "workflows", key="w")  # from anywhere
        await reach(pilot, ExecutionsScreen, "executions", key="e")  # and back
        await press(pilot, "q")
        await until(pilot, lambda: not app.is_running, "the app quit")


# ---- workflows: start one, with inputs checked as the API checks them --------------------------


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
    async with piloted(daemon) as (app, pilot):
        await reach(pilot, ExecutionsScreen, "the list")
        workflows = await reach(pilot, WorkflowsScreen, "workflows", key="s")  # start: workflows
        await until(pilot, lambda: any(w.name == name for w in workflows.items), "listed")
        await press(pilot, "slash")  # the filter box takes the focus by a message, later
        await until(pilot, lambda: isinstance(app.screen.focused, Input), "the filter box")
        await pilot.press(*"inputs", "enter")
        await press(pilot, "s")
        await until(
            pilot,
            lambda: isinstance(app.screen, StartWorkflowScreen) and app.screen.query("#field-1"),
            "the form",
        )
        form = app.screen
        assert isinstance(form, StartWorkflowScreen)
        count = form.query_one("#field-0", Input)
        await until(pilot, lambda: form.focused is count, "the first field focused")
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
        screen = await opened(pilot, "completed", "the new execution completed")
        assert screen.view is not None and screen.view.input == {"count": 3, "who": "ann"}
        assert screen.view.tasks["greet"].output == {"text": "hello ann", "n": 3}
        # the detail pane repaints on the next coalesced refresh, not with the status
        await until(pilot, lambda: "hello ann" in screen.detail.shown_text, "greet's detail")


async def test_run_file_submits_it_and_opens_the_execution(daemon: Harmoniad) -> None:
    async with piloted(daemon, run_file=SAMPLES / "diamond.yaml") as (_, pilot):
        screen = await opened(pilot, "completed", "diamond completed")
        assert screen.shape is not None and screen.shape.known
        assert screen.layout_ is not None
        assert screen.layout_.layers[0] == ("prepare",) and "join" in screen.layout_.layers[3]
        assert "◂ double, shift" in screen.graph.row_text("join")


async def test_run_file_with_an_input_starts_it_with_that_input(
    daemon: Harmoniad, tmp_path: Path
) -> None:
    """`harmonia tui --run FILE --input who=ada`: a workflow with a required input runs."""
    wanting = tmp_path / "wanting.yaml"
    wanting.write_text(
        "name: wanting\ninput: {who: {type: string}}\n"
        "tasks:\n  a: {component: core, action: echo, input: {hello: '${input.who}'}}\n"
    )
    async with piloted(daemon, run_file=wanting, run_input={"who": "ada"}) as (_, pilot):
        screen = await opened(pilot, "completed", "wanting completed")
        assert screen.view is not None
        async with api_client(daemon) as client:
            execution = await client.get_execution(screen.view.id)
        assert execution.input == {"who": "ada"}
        assert execution.tasks["a"].output == {"hello": "ada"}


async def test_run_file_with_an_input_the_daemon_refuses_opens_the_form_with_it(
    daemon: Harmoniad, tmp_path: Path
) -> None:
    """`harmonia tui --run FILE -i who=5` (read as the integer 5, the input is a string):
    the 422 was a toast and the operator was left on the list, to find the workflow and start
    it again with s. The start form now opens with the value given and the daemon's problem
    on its field."""
    wanting = tmp_path / "wanting.yaml"
    wanting.write_text(
        "name: wanting\ninput: {who: {type: string}, n: {type: integer, default: 1}}\n"
        "tasks:\n  a: {component: core, action: echo, input: {hello: '${input.who}'}}\n"
    )
    async with piloted(daemon, run_file=wanting, run_input={"who": 5}) as (_, pilot):
        form = await reach(pilot, StartWorkflowScreen, "the start form")
        await until(pilot, lambda: form.query("#error-0"), "its fields")
        assert form.query_one("#field-0", Input).value == "5"  # as given
        assert form.query_one("#field-1", Input).value == "1"  # the default
        error = str(form.query_one("#error-0", Static).render())
        assert error == "expected string, got integer 5", error
        form.query_one("#field-0", Input).value = "ada"
        form.submit()
        screen = await opened(pilot, "completed", "wanting completed")
        assert screen.view is not None and screen.view.input == {"who": "ada", "n": 1}


REFUSED_FILES = [
    pytest.param(
        "name: bad\ntasks:\n  a: {component: core, action: nope}\n"
        "  b: {component: core, action: echo, depends_on: [zz]}\n",
        lambda error: "bad.yaml" in error and "nope" in error and "zz" in error,
        ExecutionsScreen,  # not stored: nothing to start
        id="every-problem-shown",
    ),
    pytest.param(  # the daemon's message and its one problem are the same line: shown twice
        "name: bad\ninput: {who: {type: string}}\ntasks:\n  a: {component: core, action: echo}\n",
        lambda error: error.endswith("|input 'who': missing required input"),
        StartWorkflowScreen,  # stored: its form asks for the input
        id="a-missing-input-said-once",
    ),
]


@pytest.mark.parametrize(("text", "told", "then"), REFUSED_FILES)
async def test_run_file_the_daemon_refuses(
    daemon: Harmoniad, tmp_path: Path, text: str, told: Callable[[str], bool], then: type[Any]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    async with piloted(daemon, run_file=bad) as (app, pilot):
        await until(pilot, lambda: any("422" in t for t in toasts(app)), "the validation error")
        error = next(t for t in toasts(app) if "422" in t)
        assert told(error), error
        await reach(pilot, then, then.__name__)
