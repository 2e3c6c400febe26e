"""kill -9 of a real `harmoniad` right after it acknowledged an operator fix (complete, skip,
retry with an input override): after the restart the action holds - recorded once, the task's
result is the operator's, the override is used - and the execution goes on to its end without
running the fixed task again.

What is below the fixed task blocks on a release file, so the kill always lands while the
execution still runs; every shell task appends to a side file, so "ran again" is counted.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers.daemon_testing import Harmoniad

BLOCK = 'echo "$1" >> "$2"; while [ ! -f "$3" ]; do sleep 0.02; done'


def recorded(word: str, **more: Any) -> dict[str, Any]:
    """A shell task that appends `word` to the side file, then waits for the release file."""
    command = ["sh", "-c", BLOCK, "sh", word, "${input.log}", "${input.release}"]
    return {"component": "shell", "action": "run", "input": {"command": command}, **more}


FLOW = {
    "name": "fix-crash",
    "input": {"log": {"type": "string"}, "release": {"type": "string"}},
    "defaults": {"retry_policy": {"max_retries": 0}},
    "tasks": {
        "a": recorded("a"),
        "b": {
            "component": "shell",
            "action": "run",
            "depends_on": ["a"],
            "input": {"command": ["sh", "-c", 'echo b >> "$1"; exit 3', "sh", "${input.log}"]},
        },
        "c": recorded("c", depends_on=["b"]),
    },
}


def act(api: Any, execution_id: str, action: str, log: Path) -> None:
    base = f"/api/v1/executions/{execution_id}/tasks/b"
    if action == "complete":
        answer = api.post(f"{base}/complete", json={"output": {"rows": 1}, "by": "crash-test"})
    elif action == "skip":
        answer = api.post(f"{base}/skip", json={"reason": "crash", "by": "crash-test"})
    else:
        fixed = ["sh", "-c", 'echo b-fixed >> "$1"', "sh", str(log)]
        answer = api.post(f"{base}/retry", json={"input": {"command": fixed}, "by": "crash-test"})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("action", ["complete", "skip", "retry"])
def test_kill_9_right_after_a_fix_is_acknowledged(tmp_path: Path, action: str) -> None:
    log, release = tmp_path / "ran.log", tmp_path / "release"
    release.touch()  # the first run goes straight to b's failure
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        with daemon.client() as api:
            answer = api.post(
                "/api/v1/executions",
                json={"workflow": FLOW, "input": {"log": str(log), "release": str(release)}},
            )
            assert answer.status_code == 201, answer.text
            execution_id = answer.json()["id"]
            assert daemon.wait_finished(execution_id)["status"] == "failed"
            release.unlink()  # what runs after the fix blocks until the test lets it go
            act(api, execution_id, action, log)
        daemon.kill()  # acknowledged: from here on it must hold whatever happened after

        daemon.start()
        release.touch()
        final = daemon.wait_finished(execution_id)
    finally:
        daemon.kill()
    assert final["status"] == "completed", final
    runs = Counter(log.read_text().split())
    assert runs["a"] == 1 and runs["b"] == 1  # neither the upstream nor the failure ran again
    journal = (tmp_path / "data" / "executions" / execution_id / "journal.jsonl").read_text()
    b = final["tasks"]["b"]
    if action == "retry":
        # the fixed command runs at once: killed before its end was journaled, it runs again
        # (at least once); what must hold is that the retry, with its override, survived
        assert runs["b-fixed"] >= 1
        assert b["status"] == "completed" and b["input_override"] is not None
        assert journal.count('"reason":"retry"') == 1
        assert final["tasks"]["c"]["status"] == "completed"
    else:
        kind = "task_completed_by_operator" if action == "complete" else "task_skipped_by_operator"
        assert journal.count(f'"type":"{kind}"') == 1
        assert b["operator"]["by"] == "crash-test"
        assert b["status"] == ("completed" if action == "complete" else "skipped")
        assert final["tasks"]["c"]["status"] == ("completed" if action == "complete" else "skipped")
