"""The pure parts of the CLI, in-process: input parsing, progress lines, tables, paths, parser."""

from __future__ import annotations

import argparse
import gc
import io
import re
from pathlib import Path
from typing import Any

import anyio
import pytest

from harmonia.cli.errors import CliError
from harmonia.cli.follow import run_sync
from harmonia.cli.inputs import (
    input_from_args,
    load_input_file,
    merge_inputs,
    parse_input_pairs,
    parse_input_value,
)
from harmonia.cli.main import main
from harmonia.cli.progress import (
    ProgressTracker,
    ProgressView,
    format_clock,
    format_duration,
    format_event,
    format_status,
    one_line,
)
from harmonia.cli.report import executions_table, render_table, summary_lines
from harmonia.cli.style import Style, style_for
from harmonia.cli.templates import parameter_values
from harmonia.events import Event
from harmonia.paths import default_data_dir
from harmonia.state import ExecutionState, TaskState

# ---- --input / --input-file ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("-2.5", -2.5),
        ("true", True),
        ("null", None),
        ('{"a": 1}', {"a": 1}),
        ("[1, 2]", [1, 2]),
        ('"quoted"', "quoted"),
    ],
)
def test_input_values_are_json(text: str, value: Any) -> None:
    assert parse_input_value(text) == value


@pytest.mark.parametrize("text", ["abc", "", "NaN", "{not json", "3 apples"])
def test_input_values_that_are_not_json_stay_strings(text: str) -> None:
    assert parse_input_value(text) == text


def test_input_pairs() -> None:
    assert parse_input_pairs(["n=3", "s=abc", "q=a=b", "n=4", "e="]) == {
        "n": 4,
        "s": "abc",
        "q": "a=b",
        "e": "",
    }
    for bad in ("novalue", "=3", " =3"):
        with pytest.raises(CliError, match="expected KEY=VALUE"):
            parse_input_pairs([bad])


def test_input_file(tmp_path: Path) -> None:
    yaml_file = tmp_path / "in.yaml"
    yaml_file.write_text("n: 1\nnames: [a, b]\n")
    assert load_input_file(yaml_file) == {"n": 1, "names": ["a", "b"]}
    json_file = tmp_path / "in.json"
    json_file.write_text('{"n": 2}')
    assert load_input_file(json_file) == {"n": 2}
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_input_file(empty) == {}

    json_file.write_text("n: 2")  # YAML in a .json file: strict JSON is expected
    with pytest.raises(CliError, match="invalid JSON"):
        load_input_file(json_file)
    yaml_file.write_text("- 1\n- 2\n")
    with pytest.raises(CliError, match="expected an object of input names"):
        load_input_file(yaml_file)
    yaml_file.write_text("a: [\n")
    with pytest.raises(CliError, match=":1: YAML syntax error: "):
        load_input_file(yaml_file)
    with pytest.raises(CliError, match="cannot read the file"):
        load_input_file(tmp_path / "missing.yaml")


def test_a_param_file_speaks_of_parameters(tmp_path: Path) -> None:
    """`templates instantiate --param-file` said "an object of input names": a template has
    parameters (the word of its other messages)."""
    listed = tmp_path / "p.yaml"
    listed.write_text("- 1\n")
    with pytest.raises(CliError) as caught:
        parameter_values({}, [], str(listed))
    assert str(caught.value) == (
        f"--param-file {listed}: expected an object of parameter names to values, got array"
    )


def test_input_file_problems_are_located_as_in_a_workflow_file(tmp_path: Path) -> None:
    """A YAML error said `in "<unicode string>", line 2, column 1` and a list `not list`: the
    file and line, and the words of a workflow file's problems, instead."""
    yaml_file = tmp_path / "in.yaml"
    yaml_file.write_text("n: 1\nnames: [a, b\n")
    with pytest.raises(CliError) as caught:
        load_input_file(yaml_file)
    assert str(caught.value) == (
        f"--input-file {yaml_file}:2: YAML syntax error: while parsing a flow sequence: "
        "did not find expected ',' or ']' before the end of the file"
    )
    yaml_file.write_text("- 1\n")
    with pytest.raises(CliError) as caught:
        load_input_file(yaml_file)
    assert str(caught.value) == (
        f"--input-file {yaml_file}: expected an object of input names to values, got array"
    )


def test_a_big_integer_input_is_named_as_other_input_problems() -> None:
    args = argparse.Namespace(input=["n=99999999999999999999999"], input_file=None)
    with pytest.raises(CliError) as caught:
        input_from_args(args)
    assert str(caught.value).startswith("input 'n': integer 99999999999999999999999 is out of")


def test_flags_win_over_the_file() -> None:
    assert merge_inputs({"a": 1, "b": 2}, {"b": 3}) == {"a": 1, "b": 3}


