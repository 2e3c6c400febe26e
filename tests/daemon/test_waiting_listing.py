"""`waiting_count` in the executions listing through a real `harmoniad`: how many tasks wait
for a person, right after each action that changes it (a gate reached, approved, rejected,
completed or skipped by hand), in the ETag, the OpenAPI document and the Python client, and
across a restart of the daemon (a running execution recovered, a paused one read back)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.daemon_testing import Harmoniad, gated_workflow, start_waiting

from harmonia.client import Client


@pytest.fixture
def client(daemon: Harmoniad) -> Iterator[Client]:
    with Client(daemon.url, data_dir=daemon.data_dir) as connected:
        yield connected


def two_gates(name: str) -> dict[str, Any]:
    """Two gates side by side after `build`."""
    workflow = gated_workflow(name, "first?")
    workflow["tasks"]["gate2"] = {
        "component": "core",
        "action": "approve",
        "depends_on": ["build"],
        "input": {"message": "second?"},
    }
    return workflow


def listed(api: httpx.Client, execution_id: str) -> dict[str, Any]:
    rows = api.get("/api/v1/executions", params={"limit": 1000}).json()["items"]
    return next(row for row in rows if row["id"] == execution_id)


def wait_both_waiting(client: Client, execution_id: str) -> None:
    stream = client.events(execution_id, follow=True)
    try:
        waiting: set[str] = set()
        for event in stream:
            if event.type == "task_waiting":
                waiting.add(str(event.task_id))
            if waiting == {"gate", "gate2"}:
                return
    finally:
        stream.close()


def test_the_listing_counts_waiting_tasks_after_each_decision(
    daemon: Harmoniad, api: httpx.Client, client: Client
) -> None:
    execution_id = client.start_execution(workflow=two_gates("two-gates")).id
    wait_both_waiting(client, execution_id)
    first = api.get("/api/v1/executions", params={"limit": 1000})
    assert listed(api, execution_id)["waiting_count"] == 2
    summary = next(s for s in client.list_executions(limit=1000).items if s.id == execution_id)
    assert summary.waiting_count == 2

    client.approve_task(execution_id, "gate", by="alice")
    assert listed(api, execution_id)["waiting_count"] == 1  # the very next request
    changed = api.get("/api/v1/executions", headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200
    client.reject_task(execution_id, "gate2", reason="no", by="bob")
    row = listed(api, execution_id)
    assert row["waiting_count"] == 0
    final = daemon.wait_finished(execution_id)
    assert listed(api, execution_id)["waiting_count"] == 0 and final["status"] == "failed"


def test_complete_and_skip_by_hand_take_a_task_off_the_waiting_count(
    daemon: Harmoniad, api: httpx.Client, client: Client
) -> None:
    execution_id = client.start_execution(workflow=two_gates("two-gates-fixed")).id
    wait_both_waiting(client, execution_id)
    client.complete_task(execution_id, "gate", {"approved": True}, by="ops")
    assert listed(api, execution_id)["waiting_count"] == 1
    client.skip_task(execution_id, "gate2", by="ops")
    assert listed(api, execution_id)["waiting_count"] == 0
    assert daemon.wait_finished(execution_id)["status"] == "completed"


def test_the_openapi_document_has_the_field(api: httpx.Client) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    field = schemas["ExecutionSummary"]["properties"]["waiting_count"]
    assert field["type"] == "integer" and field["minimum"] == 0
    assert "waiting_count" in schemas["ExecutionSummary"]["required"]


def test_waiting_is_listed_again_after_a_restart(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data", "--no-access-log").start()
    try:
        with Client(daemon.url, data_dir=daemon.data_dir) as client:
            running = start_waiting(client, gated_workflow("restart-gate", "go?"))
            paused = start_waiting(client, gated_workflow("restart-paused", "go?"))
            client.pause(paused)
        assert daemon.terminate() == 0
        daemon.start()
        with daemon.client() as api:
            for execution_id in (running, paused):
                row = listed(api, execution_id)
                assert row["waiting_count"] == 1, row
            assert listed(api, paused)["status"] == "paused"
            answer = api.post(f"/api/v1/executions/{running}/tasks/gate/approve")
            assert answer.status_code == 200, answer.text
            assert listed(api, running)["waiting_count"] == 0
    finally:
        daemon.terminate()
