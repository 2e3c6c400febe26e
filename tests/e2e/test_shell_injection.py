"""Whoever starts a workflow chooses its inputs, never the commands its shell tasks run.

Through the engine (on both anyio backends), the real `harmonia run` and a real daemon: a
hostile input substituted into a `command` string bare, in single quotes, in double quotes or
in an argv list reaches the command as exactly its own text, and runs nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.cli_process import cli_subprocess
from helpers.daemon_testing import Harmoniad
from helpers.engine_probe import engine_options, run_to_end

from harmonia.engine import open_engine
from harmonia.events import EventType
from harmonia.loader import load_workflow_dict

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shells")

HOSTILE = [
    "1; touch FILE",
    "$(touch FILE)",
    "`touch FILE`",
    "'; touch FILE; echo '",
    '"; touch FILE; echo "',
    "a\ntouch FILE",
    "\\",
    "",
    "* ~ $HOME {a,b}",
]


def injection_workflow(workdir: Path, *, raw: bool = False) -> dict[str, Any]:
    def task(command: str | list[str]) -> dict[str, Any]:
        return {
            "component": "shell",
            "action": "run",
            "input": {"command": command, "cwd": str(workdir)},
        }

    if raw:  # the author's explicit opt-out: the caller's text is shell code
        tasks = {"raw": task("printf '%s|' ${raw:input.x}")}
    else:
        tasks = {
            "bare": task("printf '%s|' ${input.x}"),
            "single": task("printf '%s|' '${input.x}'"),
            "double": task("printf '%s|' \"${input.x}\""),
            "argv": task(["printf", "%s|", "${input.x}"]),
        }
    return {"name": "hostile", "input": {"x": {"type": "string"}}, "tasks": tasks}


QUOTED = ("bare", "single", "double", "argv")


# ---- the engine -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_engine_quotes_hostile_inputs(data_dir: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    wf = load_workflow_dict(injection_workflow(workdir))
    async with open_engine(data_dir, **engine_options()) as engine:
        for value in HOSTILE:
            state = await run_to_end(engine, wf, {"x": value})
            for tid in QUOTED:
                task = state.tasks[tid]
                assert task.status == "completed", (value, tid, task.error)
                assert task.output["stdout"] == value + "|", (value, tid)
            assert not (workdir / "FILE").exists(), value
            # task_started records the command exactly as /bin/sh got it
            events = engine.store.read_events(state.id, 0, None)
            started = {
                e.task_id: e.data["input"]["command"]
                for e in events
                if e.type == EventType.TASK_STARTED
            }
            if value == "1; touch FILE":
                assert started["bare"] == "printf '%s|' '1; touch FILE'"
                assert started["single"] == "printf '%s|' '1; touch FILE'"
                assert started["double"] == "printf '%s|' \"1; touch FILE\""
                assert started["argv"] == ["printf", "%s|", "1; touch FILE"]
        # The explicit raw form does what it says.
        raw = load_workflow_dict(injection_workflow(workdir, raw=True))
        state = await run_to_end(engine, raw, {"x": "1; touch FILE"})
        assert state.tasks["raw"].output["stdout"] == "1|"
        assert (workdir / "FILE").exists()


# ---- the real `harmonia run` ----------------------------------------------------------------


def test_cli_run_quotes_hostile_inputs(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    document = injection_workflow(workdir)
    flow = tmp_path / "hostile.yaml"
    flow.write_text(yaml.safe_dump(document), encoding="utf-8")
    env = {**os.environ, "HARMONIA_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    harmonia = cli_subprocess(env, Path.cwd(), timeout=60)
    for value in ("1; touch FILE", "$(touch FILE)", "'; touch FILE; echo '"):
        data = str(tmp_path / "data")
        run = harmonia("run", flow, "--json", "--data-dir", data, "--input", f"x={value}")
        assert run.returncode == 0, run.stderr
        doc = json.loads(run.stdout)
        for tid in QUOTED:
            assert doc["tasks"][tid]["output"]["stdout"] == value + "|", (value, tid)
        assert not (workdir / "FILE").exists(), value


def test_cli_validate_refuses_a_reference_in_a_comment(tmp_path: Path) -> None:
    flow = tmp_path / "comment.yaml"
    flow.write_text(
        "name: c\ninput: {x: {type: string}}\ntasks:\n  t:\n    component: shell\n"
        "    action: run\n    input: {command: 'echo hi # ${input.x}'}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "harmonia.cli.main", "validate", str(flow)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "task 't', field 'input.command'" in done.stdout + done.stderr
    assert "inside a shell comment" in done.stdout + done.stderr


# ---- a real daemon: a caller who may only start a stored workflow ------------------------------


def test_daemon_stored_workflow_with_hostile_input(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    with Harmoniad(tmp_path / "data") as daemon, daemon.client() as api:
        stored = api.post(
            "/api/v1/workflows",
            content=yaml.safe_dump(injection_workflow(workdir)),
            headers={"Content-Type": "application/yaml"},
        )
        assert stored.status_code == 201, stored.text
        for value in ("1; touch FILE", "$(touch FILE)", "`touch FILE`", "'; touch FILE; '"):
            started = api.post(
                "/api/v1/executions",
                json={"workflow_id": stored.json()["id"], "input": {"x": value}},
            )
            assert started.status_code == 201, started.text
            execution = daemon.wait_finished(started.json()["id"])
            for tid in QUOTED:
                task = execution["tasks"][tid]
                assert task["output"]["stdout"] == value + "|", (value, tid)
            assert not (workdir / "FILE").exists(), value
        # a workflow that puts a reference where it cannot be quoted is refused, not stored
        refused = api.post(
            "/api/v1/workflows",
            content=yaml.safe_dump(
                {
                    "name": "bad",
                    "input": {"x": {"type": "string"}},
                    "tasks": {
                        "t": {
                            "component": "shell",
                            "action": "run",
                            "input": {"command": "echo `echo ${input.x}`"},
                        }
                    },
                }
            ),
            headers={"Content-Type": "application/yaml"},
        )
        assert refused.status_code == 422, refused.text
        assert "backquotes" in refused.text


@pytest.mark.anyio
async def test_a_value_no_process_can_be_given_fails_the_task_clearly(
    data_dir: Path, tmp_path: Path
) -> None:
    wf = load_workflow_dict(injection_workflow(tmp_path))
    async with open_engine(data_dir, **engine_options()) as engine:
        state = await run_to_end(engine, wf, {"x": "a\0b"})
    for tid in QUOTED:
        error = state.tasks[tid].error
        assert error is not None and error["kind"] == "invalid_input", (tid, error)
        assert "no process can be given" in error["message"]
