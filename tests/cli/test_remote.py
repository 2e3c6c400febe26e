"""The `harmonia` commands that talk to a daemon, run as subprocesses against a real
`harmoniad` subprocess.

The daemon's data folder doubles as the CLI's ($HARMONIA_HOME), so the CLI finds the token (and
the daemon's address, for the commands that look for it) where a user's CLI would.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.cli_process import Cli, cli_env, cli_subprocess
from helpers.daemon_testing import (
    Harmoniad,
    chain_workflow,
    echo_workflow,
    held,
    sleep_workflow,
)
from helpers.task_specs import core, shell

from harmonia.cli.progress import format_event, task_column_width
from harmonia.client import Client
from harmonia.events import Event as EngineEvent

TIMEOUT = 90.0
SAMPLES = Path(__file__).resolve().parents[2] / "sample_workflows"


@pytest.fixture
def cli_process(daemon: Harmoniad, tmp_path: Path) -> Cli:
    """`harmonia ARGS` as a subprocess, as a user runs it."""
    return cli_subprocess(cli_env(daemon.data_dir), tmp_path, TIMEOUT)


@pytest.fixture
def client(daemon: Harmoniad) -> Iterator[Client]:
    with Client(daemon.url, daemon.token) as connected:
        yield connected


def write_workflow(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def watch_process(daemon: Harmoniad, execution_id: str, **more: Any) -> subprocess.Popen[str]:
    """`harmonia watch EXECUTION --url DAEMON` started as a process (`more` for Popen), with
    its output piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "harmonia.cli.main", "watch", execution_id, "--url", daemon.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(daemon.data_dir),
        **more,
    )


def submit_echo(cli: Cli, folder: Path, name: str, *args: str) -> Any:
    """`harmonia submit --json ARGS` of `echo_workflow(name)`, which must succeed: the
    execution it prints."""
    flow = write_workflow(folder / "echo.yaml", echo_workflow(name))
    done = cli("submit", flow, "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def failing_until(marker: Path) -> dict[str, Any]:
    """`check` fails until `marker` exists; `after` depends on it."""
    check = f"test -f {shlex.quote(str(marker))}"
    return {
        "name": "until-marker",
        "tasks": {
            "first": core("echo", input={"x": 1}),
            "check": shell(check, "first", retry_policy={"max_retries": 0}),
            "after": core("echo", "check", input={"ok": True}),
        },
    }


def error_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("harmonia: error:")]


# ---- submit and watch ------------------------------------------------------------------------


