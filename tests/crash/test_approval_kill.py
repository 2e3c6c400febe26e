"""kill -9 of a real `harmoniad` while a task waits at an approval gate: after the restart
the execution still waits (its gate not started again, nothing upstream run again), a
decision goes on from there, and a gate's timeout counts from the start of the wait, not
from the restart."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from helpers.daemon_testing import Harmoniad, sse_stream


def appends(word: str) -> dict[str, Any]:
    command = ["sh", "-c", 'echo "$1" >> "$2"', "sh", word, "${input.log}"]
    return {"component": "shell", "action": "run", "input": {"command": command}}


def gated(**gate_input: Any) -> dict[str, Any]:
    return {
        "name": "gated-crash",
        "input": {"log": {"type": "string"}},
        "tasks": {
            "build": appends("build"),
            "gate": {
                "component": "core",
                "action": "approve",
                "depends_on": ["build"],
                "input": {"message": "ship?", **gate_input},
            },
            "deploy": {**appends("deploy"), "depends_on": ["gate"]},
        },
    }


def start_waiting(api: httpx.Client, workflow: dict[str, Any], log: Path) -> str:
    started = api.post(
        "/api/v1/executions", json={"workflow": workflow, "input": {"log": str(log)}}
    )
    assert started.status_code == 201, started.text
    execution_id = str(started.json()["id"])
    with sse_stream(api, f"/events/executions/{execution_id}") as events:
        for sse in events:
            if sse.event == "task_waiting":
                break
    return execution_id


def test_kill_9_while_waiting_keeps_the_wait_and_the_decision_goes_on(tmp_path: Path) -> None:
    log = tmp_path / "ran.log"
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        with daemon.client() as api:
            execution_id = start_waiting(api, gated(), log)
        daemon.kill()
        daemon.start()
        with daemon.client() as api:
            shown = api.get(f"/api/v1/executions/{execution_id}").json()
            assert shown["status"] == "running", shown
            assert shown["tasks"]["gate"]["status"] == "waiting"
            assert shown["tasks"]["gate"]["attempts"] == 1
            answer = api.post(
                f"/api/v1/executions/{execution_id}/tasks/gate/approve",
                json={"by": "after-restart", "reason": "still fine"},
            )
            assert answer.status_code == 200, answer.text
        done = daemon.wait_finished(execution_id)
    finally:
        daemon.terminate()
    assert done["status"] == "completed", done
    assert done["tasks"]["gate"]["output"]["by"] == "after-restart"
    assert log.read_text().split() == ["build", "deploy"]  # nothing ran twice


def test_a_timeout_counts_from_the_wait_across_a_kill_9(tmp_path: Path) -> None:
    log = tmp_path / "ran.log"
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        with daemon.client() as api:
            execution_id = start_waiting(api, gated(timeout=2), log)
            waited = api.get(f"/api/v1/executions/{execution_id}").json()
        daemon.kill()
        gate = waited["tasks"]["gate"]["history"][-1]["waiting"]
        assert gate["deadline"] == gate["since"] + 2
        time.sleep(max(gate["deadline"] - time.time(), 0.0))  # down past the deadline
        daemon.start()
        done = daemon.wait_finished(execution_id)
        with daemon.client() as api:
            events = api.get(f"/api/v1/executions/{execution_id}/events").json()["items"]
    finally:
        daemon.terminate()
    assert done["status"] == "failed", done
    error = done["tasks"]["gate"]["error"]
    assert error["kind"] == "rejected"
    assert error["details"]["by"] == "timeout"
    assert error["details"]["timed_out"] is True
    decided = [e for e in events if e["type"] == "approval_decided"]
    assert len(decided) == 1
    assert log.read_text().split() == ["build"]