# ---- progress lines --------------------------------------------------------------------------


def ev(seq: int, type: str, task: str | None = None, **data: Any) -> Event:
    return Event(seq, type, "20261126-130501-abcdef", task, 1_700_000_000.25, data)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0.41, "0.41s"),
        (9.999, "10.0s"),
        (12.34, "12.3s"),
        (59.99, "1m00s"),
        (125, "2m05s"),
        (3725, "1h02m"),
        (-1, "0.00s"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


def test_format_clock() -> None:
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.250", format_clock(1_700_000_000.25))
    assert format_clock(1_700_000_000.9999).endswith(".000")


def test_event_lines() -> None:
    def line(event: Event) -> str | None:
        text = format_event(event, task_width=6)
        return None if text is None else text[len("13:05:01.234  ") :]

    assert line(ev(2, "task_started", "fetch", attempt=1)) == "fetch   started    attempt 1"
    assert (
        line(ev(3, "task_completed", "fetch", attempt=1, duration=0.41, output={}))
        == "fetch   completed  attempt 1  0.41s"
    )
    timeout = {"kind": "timeout", "message": "attempt 2 timed out after 5s"}
    assert (
        line(ev(4, "task_failed", "fetch", attempt=2, duration=5.0, error=timeout))
        == "fetch   failed     attempt 2  5.00s  timeout: attempt 2 timed out after 5s"
    )
    retry = ev(5, "retry_attempted", "fetch", attempt=1, duration=0.1, delay=1.2, error=timeout)
    assert line(retry) == (
        "fetch   failed     attempt 1  0.10s  timeout: attempt 2 timed out after 5s"
        "  (retrying in 1.20s)"
    )
    assert (
        line(ev(6, "task_skipped", "fetch", reason="condition is false: x"))
        == "fetch   skipped    condition is false: x"
    )
    started = line(ev(1, "workflow_started", workflow="etl", task_count=3))
    assert started == "execution 20261126-130501-abcdef started: workflow etl, 3 tasks"
    resumed = line(ev(7, "workflow_resumed", "b", reason="retry", reset=["b", "c"]))
    assert resumed == "execution resumed (retry); running again: b, c"
    for quiet in ("workflow_completed", "workflow_failed", "workflow_canceled"):
        assert format_event(ev(9, quiet), task_width=6) is None
    assert format_event(ev(9, "checkpoint_created"), task_width=6) is None


def test_one_line_flattens_and_cuts() -> None:
    assert one_line("a\n  b\tc") == "a b c"
    assert one_line("x" * 50, 10) == "xxxxxxx..."


def test_tracker_and_status_line() -> None:
    tracker = ProgressTracker({"a": "pending", "b": "pending", "c": "pending"})
    for event in [
        ev(2, "task_started", "a", attempt=1),
        ev(3, "task_completed", "a", attempt=1),
        ev(4, "task_started", "b", attempt=1),
        ev(5, "retry_attempted", "b", attempt=1),
        ev(6, "task_started", "c", attempt=1),
    ]:
        tracker.apply(event)
    assert (tracker.done, tracker.running, tracker.failed, tracker.total) == (1, 2, 0, 3)
    tracker.apply(ev(7, "task_failed", "b", attempt=2))
    assert format_status(tracker, 12.34) == "[1/3 done, 1 running, 1 failed] 12.3s"
    tracker.apply(ev(8, "workflow_resumed", reset=["b"], interrupted=[]))
    assert tracker.statuses["b"] == "pending"
    tracker.apply(ev(9, "workflow_canceled"))
    assert tracker.statuses == {"a": "completed", "b": "canceled", "c": "canceled"}


def test_status_line_only_when_live() -> None:
    started = ev(2, "task_started", "a", attempt=1)
    plain = io.StringIO()
    view = ProgressView(plain, ProgressTracker({"a": "pending"}), style=Style(False), live=False)
    view.event(started)
    view.close()
    assert "\r" not in plain.getvalue()
    assert plain.getvalue().endswith("a     started    attempt 1\n")

    tty = io.StringIO()
    tracker = ProgressTracker({"a": "pending"})
    now = iter([100.0, 100.25])  # made, then the event's redraw: no wall clock read
    view = ProgressView(tty, tracker, style=Style(False), live=True, clock=lambda: next(now))
    view.event(started)
    assert tty.getvalue().endswith("\r\x1b[K[0/1 done, 1 running] 0.25s")
    view.close()
    assert tty.getvalue().endswith("\r\x1b[K")


# ---- reports ---------------------------------------------------------------------------------


def test_table_alignment_ignores_colour() -> None:
    colour = Style(True)
    lines = render_table(
        ["ID", "STATUS", "N"],
        [["x", "completed", "1"], ["longer", "failed", "22"]],
        lambda column, text: colour.status(text) if column == 1 else text,
    )
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", ln) for ln in lines]
    assert plain == ["ID      STATUS     N", "x       completed  1", "longer  failed     22"]
    assert "\x1b[32mcompleted\x1b[0m" in lines[1]


def test_executions_table_marks_interrupted_rows() -> None:
    row = {
        "id": "20261126-130501-abcdef",
        "workflow": "etl",
        "status": "running",
        "interrupted": True,
        "created_at": 1_700_000_000.0,
        "started_at": 1_700_000_000.0,
        "finished_at": None,
        "task_count": 4,
        "done_count": 1,
    }
    _, line = executions_table([row], Style(False))
    cells = line.split()
    assert cells[:3] == ["20261126-130501-abcdef", "etl", "interrupted"]
    assert cells[-2:] == ["-", "1/4"]


def test_executions_table_says_how_many_tasks_wait_for_a_person() -> None:
    row = {
        "id": "e1",
        "workflow": "etl",
        "status": "running",
        "created_at": 1_700_000_000.0,
        "started_at": 1_700_000_000.0,
        "task_count": 4,
        "done_count": 1,
        "waiting_count": 2,
    }
    _, line = executions_table([row], Style(False), now=1_700_000_010.0)
    assert line.rstrip().endswith("1/4 (2 waiting)")


def test_summary_of_a_failed_execution() -> None:
    state = ExecutionState(
        id="20261126-130501-abcdef",
        workflow={"name": "etl", "tasks": {}},
        input={},
        status="failed",
        started_at=100.0,
        finished_at=101.5,
        error="1 task(s) failed: load",
        tasks={
            "fetch": TaskState(status="completed", attempts=1),
            "load": TaskState(
                status="failed",
                attempts=3,
                error={"kind": "exit_code", "message": "exited 1\nstderr: no space"},
            ),
            "report": TaskState(),
        },
    )
    assert summary_lines(state, Style(False), data_dir_option="/tmp/my data") == [
        "execution 20261126-130501-abcdef (etl) failed in 1.50s",
        "  tasks: 1 completed, 1 failed, 1 blocked",
        "  failed tasks:",
        "    load  attempt 3  exit_code: exited 1",
        "      stderr: no space",
        "  after fixing the cause, continue with: "
        "harmonia resume 20261126-130501-abcdef --data-dir '/tmp/my data'",
    ]


# ---- paths, colour ---------------------------------------------------------------------------


def test_default_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARMONIA_HOME", str(tmp_path / "home"))
    assert default_data_dir(tmp_path / "given") == tmp_path / "given"
    assert default_data_dir(None) == tmp_path / "home"
    monkeypatch.delenv("HARMONIA_HOME")
    fallback = default_data_dir()
    assert fallback.name.lower() == "harmonia" and fallback.is_absolute()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert style_for(_Terminal()).enabled
    assert not style_for(io.StringIO()).enabled
    monkeypatch.setenv("NO_COLOR", "1")
    assert not style_for(_Terminal()).enabled
    assert Style(False).paint("x", "red") == "x"


# ---- main, in-process ------------------------------------------------------------------------


def test_main_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as version:
        main(["--version"])
    assert version.value.code == 0
    assert capsys.readouterr().out.startswith("harmonia ")
    for argv in (["executions", "--limit", "0"], ["frobnicate"], []):
        with pytest.raises(SystemExit) as usage:
            main(argv)
        assert usage.value.code == 2
    capsys.readouterr()

    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    assert main(["executions", "--data-dir", str(not_a_dir)]) == 2
    assert (
        capsys.readouterr().err == f"harmonia: error: data folder {not_a_dir} is not a directory\n"
    )
    assert main(["executions", "--data-dir", str(tmp_path / "fresh")]) == 0
    assert capsys.readouterr().out.startswith("no executions in ")
    assert not (tmp_path / "fresh").exists()


def test_main_validate_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: good\ntasks:\n  only: {component: core, action: echo}\n")
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out == f"{good}: ok (1 task)\n"
    assert gc.isenabled()  # paused for the command, not left off for the calling process


def test_run_sync_unwraps_a_lone_error_from_task_groups() -> None:
    async def fails() -> None:
        async with anyio.create_task_group(), anyio.create_task_group():
            raise CliError("inner")

    with pytest.raises(CliError, match="inner"):
        run_sync(fails)


@pytest.mark.parametrize(
    "command", [["run"], ["executions"], ["submit"], ["workflows", "list"], ["tui"], ["mcp"]]
)
def test_every_data_dir_help_names_what_it_reads(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The commands' help left out $HARMONIA_DATA_DIR, which they read (README, harmoniad)."""
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "$HARMONIA_HOME, else $HARMONIA_DATA_DIR, else the user data folder" in text
