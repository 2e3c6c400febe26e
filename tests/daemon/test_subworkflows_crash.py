"""kill -9 of a real `harmoniad` while a child execution runs: on restart both go on, the
parent's task re-attaches to the child its attempt recorded (no second child), and no task
whose completion was recorded runs again in either execution.

Every task appends a line to a side file when its code runs, so "ran again" is counted, not
inferred. The kill is synchronised on a condition (the child's blocking task has started),
and the child is released by a file the test creates after the restart.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from helpers.daemon_testing import Harmoniad
from helpers.waiting import wait_until


def appends(word: str) -> list[str]:
    return ["sh", "-c", 'echo "$1" >> "$2"', "sh", word, "${input.log}"]


def shell(word: str, **more: Any) -> dict[str, Any]:
    """A task that records `word` in the side file when it runs."""
    return {"component": "shell", "action": "run", "input": {"command": appends(word)}, **more}


BLOCKS = 'echo child-wait >> "$1"; while [ ! -f "$2" ]; do sleep 0.02; done'

CHILD = {
    "name": "crash-child",
    "input": {"log": {"type": "string"}, "release": {"type": "string"}},
    "tasks": {
        "first": shell("child-first"),
        "wait": {
            "component": "shell",
            "action": "run",
            "depends_on": ["first"],
            "input": {"command": ["sh", "-c", BLOCKS, "sh", "${input.log}", "${input.release}"]},
        },
        "last": shell("child-last", depends_on=["wait"]),
    },
    "output": {"done": "${tasks.last.output.exit_code}"},
}


def parent(child_id: str) -> dict[str, Any]:
    return {
        "name": "crash-parent",
        "input": {"log": {"type": "string"}, "release": {"type": "string"}},
        "tasks": {
            "before": shell("parent-before"),
            "sub": {
                "component": "workflow",
                "action": "run",
                "depends_on": ["before"],
                "input": {
                    "workflow": child_id,
                    "input": {"log": "${input.log}", "release": "${input.release}"},
                },
            },
            "after": shell("parent-after", depends_on=["sub"]),
        },
        "output": {"child": "${tasks.sub.output}"},
    }


def wait_for_line(path: Path, text: str, within: float = 30.0) -> None:
    """A condition on a file nothing can signal us about: polled, with a deadline."""
    deadline = time.monotonic() + within
    while not (path.exists() and text in path.read_text()):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path}"
        time.sleep(0.02)


def recorded(api: httpx.Client, execution_id: str, kind: str, task_id: str) -> bool:
    """Whether the execution's journal holds that event (the events page reads it)."""
    page = api.get(f"/api/v1/executions/{execution_id}/events", params={"limit": 10000}).json()
    return any(e["type"] == kind and e["task_id"] == task_id for e in page["items"])


def test_kill_9_while_a_child_runs(tmp_path: Path) -> None:
    log, release = tmp_path / "ran.log", tmp_path / "release"
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        with daemon.client() as api:
            child_wf = api.post("/api/v1/workflows", json=CHILD).json()["id"]
            parent_wf = api.post("/api/v1/workflows", json=parent(child_wf)).json()["id"]
            body = {"workflow_id": parent_wf, "input": {"log": str(log), "release": str(release)}}
            started = api.post("/api/v1/executions", json=body)
            assert started.status_code == 201, started.text
            parent_id = started.json()["id"]
            wait_for_line(log, "child-wait")
            before = api.get(f"/api/v1/executions/{parent_id}").json()
            child_id = before["tasks"]["sub"]["child_execution_id"]
            assert child_id is not None
            # `wait` starts once `first` completed in memory; its completion reaches the
            # journal a commit later: killed before that, `first` rightly ran again
            wait_until(
                lambda: recorded(api, child_id, "task_completed", "first"),
                30,
                "the child's first task's completion in its journal",
            )
        daemon.kill()

        daemon.start()  # the same data folder: recovery resumes both executions
        release.touch()
        done = daemon.wait_finished(parent_id)
        with daemon.client() as api:
            child = api.get(f"/api/v1/executions/{child_id}").json()
            listed = api.get("/api/v1/executions", params={"limit": 100}).json()["items"]
    finally:
        daemon.terminate()

    assert done["status"] == "completed", done
    assert child["status"] == "completed", child
    assert done["tasks"]["sub"]["child_execution_id"] == child_id  # re-attached
    assert done["tasks"]["sub"]["attempts"] == 2  # the interrupted one, and the re-attached
    assert done["output"] == {"child": {"done": 0}}
    assert child["parent"] == {"execution_id": parent_id, "task_id": "sub", "depth": 1}
    assert [e["workflow"] for e in listed].count("crash-child") == 1  # no second child
    ran = Counter(log.read_text().split())
    # completed before the kill: never again; interrupted: once more; the rest: once
    assert ran == {
        "parent-before": 1,
        "child-first": 1,
        "child-wait": 2,
        "child-last": 1,
        "parent-after": 1,
    }
