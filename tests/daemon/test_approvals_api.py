"""Approval gates through a real `harmoniad`: approve and reject over HTTP, who decided and
why in the journal, 409/404/422 answers that record nothing, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx
from helpers.daemon_testing import Harmoniad, gated_workflow, sse_stream, start_execution


def gated(**gate_input: Any) -> dict[str, Any]:
    workflow = gated_workflow("gated", "deploy build ${tasks.build.output.v}?", **gate_input)
    workflow["tasks"]["deploy"]["input"] = {"by": "${tasks.gate.output.by}"}
    return workflow


def start_waiting(api: httpx.Client, workflow: dict[str, Any] | None = None) -> str:
    """Start a gated workflow and return once its `task_waiting` event was streamed."""
    execution_id = start_execution(api, workflow or gated())
    with sse_stream(api, f"/events/executions/{execution_id}") as events:
        for sse in events:
            if sse.event == "task_waiting":
                break
    return execution_id


def events_of(api: httpx.Client, execution_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/api/v1/executions/{execution_id}/events").json()["items"])


def test_approve_completes_the_gate_and_records_who_and_why(
    daemon: Harmoniad, api: httpx.Client
) -> None:
    execution_id = start_waiting(api)
    shown = api.get(f"/api/v1/executions/{execution_id}").json()
    assert shown["status"] == "running"
    gate = shown["tasks"]["gate"]
    assert gate["status"] == "waiting"
    assert gate["history"][-1]["waiting"]["message"] == "deploy build 1?"

    answer = api.post(
        f"/api/v1/executions/{execution_id}/tasks/gate/approve",
        json={"reason": "checked the diff", "by": "alice"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["decision"], body["by"], body["reason"]) == (
        "approved",
        "alice",
        "checked the diff",
    )
    done = daemon.wait_finished(execution_id)
    assert done["status"] == "completed"
    assert done["tasks"]["gate"]["output"]["by"] == "alice"
    assert done["tasks"]["deploy"]["output"] == {"by": "alice"}
    decided = [e for e in events_of(api, execution_id) if e["type"] == "approval_decided"]
    assert len(decided) == 1
    assert decided[0]["task_id"] == "gate"
    assert decided[0]["data"]["by"] == "alice"
    assert decided[0]["data"]["reason"] == "checked the diff"


def test_reject_without_a_body_fails_the_gate_as_rejected_by_the_client(
    daemon: Harmoniad, api: httpx.Client
) -> None:
    execution_id = start_waiting(api)
    answer = api.post(f"/api/v1/executions/{execution_id}/tasks/gate/reject")
    assert answer.status_code == 200, answer.text
    assert answer.json()["by"] == "python-httpx"  # the User-Agent's product name
    done = daemon.wait_finished(execution_id)
    assert done["status"] == "failed"
    assert done["tasks"]["gate"]["error"]["kind"] == "rejected"
    assert done["tasks"]["deploy"]["status"] == "pending"


def test_a_decision_on_a_task_that_is_not_waiting_is_409_and_records_nothing(
    daemon: Harmoniad, api: httpx.Client
) -> None:
    execution_id = start_waiting(api)
    before = events_of(api, execution_id)
    for task, verb in (("build", "approve"), ("deploy", "reject")):
        answer = api.post(f"/api/v1/executions/{execution_id}/tasks/{task}/{verb}", json={})
        assert answer.status_code == 409, answer.text
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json()["code"] == "conflict"
        assert "not waiting for approval" in answer.json()["message"]
    missing = api.post(f"/api/v1/executions/{execution_id}/tasks/nope/approve")
    assert missing.status_code == 404, missing.text
    unknown = api.post("/api/v1/executions/ex-000000000000/tasks/gate/approve")
    assert unknown.status_code == 404, unknown.text
    bad = api.post(f"/api/v1/executions/{execution_id}/tasks/gate/approve", json={"verdict": "yes"})
    assert bad.status_code == 422, bad.text
    assert events_of(api, execution_id) == before
    assert api.post(f"/api/v1/executions/{execution_id}/tasks/gate/approve").status_code == 200
    assert daemon.wait_finished(execution_id)["status"] == "completed"


def test_the_openapi_document_describes_both_actions(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for verb in ("approve", "reject"):
        operation = paths[f"/api/v1/executions/{{id}}/tasks/{{task_id}}/{verb}"]["post"]
        assert set(operation["responses"]) >= {"200", "404", "409", "422"}
        assert "requestBody" in operation


def test_a_gate_with_a_bad_timeout_is_refused_when_started(api: httpx.Client) -> None:
    answer = api.post("/api/v1/executions", json={"workflow": gated(timeout="soon")})
    assert answer.status_code == 422, answer.text
    assert "timeout" in answer.text
