"""The daemon-side CLI without a daemon: the parser, which commands go where, how client errors
become exit codes, and the conversion of API documents to the views' types."""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

import pytest
from helpers.cli_process import cli_subprocess

from harmonia.cli import commands
from harmonia.cli.errors import EXIT_UNREACHABLE, CliError
from harmonia.cli.gates import at_rest_at_a_gate, may_rest_at_a_gate
from harmonia.cli.main import build_parser, main
from harmonia.cli.remote import (
    api_error_lines,
    engine_event,
    execution_state,
    remote_command,
    summary_row,
)
from harmonia.cli.remote_parser import EmbeddedOrRemote, Remote, uses_daemon
from harmonia.cli.report import show_lines, summary_lines
from harmonia.cli.style import Style
from harmonia.client import (
    ConflictError,
    DaemonUnreachable,
    Event,
    Execution,
    ExecutionSummary,
    ProtocolError,
    ServerError,
    UnauthorizedError,
    ValidationError,
)


@pytest.fixture(autouse=True)
def _no_daemon_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARMONIA_URL", raising=False)
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


# ---- which commands use a daemon -------------------------------------------------------------


DAEMON_ONLY = [
    ["submit", "w.yaml"],
    ["watch", "e1"],
    ["cancel", "e1"],
    ["pause", "e1"],
    ["checkpoint", "e1", "--name", "n"],
    ["restore", "c1"],
    ["workflows"],
    ["workflows", "show", "w1"],
]
EMBEDDED_OR_DAEMON = [["executions"], ["show", "e1"], ["resume", "e1"], ["retry", "e1", "t"]]


@pytest.mark.parametrize("argv", DAEMON_ONLY)
def test_daemon_commands_always_use_the_daemon(argv: list[str]) -> None:
    assert isinstance(parse(*argv).handler, Remote)


