"""Join rules across a `kill -9` of the real CLI: a task a rule let run (one_failed after a
failure) whose completion was recorded does not run again after the restart, a rule's skip
stays as journaled, and the tasks still undecided are decided from the recorded statuses.

Each shell task appends `<task> <phase>` to a side file (the phase is the number of the
process that ran it, in `$PHASE`); the kill fires once the journal shows the alert's
completion, a condition polled with a deadline, never a guessed sleep.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from helpers.crash_campaign import harmonia_command, read_journal
from helpers.workflows import task


def workflow(side: Path, flag: Path) -> dict[str, Any]:
    def record(name: str) -> str:
        return f'echo "{name} $PHASE" >> {side}'

    return {
        "name": "rules-crash",
        "defaults": {"timeout": 60},
        "tasks": {
            "bad": task("shell.run", input={"command": "exit 1"}),
            "hold": {
                "component": "shell",
                "action": "run",
                # waits for the test to let it finish (the flag appears before the resume)
                "input": {"command": f"while [ ! -e {flag} ]; do sleep 0.01; done"},
            },
            "alert": task(
                "shell.run", "bad", "hold", rule="one_failed", input={"command": record("alert")}
            ),
            "not_all_failed": task(
                "shell.run",
                "bad",
                "alert",
                rule="all_failed",
                input={"command": record("not_all_failed")},
            ),
            "cleanup": task(
                "shell.run",
                "bad",
                "hold",
                "alert",
                rule="all_done",
                input={"command": record("cleanup")},
            ),
        },
    }


def launch(args: list[str], data_dir: Path, phase: int, logs: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PHASE=str(phase))
    with open(logs / f"{phase}.out", "wb") as out, open(logs / f"{phase}.err", "wb") as err:
        return subprocess.Popen(
            [*harmonia_command(), *args, "--data-dir", str(data_dir), "--json"],
            stdout=out,
            stderr=err,
            env=env,
        )


def events_of(data_dir: Path) -> tuple[str | None, list[dict[str, Any]]]:
    try:
        (folder,) = list((data_dir / "executions").iterdir())
    except (FileNotFoundError, ValueError):
        return None, []
    return folder.name, read_journal(folder / "journal.jsonl")


def test_a_rule_triggered_completion_is_not_run_again_after_kill_9(tmp_path: Path) -> None:
    side, flag, data_dir, logs = (
        tmp_path / "side.log",
        tmp_path / "flag",
        tmp_path / "data",
        tmp_path / "logs",
    )
    logs.mkdir()
    wf_file = tmp_path / "wf.json"
    wf_file.write_text(json.dumps(workflow(side, flag)))

    try:
        check_kill_and_resume(wf_file, side, flag, data_dir, logs)
    finally:
        flag.touch()  # a failed check must not leave `hold` (orphaned by the kill) waiting


def check_kill_and_resume(
    wf_file: Path, side: Path, flag: Path, data_dir: Path, logs: Path
) -> None:
    run = launch(["run", str(wf_file)], data_dir, 1, logs)
    deadline = time.monotonic() + 30
    try:
        while True:
            assert run.poll() is None, (logs / "1.err").read_text()
            assert time.monotonic() < deadline, "the alert's completion was never journaled"
            execution_id, events = events_of(data_dir)
            ended = {(e["type"], e.get("task_id")) for e in events}
            if {("task_completed", "alert"), ("task_skipped", "not_all_failed")} <= ended:
                break
            time.sleep(0.005)  # polling the journal for a condition (with a deadline)
    finally:
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL
    assert execution_id is not None
    assert side.read_text() == "alert 1\n"

    flag.touch()
    resume = launch(["resume", execution_id], data_dir, 2, logs)
    assert resume.wait(timeout=60) == 1, (logs / "2.err").read_text()  # `bad` fails again
    doc = json.loads((logs / "2.out").read_text())
    assert doc["status"] == "failed"
    assert {tid: task["status"] for tid, task in doc["tasks"].items()} == {
        "bad": "failed",
        "hold": "completed",
        "alert": "completed",
        "not_all_failed": "skipped",
        "cleanup": "completed",
    }
    assert sorted(side.read_text().splitlines()) == ["alert 1", "cleanup 2"]
    _, events = events_of(data_dir)
    started = [e["task_id"] for e in events if e["type"] == "task_started"]
    assert started.count("alert") == 1
    assert started.count("cleanup") == 1
    assert "not_all_failed" not in started
    skips = [e for e in events if e["type"] == "task_skipped"]
    assert [e["task_id"] for e in skips] == ["not_all_failed"]
    assert skips[0]["data"]["reason"] == "trigger rule all_failed: upstream task 'alert' completed"
