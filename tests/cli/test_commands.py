"""The `harmonia` command line, run for real as a subprocess.

Each subprocess pays the interpreter's and the engine's imports, so tests group related
assertions around a few calls rather than spawning one process per check. Synchronisation with
a running CLI polls the data folder with a deadline; nothing sleeps a fixed time to "let it run".
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.cli_process import Cli, cli_subprocess
from helpers.task_specs import core, shell
from helpers.waiting import wait_until

from harmonia.store import Store

TIMEOUT = 60.0


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HARMONIA_HOME"] = str(home)
    env["NO_COLOR"] = "1"
    env.pop("COLUMNS", None)
    return env


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The default data folder of the CLI under test (via $HARMONIA_HOME)."""
    return tmp_path / "home"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """The folder passed as --data-dir (not created: the CLI must create it when it runs)."""
    return tmp_path / "data"


@pytest.fixture
def cli(home: Path, tmp_path: Path) -> Cli:
    return cli_subprocess(_env(home), tmp_path, TIMEOUT)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def appends(log: Path, word: str) -> str:
    """A shell command that records that a task ran, so a test can count how often it did."""
    return f"echo {word} >> {shlex.quote(str(log))}"


def lines_of(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def flow(name: str, tasks: dict[str, dict[str, Any]], **extra: Any) -> str:
    """A workflow file as JSON text (JSON is YAML; no quoting surprises in shell commands)."""
    return json.dumps({"name": name, **extra, "tasks": tasks}, indent=2)


def flow_file(folder: Path, name: str, **tasks: dict[str, Any]) -> Path:
    """`flow(name, tasks)` written to `folder / NAME.json`, the task ids as keywords."""
    return write(folder / f"{name}.json", flow(name, tasks))


# ---- run: completed, --json, inputs, show, executions -------------------------------------------


def test_run_json_show_and_executions(cli: Cli, data: Path, tmp_path: Path) -> None:
    wf = write(
        tmp_path / "greet.yaml",
        """\
name: greet
version: "2.0.0"
input:
  n: {type: integer}
  s: {type: string, default: "unset"}
  o: {type: object, default: {}}
  f: {type: string, default: "unset"}
tasks:
  first:
    component: core
    action: echo
    input: {n: "${input.n}", s: "${input.s}", o: "${input.o}", f: "${input.f}"}
  second:
    component: core
    action: echo
    depends_on: [first]
    input: {twice: "${tasks.first.output.n}"}
""",
    )
    inputs = write(tmp_path / "inputs.yaml", "n: 1\nf: from-file\n")
    run = cli(
        "run", wf, "--data-dir", data, "--json", "--input-file", inputs,
        "--input", "n=3", "--input", "s=abc", "--input", 'o={"a": 1}',
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)  # stdout holds the document and nothing else
    assert doc["status"] == "completed"
    assert doc["workflow"] == "greet"
    assert doc["input"] == {"n": 3, "s": "abc", "o": {"a": 1}, "f": "from-file"}
    assert set(doc["tasks"]) == {"first", "second"}
    first = doc["tasks"]["first"]
    assert first["status"] == "completed"
    assert first["attempts"] == 1
    assert first["output"] == {"n": 3, "s": "abc", "o": {"a": 1}, "f": "from-file"}
    assert first["error"] is None
    assert first["started_at"].endswith("Z") and first["finished_at"].endswith("Z")
    assert doc["tasks"]["second"]["output"] == {"twice": 3}
    # progress and summary went to stderr
    assert "first" in run.stderr and "completed  attempt 1" in run.stderr
    assert f"execution {doc['id']} (greet) completed" in run.stderr

    show = cli("show", doc["id"][:17], "--data-dir", data, "--json")
    assert show.returncode == 0, show.stderr
    assert json.loads(show.stdout) == doc

    listing = cli("executions", "--data-dir", data, "--json")
    assert listing.returncode == 0, listing.stderr
    rows = json.loads(listing.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == doc["id"]
    assert row["workflow"] == "greet"
    assert row["status"] == "completed"
    assert row["interrupted"] is False
    assert row["task_count"] == 2 and row["done_count"] == 2
    assert row["started_at"] == doc["started_at"]
    assert row["finished_at"] == doc["finished_at"]

    table = cli("executions", "--data-dir", data)
    assert table.returncode == 0, table.stderr
    header, line = table.stdout.splitlines()
    assert header.split() == ["ID", "WORKFLOW", "STATUS", "STARTED", "DURATION", "TASKS"]
    assert line.split()[:3] == [doc["id"], "greet", "completed"]
    assert line.split()[-1] == "2/2"

    text = cli("show", doc["id"], "--data-dir", data)
    assert text.returncode == 0, text.stderr
    assert "greet 2.0.0" in text.stdout
    assert any(ln.split()[:3] == ["first", "completed", "1"] for ln in text.stdout.splitlines())


# ---- run: failure, --quiet, the default data folder ---------------------------------------------


def test_failed_run_exit_1_in_default_home(cli: Cli, home: Path, tmp_path: Path) -> None:
    wf = flow_file(
        tmp_path,
        "fails",
        ok=core("echo"),
        broken=core("fail", input={"message": "the disk is on fire\nsecond line"}),
        after=core("echo", "broken"),
    )
    run = cli("run", wf)  # no --data-dir: $HARMONIA_HOME
    assert run.returncode == 1, run.stderr
    assert "broken" in run.stderr and "failed     attempt 1" in run.stderr
    assert "error: the disk is on fire second line" in run.stderr  # one line per event
    # the summary (stdout without --json) names the failed task with its full error
    assert "fails) failed" in run.stdout
    assert "1 completed, 1 failed, 1 blocked" in run.stdout
    assert "broken  attempt 1  error: the disk is on fire" in run.stdout
    assert "second line" in run.stdout
    assert "harmonia resume" in run.stdout
    assert (home / "catalog.json").exists()

    quiet = cli("run", wf, "--quiet", "--json")
    assert quiet.returncode == 1
    assert json.loads(quiet.stdout)["tasks"]["broken"]["error"] == {
        "message": "the disk is on fire\nsecond line",
        "kind": "error",
    }
    assert "started" not in quiet.stderr  # no progress with --quiet ...
    assert "broken  attempt 1" in quiet.stderr  # ... but a failure is still explained

    listing = cli("executions", "--status", "failed", "--limit", "1", "--json")
    rows = json.loads(listing.stdout)
    assert [r["status"] for r in rows] == ["failed"]
    assert rows[0]["id"] == json.loads(quiet.stdout)["id"]  # newest first
    none = cli("executions", "--status", "completed")
    assert none.returncode == 0 and "no completed executions" in none.stdout


# ---- exit code 2: nothing runs, nothing is written --------------------------------------------


def test_invalid_workflow_exit_2_leaves_no_trace(cli: Cli, data: Path, tmp_path: Path) -> None:
    wf = write(
        tmp_path / "bad.yaml",
        """\
name: bad
tasks:
  fetch:
    component: core
    action: echo
  publish:
    component: shel
    action: run
    depends_on: [fetch]
""",
    )
    run = cli("run", wf, "--data-dir", data)
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    (line,) = run.stderr.splitlines()
    assert line.startswith("harmonia: error: ")
    assert f"{wf}:7, task 'publish', field 'component': unknown component 'shel'" in line
    assert not data.exists()

    missing = cli("run", tmp_path / "nope.yaml", "--data-dir", data)
    assert missing.returncode == 2
    assert "harmonia: error: " in missing.stderr and "nope.yaml" in missing.stderr
    assert not data.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "limit=0"], "input 'limit': "),
        (["--input", "limt=3"], "unknown input 'limt'"),
        (["--input", "novalue"], "expected KEY=VALUE"),
    ],
)
def test_bad_input_exit_2_leaves_no_trace(
    cli: Cli, data: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    wf = write(
        tmp_path / "limits.yaml",
        """\
name: limits
input:
  limit: {type: integer, minimum: 1, default: 5}
tasks:
  one: {component: core, action: echo, input: {limit: "${input.limit}"}}
""",
    )
    run = cli("run", wf, "--data-dir", data, *args)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("harmonia: error: ")
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert not data.exists()


def test_unknown_id_exit_2(cli: Cli, data: Path) -> None:
    show = cli("show", "20990101", "--data-dir", data)
    assert show.returncode == 2
    assert show.stderr == f"harmonia: error: no execution '20990101' in {data}\n"


# ---- validate and schema ----------------------------------------------------------------------


def test_validate_and_schema(cli: Cli, tmp_path: Path) -> None:
    good = write(
        tmp_path / "good.yaml",
        "name: good\ntasks:\n  a: {component: core, action: echo}\n"
        "  b: {component: core, action: echo, depends_on: [a]}\n",
    )
    bad = write(
        tmp_path / "bad.yaml",
        "name: bad\ntasks:\n  a: {component: core, action: echo}\n"
        "  b: {component: core, action: echo, depends_on: [zz]}\n"
        "  c: {component: core, action: nope}\n",
    )
    mixed = cli("validate", good, bad)
    assert mixed.returncode == 2
    lines = mixed.stdout.splitlines()
    assert lines[0] == f"{good}: ok (2 tasks)"
    assert any(
        f"{bad}:4, task 'b', field 'depends_on': unknown dependency 'zz'" in ln for ln in lines
    )
    assert any(f"{bad}:5, task 'c', field 'action'" in ln for ln in lines)

    schema = cli("schema")
    assert schema.returncode == 0
    doc = json.loads(schema.stdout)
    assert doc["$schema"].startswith("https://json-schema.org/")
    assert "tasks" in doc["properties"]


# ---- resume and retry ---------------------------------------------------------------------------


def test_resume_after_fixing_the_cause(cli: Cli, data: Path, tmp_path: Path) -> None:
    log, marker = tmp_path / "ran.log", tmp_path / "MARKER"
    wf = flow_file(
        tmp_path,
        "gate",
        prepare=shell(appends(log, "prepare")),
        check=shell(f"test -f {shlex.quote(str(marker))}", "prepare"),
        publish=shell(appends(log, "publish"), "check"),
    )
    first = cli("run", wf, "--data-dir", data, "--json")
    assert first.returncode == 1, first.stderr
    failed = json.loads(first.stdout)
    assert failed["status"] == "failed"
    assert failed["tasks"]["check"]["error"]["kind"] == "exit_code"
    assert failed["tasks"]["publish"]["status"] == "pending"
    assert lines_of(log) == ["prepare"]

    marker.touch()
    resumed = cli("resume", failed["id"][:-3], "--data-dir", data, "--json")
    assert resumed.returncode == 0, resumed.stderr
    doc = json.loads(resumed.stdout)
    assert doc["id"] == failed["id"]
    assert doc["status"] == "completed"
    assert doc["tasks"]["check"]["attempts"] == 2
    assert doc["tasks"]["prepare"]["attempts"] == 1
    assert lines_of(log) == ["prepare", "publish"]  # prepare did not run again
    assert re.search(r"check +started +attempt 2", resumed.stderr)

    again = cli("resume", failed["id"], "--data-dir", data)
    assert again.returncode == 2
    assert again.stderr.startswith("harmonia: error: ") and "already completed" in again.stderr
    unknown = cli("resume", "nope", "--data-dir", data)
    assert unknown.returncode == 2 and "no execution 'nope'" in unknown.stderr


def test_retry_reruns_the_task_and_its_downstream_only(
    cli: Cli, data: Path, tmp_path: Path
) -> None:
    log = tmp_path / "ran.log"
    wf = flow_file(
        tmp_path,
        "chain",
        a=shell(appends(log, "a")),
        b=shell(appends(log, "b"), "a"),
        c=shell(appends(log, "c"), "b"),
        d=shell(appends(log, "d"), "a"),
    )
    run = cli("run", wf, "--data-dir", data, "--json")
    assert run.returncode == 0, run.stderr
    execution_id = json.loads(run.stdout)["id"]
    assert sorted(lines_of(log)) == ["a", "b", "c", "d"]

    retry = cli("retry", execution_id, "b", "--data-dir", data, "--json")
    assert retry.returncode == 0, retry.stderr
    assert "will run again: b, c" in retry.stderr
    doc = json.loads(retry.stdout)
    assert doc["status"] == "completed"
    assert {t: doc["tasks"][t]["attempts"] for t in "abcd"} == {"a": 1, "b": 2, "c": 2, "d": 1}
    assert sorted(lines_of(log)) == ["a", "b", "b", "c", "c", "d"]

    unknown = cli("retry", execution_id, "zz", "--data-dir", data)
    assert unknown.returncode == 2
    assert "no task 'zz'" in unknown.stderr and "a, b, c, d" in unknown.stderr


# ---- Ctrl+C -------------------------------------------------------------------------------------


def test_ctrl_c_cancels_cleanly(home: Path, data: Path, tmp_path: Path) -> None:
    wf = flow_file(
        tmp_path,
        "nap",
        quick=core("echo"),
        nap=core("sleep", "quick", input={"seconds": 300}),
        after=core("echo", "nap"),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "harmonia.cli.main", "run", wf, "--data-dir", data, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(home),
    )
    try:
        store = Store(data)

        def nap_running() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"the CLI exited early: {proc.communicate()}")
            rows = store.list_summaries() if (data / "catalog.json").exists() else []
            return bool(rows) and store.load_execution(rows[0]["id"]).tasks["nap"].status == (
                "running"
            )

        wait_until(nap_running, 30, "the nap task to run")
        locked = subprocess.run(
            [sys.executable, "-m", "harmonia.cli.main", "resume", "2", "--data-dir", data],
            capture_output=True,
            text=True,
            env=_env(home),
            timeout=TIMEOUT,
            check=False,
        )
        assert locked.returncode == 2
        assert "is being run by another process" in locked.stderr
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "canceling execution" in stderr
    doc = json.loads(stdout)
    assert doc["status"] == "canceled"
    assert doc["tasks"]["quick"]["status"] == "completed"
    assert doc["tasks"]["nap"]["status"] == "canceled"
    assert doc["tasks"]["after"]["status"] == "canceled"
    (row,) = store.list_summaries()
    assert row["status"] == "canceled" and row["interrupted"] is False
    assert store.load_execution(doc["id"]).to_public() == doc


def test_checkpoint_interval_option(cli: Cli, data: Path, tmp_path: Path) -> None:
    """Periodic checkpoints follow --checkpoint-interval; 0 turns them off."""
    wf = write(
        tmp_path / "slow.yaml",
        flow(
            "slow",
            {
                "a": core("sleep", input={"seconds": 0.4}),
                "b": core("sleep", input={"seconds": 0.4}),
            },
            max_concurrency=1,
        ),
    )
    often = cli("run", wf, "--data-dir", data, "--json", "-q", "--checkpoint-interval", "0.05")
    assert often.returncode == 0, often.stderr
    often_id = json.loads(often.stdout)["id"]
    never = cli("run", wf, "--data-dir", data, "--json", "-q", "--checkpoint-interval", "0")
    assert never.returncode == 0, never.stderr
    never_id = json.loads(never.stdout)["id"]
    store = Store(data)
    periodic = [c for c in store.list_checkpoints(often_id) if c["kind"] == "periodic"]
    assert len(periodic) == 1  # the latest periodic checkpoint replaces the previous one
    assert store.list_checkpoints(never_id) == []