@pytest.mark.parametrize("argv", EMBEDDED_OR_DAEMON)
def test_embedded_commands_use_a_daemon_only_when_asked(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = parse(*argv)
    assert isinstance(args.handler, EmbeddedOrRemote)
    assert args.handler.pick(args) is getattr(commands, f"cmd_{argv[0]}")
    with_url = parse(*argv, "--url", "http://127.0.0.1:9")
    assert uses_daemon(with_url)
    assert isinstance(with_url.handler.pick(with_url), Remote)
    monkeypatch.setenv("HARMONIA_URL", "http://127.0.0.1:9")
    assert isinstance(args.handler.pick(args), Remote)


def test_run_never_uses_a_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARMONIA_URL", "http://127.0.0.1:9")
    assert parse("run", "w.yaml").handler is commands.cmd_run


@pytest.mark.parametrize(
    "argv", DAEMON_ONLY + [[*argv, "--url", "http://127.0.0.1:9"] for argv in EMBEDDED_OR_DAEMON]
)
def test_each_daemon_command_runs_its_own_function(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parser names each command's function without importing it: each reaches its own."""
    from harmonia.cli import remote_commands

    ran: list[str] = []

    def command(args: argparse.Namespace) -> int:
        ran.append(argv[0])
        return 7

    monkeypatch.setattr(remote_commands, f"cmd_{argv[0]}", command)
    args = parse(*argv)
    assert args.handler(args) == 7
    assert ran == [argv[0]]


def test_the_options_of_the_new_commands() -> None:
    args = parse("submit", "w.yaml", "-i", "n=3", "--input-file", "in.yaml", "--watch", "--json")
    assert (args.file, args.input, args.input_file, args.watch, args.json) == (
        "w.yaml",
        ["n=3"],
        "in.yaml",
        True,
        True,
    )
    assert parse("checkpoint", "e1", "--name", "before").name == "before"
    assert parse("restore", "c1", "--watch").watch
    assert parse("workflows").action == "list"
    assert (
        parse("workflows", "delete", "w1").action,
        parse("workflows", "delete", "w1").workflow_id,
    ) == (
        "delete",
        "w1",
    )
    with pytest.raises(SystemExit):
        parse("workflows", "frobnicate")


def test_the_help_documents_the_rule_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse("--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "when --url is given or $HARMONIA_URL is set" in text
    assert "3 the daemon could not be reached" in text
    with pytest.raises(SystemExit):
        parse("show", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "$HARMONIA_URL" in text
    assert "in this process" in text


# ---- errors to exit codes --------------------------------------------------------------------


def _raising(exc: Exception) -> int:
    @remote_command
    def command(args: argparse.Namespace) -> int:
        raise exc

    try:
        return command(argparse.Namespace(data_dir=None))
    except CliError as error:
        assert all("\n" not in line for line in error.lines)
        return error.code


def test_client_errors_become_exit_codes() -> None:
    assert _raising(DaemonUnreachable("http://127.0.0.1:9", "connection refused")) == 3
    assert _raising(ConflictError(409, "conflict", "no")) == 2
    assert _raising(ValidationError(422, "validation_error", "bad", [])) == 2
    assert _raising(ServerError(500, "internal_error", "boom")) == 1
    assert _raising(ProtocolError("not JSON")) == 1


def test_validation_problems_follow_the_message_once_each() -> None:
    error = ValidationError(
        422,
        "validation_error",
        "2 problems; the first: <workflow>:3: unknown field",
        [{"message": "unknown field", "line": 3}, {"message": "cycle", "task": "a"}],
    )
    assert api_error_lines(error, default_file="w.yaml") == [
        "2 problems:",  # not the first again: it is listed below
        "w.yaml:3: unknown field",
        "w.yaml, task 'a': cycle",
    ]
    from_the_daemon = ValidationError(
        422,
        "validation_error",
        "<request body>:2, task 'a': bad",
        [{"message": "bad", "file": "<request body>", "line": 2, "task": "a"}],
    )
    assert api_error_lines(from_the_daemon, default_file="w.yaml") == ["w.yaml:2, task 'a': bad"]
    single = ValidationError(422, "validation_error", "x: bad", [{"loc": ["x"], "msg": "bad"}])
    assert api_error_lines(single) == ["x: bad"]


def test_an_unauthorized_answer_says_where_the_token_comes_from(tmp_path: Path) -> None:
    lines = api_error_lines(
        UnauthorizedError(401, "unauthorized", "missing or invalid token"),
        argparse.Namespace(data_dir=str(tmp_path)),
    )
    assert lines[0] == "missing or invalid token"
    assert "$HARMONIA_TOKEN" in lines[1]
    assert str(tmp_path / "token") in lines[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "argv",
    [
        ["watch", "e1"],
        ["workflows"],
        ["cancel", "e1"],
        ["executions"],
        ["show", "e1"],
    ],
)
def test_an_unreachable_daemon_is_one_line_and_exit_3(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    assert main([*argv, "--url", url]) == EXIT_UNREACHABLE == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"harmonia: error: cannot reach the Harmonia daemon at {url} (")


def test_an_unreachable_daemon_from_a_subprocess(tmp_path: Path) -> None:
    workflow = tmp_path / "w.yaml"
    workflow.write_text("name: w\ntasks:\n  a: {component: core, action: echo}\n")
    url = f"http://127.0.0.1:{_free_port()}"
    env = {**os.environ, "HARMONIA_URL": url, "HARMONIA_HOME": str(tmp_path / "home")}
    done = cli_subprocess(env, tmp_path, 60)("submit", workflow, "--watch")
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr == (
        f"harmonia: error: cannot reach the Harmonia daemon at {url} "
        "(connection refused; is harmoniad running?)\n"
    )


def test_a_bad_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "e1", "--url", "ftp://example.org"]) == 2
    assert "invalid daemon URL" in capsys.readouterr().err


def test_a_missing_file_is_reported_before_the_daemon_is_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    assert main(["submit", str(tmp_path / "nope.yaml"), "--url", url]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    assert main(["submit", str(tmp_path / "nope.yaml"), "-i", "novalue", "--url", url]) == 2


# ---- API documents in the views --------------------------------------------------------------

EXECUTION = {
    "id": "20260102-030405-abcd",
    "workflow": "etl",
    "workflow_version": "1.0.0",
    "status": "failed",
    "input": {"limit": 3},
    "created_at": "2026-01-02T03:04:05.000Z",
    "started_at": "2026-01-02T03:04:05.100Z",
    "finished_at": "2026-01-02T03:04:07.600Z",
    "duration": 2.5,
    "error": None,
    "restored_from": None,
    "last_seq": 7,
    "counts": {"completed": 1, "failed": 1, "pending": 1},
    "tasks": {
        "fetch": {
            "status": "completed",
            "attempts": 1,
            "output": {"n": 1},
            "error": None,
            "started_at": "2026-01-02T03:04:05.100Z",
            "finished_at": "2026-01-02T03:04:05.600Z",
            "duration": 0.5,
            "history": [],
        },
        "load": {
            "status": "failed",
            "attempts": 2,
            "output": None,
            "error": {"kind": "exit_code", "message": "exit code 1"},
            "started_at": "2026-01-02T03:04:06.000Z",
            "finished_at": "2026-01-02T03:04:07.500Z",
            "duration": 1.5,
            "history": [],
        },
        "report": {"status": "pending", "attempts": 0, "error": None, "history": []},
    },
}


def test_an_execution_document_renders_like_an_embedded_one() -> None:
    state = execution_state(Execution.model_validate(EXECUTION))
    assert state.workflow_name == "etl"
    assert state.started_at is not None and state.finished_at is not None
    assert round(state.finished_at - state.started_at, 3) == 2.5
    summary = summary_lines(state, Style(False))
    assert summary[0] == "execution 20260102-030405-abcd (etl) failed in 2.50s"
    assert "1 completed, 1 failed, 1 blocked" in summary[1]
    assert any("load  attempt 2  exit_code: exit code 1" in line for line in summary)
    shown = "\n".join(show_lines(state, Style(False)))
    assert "workflow   etl 1.0.0" in shown
    assert "exit_code: exit code 1" in shown


def test_an_event_converts_for_the_progress_view() -> None:
    event = Event.model_validate(
        {
            "seq": 3,
            "type": "task_completed",
            "execution_id": "e1",
            "task_id": "fetch",
            "timestamp": "2026-01-02T03:04:05.250Z",
            "data": {"attempt": 1, "duration": 0.25},
        }
    )
    converted = engine_event(event)
    assert (converted.seq, converted.type, converted.task_id, converted.data["attempt"]) == (
        3,
        "task_completed",
        "fetch",
        1,
    )
    assert converted.timestamp == pytest.approx(1767323045.25)


def test_a_summary_becomes_a_table_row() -> None:
    summary = ExecutionSummary.model_validate(
        {
            "id": "e1",
            "workflow": "w",
            "status": "running",
            "created_at": "2026-01-02T03:04:05.000Z",
            "started_at": None,
            "finished_at": None,
            "task_count": 3,
            "done_count": 1,
            "failed_count": 0,
            "waiting_count": 2,
            "interrupted": True,
            "restored_from": None,
        }
    )
    row = summary_row(summary)
    assert row["interrupted"] is True and row["waiting_count"] == 2
    assert row["created_at"] == pytest.approx(1767323045.0)
    assert row["started_at"] is None


def _run_of(**statuses: str) -> Execution:
    """An execution of `build -> gate -> deploy` plus `other` after `build`, as the daemon
    shows it, with the given task statuses."""
    parents = {"build": [], "gate": ["build"], "deploy": ["gate"], "other": ["build"]}
    tasks = {tid: {"status": s, "depends_on": parents[tid]} for tid, s in statuses.items()}
    return Execution.model_validate({"id": "e1", "status": "running", "tasks": tasks})


def test_at_rest_at_a_gate_only_when_nothing_else_can_start() -> None:
    waiting = {"build": "completed", "gate": "waiting", "deploy": "pending"}
    assert at_rest_at_a_gate(_run_of(**waiting, other="completed"))
    assert not at_rest_at_a_gate(_run_of(**waiting, other="running"))
    # its parent ended: the engine is about to start it, the run is not at rest yet
    assert not at_rest_at_a_gate(_run_of(**waiting, other="pending"))
    decided = {"build": "completed", "gate": "completed", "deploy": "pending"}
    assert not at_rest_at_a_gate(_run_of(**decided, other="completed"))
    assert may_rest_at_a_gate({"gate": "waiting", "deploy": "pending"})
    assert not may_rest_at_a_gate({"gate": "waiting", "other": "retrying"})
