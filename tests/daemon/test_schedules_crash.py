"""kill -9 of the daemon while a scheduled run is due: after a restart no planned time has
started twice and none is lost. The daemon is killed by itself at the exact point (see
`helpers/schedule_crash_main.py`): right after the planned time was recorded as `starting`,
or right after its execution was started, before the execution id was recorded."""

from __future__ import annotations

import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from helpers.daemon_testing import Harmoniad, echo_workflow

HELPERS = Path(__file__).resolve().parents[1] / "helpers"
API = "/api/v1/schedules"


def crashing(data_dir: Path, mode: str) -> Harmoniad:
    command = [sys.executable, str(HELPERS / "schedule_crash_main.py"), mode, "harmoniad"]
    return Harmoniad(data_dir, command=command)


def claimed_runs(data_dir: Path) -> list[dict[str, Any]]:
    document = orjson.loads((data_dir / "schedules.json").read_bytes())
    return [run for s in document["schedules"] for run in s["runs"]]


def scheduled_executions(client: httpx.Client) -> list[dict[str, Any]]:
    items = client.get("/api/v1/executions", params={"limit": 1000}).json()["items"]
    documents = [client.get(f"/api/v1/executions/{e['id']}").json() for e in items]
    return [d for d in documents if d.get("trigger")]


def wait_settled(client: httpx.Client, sid: str) -> list[dict[str, Any]]:
    """The schedule's runs once none is `starting` any more (within 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = client.get(f"{API}/{sid}").json()["runs"]
        if runs and all(r["state"] != "starting" for r in runs):
            return list(runs)
        time.sleep(0.05)
    raise AssertionError(f"runs never settled: {runs}")


@pytest.mark.parametrize("mode", ["after-claim", "after-start"])
def test_kill_9_while_a_scheduled_run_starts(tmp_path: Path, mode: str) -> None:
    data_dir = tmp_path / "data"
    daemon = crashing(data_dir, mode).start()
    with daemon.client() as client:
        workflow_id = client.post("/api/v1/workflows", json=echo_workflow("tick")).json()["id"]
        body = {"workflow_id": workflow_id, "interval": 1, "missed": "skip", "overlap": "allow"}
        sid = client.post(API, json=body).json()["id"]
    assert daemon.process is not None
    assert daemon.process.wait(timeout=30) == -signal.SIGKILL  # at its first planned time
    claimed = claimed_runs(data_dir)
    assert [r["state"] for r in claimed] == ["starting"] and claimed[0]["execution_id"] is None
    planned = claimed[0]["planned_at"]

    with Harmoniad(data_dir) as again, again.client() as client:
        runs = wait_settled(client, sid)
        first = runs[0]
        assert first["planned_at"].startswith(time.strftime("%Y-%m-%dT", time.gmtime(planned)))
        assert first["state"] == "started" and first["execution_id"]
        executions = scheduled_executions(client)
        by_time = Counter(e["trigger"]["planned_at"] for e in executions)
        assert by_time[planned] == 1, by_time  # not lost, not started twice
        assert all(n == 1 for n in by_time.values()), by_time
        ids = {e["id"] for e in executions if e["trigger"]["planned_at"] == planned}
        assert ids == {first["execution_id"]}
        assert again.wait_finished(first["execution_id"])["status"] == "completed"