def test_submit_watch_runs_a_sample_to_completion(cli_process: Cli, daemon: Harmoniad) -> None:
    done = cli_process(
        "submit", SAMPLES / "diamond.yaml", "--watch", "--input", "base=10", "--url", daemon.url
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^execution \S+ \(diamond\) completed in ", done.stdout, re.M)
    assert "tasks: 6 completed" in done.stdout
    assert "started: workflow diamond, 6 tasks" in done.stderr
    for task in ("prepare", "double", "shift_cmd", "shift", "join", "summary"):
        assert len(re.findall(rf"  {task} +completed  attempt 1", done.stderr)) == 1


def test_submit_prints_the_id_and_watch_follows_it(
    cli: Cli, daemon: Harmoniad, client: Client, tmp_path: Path
) -> None:
    flow = write_workflow(tmp_path / "chain.yaml", chain_workflow(3, 0.2, "cli-chain"))
    done = cli("submit", flow, "--url", daemon.url)
    assert done.returncode == 0, done.stderr
    execution_id = done.stdout.strip()
    assert re.fullmatch(r"\S+", execution_id)
    assert f"execution {execution_id} started" in done.stderr

    watched = cli("watch", execution_id, "--url", daemon.url)
    assert watched.returncode == 0, watched.stderr
    assert f"execution {execution_id} (cli-chain) completed" in watched.stdout
    # the whole history, from the start, each event once
    assert f"execution {execution_id} started: workflow cli-chain, 3 tasks" in watched.stderr
    for task in ("s0", "s1", "s2"):
        assert len(re.findall(rf"  {task} +started ", watched.stderr)) == 1
        assert len(re.findall(rf"  {task} +completed ", watched.stderr)) == 1

    as_json = cli("watch", execution_id[:-2], "--json", "--url", daemon.url)
    assert as_json.returncode == 0
    document = json.loads(as_json.stdout)
    assert document["id"] == execution_id
    assert document["status"] == "completed"
    assert document == json.loads(
        client.get_execution(execution_id).model_dump_json(exclude={"interrupted"})
    )


def test_submit_json_without_watch_prints_the_started_execution(
    cli: Cli, daemon: Harmoniad, tmp_path: Path
) -> None:
    document = submit_echo(cli, tmp_path, "json-submit", "-i", "who=zed", "--url", daemon.url)
    assert document["workflow"] == "json-submit"
    assert document["input"] == {"who": "zed"}


def test_submit_finds_the_daemon_by_its_file_or_the_environment(
    cli: Cli, daemon: Harmoniad, tmp_path: Path
) -> None:
    flow = write_workflow(tmp_path / "echo.yaml", echo_workflow("found"))
    # no --url, no $HARMONIA_URL: the daemon.json the daemon wrote into its data folder
    by_file = cli("submit", flow, "--watch", "-q")
    assert by_file.returncode == 0, by_file.stderr
    by_env = cli("submit", flow, "--watch", "-q", env={"HARMONIA_URL": daemon.url})
    assert by_env.returncode == 0, by_env.stderr


def test_a_failed_execution_exits_1_and_retry_fixes_it(
    cli: Cli, daemon: Harmoniad, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    flow = write_workflow(tmp_path / "fails.yaml", failing_until(marker))
    failed = cli("submit", flow, "--watch", "--url", daemon.url)
    assert failed.returncode == 1, failed.stderr
    execution_id = re.search(r"^execution (\S+) \(until-marker\) failed", failed.stdout, re.M)
    assert execution_id is not None, failed.stdout
    eid = execution_id.group(1)
    assert "check  attempt 1" in failed.stdout
    assert f"harmonia resume {eid} --url {daemon.url}" in failed.stdout
    assert "1 blocked" in failed.stdout

    unknown_task = cli("retry", eid, "nope", "--url", daemon.url)
    assert unknown_task.returncode == 2
    assert "has no task 'nope'" in unknown_task.stderr

    marker.write_text("ok")
    retried = cli("retry", eid, "check", "--url", daemon.url)
    assert retried.returncode == 0, retried.stderr
    assert f"retrying check of {eid}; will run again: check, after" in retried.stderr
    assert "completed" in retried.stdout
    # only what ran again is shown: first is history
    assert "  first " not in retried.stderr
    assert len(re.findall(r"  check +completed", retried.stderr)) == 1


def test_resume_through_the_daemon_with_the_environment(
    cli: Cli, daemon: Harmoniad, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    flow = write_workflow(tmp_path / "fails.yaml", failing_until(marker))
    failed = cli("submit", flow, "--watch", "-q", "--url", daemon.url)
    assert failed.returncode == 1
    eid = re.search(r"^execution (\S+) ", failed.stderr, re.M)
    assert eid is not None, failed.stderr
    marker.write_text("ok")
    # $HARMONIA_URL alone sends `resume` to the daemon (not to an embedded engine)
    resumed = cli("resume", eid.group(1), "--json", env={"HARMONIA_URL": daemon.url})
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"
    assert "execution resumed (resume); running again: check" in resumed.stderr


# ---- executions, show ------------------------------------------------------------------------


def test_executions_and_show_through_the_daemon(
    cli: Cli, daemon: Harmoniad, tmp_path: Path
) -> None:
    execution_id = submit_echo(cli, tmp_path, "listed", "--watch", "-q", "--url", daemon.url)["id"]

    table = cli("executions", "--url", daemon.url)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == [
        "ID",
        "WORKFLOW",
        "STATUS",
        "STARTED",
        "DURATION",
        "TASKS",
    ]
    assert re.search(rf"^{execution_id}  +listed +completed .* 2/2$", table.stdout, re.M)

    listed = cli("executions", "--json", "--status", "completed", env={"HARMONIA_URL": daemon.url})
    assert listed.returncode == 0
    rows = json.loads(listed.stdout)
    assert execution_id in {r["id"] for r in rows}
    assert all(r["status"] == "completed" for r in rows)
    assert set(rows[0]) >= {"id", "workflow", "status", "interrupted", "created_at", "task_count"}
    limited = cli("executions", "--json", "--limit", "1", "--url", daemon.url)
    assert len(json.loads(limited.stdout)) == 1

    shown = cli("show", execution_id, "--url", daemon.url)
    assert shown.returncode == 0, shown.stderr
    assert re.search(rf"^execution +{execution_id}$", shown.stdout, re.M)
    assert re.search(r"^status +completed$", shown.stdout, re.M)
    assert re.search(r"^hello +completed +1 ", shown.stdout, re.M)
    as_json = cli("show", execution_id, "--json", "--url", daemon.url)
    assert json.loads(as_json.stdout)["tasks"]["bye"]["output"] == {"prev": "hi world"}


def test_unknown_ids_exit_2(cli: Cli, daemon: Harmoniad) -> None:
    for argv in (
        ["watch", "no-such-execution"],
        ["show", "no-such-execution"],
        ["cancel", "no-such-execution"],
        ["restore", "no-such-checkpoint"],
        ["workflows", "show", "no-such-workflow"],
    ):
        done = cli(*argv, "--url", daemon.url)
        assert done.returncode == 2, (argv, done.stderr)
        assert len(error_lines(done)) == 1, done.stderr
        assert done.stdout == ""


def test_an_invalid_workflow_lists_every_problem(
    cli: Cli, daemon: Harmoniad, tmp_path: Path
) -> None:
    flow = tmp_path / "broken.yaml"
    flow.write_text(
        "name: broken\ntasks:\n  a:\n    component: core\n    action: echo\n"
        "    depends_on: [missing]\n  b:\n    component: nope\n    action: x\n",
        encoding="utf-8",
    )
    done = cli("submit", flow, "--url", daemon.url)
    assert done.returncode == 2
    head, *problems = [line.removeprefix("harmonia: error: ") for line in error_lines(done)]
    assert head == f"{len(problems)} problems:" and len(problems) >= 2  # how many, then each
    assert len(set(problems)) == len(problems)  # once each: the first is not said twice
    assert any(str(flow) in line and "missing" in line for line in problems)
    assert any("nope" in line for line in problems)
    assert done.stdout == ""


def test_a_sub_workflow_path_is_refused_before_anything_is_stored(
    cli: Cli, daemon: Harmoniad, tmp_path: Path
) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "child.yaml").write_text(
        "name: child\ntasks:\n  x: {component: core, action: echo}\n", encoding="utf-8"
    )
    flow = tmp_path / "parent.yaml"
    flow.write_text(
        "name: parent\ntasks:\n  sub:\n    component: workflow\n    action: run\n"
        "    input: {workflow: parts/child.yaml}\n",
        encoding="utf-8",
    )
    with daemon.client() as api:
        stored_before = api.get("/api/v1/workflows").json()["total"]
    done = cli("submit", flow, "--watch", "--url", daemon.url)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = error_lines(done)
    assert f"{flow}:6, task 'sub', field 'input.workflow': sub-workflow 'parts/child.yaml'" in line
    assert "harmonia workflows add parts/child.yaml" in line
    with daemon.client() as api:
        assert api.get("/api/v1/workflows").json()["total"] == stored_before


def test_an_invalid_input_is_refused(cli: Cli, daemon: Harmoniad) -> None:
    """Said once, as `harmonia run` says it: it was said twice, the first time located in a
    file called `<workflow>`."""
    done = cli("submit", SAMPLES / "diamond.yaml", "--input", "base=x", "--url", daemon.url)
    assert done.returncode == 2
    assert error_lines(done) == [
        "harmonia: error: input 'base': expected integer, got string \"x\""
    ]
    ran = cli("run", SAMPLES / "diamond.yaml", "--input", "base=x")
    assert (ran.returncode, error_lines(ran)) == (2, error_lines(done))


def test_a_wrong_token_exits_2_with_a_hint(cli: Cli, daemon: Harmoniad) -> None:
    done = cli("workflows", "--url", daemon.url, env={"HARMONIA_TOKEN": "wrong"})
    assert done.returncode == 2
    lines = error_lines(done)
    assert "HARMONIA_TOKEN" in lines[-1]


# ---- cancel, pause, checkpoint, restore ------------------------------------------------------


def test_cancel_then_cancel_again(
    cli: Cli, daemon: Harmoniad, client: Client, tmp_path: Path
) -> None:
    flow = write_workflow(tmp_path / "sleep.yaml", sleep_workflow(30, "to-cancel"))
    execution_id = cli("submit", flow, "--url", daemon.url).stdout.strip()
    _wait_for(client, execution_id, lambda e: e.type == "task_started")
    canceled = cli("cancel", execution_id, "--url", daemon.url)
    assert canceled.returncode == 0, canceled.stderr
    assert canceled.stdout.strip() == f"execution {execution_id} canceled"
    again = cli("cancel", execution_id, "--url", daemon.url)
    assert again.returncode == 2
    assert len(error_lines(again)) == 1
    watched = cli("watch", execution_id, "-q", "--url", daemon.url)
    assert watched.returncode == 1
    assert "canceled" in watched.stderr


def test_pause_then_resume(cli: Cli, daemon: Harmoniad, client: Client, tmp_path: Path) -> None:
    """The first task runs until the test releases it: the run is still live when `pause`
    comes, however loaded the machine (a 2.4 s chain had ended first on a loaded run)."""
    release = tmp_path / "release"
    chain = held(chain_workflow(4, 0.6, "to-pause"), "s0", release)
    flow = write_workflow(tmp_path / "chain.yaml", chain)
    execution_id = cli("submit", flow, "--url", daemon.url).stdout.strip()
    _wait_for(client, execution_id, lambda e: e.type == "task_started")
    paused = cli("pause", execution_id, "--json", "--url", daemon.url)
    assert paused.returncode == 0, paused.stderr
    assert json.loads(paused.stdout)["status"] == "paused"
    again = cli("pause", execution_id, "--url", daemon.url)
    assert again.returncode == 2
    release.touch()
    resumed = cli("resume", execution_id, "--url", daemon.url)
    assert resumed.returncode == 0, resumed.stderr
    assert "(to-pause) completed" in resumed.stdout


def test_checkpoint_then_restore(cli: Cli, daemon: Harmoniad, tmp_path: Path) -> None:
    submitted = submit_echo(cli, tmp_path, "to-restore", "--watch", "-q", "--url", daemon.url)
    execution_id = submitted["id"]
    made = cli("checkpoint", execution_id, "--name", "snap", "--url", daemon.url)
    assert made.returncode == 0, made.stderr
    checkpoint_id = made.stdout.strip()
    assert re.fullmatch(r"\S+", checkpoint_id)
    assert f"checkpoint 'snap' of execution {execution_id}" in made.stderr
    described = cli("checkpoint", execution_id, "--json", "--url", daemon.url)
    assert json.loads(described.stdout)["execution_id"] == execution_id

    restored = cli("restore", checkpoint_id, "--watch", "--url", daemon.url)
    assert restored.returncode == 0, restored.stderr
    assert "(to-restore) completed" in restored.stdout
    assert f"started from checkpoint {checkpoint_id}" in restored.stderr
    quiet = cli("restore", checkpoint_id, "--url", daemon.url)
    assert quiet.returncode == 0
    assert re.fullmatch(r"\S+\n", quiet.stdout)


# ---- workflows -------------------------------------------------------------------------------


def test_workflows_list_show_delete(cli: Cli, daemon: Harmoniad, client: Client) -> None:
    info = client.create_workflow(yaml.safe_dump(echo_workflow("stored-one")))
    listed = cli("workflows", "--url", daemon.url)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].split() == ["ID", "NAME", "VERSION", "TASKS", "UPDATED"]
    assert re.search(rf"^{info.id}  +stored-one ", listed.stdout, re.M)
    as_json = cli("workflows", "list", "--json", "--url", daemon.url)
    assert info.id in {w["id"] for w in json.loads(as_json.stdout)}

    shown = cli("workflows", "show", info.id, "--url", daemon.url)
    assert shown.returncode == 0
    assert re.search(r"^name +stored-one", shown.stdout, re.M)
    assert "definition:" in shown.stdout
    assert "    hello:" in shown.stdout
    shown_json = json.loads(cli("workflows", "show", info.id, "--json", "--url", daemon.url).stdout)
    assert shown_json["document"]["name"] == "stored-one"

    deleted = cli("workflows", "delete", info.id, "--url", daemon.url)
    assert deleted.returncode == 0
    assert deleted.stdout == ""  # as every delete: a note for people on stderr
    assert f"deleted workflow {info.id}" in deleted.stderr
    assert cli("workflows", "delete", info.id, "--url", daemon.url).returncode == 2
    assert cli("workflows", "show", "--url", daemon.url).returncode == 2  # which one?


# ---- reaching the daemon ---------------------------------------------------------------------


def test_a_stopped_daemon_is_exit_3_with_one_line(tmp_path: Path) -> None:
    stopped = Harmoniad(tmp_path / "data").start()
    url = stopped.url
    stopped.terminate()
    done = subprocess.run(
        [sys.executable, "-m", "harmonia.cli.main", "watch", "abc", "--url", url],
        capture_output=True,
        text=True,
        env=cli_env(tmp_path / "data"),
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"harmonia: error: cannot reach the Harmonia daemon at {url} (")


def test_watch_survives_kill_9_without_missing_or_repeating(tmp_path: Path) -> None:
    first = Harmoniad(tmp_path / "data").start()
    daemons = [first]
    try:
        with Client(first.url, first.token) as client:
            execution = client.start_execution(workflow=chain_workflow(6, 0.5, "watched"))
        watcher = watch_process(first, execution.id)
        progress: list[str] = []
        first_completed = threading.Event()

        def read() -> None:
            assert watcher.stderr is not None
            for line in watcher.stderr:
                progress.append(line.rstrip("\n"))
                if re.search(r"  s0 +completed", line):
                    first_completed.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert first_completed.wait(TIMEOUT), progress
        first.kill()
        daemons.append(Harmoniad(first.data_dir, "--port", str(first.port)).start())
        watcher.wait(timeout=TIMEOUT)  # not communicate(): the reader thread owns stderr
        reader.join(10)
        assert watcher.stdout is not None
        out = watcher.stdout.read()
        with Client(first.url, first.token) as client:
            history = client.events_page(execution.id, limit=10000).items
            final = client.get_execution(execution.id)
    finally:
        for daemon in daemons:
            daemon.kill()
    assert watcher.returncode == 0, "\n".join(progress)
    assert final.status == "completed"
    assert f"execution {execution.id} (watched) completed" in out
    width = task_column_width(list(final.tasks))
    expected = []
    for event in history:
        engine_event = EngineEvent(
            event.seq,
            event.type,
            event.execution_id,
            event.task_id,
            event.timestamp.timestamp(),
            event.data,
        )
        line = format_event(engine_event, task_width=width)
        if line is not None:
            expected.append(line.split("  ", 1)[1])  # without the local clock
    shown = [
        line.split("  ", 1)[1] for line in progress if re.match(r"\d\d:\d\d:\d\d\.\d{3}  ", line)
    ]
    assert shown == expected, "\n".join(["shown:", *progress, "expected:", *expected])


def test_ctrl_c_stops_watching_but_not_the_execution(daemon: Harmoniad, client: Client) -> None:
    execution = client.start_execution(workflow=sleep_workflow(60, "long-nap"))
    # As from a terminal: a test run started in the background by a non-interactive shell
    # inherits SIGINT ignored, and Python then never turns Ctrl+C into KeyboardInterrupt.
    watcher = watch_process(daemon, execution.id, preexec_fn=_sigint_as_from_a_terminal)
    try:
        assert watcher.stderr is not None
        lines = []
        for line in watcher.stderr:
            lines.append(line)
            if re.search(r"  nap +started", line):
                break
        watcher.send_signal(signal.SIGINT)
        rest = watcher.stderr.read()
        watcher.wait(timeout=TIMEOUT)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 130, "".join(lines) + rest
    assert rest.splitlines()[-1] == (
        f"harmonia: error: stopped watching; execution {execution.id} goes on in the daemon "
        f"(harmonia watch {execution.id} --url {daemon.url})"
    )
    assert client.get_execution(execution.id).status == "running"
    client.cancel(execution.id)


# ---- helpers ---------------------------------------------------------------------------------


def _sigint_as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for(client: Client, execution_id: str, predicate: Callable[[Any], bool]) -> None:
    """Follow the execution's events (no polling) until one matches."""
    stream = client.events(execution_id, follow=True)
    try:
        for event in stream:
            if predicate(event):
                return
        raise AssertionError(f"the events of {execution_id} ended without the awaited one")
    finally:
        stream.close()
