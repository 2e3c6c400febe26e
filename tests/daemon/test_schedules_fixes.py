"""Schedules on a real daemon, two fixes: a paused run has not finished, so the overlap policy
counts it (a `skip` schedule starts nothing while its run is paused, and goes on once it ends);
and deleting a workflow disables the schedules made for it through the API (shown, logged,
not unpausable) instead of leaving them to fail at every planned time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from helpers.daemon_testing import Harmoniad, chain_workflow, echo_workflow

API = "/api/v1/schedules"


@pytest.fixture
def client(daemon: Harmoniad) -> Iterator[httpx.Client]:
    with daemon.client() as c:
        yield c


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 30) -> Any:
    """Poll the daemon (nothing notifies a client of a schedule's state) until `probe()` is
    truthy; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def schedule(client: httpx.Client, sid: str) -> dict[str, Any]:
    return dict(client.get(f"{API}/{sid}").json())


def started(client: httpx.Client, sid: str) -> list[dict[str, Any]]:
    return [r for r in schedule(client, sid)["runs"] if r["state"] == "started"]


def test_a_paused_run_counts_for_overlap(client: httpx.Client, daemon: Harmoniad) -> None:
    wf = client.post("/api/v1/workflows", json=chain_workflow(3, 0.3, "paused-run")).json()["id"]
    body = {"workflow_id": wf, "interval": 1, "overlap": "skip", "grace": 5}
    sid = client.post(API, json=body).json()["id"]
    first = wait_for("a first run", lambda: started(client, sid))[0]
    execution_id = first["execution_id"]
    assert client.post(f"/api/v1/executions/{execution_id}/pause").status_code == 200
    wait_for(
        "the run to be paused",
        lambda: client.get(f"/api/v1/executions/{execution_id}").json()["status"] == "paused",
    )
    skipped_before = schedule(client, sid)["skipped"]
    wait_for(
        "two planned times skipped", lambda: schedule(client, sid)["skipped"] >= skipped_before + 2
    )
    assert [r["execution_id"] for r in schedule(client, sid)["runs"]] == [execution_id]
    assert client.post(f"/api/v1/executions/{execution_id}/resume").status_code == 200
    assert daemon.wait_finished(execution_id)["status"] == "completed"
    runs = wait_for("a run after the paused one ended", lambda: started(client, sid)[1:])
    assert runs[0]["execution_id"] != execution_id
    client.delete(f"{API}/{sid}")


def test_deleting_the_workflow_disables_its_schedules(
    client: httpx.Client, daemon: Harmoniad
) -> None:
    wf = client.post("/api/v1/workflows", json=echo_workflow("doomed")).json()["id"]
    sid = client.post(API, json={"workflow_id": wf, "interval": 1}).json()["id"]
    wait_for("a first run", lambda: schedule(client, sid)["runs"])
    assert client.delete(f"/api/v1/workflows/{wf}").status_code == 200
    shown = schedule(client, sid)
    assert shown["paused"] is True and shown["next_planned_at"] is None
    assert shown["disabled"] == f"its workflow {wf} was deleted"
    daemon.wait_for_log(f"schedule {sid} disabled")
    runs = len(shown["runs"])
    unpause = client.post(f"{API}/{sid}/unpause")
    assert unpause.status_code == 409 and "disabled" in unpause.json()["message"]
    listed = [s for s in client.get(API).json()["items"] if s["id"] == sid]
    assert listed[0]["disabled"] and len(listed[0]["runs"]) == runs
    assert client.delete(f"{API}/{sid}").status_code == 204
