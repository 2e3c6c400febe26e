"""A task that kills the process running it: crash loops end, worker processes do not linger.

Through the real daemon (`harmoniad` subprocesses on one data folder) and the real CLI
(`harmonia run` / `harmonia resume`). The task kills its process with `os._exit(7)`, which only
an `isolation: inline` python task can do to the engine; a worker process dying is tested in
tests/pyworker/test_pool.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from helpers.daemon_testing import Harmoniad, echo_workflow, start_execution
from helpers.procs import alive
from helpers.waiting import wait_until
from helpers.workflows import task

HELPERS = Path(__file__).resolve().parents[1] / "helpers"

EXIT = 7
"""The exit code `killers:exit_now` gives the engine's process."""


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(HELPERS), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path}


def killer_workflow() -> dict[str, Any]:
    return {
        "name": "killer",
        "tasks": {
            "boom": task(
                "python.call",
                input={"function": "killers:exit_now", "args": [EXIT], "isolation": "inline"},
            ),
            "steady": task("core.echo", input={"x": 1}),
            "after": task("core.echo", "boom", input={"y": 2}),
        },
    }


def gate_workflow(gate: Path) -> dict[str, Any]:
    """An execution that is busy in a worker process until the test opens the gate."""
    return {
        "name": "gated",
        "tasks": {
            "gate": task(
                "python.call", input={"function": "killers:wait_for_file", "args": [str(gate), 120]}
            ),
            "then": task("core.echo", "gate", input={}),
        },
    }


def test_a_task_that_kills_the_daemon_fails_as_crash_loop_at_the_third_restart(
    tmp_path: Path,
) -> None:
    gate = tmp_path / "gate"
    daemon = Harmoniad(tmp_path / "data", env=_env()).start()
    assert daemon.process is not None
    try:
        with daemon.client() as client:
            gated = start_execution(client, gate_workflow(gate))
            wait_until(Path(f"{gate}.started").exists, 30, "the gate task to start")
            killer = start_execution(client, killer_workflow())
        assert daemon.process.wait(timeout=30) == EXIT  # crash 1

        for crash in (2, 3):  # each restart recovers the task, which kills the daemon again
            _dies_of_the_recovered_task(daemon)
            assert daemon.process.returncode == EXIT, f"crash {crash}"

        daemon.start()  # the third restart: boom is not started again
        with daemon.client() as client:
            assert client.get("/health").status_code == 200
            shown = wait_until(lambda: _finished(client, killer), 30, "the killer execution to end")
            boom = shown["tasks"]["boom"]
            assert shown["status"] == "failed"
            assert boom["status"] == "failed" and boom["error"]["kind"] == "crash_loop"
            assert boom["error"]["details"] == {"crashed_attempts": [1, 2, 3]}
            assert [h["status"] for h in boom["history"]] == ["interrupted"] * 3
            assert shown["tasks"]["steady"]["status"] == "completed"
            assert shown["tasks"]["after"]["status"] == "pending"

            # the other execution was running at the first crash and goes on
            gate.touch()
            other = wait_until(lambda: _finished(client, gated), 30, "the gated execution to end")
            assert other["status"] == "completed", other
            assert other["tasks"]["gate"]["output"] == "opened"
            fresh = start_execution(client, echo_workflow())
            assert (
                wait_until(lambda: _finished(client, fresh), 30, "a new execution to end")["status"]
                == "completed"
            )
    finally:
        daemon.terminate()


def _dies_of_the_recovered_task(daemon: Harmoniad) -> None:
    """A restart that recovers the killer task dies of it: usually before it announces itself,
    sometimes just after (recovery's runner and the server's start race, and either may come
    first); either way the process ends with the task's exit code."""
    try:
        daemon.start()
    except RuntimeError as exc:
        assert f"exited with {EXIT} before listening" in str(exc), exc
    else:
        assert daemon.process is not None
        daemon.process.wait(timeout=30)


def _finished(client: httpx.Client, execution_id: str) -> dict[str, Any] | None:
    shown = dict(client.get(f"/api/v1/executions/{execution_id}").json())
    return shown if shown["status"] in ("completed", "failed", "canceled") else None


def test_restarting_the_daemon_cleanly_is_not_a_crash(tmp_path: Path) -> None:
    """Three SIGTERMs while a task runs: each stop is on record, the task goes on after."""
    gate = tmp_path / "gate"
    started = Path(f"{gate}.started")
    daemon = Harmoniad(tmp_path / "data", env=_env()).start()
    try:
        with daemon.client() as client:
            execution_id = start_execution(client, gate_workflow(gate))
        for _ in range(3):
            wait_until(started.exists, 30, "the task to start")
            started.unlink()
            assert daemon.terminate() == 0
            daemon.start()
        wait_until(
            started.exists, 30, "the fourth start"
        )  # running a fourth time, not failed as a crash loop
        gate.touch()
        with daemon.client() as client:
            shown = wait_until(lambda: _finished(client, execution_id), 30, "the execution to end")
    finally:
        daemon.terminate()
    assert shown["status"] == "completed"
    history = shown["tasks"]["gate"]["history"]
    assert [h["status"] for h in history] == ["stopped"] * 3 + ["completed"]


def test_worker_processes_do_not_outlive_a_killed_daemon(tmp_path: Path) -> None:
    marker = tmp_path / "busy-pid"
    workflow = {
        "name": "workers",
        "tasks": {
            "quick": task("python.call", input={"function": "os:getpid"}),
            "busy": task(
                "python.call",
                input={"function": "killers:pid_then_sleep", "args": [str(marker), 120]},
            ),
        },
    }
    daemon = Harmoniad(tmp_path / "data", env=_env()).start()
    try:
        with daemon.client() as client:
            execution_id = start_execution(client, workflow)
            wait_until(marker.exists, 30, "the busy task to publish its pid")
            quick = wait_until(
                lambda: client.get(f"/api/v1/executions/{execution_id}").json()["tasks"]["quick"][
                    "output"
                ],
                30,
                "the quick task's output",
            )
        busy = int(marker.read_text())
        assert quick != busy and alive(quick) and alive(busy)  # one idle worker, one busy
        daemon.kill()
        wait_until(lambda: not alive(quick) and not alive(busy), 10, "both workers to end")
    finally:
        daemon.kill()


def test_harmonia_resume_of_a_crash_loop_fails_the_task(tmp_path: Path) -> None:
    """The CLI variant: `harmonia run` dies, and so does each `harmonia resume`, until the
    third resume finds the task was running at each of the last three crashes."""
    workflow = tmp_path / "killer.json"
    workflow.write_text(json.dumps(killer_workflow()))
    data = tmp_path / "data"
    env = {**os.environ, **_env(), "NO_COLOR": "1"}

    def harmonia(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "harmonia.cli.main", *args, "--data-dir", str(data)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    assert harmonia("run", str(workflow)).returncode == EXIT
    (row,) = json.loads(harmonia("executions", "--json").stdout)
    assert harmonia("resume", row["id"]).returncode == EXIT
    assert harmonia("resume", row["id"]).returncode == EXIT
    last = harmonia("resume", row["id"])
    assert last.returncode == 1, last.stderr
    assert "crash_loop" in last.stderr
    shown = json.loads(harmonia("show", row["id"], "--json").stdout)
    assert shown["status"] == "failed"
    assert shown["tasks"]["boom"]["error"]["kind"] == "crash_loop"
    assert shown["tasks"]["steady"]["status"] == "completed"
