"""One damaged file damages one execution, never the daemon: through a real `harmoniad`.

Executions are created, the daemon is stopped, files are damaged the way a disk or an editor
would (a flipped byte, a garbage line, a duplicated seq in the middle of journals; a cut
snapshot), and the daemon is started again: it comes up healthy, the damaged executions are
listed as `damaged` with the file, line and byte, every operator action on them is a 409
`execution_damaged`, the interrupted healthy one resumes, and the damaged files are kept byte
for byte. Before this change the daemon refused to start (exit 1, a traceback).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from helpers.daemon_testing import Harmoniad, echo_workflow, read_sse, sse_stream, start_execution
from helpers.workflows import task


def gate_workflow(gate: Path, name: str) -> dict[str, Any]:
    """`first` then `held`, which runs until the test creates the gate file."""
    return {
        "name": name,
        "tasks": {
            "first": task("core.echo", input={"n": 1}),
            "held": {
                "component": "shell",
                "action": "run",
                "depends_on": ["first"],
                "input": {
                    "command": [
                        "sh",
                        "-c",
                        'while [ ! -e "$1" ]; do sleep 0.02; done',
                        "sh",
                        str(gate),
                    ]
                },
            },
        },
    }


def journal(data_dir: Path, execution_id: str) -> Path:
    return data_dir / "executions" / execution_id / "journal.jsonl"


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def wait_started(daemon: Harmoniad, execution_id: str, task: str) -> None:
    """Follow the SSE stream until `task` has started (no polling)."""
    with daemon.client() as client:
        seen: list[Any] = []

        def started() -> bool:
            return any(
                e.event == "task_started" and json.loads(e.data)["task_id"] == task for e in seen
            )

        with sse_stream(client, f"/events/executions/{execution_id}?after=0") as events:
            for sse in events:
                seen.append(sse)
                if started():
                    return
    raise AssertionError(f"{task} never started")


def test_damaged_executions_are_set_aside_and_the_rest_goes_on(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    gate = tmp_path / "gate"
    daemon = Harmoniad(data_dir)
    with daemon:
        with daemon.client() as client:
            flipped, garbled, doubled, cut = (
                start_execution(client, echo_workflow(f"done-{n}")) for n in range(4)
            )
            for execution_id in (flipped, garbled, doubled, cut):
                assert daemon.wait_finished(execution_id)["status"] == "completed"
            waiting = start_execution(client, gate_workflow(gate, "waiting"))
            torn = start_execution(client, gate_workflow(gate, "torn"))
        wait_started(daemon, waiting, "held")
        wait_started(daemon, torn, "held")
    # stopped (SIGTERM): `waiting` and `torn` were running and are interrupted

    evidence: dict[str, bytes] = {}
    # a flipped bit in a digit of line 2 of 6: still JSON, only its checksum knows
    path = journal(data_dir, flipped)
    data = bytearray(path.read_bytes())
    flip_line_start = len(lines(path)[0])
    data[flip_line_start + lines(path)[1].index(b'"ts":') + 6] ^= 0x02
    path.write_bytes(bytes(data))
    evidence[flipped] = bytes(data)
    # a garbage line before line 3
    path = journal(data_dir, garbled)
    parts = lines(path)
    garbage_at = len(parts[0]) + len(parts[1])
    path.write_bytes(b"".join([*parts[:2], b"this is not an event\n", *parts[2:]]))
    evidence[garbled] = path.read_bytes()
    # line 3 written twice
    path = journal(data_dir, doubled)
    parts = lines(path)
    duplicate_at = sum(map(len, parts[:3]))
    path.write_bytes(b"".join([*parts[:3], parts[2], *parts[3:]]))
    evidence[doubled] = path.read_bytes()
    # a snapshot cut short
    state_file = data_dir / "executions" / cut / "state.json"
    state_file.write_bytes(state_file.read_bytes()[:100])
    evidence[cut] = state_file.read_bytes()
    # an interrupted execution whose journal is damaged in its first line: the daemon used to
    # refuse to start over this one
    path = journal(data_dir, torn)
    data = bytearray(path.read_bytes())
    data[1] = ord("X")
    path.write_bytes(bytes(data))
    evidence[torn] = bytes(data)

    with daemon, daemon.client() as client:
        # the resumed one is live: the others are checked
        daemon.wait_for_log("damage check: 5 stored execution(s) checked, 5 damaged")
        assert client.get("/health").json()["status"] == "ok"
        listed = {e["id"]: e for e in client.get("/api/v1/executions").json()["items"]}
        assert len(listed) == 6
        assert {i for i, e in listed.items() if e["status"] == "damaged"} == {
            flipped,
            garbled,
            doubled,
            cut,
            torn,
        }

        def where(execution_id: str) -> dict[str, Any]:
            damage = listed[execution_id]["damage"]
            assert damage is not None
            [item] = damage["files"]
            return dict(item)

        assert where(flipped)["line"] == 2 and where(flipped)["offset"] == flip_line_start
        assert "checksum" in where(flipped)["reason"]
        assert (where(garbled)["line"], where(garbled)["offset"]) == (3, garbage_at)
        assert "not valid JSON" in where(garbled)["reason"]
        assert (where(doubled)["line"], where(doubled)["offset"]) == (4, duplicate_at)
        assert where(doubled)["reason"] == "seq 3 repeats the line before"
        assert where(cut)["file"] == f"executions/{cut}/state.json"
        assert where(cut)["offset"] == 100
        assert where(torn)["line"] == 1 and listed[torn]["damage"]["status"] == "running"

        # what can still be read is shown: the final snapshot covers the doubled line...
        doc = client.get(f"/api/v1/executions/{doubled}").json()
        assert doc["status"] == "damaged" and doc["damage"]["status"] == "completed"
        assert doc["tasks"]["bye"]["output"] == {"prev": "hi world"}
        # ...and without its snapshot an execution is rebuilt from its journal alone
        doc = client.get(f"/api/v1/executions/{cut}").json()
        assert (doc["status"], doc["workflow"], doc["damage"]["status"]) == (
            "damaged",
            "done-3",
            "completed",
        )
        assert {t: s["status"] for t, s in doc["tasks"].items()} == {
            "hello": "completed",
            "bye": "completed",
        }
        # the evidence: untouched, and kept aside byte for byte
        for execution_id, damaged in evidence.items():
            item = where(execution_id)
            assert (data_dir / item["file"]).read_bytes() == damaged
            assert (data_dir / item["kept_as"]).read_bytes() == damaged

        # the command line shows the same through the daemon
        shown = subprocess.run(
            [sys.executable, "-m", "harmonia.cli.main", "show", garbled, "--url", daemon.url],
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1", "HARMONIA_HOME": str(data_dir)},
            timeout=60,
        )
        assert shown.returncode == 0, shown.stderr
        assert "status     damaged" in shown.stdout
        assert f"journal.jsonl: line 3, byte {garbage_at}: not valid JSON" in shown.stdout
        assert f"kept as {where(garbled)['kept_as']}" in shown.stdout

        # nothing runs a damaged execution
        for action in ("resume", "cancel", "checkpoint", "tasks/hello/retry"):
            answer = client.post(f"/api/v1/executions/{garbled}/{action}")
            assert answer.status_code == 409, answer.text
            assert answer.json()["code"] == "execution_damaged"
            assert "line 3" in answer.json()["message"]
        assert journal(data_dir, garbled).read_bytes() == evidence[garbled]

        # the interrupted healthy one was resumed
        gate.touch()
        assert daemon.wait_finished(waiting)["status"] == "completed"

        # an operator resumes one from its readable part
        answer = client.post(f"/api/v1/executions/{torn}/resume", json={"from_damaged": True})
        assert answer.status_code == 200, answer.text
        final = daemon.wait_finished(torn)
        assert final["status"] == "completed" and final["damage"] is None
        assert (data_dir / where(torn)["kept_as"]).read_bytes() == evidence[torn]
        answer = client.post(f"/api/v1/executions/{cut}/resume", json={"from_damaged": True})
        assert answer.status_code == 409 and "state.json" in answer.json()["message"]
        answer = client.post(f"/api/v1/executions/{waiting}/resume", json={"from_damaged": True})
        assert answer.status_code == 409 and "not damaged" in answer.json()["message"]
        events = [json.loads(e.data) for e in read_sse(client, f"/events/executions/{torn}")]
        assert events[0]["type"] == "journal_repaired"
        assert events[0]["data"]["after_seq"] == 0


def test_a_damaged_catalog_does_not_stop_the_daemon(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    daemon = Harmoniad(data_dir)
    with daemon, daemon.client() as client:
        done = start_execution(client, echo_workflow())
        daemon.wait_finished(done)
    catalog = data_dir / "catalog.json"
    catalog.write_bytes(catalog.read_bytes()[:-3])
    with daemon:
        assert httpx.get(f"{daemon.url}/health").json()["status"] == "ok"
        daemon.wait_for_log("catalog.json: not valid JSON")
